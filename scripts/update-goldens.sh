#!/usr/bin/env bash
# Regenerates the golden reports tests/golden/vgg8-<config>.json (checked by tests/test_golden.cpp), one
# per shipped config (configs/*.yaml). Run it on purpose, after a deliberate model change, and review
# `git diff tests/golden` before committing: the diff is what the change did to the numbers.
#
#   scripts/update-goldens.sh              # builds build/ if needed, uses build/cimsim
#   CIMSIM=path/to/cimsim scripts/update-goldens.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/cimsim-binary.sh
source "$root/scripts/cimsim-binary.sh"
cimsim=$(cimsim_binary "$root" update-goldens)

mkdir -p "$root/tests/golden"
for yaml in "$root"/configs/*.yaml; do
  config=$(basename "$yaml" .yaml)
  out=$root/tests/golden/vgg8-$config.json
  # The same command as tests/test_golden.cpp.
  "$cimsim" run --hw "$config" --net vgg8 -q --json "$out.new"
  mv "$out.new" "$out"
  echo "wrote tests/golden/vgg8-$config.json"
done
