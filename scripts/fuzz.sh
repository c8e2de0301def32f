#!/usr/bin/env bash
# Fuzzes every input format cimsim reads, each for SECONDS (default 60), with libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer (Debian's clang; scripts/setup.sh installs it). Seeds: fuzz/seeds/FORMAT
# and fuzz/regressions/FORMAT. A finding (crash, sanitizer report, an exception that is not a documented
# error, a timeout) is saved under build-fuzz/findings/FORMAT/ and the script exits 1; copy the file into
# fuzz/regressions/FORMAT/ once fixed, so ctest (FuzzReplay.FORMAT) replays it on every build.
#   scripts/fuzz.sh [SECONDS] [FORMAT...]      FORMAT: hardware_yaml network_yaml neurosim_csv onnx genotype sweep_spec search_spec
#   FUZZ_RUNS=N scripts/fuzz.sh                 N inputs per format from a fixed seed instead of a time (what CI
#                                               runs). The seed does not pin the inputs across builds: a change to
#                                               any code the fuzzer links moves its coverage map and so the inputs
#                                               it tries, and a finding can first appear on a commit that did not
#                                               touch the parser. It is still a real fault: fix it, keep the input
#                                               in fuzz/regressions/FORMAT, and fuzz for longer before landing.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-60}
shift || true
FORMATS=("$@")
((${#FORMATS[@]})) || FORMATS=(hardware_yaml network_yaml neurosim_csv onnx genotype sweep_spec search_spec)
[[ "$SECONDS_EACH" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$SECONDS_EACH'" >&2; exit 2; }

SKIP_BUILD=1 scripts/setup.sh  # the packages (clang, libFuzzer) without the Release build
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIMSIM_FUZZ=ON \
  -DCIMSIM_TESTS=OFF -DCIMSIM_BENCH=OFF >/dev/null
targets=()
for f in "${FORMATS[@]}"; do targets+=("fuzz_$f"); done
cmake --build "$BUILD" -j"$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for f in "${FORMATS[@]}"; do
  corpus="$BUILD/corpus/$f"
  findings="$BUILD/findings/$f"
  mkdir -p "$corpus" "$findings"
  if [ -n "${FUZZ_RUNS:-}" ]; then
    budget=(-runs="$FUZZ_RUNS" -seed=1)
    echo "fuzz.sh: $f for ${FUZZ_RUNS} inputs (seed 1)"
  else
    budget=(-max_total_time="$SECONDS_EACH")
    echo "fuzz.sh: $f for ${SECONDS_EACH} s"
  fi
  # -rss_limit_mb: a well-bounded input never needs 2 GB; -timeout: nor more than 10 s
  if ! "$BUILD/fuzz/fuzz_$f" "$corpus" "fuzz/seeds/$f" "fuzz/regressions/$f" \
      "${budget[@]}" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
      -artifact_prefix="$findings/" -print_final_stats=1 >"$BUILD/fuzz-$f.log" 2>&1; then
    echo "fuzz.sh: $f: FINDING, see $BUILD/fuzz-$f.log and $findings/" >&2
    grep -E "ERROR|SUMMARY|runtime error|terminate|Test unit written" "$BUILD/fuzz-$f.log" | head -5 >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$BUILD/fuzz-$f.log" | tail -1
  fi
done
exit $status
