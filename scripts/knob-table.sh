#!/usr/bin/env bash
# The knob table of docs/cost-model.md: VGG-8 (2 inputs) on configs/default.yaml with one key changed at a
# time; energy per inference, latency, area and TOPS/W (achieved and peak). Prints Markdown.
#   scripts/knob-table.sh            # uses build/cimsim
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/cimsim-binary.sh
source "$root/scripts/cimsim-binary.sh"
cimsim=$(cimsim_binary "$root" knob-table)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| knob | value | energy/inference (uJ) | of which leakage (uJ) | latency (us) | area (mm2) | TOPS/W | peak TOPS/W |"
echo "|---|---|---|---|---|---|---|---|"
row() {  # row KNOB VALUE YAML-OVERRIDE
  local f="$work/c.yaml"
  /usr/bin/python3 "$root/scripts/config_with.py" "$root/configs/default.yaml" "$3" >"$f"
  "$cimsim" run --hw "$f" --net vgg8 --inputs 2 -q --json "$work/r.json" 2>/dev/null
  /usr/bin/python3 - "$1" "$2" "$work/r.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[3]))
e = j["energy_pj"]; eff = j["efficiency"]
print(f"| {sys.argv[1]} | {sys.argv[2]} | {e['total']/1e6:.1f} | {e['leakage']/1e6:.1f} | "
      f"{j['latency']['ns']/1e3:.0f} | {j['area_mm2']['total']:.2f} | {eff['achieved']['tops_per_w']:.3f} | "
      f"{eff['peak']['tops_per_w']:.2f} |")
EOF
}
row "baseline" "default.yaml" '{}'
for b in 1 2 4; do row "crossbar.bits_per_cell (adc auto)" "$b" "crossbar: {bits_per_cell: $b}"; done
for b in 1 2 4; do row "dac.bits (adc auto)" "$b" "dac: {bits: $b}"; done
for n in 64 128 256 512; do row "crossbar rows x cols (adc auto)" "$n" "crossbar: {rows: $n, cols: $n}"; done
for b in 6 8 10 12; do row "adc.bits (fixed)" "$b" "adc: {bits: $b}"; done
for n in 65 45 32 22 14; do row "technology.node_nm" "$n" "technology: {node_nm: $n}"; done
for c in 0.6 1.2 2.4; do row "technology.clock_ghz" "$c" "technology: {clock_ghz: $c}"; done
for l in 0.2 2; do row "adc.leakage_mw (pinned)" "$l" "adc: {leakage_mw: $l}"; done
for k in edram sram; do row "tile.buffer.kind" "$k" "tile: {buffer: {kind: $k}}"; done
for s in 8 16 64 256; do row "tile.buffer.size_kib" "$s" "tile: {buffer: {size_kib: $s}}"; done
for g in none idle_tiles; do row "chip.power_gating (isaac mesh, 168 tiles)" "$g" "chip: {tiles: [12, 14], power_gating: $g}"; done
