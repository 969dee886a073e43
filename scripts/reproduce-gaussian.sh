#!/usr/bin/env bash
# Runs the sweeps of docs/results/gaussian.md into runs/gaussian/<grid>/ (quick preset, the best
# backend here), then prints each sweep's table (also in runs/gaussian/<grid>/sweep.md).
# Usage: scripts/reproduce-gaussian.sh [grid ...]   (default: all grids in docs/results/grids)
# A sweep can be stopped and the same command run again: finished runs are skipped and an
# interrupted one resumes from its checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
grids=("$@")
if [ ${#grids[@]} -eq 0 ]; then grids=(discovery lambda six-components baselines playground six-components-dc16 anneal-six anneal-gauss anneal-five anneal-lambda paper-10k anneal-lambda-30k); fi
for grid in "${grids[@]}"; do
  node packages/cli/dist/bin.js sweep --grid "docs/results/grids/$grid.json" --out "runs/gaussian/$grid"
  cat "runs/gaussian/$grid/sweep.md"
done
