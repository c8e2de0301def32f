#!/usr/bin/env bash
# The co-design search's speed (docs/performance.md, "Co-design search"): an NSGA-II run of population 52
# (pagmo's NSGA-II needs a multiple of 4; RNC ran 50) for 100 generations, on this machine's cores, for
#   workloads/search/darts-joint.yaml        the DARTS space x 8 chip knobs around the default chip
#   workloads/search/ofa-mbv3-rnc-box.yaml   RNC's once-for-all MobileNetV3 space on the rnc-box chip
# each with its front re-simulated by SystemC (part of the wall time). Prints a Markdown table.
#
#   bench/search.sh           # builds what is missing in build/, prints the table
#   bench/search.sh --write   # and replaces it in docs/performance.md between
#                             # <!-- bench-search:begin --> and <!-- bench-search:end -->
#   POP=52 GENS=100 bench/search.sh
# Measure on a quiet machine: the load average is printed with the table.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
write=0
for arg in "$@"; do
  case $arg in
    --write) write=1 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/search.sh: unknown argument '$arg' (allowed: --write, --help)" >&2; exit 2 ;;
  esac
done
pop=${POP:-52}
gens=${GENS:-100}
build=$root/build
cmake --build "$build" --target cimsim -j "$(nproc)" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load=$(cut -d' ' -f1 /proc/loadavg)

row() {  # spec name -> a table row
  local name=$1 out=$tmp/$1 start end
  start=$(date +%s.%N)
  "$build/cimsim" search "$root/workloads/search/$name.yaml" --out "$out" --population "$pop" --generations "$gens" \
    --jobs "$(nproc)" >/dev/null 2>"$tmp/$name.log"
  end=$(date +%s.%N)
  /usr/bin/python3 - "$out" "$name" "$start" "$end" <<'PY'
import json, sys
out, name, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
f = json.load(open(out + "/front.json"))
h = [l.split(",") for l in open(out + "/history.csv").read().splitlines()[1:]]
search_s = float(h[-1][4])  # the evolution, before the SystemC re-simulation of the front
wall = end - start
simulated = sum(1 for p in f["front"] if p["systemc"] is not None)
print(f"| `{name}.yaml` | {f['population']} x {f['generations']} | {f['evaluations']} | {search_s:.1f} s "
      f"| {f['evaluations'] / search_s:.0f} | {len(f['front'])} ({simulated} re-simulated) | {wall:.1f} s |")
PY
}
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs, load average $load at the start. Evaluations: distinct"
  echo "candidates evaluated (a candidate met again is not evaluated again)."
  echo
  echo "| spec | population x generations | evaluations | search wall time | evaluations/s | front | wall time with the SystemC re-simulation |"
  echo "|---|---|---:|---:|---:|---|---:|"
  row darts-joint
  row ofa-mbv3-rnc-box
} >"$tmp/table"
cat "$tmp/table"

if ((write)); then
  /usr/bin/python3 "$root/bench/replace_section.py" "$root/docs/performance.md" bench-search "$tmp/table"
fi
