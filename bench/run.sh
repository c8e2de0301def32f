#!/usr/bin/env bash
# cimsim's performance benchmark: wall time (median of N runs, default 5) and peak resident memory of
#   cimsim run --hw isaac --net <net> --dataflow pipelined --inputs 1
#   cimsim map --hw isaac --net <net>
# for vgg8 and resnet18, a hypernetwork run of darts_v2 and pdarts, the three-network comparison, the
# compiled mapping of squeezenet1_1 within a budget, and ResNet-18 at 224x224 loaded from ONNX: wall time taken around each call, peak RSS from /usr/bin/time -f "%e %M".
# Prints a Markdown table.
#
#   bench/run.sh            # builds build/ (Release) if needed, prints the table
#   bench/run.sh --write    # and replaces the table in docs/performance.md between
#                           # <!-- bench:begin --> and <!-- bench:end -->
#   CIMSIM=path/to/cimsim RUNS=9 bench/run.sh
# Targets (docs/performance.md): under 1 s and under 200 MB per command.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
write=0
for arg in "$@"; do
  case $arg in
    --write) write=1 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$arg' (allowed: --write, --help)" >&2; exit 2 ;;
  esac
done
runs=${RUNS:-5}
[[ -x /usr/bin/time ]] || { echo "bench/run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

# shellcheck source=scripts/cimsim-binary.sh
source "$root/scripts/cimsim-binary.sh"
cimsim=$(cimsim_binary "$root" bench/run.sh)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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

{
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($cpu), $(uname -sr);"
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
} >"$tmp/table"
cat "$tmp/table"

if ((write)); then
  doc=$root/docs/performance.md
  if ! grep -q '^<!-- bench:begin -->$' "$doc" || ! grep -q '^<!-- bench:end -->$' "$doc"; then
    echo "bench/run.sh: $doc has no <!-- bench:begin --> / <!-- bench:end --> markers" >&2
    exit 1
  fi
  awk -v table="$tmp/table" '
    /^<!-- bench:begin -->$/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /^<!-- bench:end -->$/ { skip = 0 }
    !skip { print }' "$doc" >"$tmp/doc"
  cp "$tmp/doc" "$doc"
  echo "updated docs/performance.md" >&2
fi
