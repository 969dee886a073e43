#!/usr/bin/env bash
# Guide "Train on your own data" (docs/guides/own-data.md): the gantry command on a CSV and a
# JSON file of points and on a folder of PNGs. STEPS=40 bash own-data.sh for a quick check.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$PWD/node_modules/@gantry/cli/dist/bin.js"
gantry() { node "$bin" "$@"; }
STEPS=${STEPS:-5000}
node make-data.mjs "$work/data"
cd "$work"

# #region commands
# Points with labels: the labels are used only to evaluate the classifier (VCAGAN never sees them).
gantry train --data data/points.csv --label-column label --steps "$STEPS" --out runs/csv
# Points without labels: the evaluation then reports P(C), its entropy and the samples only.
gantry train --data data/points.json --steps "$STEPS" --out runs/json
# Labels added afterwards: evaluate the JSON run's classifier on the labelled CSV.
gantry eval --run runs/json --data data/points.csv --label-column label
# A folder of PNGs (one size, any colour type): VCAGAN with the image CNNs.
gantry train --data data/shapes --steps "$STEPS" --channels 16,32 --out runs/png
# #endregion commands
