#!/usr/bin/env bash
# Set-up, build, and the main job on the built-in default: VGG-8 on the default chip, pipelined.
# The table goes to the terminal; JSON, CSV and a VCD waveform go under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p out
./build/cimsim run --hw default --net vgg8 --json out/vgg8-default.json --csv out/vgg8-default \
  --vcd out/vgg8-default.vcd "$@"
