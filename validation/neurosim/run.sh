#!/usr/bin/env bash
# Run the DNN+NeuroSim V1.4 C++ core on synthetic VGG-8 traces.
#
# usage: run.sh NEUROSIM_DIR [WORKDIR]
#   NEUROSIM_DIR  Inference_pytorch/NeuroSIM of a DNN_NeuroSim_V1.4 checkout
#                 (the repository root is accepted too).  It is only read.
#   WORKDIR       scratch directory (default /tmp/neurosim_vgg8); gets ~185 MB
#                 of traces plus one build per cell type.
# environment:
#   CELLS="rram"      space separated subset of: rram sram rram_nols
#                     rram = upstream Param.cpp with memcelltype 1 -> 2 (1T1R
#                            RRAM); nothing else touched
#                     sram = upstream Param.cpp untouched (its default cell is
#                            SRAM, memcelltype 1)
#                     rram_probe = rram plus a probe (probe_mlsa.py) that prints
#                            the sense amplifiers' switching and column-conduction
#                            energy and the sensing time (RESULTS.md section 7)
#                     rram_nols = rram plus writeVoltage 2 -> 1.5, which drops
#                            the write level shifters from the layout (an
#                            inference-only what-if; not a NeuroSim default)
#   SEED=2024  INPUT_DIST=full|relu   passed to make_traces.py
#   JOBS=2                            make -j
#   LOGDIR=<dir of this script>/logs  where neurosim_VGG8_<cell>.log goes
#
# Mirrors what Inference_pytorch/inference.py does after the forward pass:
# cd into a directory holding ./NeuroSIM/main and ./layer_record_VGG8/, then
# `bash ./layer_record_VGG8/trace_command.sh`, i.e.
#   ./NeuroSIM/main ./NeuroSIM/NetWork_VGG8.csv 8 8 128 128 \
#       ./layer_record_VGG8/weightConv0_.csv ./layer_record_VGG8/inputConv0_.csv ...
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="${1:?usage: run.sh NEUROSIM_DIR [WORKDIR]}"
work="${2:-/tmp/neurosim_vgg8}"
CELLS="${CELLS:-rram}"
SEED="${SEED:-2024}"
INPUT_DIST="${INPUT_DIST:-full}"
JOBS="${JOBS:-2}"
LOGDIR="${LOGDIR:-$here/logs}"
PY="${PY:-/usr/bin/python3}"

[ -f "$src/Inference_pytorch/NeuroSIM/Param.cpp" ] && src="$src/Inference_pytorch/NeuroSIM"
[ -f "$src/Param.cpp" ] && [ -f "$src/makefile" ] || { echo "no NeuroSIM sources in $src" >&2; exit 2; }
src="$(cd "$src" && pwd)"
mkdir -p "$work" "$LOGDIR"
work="$(cd "$work" && pwd)"

echo "== traces (seed $SEED, input dist $INPUT_DIST) -> $work/traces"
rm -rf "$work/traces"; mkdir -p "$work/traces"
"$PY" "$here/make_traces.py" "$work/traces" --seed "$SEED" --input-dist "$INPUT_DIST" \
    | tee "$work/traces/make_traces.txt"
# our network file must describe the same network as the shipped one
"$PY" - "$work/traces/NetWork_VGG8.csv" "$src/NetWork_VGG8.csv" <<'EOF'
import sys
rd = lambda p: [[float(v) for v in l.split(",")] for l in open(p).read().split() if l.strip()]
a, b = rd(sys.argv[1]), rd(sys.argv[2])
assert a == b, "NetWork_VGG8.csv mismatch:\n%s\n%s" % (a, b)
EOF

for cell in $CELLS; do
    wv=""
    case "$cell" in
        rram) memcell=2 ;;
        rram_probe) memcell=2 ;;
        rram_nols) memcell=2; wv=1.5 ;;
        sram) memcell=1 ;;
        *) echo "unknown cell type $cell" >&2; exit 2 ;;
    esac
    d="$work/$cell"
    echo "== build $cell (memcelltype $memcell) in $d/NeuroSIM"
    rm -rf "$d"; mkdir -p "$d/NeuroSIM"
    cp "$src"/*.cpp "$src"/*.h "$src"/makefile "$src"/NetWork_*.csv "$d/NeuroSIM/"
    [ -f "$src/.depend" ] && cp "$src/.depend" "$d/NeuroSIM/"
    sed -i -E "s/^([[:space:]]*memcelltype[[:space:]]*=[[:space:]]*)[0-9]+;/\1${memcell};/" "$d/NeuroSIM/Param.cpp"
    n=$(grep -cE "^[[:space:]]*memcelltype[[:space:]]*=[[:space:]]*${memcell};" "$d/NeuroSIM/Param.cpp")
    [ "$n" = 1 ] || { echo "could not set memcelltype=$memcell in Param.cpp" >&2; exit 3; }
    if [ -n "$wv" ]; then
        sed -i -E "s/^([[:space:]]*writeVoltage[[:space:]]*=[[:space:]]*)[0-9.]+;/\1${wv};/" "$d/NeuroSIM/Param.cpp"
        grep -qE "^[[:space:]]*writeVoltage[[:space:]]*=[[:space:]]*${wv};" "$d/NeuroSIM/Param.cpp" \
            || { echo "could not set writeVoltage=$wv in Param.cpp" >&2; exit 3; }
    fi
    diff "$src/Param.cpp" "$d/NeuroSIM/Param.cpp" > "$d/Param.diff" || true
    if [ "$cell" = rram_probe ]; then
        "$PY" "$here/probe_mlsa.py" "$d/NeuroSIM"
        echo "# MultilevelSenseAmp.cpp: probe added by probe_mlsa.py (prints MLSA_PROBE at exit)" >> "$d/Param.diff"
    fi
    (cd "$d/NeuroSIM" && make -j"$JOBS" > "$d/build.log" 2>&1) || { tail "$d/build.log"; exit 4; }
    ln -s "$work/traces/layer_record_VGG8" "$d/layer_record_VGG8"

    log="$LOGDIR/neurosim_VGG8_$cell.log"
    echo "== run $cell -> $log"
    {
        echo "# NeuroSim V1.4 VGG-8, cell=$cell (memcelltype=$memcell), seed=$SEED, input_dist=$INPUT_DIST"
        echo "# source: $src"
        [ -s "$d/Param.diff" ] && { echo "# Param.cpp changes vs upstream:"; sed 's/^/#   /' "$d/Param.diff"; }
        echo "# command (cwd $d): $(cat "$d/layer_record_VGG8/trace_command.sh")"
        echo "# started $(date -u +%FT%TZ)"
    } > "$log"
    t0=$(date +%s)
    rc=0
    (cd "$d" && /bin/bash ./layer_record_VGG8/trace_command.sh) >> "$log" 2>&1 || rc=$?
    t1=$(date +%s)
    echo "# finished $(date -u +%FT%TZ), rc=$rc, wall $((t1 - t0)) s" >> "$log"
    grep -E "MLSA_PROBE|ChipArea|readLatency \(per image\)|Chip pipeline-system-clock|readDynamicEnergy \(per image\)|leakage (Energy|Power)|TOPS" "$log" || true
done
