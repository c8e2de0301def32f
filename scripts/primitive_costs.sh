#!/usr/bin/env bash
# Costs of the DARTS hardware primitives on one chip configuration (docs/primitives.md).
#
# Writes one small YAML network per primitive at a representative DARTS setting into a temp dir, runs
# `cimsim run ... --json --csv` and `cimsim map ... --json` on each, and prints a markdown table:
#   normal cell:    C = 36, 32x32, stride 1
#   reduction cell: C = 72, 32x32 -> 16x16, stride 2 (edges from s0/s1)
# then a second table: the hypernetwork supergraph's crossbars with hypernet.sharing none vs shared.
#
# Usage: scripts/primitive_costs.sh [--hw CONFIG] [--bin PATH_TO_CIMSIM] [--write] [--no-hypernet]
#   --hw      a built-in name (default, isaac, edge-rram) or a YAML file; default: default
#   --bin     the cimsim binary; default: $CIMSIM, else build/cimsim
#   --write   replace the table in docs/primitives.md between <!-- primitives:begin --> and
#             <!-- primitives:end --> (otherwise print it)
# Needs only bash and python3's standard library.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

HW=default
BIN=${CIMSIM:-$ROOT/build/cimsim}
WRITE=0
HYPERNET=1
while (($#)); do
  case "$1" in
    --hw) HW=$2; shift 2 ;;
    --bin) BIN=$2; shift 2 ;;
    --write) WRITE=1; shift ;;
    --no-hypernet) HYPERNET=0; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "primitive_costs.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ -x "$BIN" ] || { echo "primitive_costs.sh: no cimsim binary at $BIN (build it, or pass --bin)" >&2; exit 1; }
# a relative config path is relative to where the script was started
if [ -f "$HW" ]; then HW=$(cd "$(dirname "$HW")" && pwd)/$(basename "$HW"); fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/primitive_costs.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- network generators (darts.md, inference form: BN folded into the convs; ReLUs included) ----------
# header NAME C H
header() { printf 'name: %s\ninput: {channels: %d, height: %d, width: %d}\nlayers:\n' "$1" "$2" "$3" "$3"; }

# sep_conv_kxk: ReLU, dw kxk stride s, 1x1, BN, ReLU, dw kxk stride 1, 1x1, BN
sep_conv() {  # NAME C H K S
  local k=$4 s=$5 p=$(($4 / 2))
  header "$1" "$2" "$3"
  cat <<EOF
  - {name: relu1, op: relu}
  - {name: dw1, op: conv, out_channels: $2, kernel: $k, stride: $s, pad: $p, groups: $2}
  - {name: pw1, op: conv, out_channels: $2, kernel: 1}
  - {name: relu2, op: relu}
  - {name: dw2, op: conv, out_channels: $2, kernel: $k, stride: 1, pad: $p, groups: $2}
  - {name: pw2, op: conv, out_channels: $2, kernel: 1}
EOF
}
# dil_conv_kxk: ReLU, dw kxk dilation 2 stride s (pad 2, 4), 1x1, BN
dil_conv() {  # NAME C H K S
  local k=$4 s=$5 p=$((2 * ($4 / 2)))
  header "$1" "$2" "$3"
  cat <<EOF
  - {name: relu1, op: relu}
  - {name: dw, op: conv, out_channels: $2, kernel: $k, stride: $s, pad: $p, dilation: 2, groups: $2}
  - {name: pw, op: conv, out_channels: $2, kernel: 1}
EOF
}
pool() {  # NAME C H OP S   (3x3, pad 1)
  header "$1" "$2" "$3"
  printf '  - {name: pool, op: %s, kernel: 3, stride: %d, pad: 1}\n' "$4" "$5"
}
identity() {  # NAME C H
  header "$1" "$2" "$3"
  printf '  - {name: skip, op: identity}\n'
}
# ReLUConvBN(ci, co): ReLU, 1x1 conv, BN
relu_conv_bn() {  # NAME CI H CO
  header "$1" "$2" "$3"
  printf '  - {name: relu, op: relu}\n  - {name: conv, op: conv, out_channels: %d, kernel: 1}\n' "$4"
}
# FactorizedReduce(ci, co): ReLU, concat[1x1 s2 ci->co/2 on x, 1x1 s2 ci->co/2 on x shifted], BN. The shift
# only changes which pixels are read (same count), so both convs read the ReLU output (as cimsim's DARTS
# builder does).
factorized_reduce() {  # NAME CI H CO
  header "$1" "$2" "$3"
  cat <<EOF
  - {name: relu, op: relu}
  - {name: conv1, op: conv, out_channels: $(($4 / 2)), kernel: 1, stride: 2, inputs: relu}
  - {name: conv2, op: conv, out_channels: $(($4 / 2)), kernel: 1, stride: 2, inputs: relu}
  - {name: concat, op: concat, inputs: [conv1, conv2]}
EOF
}
# the node adder: the sum of two op outputs (two zero-copy identities stand for the two producers)
node_add() {  # NAME C H
  header "$1" "$2" "$3"
  cat <<EOF
  - {name: in_a, op: identity}
  - {name: in_b, op: identity, inputs: input}
  - {name: node, op: add, inputs: [in_a, in_b]}
EOF
}

# ---- the cases: "id|label|setting|generator args" -----------------------------------------------------
CASES=(
  "n_sep3|sep_conv_3x3|C=36, 32x32, s1|sep_conv sep_conv_3x3 36 32 3 1"
  "n_sep5|sep_conv_5x5|C=36, 32x32, s1|sep_conv sep_conv_5x5 36 32 5 1"
  "n_dil3|dil_conv_3x3|C=36, 32x32, s1|dil_conv dil_conv_3x3 36 32 3 1"
  "n_dil5|dil_conv_5x5|C=36, 32x32, s1|dil_conv dil_conv_5x5 36 32 5 1"
  "n_max|max_pool_3x3|C=36, 32x32, s1|pool max_pool_3x3 36 32 max_pool 1"
  "n_avg|avg_pool_3x3|C=36, 32x32, s1|pool avg_pool_3x3 36 32 avg_pool 1"
  "n_skip|skip_connect (identity)|C=36, 32x32, s1|identity skip_connect 36 32"
  "n_rcb|ReLUConvBN(144, 36)|144x32x32 -> 36x32x32|relu_conv_bn relu_conv_bn 144 32 36"
  "n_add|node adder|2 x 36x32x32|node_add node_add 36 32"
  "r_sep3|sep_conv_3x3|C=72, 32->16, s2|sep_conv sep_conv_3x3_s2 72 32 3 2"
  "r_sep5|sep_conv_5x5|C=72, 32->16, s2|sep_conv sep_conv_5x5_s2 72 32 5 2"
  "r_dil3|dil_conv_3x3|C=72, 32->16, s2|dil_conv dil_conv_3x3_s2 72 32 3 2"
  "r_dil5|dil_conv_5x5|C=72, 32->16, s2|dil_conv dil_conv_5x5_s2 72 32 5 2"
  "r_max|max_pool_3x3|C=72, 32->16, s2|pool max_pool_3x3_s2 72 32 max_pool 2"
  "r_avg|avg_pool_3x3|C=72, 32->16, s2|pool avg_pool_3x3_s2 72 32 avg_pool 2"
  "r_skip|skip_connect = FactorizedReduce(72, 72)|C=72, 32->16, s2|factorized_reduce skip_connect_s2 72 32 72"
  "r_rcb|ReLUConvBN(144, 72)|144x32x32 -> 72x32x32|relu_conv_bn relu_conv_bn_72 144 32 72"
  "r_fr|FactorizedReduce(144, 72)|144x32x32 -> 72x16x16|factorized_reduce factorized_reduce 144 32 72"
  "r_add|node adder|2 x 72x16x16|node_add node_add_72 72 16"
)

for c in "${CASES[@]}"; do
  IFS='|' read -r id label setting gen <<<"$c"
  d=$TMP/$id
  mkdir -p "$d"
  # shellcheck disable=SC2086
  $gen >"$d/net.yaml"
  printf '%s\n%s\n' "$label" "$setting" >"$d/label"
  "$BIN" run --hw "$HW" --mapping isaac --net "$d/net.yaml" --json "$d/run.json" --csv "$d/csv" -q >"$d/run.log" 2>&1 ||
    { cat "$d/run.log" "$d/net.yaml" >&2; exit 1; }
  "$BIN" map --hw "$HW" --mapping isaac --net "$d/net.yaml" --json "$d/map.json" >"$d/map.log" 2>&1 ||
    { cat "$d/map.log" >&2; exit 1; }
done

# ---- hypernetwork: the supergraph with sharing none vs shared ------------------------------------------
if ((HYPERNET)); then
  case "$HW" in
    default|isaac|edge-rram) base=$ROOT/configs/$HW.yaml ;;
    *) base=$HW ;;
  esac
  for sharing in none shared; do
    cfg=$TMP/hw-$sharing.yaml
    python3 - "$base" "$sharing" "$cfg" <<'EOF'
import re, sys
src, sharing, dst = sys.argv[1:]
text = open(src).read()
if re.search(r'^\s*sharing\s*:', text, re.M):
    text = re.sub(r'^(\s*sharing\s*:\s*)\S+', r'\g<1>' + sharing, text, count=1, flags=re.M)
elif re.search(r'^hypernet\s*:', text, re.M):
    sys.exit(f"{src}: has a hypernet section without a sharing key; add one")
else:
    text = text.rstrip('\n') + f'\n\nhypernet: {{sharing: {sharing}}}\n'
open(dst, 'w').write(text)
EOF
    for mode in individual hypernet; do
      "$BIN" map --hw "$cfg" --mapping isaac --net darts_v2 --deploy "$mode" --json "$TMP/hyper-$sharing-$mode.json" \
        >"$TMP/hyper.log" 2>&1 || { cat "$TMP/hyper.log" >&2; exit 1; }
      "$BIN" run --hw "$cfg" --mapping isaac --net darts_v2 --deploy "$mode" --json "$TMP/hyper-$sharing-$mode-run.json" -q \
        >"$TMP/hyper.log" 2>&1 || { cat "$TMP/hyper.log" >&2; exit 1; }
    done
  done
fi

# ---- the table ------------------------------------------------------------------------------------------
TABLE=$TMP/table.md
python3 - "$TMP" "$HW" "$HYPERNET" "${CASES[@]}" >"$TABLE" <<'EOF'
import csv, json, os, sys
tmp, hw, hypernet, cases = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]

def fmt(x):
    return f"{x:,.0f}"

def row(case):
    cid = case.split('|')[0]
    d = os.path.join(tmp, cid)
    label, setting = open(os.path.join(d, 'label')).read().splitlines()
    run = json.load(open(os.path.join(d, 'run.json')))
    mp = json.load(open(os.path.join(d, 'map.json')))
    with open(os.path.join(d, 'csv', 'layers.csv')) as f:
        layers = [r for r in csv.DictReader(f) if r['op'] != 'input']
    jl = [l for l in run['layers'] if l['name'] != 'input']
    s = lambda key: sum(float(r[key]) for r in layers)
    # off-chip energy per bit, from the run itself (component energy / bits moved)
    bits = run['counts']['offchip_bit']
    pj_bit = run['energy_pj']['breakdown']['offchip'] / bits if bits else 0.0
    energy = sum(l['energy_pj'] for l in jl)
    offchip_out = s('offchip_bit') * pj_bit
    cycles = max(l['end_cycle'] for l in jl) - min(l['start_cycle'] for l in jl)
    xb = mp['crossbars']['used']
    util = mp['utilization']['crossbar_cells']
    digital = []
    for key, name in (('pool_op', 'pool'), ('activation_op', 'act'), ('accumulate_op', 'acc')):
        if s(key):
            digital.append(f"{name} {fmt(s(key))}")
    return [label, setting, str(xb), f"{100 * util:.1f} %" if xb else "-", fmt(s('crossbar_read')),
            fmt(s('adc_conversion')), fmt(s('dac_drive')), fmt(cycles), f"{energy / 1e3:,.1f}",
            f"{(energy - offchip_out) / 1e3:,.1f}", ", ".join(digital) or "-"]

head = ["op", "setting", "crossbars", "cell util.", "crossbar reads", "ADC conv.", "DAC drives",
        "op cycles", "energy nJ", "on-chip nJ", "digital-unit ops"]
print(f"Measured on `{os.path.basename(hw)}` by `scripts/primitive_costs.sh --hw {os.path.basename(hw)}`"
      " (one inference; cycles of the 1.2 GHz clock; `energy nJ` = the sum of the op's layers' `energy_pj`,"
      " which for the last layer includes sending its output off-chip; `on-chip nJ` = the same without that"
      " off-chip transfer).")
print()
print("| " + " | ".join(head) + " |")
print("|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 3) + ["---"]) + "|")
for c in cases:
    print("| " + " | ".join(row(c)) + " |")

if hypernet:
    print()
    print("DARTS_V2 (C = 36, 20 cells, one inference) on its own chip (`--deploy individual`) and on the"
          " all-inclusive hypernetwork chip (`--deploy hypernet`) with `hypernet.sharing` none and shared:")
    print()
    print("| deployment | crossbars | PEs | tiles | cell util. | crossbar reads | ADC conv. | DAC drives"
          " | latency cycles | dynamic energy uJ |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, f in (("individual", "none-individual"), ("hypernet, sharing: none", "none-hypernet"),
                     ("hypernet, sharing: shared", "shared-hypernet")):
        m = json.load(open(os.path.join(tmp, f"hyper-{f}.json")))
        r = json.load(open(os.path.join(tmp, f"hyper-{f}-run.json")))
        c = r['counts']
        print(f"| {label} | {fmt(m['crossbars']['used'])} | {fmt(m['pes_used'])} | {fmt(m['tiles']['used'])} |"
              f" {100 * m['utilization']['crossbar_cells']:.1f} % | {fmt(c['crossbar_read'])} |"
              f" {fmt(c['adc_conversion'])} | {fmt(c['dac_drive'])} | {fmt(r['latency']['cycles'])} |"
              f" {r['energy_pj']['dynamic'] / 1e6:,.1f} |")
EOF

if ((WRITE)); then
  DOC=$ROOT/docs/primitives.md
  python3 - "$DOC" "$TABLE" <<'EOF'
import sys
doc, table = sys.argv[1], open(sys.argv[2]).read()
text = open(doc).read()
b, e = '<!-- primitives:begin -->', '<!-- primitives:end -->'
i, j = text.find(b), text.find(e)
if i < 0 or j < i:
    sys.exit(f"{doc}: markers {b} ... {e} not found")
open(doc, 'w').write(text[:i + len(b)] + '\n' + table + text[j:])
EOF
  echo "primitive_costs.sh: table written to docs/primitives.md"
else
  cat "$TABLE"
fi
