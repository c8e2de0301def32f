#!/usr/bin/env bash
# The ratio table of docs/hypernet.md: hypernetwork / individual deployment of DARTS-V1, V2 and PDARTS
# (cimsim compare) on the shipped configs, both mappings, without power gating and with the unselected
# candidates (and idle tiles) gated. Prints Markdown.   scripts/hypernet-table.sh   (uses build/cimsim)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/cimsim-binary.sh
source "$root/scripts/cimsim-binary.sh"
cimsim=$(cimsim_binary "$root" hypernet-table)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| config, mapping | chip.power_gating | net | latency | energy | power | area | tiles (ind. / hyper) |"
echo "|---|---|---|---:|---:|---:|---:|---:|"
for hw in default isaac edge-rram; do
  for mapping in compiled isaac; do
    for gating in none unselected; do
      /usr/bin/python3 "$root/scripts/config_with.py" "$root/configs/$hw.yaml" \
        "{chip: {power_gating: $gating}}" >"$work/$hw.yaml"
      "$cimsim" compare --hw "$work/$hw.yaml" --mapping "$mapping" -q --json "$work/c.json" 2>/dev/null
      /usr/bin/python3 - "$work/c.json" "$hw, $mapping" "$gating" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for i, r in enumerate(j["rows"]):
    q = r["ratio"]
    label = sys.argv[2] if i == 0 else ""
    gating = sys.argv[3] if i == 0 else ""
    print(f"| {label} | {gating} | {r['net']} | {q['latency']:.3f} | {q['energy']:.3f} | {q['power']:.3f} | "
          f"{q['area']:.3f} | {r['individual']['tiles']} / {r['hypernet']['tiles']} |")
PY
    done
  done
done
