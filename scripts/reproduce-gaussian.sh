#!/usr/bin/env bash
# Runs the Gaussian-mixture experiments of docs/results/gaussian.md (quick preset, the best
# backend here) into runs/gaussian/, then prints the table. Usage: scripts/reproduce-gaussian.sh [preset]
set -euo pipefail
preset="${1:-quick}"
gantry() { node packages/cli/dist/bin.js "$@"; }
vcagan() { gantry train --preset "$preset" --recipe vcagan --lambda-creg "$1" --seed "$2" --out "runs/gaussian/$preset-vcagan-$1-seed$2" --force; }
for seed in 1 2 3 4 5 6; do vcagan 0.1 "$seed"; done
for seed in 1 2 3; do vcagan 0.01 "$seed"; done
for seed in 1 2; do vcagan 1 "$seed"; done
vcagan 10 1
gantry train --preset "$preset" --recipe vanilla --seed 1 --out "runs/gaussian/$preset-vanilla-seed1" --force
gantry train --preset "$preset" --recipe infogan --seed 1 --out "runs/gaussian/$preset-infogan-8-seed1" --force
gantry train --preset "$preset" --recipe infogan --probabilities 0.1,0.2,0.3,0.4 --seed 1 --out "runs/gaussian/$preset-infogan-4-seed1" --force
node scripts/gaussian-table.mjs runs/gaussian
