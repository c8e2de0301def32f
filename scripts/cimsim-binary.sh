# Sourced by scripts that run the simulator (bench/run.sh, scripts/update-goldens.sh):
#   cimsim=$(cimsim_binary "$root" NAME)
# prints $CIMSIM when set, else builds build/ (Release, configured if needed) and prints build/cimsim;
# NAME prefixes its messages. Fails when the result is not an executable.
cimsim_binary() {
  local root=$1 name=$2 bin
  if [[ -n ${CIMSIM:-} ]]; then
    bin=$CIMSIM
  else
    bin=$root/build/cimsim
    if [[ ! -f $root/build/CMakeCache.txt ]]; then
      cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    fi
    cmake --build "$root/build" --target cimsim -j "$(nproc)" >/dev/null
    local build_type
    build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$root/build/CMakeCache.txt")
    [[ $build_type == Release ]] || echo "$name: warning: build/ is a '$build_type' build, not Release" >&2
  fi
  [[ -x $bin ]] || { echo "$name: $bin is not an executable" >&2; return 1; }
  echo "$bin"
}
