#!/usr/bin/env bash
# cimsim's scale benchmark (issue 8 part 4): `cimsim map` of networks of 10^5 layers and of a concat of
# 10^5 inputs, generated here: CPU time (user + system, what the code costs whatever else the machine
# runs), wall time and peak RSS, median of N runs (default 3). Prints a Markdown table.
#
#   bench/scale.sh              # builds build/ (Release) if needed
#   CIMSIM=path/to/cimsim RUNS=5 N=100000 bench/scale.sh
# Target (docs/performance.md): load and map each in under 2 s of CPU. tests/test_limits_net_scale.cpp
# runs the same networks in-process with a bound that only catches quadratic work.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case ${1:-} in
  -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "bench/scale.sh: unknown argument '$1' (allowed: --help)" >&2; exit 2 ;;
esac
runs=${RUNS:-3}
n=${N:-100000}
[[ -x /usr/bin/time ]] || { echo "bench/scale.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench/scale.sh: python3 is missing" >&2; exit 1; }

# shellcheck source=scripts/cimsim-binary.sh
source "$root/scripts/cimsim-binary.sh"
cimsim=$(cimsim_binary "$root" bench/scale.sh)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp" "$n" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
head = "input: {channels: 3, height: 8, width: 8}\nlayers:\n"
with open(f"{d}/relu.yaml", "w") as f:
    f.write(head + "  - {op: relu}\n" * n)
with open(f"{d}/named.yaml", "w") as f:
    f.write(head + "  - {name: l0, op: relu}\n")
    f.writelines(f"  - {{name: l{k}, op: relu, inputs: [l{k - 1}]}}\n" for k in range(1, n))
with open(f"{d}/conv.csv", "w") as f:
    f.write("32,32,16,3,3,16,0,1\n" * n)
with open(f"{d}/concat.yaml", "w") as f:
    f.write(head + "  - {name: s, op: concat, inputs: [" + ", ".join(["input"] * n) + "]}\n"
            "  - {name: f, op: fc, out_channels: 10}\n")
PY

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure "<label>" args...: one table row
measure() {
  local label=$1
  shift
  : >"$tmp/samples"
  for ((i = 0; i < runs; i++)); do
    /usr/bin/time -f "%U %S %e %M" -o "$tmp/time" "$cimsim" "$@" >/dev/null 2>"$tmp/err" ||
      { echo "bench/scale.sh: cimsim $* failed:" >&2; cat "$tmp/err" >&2; exit 1; }
    tail -n 1 "$tmp/time" >>"$tmp/samples"
  done
  local cpu wall rss_kb
  cpu=$(awk '{ print $1 + $2 }' "$tmp/samples" | median)
  wall=$(cut -d' ' -f3 "$tmp/samples" | median)
  rss_kb=$(cut -d' ' -f4 "$tmp/samples" | sort -g | tail -n 1)
  awk -v l="$label" -v c="$cpu" -v w="$wall" -v kb="$rss_kb" 'BEGIN {
    printf "| %s | %.2f | %.2f | %.0f | %s |\n", l, c, w, kb / 1024, (c < 2 ? "yes" : "**no**")
  }'
}

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "Measured $(date -u +%Y-%m-%d) on $(nproc) CPUs ($cpu_model), load average $(cut -d' ' -f1 /proc/loadavg);"
echo "median of $runs runs of \`cimsim map --hw default --net FILE\` (n = $n)."
echo
echo "| network | CPU s | wall s | peak RSS MB | < 2 s CPU |"
echo "|---|---:|---:|---:|:---:|"
measure "YAML, n relu layers, unnamed (\`- {op: relu}\`)" map --hw default --net "$tmp/relu.yaml"
measure "YAML, n relu layers, each named and naming its input" map --hw default --net "$tmp/named.yaml"
measure "NeuroSim CSV, n conv rows (2n layers, 2n crossbars)" map --hw default --net "$tmp/conv.csv"
measure "YAML, a concat of n inputs and an fc (150,000 crossbars)" map --hw default --net "$tmp/concat.yaml"
