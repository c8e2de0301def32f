#!/usr/bin/env bash
# Set-up, build, and the whole test suite through ctest (each test in its own process).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" "$@"
