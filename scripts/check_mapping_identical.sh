#!/usr/bin/env bash
# The mapper's outputs, byte for byte: `cimsim map` of every built-in network on the shipped configs
# (compiled and isaac mappings, crossbar budgets of 1.3x and 2x what the network uses, the hypernetwork
# deployment of the DARTS networks) and `cimsim run --mode analytical` of darts_v2 (individual and a
# genotype on the hypernetwork chip): each case's JSON and its stdout, stderr and exit code.
#   scripts/check_mapping_identical.sh --record BINARY DIR   records the outputs of BINARY in DIR
#   scripts/check_mapping_identical.sh BINARY DIR            runs BINARY again, compares with DIR
# Only wall-clock fields (wall, wall_s) may differ. Exit code 0 when every case is identical.
set -euo pipefail

record=0
if [[ ${1:-} == --record ]]; then record=1; shift; fi
if [[ $# -ne 2 ]]; then
  sed -n '2,8p' "$0" >&2
  exit 2
fi
bin=$(realpath "$1")
dir=$2
mkdir -p "$dir"
dir=$(realpath "$dir")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

nets=(vgg8 resnet18 resnet18_imagenet squeezenet1_1 squeezenet1_1_64 mobilenet_v3_small mobilenet_v3_small_64
      vit_b_16 deit_tiny darts_v1 darts_v2 pdarts)
darts=(darts_v1 darts_v2 pdarts)
chips=(default isaac rnc-box neurosim-rram edge-rram)
genotype="Genotype(normal=[('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), ('max_pool_3x3', 2), ('avg_pool_3x3', 0), ('dil_conv_5x5', 3), ('sep_conv_3x3', 1)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('skip_connect', 2), ('dil_conv_3x3', 1), ('avg_pool_3x3', 0), ('sep_conv_3x3', 3), ('skip_connect', 4), ('dil_conv_5x5', 2)], reduce_concat=[2, 3, 4, 5])"

failures=0
cases=0
# one case: NAME then cimsim's arguments (without --json)
run_case() {
  local name=$1
  shift
  local out=$work/$name
  local rc=0
  # in the scratch directory with a relative --json path: the path cimsim prints is the same every run
  (cd "$work" && "$bin" "$@" --json "$name.json") >"$out.stdout" 2>"$out.stderr" || rc=$?
  echo "$rc" >"$out.rc"
  [[ -f $out.json ]] || : >"$out.json"
  cases=$((cases + 1))
  if ((record)); then
    cp "$out.json" "$out.stdout" "$out.stderr" "$out.rc" "$dir/"
    return
  fi
  local f
  for f in json stdout stderr rc; do
    if ! cmp -s "$out.$f" "$dir/$name.$f"; then
      if [[ $f == json ]] && [[ -s $out.json ]] &&
         cmp -s <(jq -S 'walk(if type == "object" then del(.wall, .wall_s) else . end)' "$out.json") \
                <(jq -S 'walk(if type == "object" then del(.wall, .wall_s) else . end)' "$dir/$name.json"); then
        continue  # wall-clock fields only
      fi
      echo "DIFFERS: $name.$f ($*)"
      failures=$((failures + 1))
    fi
  done
}

# crossbars a recorded map case used (its stdout's first line: "...: N crossbars ...")
crossbars_of() {
  sed -n '1s/.*: \([0-9][0-9]*\) crossbars.*/\1/p' "$dir/$1.stdout"
}

for chip in "${chips[@]}"; do
  for net in "${nets[@]}"; do
    run_case "map-$chip-$net" map --hw "$chip" --net "$net"
    run_case "map-$chip-$net-isaac" map --hw "$chip" --net "$net" --mapping isaac
  done
  for net in "${darts[@]}"; do
    run_case "map-$chip-$net-hypernet" map --hw "$chip" --net "$net" --deploy hypernet
  done
done
for net in "${nets[@]}"; do
  used=$(crossbars_of "map-default-$net")
  [[ -n $used ]] || continue
  run_case "map-default-$net-budget130" map --hw default --net "$net" --crossbars $((used * 13 / 10))
  run_case "map-default-$net-budget200" map --hw default --net "$net" --crossbars $((used * 2))
done
for net in "${darts[@]}"; do
  used=$(crossbars_of "map-default-$net-hypernet")
  [[ -n $used ]] || continue
  run_case "map-default-$net-hypernet-budget200" map --hw default --net "$net" --deploy hypernet --crossbars $((used * 2))
done
run_case "run-default-darts_v2-analytical" run --hw default --net darts_v2 --mode analytical
run_case "run-default-genotype-hypernet-analytical" run --hw default --genotype "$genotype" --deploy hypernet --mode analytical
run_case "run-default-darts_v2-hypernet-analytical" run --hw default --net darts_v2 --deploy hypernet --mode analytical

if ((record)); then
  echo "recorded $cases cases in $dir"
  exit 0
fi
if ((failures)); then
  echo "$failures outputs of $cases cases differ"
  exit 1
fi
echo "all $cases cases identical (json, stdout, stderr, exit code)"
