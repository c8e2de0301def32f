#!/usr/bin/env bash
# Installs what cimsim needs on a Debian machine (idempotent: quick when everything is present) and
# configures + builds it in Release into build/.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ cmake make pkg-config
  libsystemc-dev          # SystemC 2.3.4 with TLM-2.0
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libboost-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler  # --net model.onnx (workloads/onnx_loader)
  libsqlite3-dev          # sweep results (sim/sweep.cpp)
  libpagmo-dev            # NSGA-II for cimsim search (search/)
  slurm-wlm munge         # the one-node Slurm cluster of tests/test_slurm.cpp
  time                    # /usr/bin/time for bench/ (peak memory)
  python3-matplotlib      # scripts/plot.py (run with /usr/bin/python3)
  python3-yaml            # scripts/config_with.py (knob-table.sh, hypernet-table.sh)
  python3-numpy           # validation/neurosim/make_traces.py
  clang libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer, ASan, UBSan (libclang_rt.fuzzer)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${SKIP_BUILD:-}" = "1" ] && exit 0  # packages only (scripts/fuzz.sh builds its own tree)

BUILD_DIR=${BUILD_DIR:-build}
WERROR=${CIMSIM_WERROR:-OFF}
[ "${CI:-}" = "true" ] && WERROR=ON
if [ "${SANITIZE:-}" = "1" ]; then  # scripts/test.sh --sanitize: the same tree under ASan and UBSan
  # never -Werror, even with CI=true in the environment: under -fsanitize GCC 12 inlines differently and
  # warns falsely inside libstdc++ (<regex>: maybe-uninitialized); the Release build keeps -Werror
  WERROR=${CIMSIM_SAN_WERROR:-OFF}
  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIMSIM_WERROR="$WERROR" -DCIMSIM_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
else
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DCIMSIM_WERROR="$WERROR" >/dev/null
fi
cmake --build "$BUILD_DIR" -j"$(nproc)"
