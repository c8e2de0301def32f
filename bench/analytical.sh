#!/usr/bin/env bash
# The analytical evaluator's speed against the SystemC run of the same point (docs/performance.md,
# "Analytical evaluator"):
#   build/cimsim-bench-analytical (bench/analytical.cpp, Google Benchmark, in process): darts_v2 on the
#     default chip with its mapping made each time, and without; a random genotype bound to the mapped
#     hypernetwork chip and evaluated; vgg8 on isaac with its mapping (median of REPS repetitions)
#   build/cimsim-split --net darts_v2 and --hw isaac --net vgg8: the SystemC run's phases in one process
#     (median of RUNS processes), for the ratio
#   cimsim sweep bench/sweep_analytical.yaml --mode analytical --jobs 2: points per hour, in process
# Prints a Markdown table.
#
#   bench/analytical.sh           # builds what is missing in build/, prints the table
#   bench/analytical.sh --write   # and replaces it in docs/performance.md between
#                                 # <!-- bench-analytical:begin --> and <!-- bench-analytical:end -->
#   RUNS=5 REPS=5 bench/analytical.sh
# Measure on a quiet machine: the load average is printed with the table.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
write=0
for arg in "$@"; do
  case $arg in
    --write) write=1 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/analytical.sh: unknown argument '$arg' (allowed: --write, --help)" >&2; exit 2 ;;
  esac
done
runs=${RUNS:-5}
reps=${REPS:-5}
build=$root/build
cmake --build "$build" --target cimsim cimsim-split cimsim-bench-analytical -j "$(nproc)" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
load=$(cut -d' ' -f1 /proc/loadavg)

# Google Benchmark: the median of the repetitions, ms per evaluation
"$build/cimsim-bench-analytical" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$tmp/gb.json" 2>/dev/null
median_ms() {  # benchmark name -> median real time in ms
  /usr/bin/python3 - "$tmp/gb.json" "$1" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
for b in data["benchmarks"]:
    if b.get("run_name") == sys.argv[2] and b.get("aggregate_name") == "median":
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        print("%.3f" % (b["real_time"] * scale))
        break
EOF
}
darts_map=$(median_ms "MapAndEvaluate/Darts_v2MapAndEvaluate")
darts_eval=$(median_ms "Darts_v2Evaluate")
hyper=$(median_ms "HypernetBindAndEvaluate")
vgg_map=$(median_ms "MapAndEvaluate/Vgg8IsaacMapAndEvaluate")

# the SystemC runs of the same points: cimsim-split prints
# load_map elaboration binding sc_start reports simulate total (seconds)
split_median() {  # field (1-based) of the split line, median over $runs processes, in ms
  local field=$1; shift
  for _ in $(seq "$runs"); do "$build/cimsim-split" "$@" | tail -n 1 | cut -f"$field"; done |
    sort -g | awk '{a[NR]=$1} END {printf "%.1f", 1000 * a[int((NR + 1) / 2)]}'
}
darts_sim=$(split_median 6 --net darts_v2)
darts_total=$(split_median 7 --net darts_v2)
vgg_total=$(split_median 7 --hw isaac --net vgg8)

# a sweep in process
sweep_line="| \`cimsim sweep bench/sweep_analytical.yaml --mode analytical --jobs 2\` | (bench/sweep_analytical.yaml missing) | | |"
if [[ -f $root/bench/sweep_analytical.yaml ]]; then
  start=$(date +%s.%N)
  "$build/cimsim" sweep "$root/bench/sweep_analytical.yaml" --out "$tmp/sweep" --mode analytical --jobs 2 >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  points=$(/usr/bin/python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(\"select count(*) from results where status='ok'\").fetchone()[0])" "$tmp/sweep/results.sqlite" 2>/dev/null || echo 0)
  sweep_line=$(awk -v p="$points" -v s="$start" -v e="$end" 'BEGIN {
    w = e - s; printf "| `cimsim sweep bench/sweep_analytical.yaml --mode analytical --jobs 2` | %d points in %.1f s | %.0f points/hour | 1,000,000 points/hour: %s |", p, w, 3600 * p / w, (3600 * p / w >= 1e6 ? "yes" : "no") }')
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", a / b }'; }
{
  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs, load average $load at the start; Google Benchmark"
  echo "medians of $reps repetitions, SystemC medians of $runs processes (\`cimsim-split\`)."
  echo
  echo "| what | analytical, in process | SystemC run of the same point | speed-up | target |"
  echo "|---|---:|---:|---:|---|"
  echo "| darts_v2 on default, mapping included | $darts_map ms | $darts_total ms (load, map, simulate, report) | $(ratio "$darts_total" "$darts_map") | 1000x: $(awk -v r="$(ratio "$darts_total" "$darts_map" | tr -d x)" 'BEGIN{print (r >= 1000 ? "yes" : "no")}') |"
  echo "| darts_v2 on default, evaluation alone | $darts_eval ms | $darts_sim ms (\`sim::simulate\`) | $(ratio "$darts_sim" "$darts_eval") | |"
  echo "| a random genotype bound to the mapped hypernetwork chip and evaluated | $hyper ms | | | under 1 ms: $(awk -v h="$hyper" 'BEGIN{print (h < 1 ? "yes" : "no")}') |"
  echo "| vgg8 on isaac, mapping included | $vgg_map ms | $vgg_total ms | $(ratio "$vgg_total" "$vgg_map") | |"
  echo
  echo "| sweep | points | rate | target |"
  echo "|---|---|---:|---|"
  echo "$sweep_line"
} >"$tmp/table"
cat "$tmp/table"

if ((write)); then
  /usr/bin/python3 "$root/bench/replace_section.py" "$root/docs/performance.md" bench-analytical "$tmp/table"
fi
