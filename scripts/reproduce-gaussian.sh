#!/usr/bin/env bash
# Runs the Gaussian-mixture experiments of docs/results/gaussian.md (quick preset, the best
# backend here) into runs/gaussian/, then prints the table. Usage: scripts/reproduce-gaussian.sh [preset]
set -euo pipefail
preset="${1:-quick}"
gantry() { node packages/cli/dist/bin.js "$@"; }
for lambda in 0.1 0.01; do
  for seed in 1 2 3; do
    gantry train --preset "$preset" --recipe vcagan --lambda-creg "$lambda" --seed "$seed" --out "runs/gaussian/$preset-vcagan-$lambda-seed$seed" --force
  done
done
for lambda in 1 10; do
  gantry train --preset "$preset" --recipe vcagan --lambda-creg "$lambda" --seed 1 --out "runs/gaussian/$preset-vcagan-$lambda-seed1" --force
done
gantry train --preset "$preset" --recipe vanilla --seed 1 --out "runs/gaussian/$preset-vanilla-seed1" --force
gantry train --preset "$preset" --recipe infogan --seed 1 --out "runs/gaussian/$preset-infogan-8-seed1" --force
gantry train --preset "$preset" --recipe infogan --probabilities 0.1,0.2,0.3,0.4 --seed 1 --out "runs/gaussian/$preset-infogan-4-seed1" --force
node scripts/gaussian-table.mjs runs/gaussian
