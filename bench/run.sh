#!/usr/bin/env bash
# cimsim's performance benchmark: wall time (median of N runs, default 5) and peak resident memory of
#   cimsim run --hw isaac --net <net> --dataflow pipelined --inputs 1
#   cimsim map --hw isaac --net <net>
# for vgg8 and resnet18, a hypernetwork run of darts_v2 and pdarts, the three-network comparison, the
# compiled mapping of squeezenet1_1 within a budget, and ResNet-18 and ResNet-50 at 224x224 loaded from
# ONNX: wall time taken around each call, peak RSS from /usr/bin/time -f "%e %M".
# Then the split of one run into its phases (build/cimsim-split, bench/split.cpp: load and map,
# elaboration, binding, sc_start, reports; medians) for VGG-8 on isaac and ResNet-50 from ONNX.
# Prints Markdown tables.
#
#   bench/run.sh            # builds build/ (Release) if needed, prints the tables
#   bench/run.sh --write    # and replaces them in docs/performance.md between
#                           # <!-- bench:begin --> and <!-- bench:end -->, <!-- bench-split:begin --> and
#                           # <!-- bench-split:end -->
#   bench/run.sh --split    # the split table only (--split --write replaces only it)
#   CIMSIM=path/to/cimsim CIMSIM_SPLIT=path/to/cimsim-split RUNS=9 bench/run.sh
# Targets (docs/performance.md): under 1 s and under 200 MB per command; VGG-8 on isaac under 60 ms
# (load, map, simulate, report); ResNet-50 from ONNX under 0.5 s of simulation after loading.
# ResNet-50 is torchvision's, written by bench/resnet50.py as a YAML network and exported to ONNX by
# `cimsim export` (no PyTorch needed).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
write=0
split_only=0
for arg in "$@"; do
  case $arg in
    --write) write=1 ;;
    --split) split_only=1 ;;
    -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$arg' (allowed: --write, --split, --help)" >&2; exit 2 ;;
  esac
done
runs=${RUNS:-5}
[[ -x /usr/bin/time ]] || { echo "bench/run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/run.sh: python3 is missing (it writes ResNet-50)" >&2; exit 1; }

# shellcheck source=scripts/cimsim-binary.sh
source "$root/scripts/cimsim-binary.sh"
cimsim=$(cimsim_binary "$root" bench/run.sh)
# the phase-split program: $CIMSIM_SPLIT, else beside $CIMSIM, else built in build/
if [[ -n ${CIMSIM_SPLIT:-} ]]; then
  split=$CIMSIM_SPLIT
elif [[ -n ${CIMSIM:-} ]]; then
  split=$(dirname "$CIMSIM")/cimsim-split
else
  cmake --build "$root/build" --target cimsim-split -j "$(nproc)" >/dev/null
  split=$root/build/cimsim-split
fi
[[ -x $split ]] || { echo "bench/run.sh: $split is not an executable (build the cimsim-split target)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# torchvision's ResNet-50 as ONNX (102 MB with its weights), through cimsim's own export
python3 "$root/bench/resnet50.py" >"$tmp/resnet50.yaml"
"$cimsim" export --net "$tmp/resnet50.yaml" --onnx "$tmp/resnet50.onnx" >/dev/null

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure "<label>" <target seconds> args...: one table row
measure() {
  local label=$1 target=$2
  shift 2
  : >"$tmp/samples"
  "$cimsim" "$@" >/dev/null 2>"$tmp/err" || { echo "bench/run.sh: cimsim $* failed:" >&2; cat "$tmp/err" >&2; exit 1; }
  for ((i = 0; i < runs; i++)); do  # after one warm-up run
    # %e has a 10 ms resolution: the wall time is taken around the call instead (it adds /usr/bin/time's
    # own start-up, about a millisecond); %M is the peak RSS of cimsim.
    local t0 t1
    t0=$(date +%s%N)
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$cimsim" "$@" >/dev/null 2>/dev/null
    t1=$(date +%s%N)
    echo "$(( (t1 - t0) / 1000 )) $(tail -n 1 "$tmp/time" | cut -d' ' -f2)" >>"$tmp/samples"  # us KB
  done
  local wall rss_kb min max
  wall=$(cut -d' ' -f1 "$tmp/samples" | median)
  min=$(cut -d' ' -f1 "$tmp/samples" | sort -g | head -n 1)
  max=$(cut -d' ' -f1 "$tmp/samples" | sort -g | tail -n 1)
  rss_kb=$(cut -d' ' -f2 "$tmp/samples" | sort -g | tail -n 1)
  awk -v l="$label" -v w="$wall" -v lo="$min" -v hi="$max" -v kb="$rss_kb" -v target="$target" 'BEGIN {
    w /= 1e6; lo /= 1e6; hi /= 1e6; mb = kb / 1024
    ok = (w < target && mb < 200) ? "yes" : "**no**"
    printf "| `%s` | %.3f | %.3f-%.3f | %.1f | < %g s: %s |\n", l, w, lo, hi, mb, target, ok
  }'
}

machine() {
  local cpu
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($cpu), $(uname -sr), load average $(cut -d' ' -f1 /proc/loadavg) at the start;"
}

# split "<label>" <target ms or -> <what the target bounds> args...: one row of the split table, each
# column the median over the runs (after one warm-up) of that phase alone
split_row() {
  local label=$1 target=$2 bound=$3
  shift 3
  : >"$tmp/split"
  "$split" "$@" >/dev/null 2>"$tmp/err" || { echo "bench/run.sh: cimsim-split $* failed:" >&2; cat "$tmp/err" >&2; exit 1; }
  for ((i = 0; i < runs; i++)); do "$split" "$@" >>"$tmp/split"; done
  local cols=() c
  for c in 1 2 3 4 5 6 7; do cols+=("$(cut -f"$c" "$tmp/split" | median)"); done
  awk -v l="$label" -v target="$target" -v bound="$bound" -v a="${cols[0]}" -v b="${cols[1]}" -v c="${cols[2]}" \
    -v d="${cols[3]}" -v e="${cols[4]}" -v f="${cols[5]}" -v g="${cols[6]}" 'BEGIN {
    v = (bound == "simulate") ? f : g
    ok = (target == "-") ? "-" : ((v * 1000 < target) ? "yes" : "**no**")
    printf "| `%s` | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %s |\n", l, a * 1e3, b * 1e3, c * 1e3, d * 1e3, e * 1e3, f * 1e3, g * 1e3,
      (target == "-") ? "-" : sprintf("%s < %g ms: %s", bound, target, ok)
  }'
}

split_table() {
  machine
  echo "median of $runs runs of \`build/cimsim-split\` after one warm-up, each phase's median on its own (so the"
  echo "phases need not add up to the total exactly); milliseconds."
  echo
  echo "| run | load + map | elaboration | binding | sc_start + results | reports | simulate | total | target |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|:---:|"
  split_row "--hw isaac --net vgg8" 60 total --hw isaac --net vgg8
  split_row "--hw isaac --net resnet18" - - --hw isaac --net resnet18
  split_row "--hw isaac --net resnet50.onnx (ONNX, 224x224)" 500 simulate --hw isaac --net "$tmp/resnet50.onnx"
}

main_table() {
  machine
  echo "median of $runs runs after one warm-up; peak RSS is the largest of the runs."
  echo
  echo "| command | wall s (median) | wall s (min-max) | peak RSS MB | target (and < 200 MB) |"
  echo "|---|---:|---:|---:|:---:|"
  for net in vgg8 resnet18; do
    measure "cimsim run --hw isaac --net $net --dataflow pipelined --inputs 1" 1 \
      run --hw isaac --net "$net" --dataflow pipelined --inputs 1
  done
  for net in vgg8 resnet18; do
    measure "cimsim map --hw isaac --net $net" 1 map --hw isaac --net "$net"
  done
  for net in darts_v2 pdarts; do
    measure "cimsim run --hw isaac --net $net --deploy hypernet --chip-auto" 2 \
      run --hw isaac --net "$net" --deploy hypernet --chip-auto
  done
  measure "cimsim compare --hw isaac --nets darts_v1,darts_v2,pdarts" 5 \
    compare --hw isaac --nets darts_v1,darts_v2,pdarts
  measure "cimsim map --hw rnc-box --net squeezenet1_1 --crossbars 253 (compiled)" 1 \
    map --hw rnc-box --net squeezenet1_1 --crossbars 253
  "$cimsim" export --net resnet18_imagenet --onnx "$tmp/resnet18_224.onnx" >/dev/null
  measure "cimsim run --hw isaac --net resnet18_224.onnx (ONNX, 224x224)" 2 \
    run --hw isaac --net "$tmp/resnet18_224.onnx"
  measure "cimsim run --hw isaac --net resnet50.onnx (ONNX, 224x224)" 2 \
    run --hw isaac --net "$tmp/resnet50.onnx"
  # the sweep: one run (it is long), points per hour on all cores
  t0=$(date +%s%N)
  "$cimsim" sweep "$root/bench/sweep64.yaml" --out "$tmp/sweep64" --jobs "$(nproc)" >/dev/null 2>"$tmp/sweep.err" ||
    { echo "bench/run.sh: the sweep failed:" >&2; cat "$tmp/sweep.err" >&2; exit 1; }
  t1=$(date +%s%N)
  ok=$(grep -c ',ok,' "$tmp/sweep64/results.csv" || true)
  awk -v ns=$((t1 - t0)) -v ok="$ok" -v cores="$(nproc)" 'BEGIN {
    s = ns / 1e9
    printf "| `cimsim sweep bench/sweep64.yaml --jobs %d` (64 points of darts_v2, %d ok) | %.1f | - | - | %.0f points/hour |\n", cores, ok, s, 64 * 3600 / s
  }'
}

if ! ((split_only)); then
  main_table >"$tmp/table"
  cat "$tmp/table"
  echo
fi
split_table >"$tmp/split_table"
cat "$tmp/split_table"

# replace_between BEGIN END FILE: the lines between the markers in docs/performance.md become FILE's
replace_between() {
  local begin=$1 end=$2 table=$3 doc=$root/docs/performance.md
  if ! grep -qx "$begin" "$doc" || ! grep -qx "$end" "$doc"; then
    echo "bench/run.sh: $doc has no $begin / $end markers" >&2
    exit 1
  fi
  awk -v b="$begin" -v e="$end" -v table="$table" '
    $0 == b { print; while ((getline line < table) > 0) print line; skip = 1; next }
    $0 == e { skip = 0 }
    !skip { print }' "$doc" >"$tmp/doc"
  cp "$tmp/doc" "$doc"
}

if ((write)); then
  ((split_only)) || replace_between '<!-- bench:begin -->' '<!-- bench:end -->' "$tmp/table"
  replace_between '<!-- bench-split:begin -->' '<!-- bench-split:end -->' "$tmp/split_table"
  echo "updated docs/performance.md" >&2
fi
