#!/usr/bin/env bash
# Peak memory of loading a large ONNX model (issue 11, part 4): torchvision's VGG-16 at 224x224 (138 M
# weights, a 553 MB file) is written as a YAML network, exported with `cimsim export` (zero-filled weights
# of the right shapes), and mapped with
#   /usr/bin/time -v build/cimsim map --net vgg16.onnx
# The target: maximum RSS at most 1.3 x the file size + 100 MB (the loader skips the weights' data while
# parsing, so it stays far below). Prints one Markdown table row; exits 1 when the target is missed.
#
#   bench/onnx_memory.sh                    # uses build/cimsim (builds it if missing)
#   CIMSIM=path/to/cimsim bench/onnx_memory.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cimsim=${CIMSIM:-$root/build/cimsim}
[[ -x $cimsim ]] || cmake --build "$root/build" -j2 --target cimsim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

{
  echo "name: vgg16"
  echo "input: {channels: 3, height: 224, width: 224}"
  echo "layers:"
  for v in 64 64 M 128 128 M 256 256 256 M 512 512 512 M 512 512 512 M; do
    if [[ $v == M ]]; then
      echo "  - {op: max_pool, kernel: 2, stride: 2}"
    else
      echo "  - {op: conv, out_channels: $v, kernel: 3, pad: 1}"
      echo "  - {op: relu}"
    fi
  done
  echo "  - {op: fc, out_channels: 4096}"
  echo "  - {op: relu}"
  echo "  - {op: fc, out_channels: 4096}"
  echo "  - {op: relu}"
  echo "  - {op: fc, out_channels: 1000}"
} >"$work/vgg16.yaml"
"$cimsim" export --net "$work/vgg16.yaml" --onnx "$work/vgg16.onnx" >/dev/null

bytes=$(stat -c %s "$work/vgg16.onnx")
/usr/bin/time -v "$cimsim" map --net "$work/vgg16.onnx" >"$work/map.out" 2>"$work/time.err"
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.err")
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.err")
weights=$("$cimsim" run --net "$work/vgg16.onnx" --inputs 1 2>/dev/null | sed -n 's/.*workload .*layers, \([0-9]*\) weights.*/\1/p' || true)
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
target=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", 1.3 * b + 100e6 }')
rss=$((rss_kb * 1024))

echo "| model | file | weights | peak RSS of \`cimsim map\` | target (1.3 x file + 100 MB) | wall |"
echo "|---|---|---|---|---|---|"
echo "| VGG-16 224x224 (\`cimsim export\`) | $(mb "$bytes") MB | ${weights:-?} | $(mb "$rss") MB ($(awk -v r="$rss" -v b="$bytes" 'BEGIN { printf "%.3f", r / b }') x file) | $(mb "$target") MB | $wall |"
[[ $rss -le $target ]]
