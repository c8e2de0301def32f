#!/usr/bin/env bash
# Set-up, build, and the whole test suite through ctest (each test in its own process).
#   scripts/test.sh [ctest args]              Release build in build/
#   scripts/test.sh --sanitize [ctest args]   the same suite built with ASan + UBSan in build-san/ (any
#                                             sanitizer report fails the test that triggered it)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--sanitize" ]; then
  shift
  export SANITIZE=1 BUILD_DIR=${BUILD_DIR:-build-san}
  # leaks are not checked: SystemC keeps its kernel objects until exit by design
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
scripts/setup.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" "$@"
