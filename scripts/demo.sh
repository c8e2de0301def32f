#!/usr/bin/env bash
# Set-up, build, and the project's main job on the built-in default config: DARTS-V1, DARTS-V2 and P-DARTS
# each on its own chip and on the all-inclusive hypernetwork chip (docs/hypernet.md); then one run of
# VGG-8 with every report. Outputs go under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p out
./build/cimsim compare --hw default --nets darts_v1,darts_v2,pdarts \
  --json out/compare-default.json --csv out/compare-default.csv "$@"
echo
./build/cimsim run --hw default --net vgg8 --json out/vgg8-default.json --csv out/vgg8-default \
  --vcd out/vgg8-default.vcd -q
echo "out/: compare-default.{json,csv}; vgg8-default.json, vgg8-default/{layers,components}.csv, vgg8-default.vcd (gtkwave out/vgg8-default.vcd.gtkw)"
