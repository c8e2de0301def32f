#!/usr/bin/env python3
"""Adds a probe to a *copy* of NeuroSim's MultilevelSenseAmp.cpp (run.sh, CELLS=rram_probe).

The probe splits the multilevel sense amplifier's read energy into its two parts, summed over the run:
the comparators' switching energy and the column conduction (column power x sensing time). At exit it
prints one line to stderr:
  MLSA_PROBE switching_J=... conduction_J=... conversions=... column_latency_s=... mean_column_power_W=...
Nothing else in the copy changes; the numbers NeuroSim prints are unchanged.

usage: probe_mlsa.py NEUROSIM_COPY_DIR
"""
import pathlib
import sys

path = pathlib.Path(sys.argv[1]) / "MultilevelSenseAmp.cpp"
text = path.read_text()
include = '#include "MultilevelSenseAmp.h"'
switching = "readDynamicEnergy += Column_SwitchingE * (levelOutput-1);"
conduction = "readDynamicEnergy += MAX(P_Col*LatencyCol, 0);"
for needle in (include, switching, conduction):
    if text.count(needle) < 1:
        sys.exit(f"probe_mlsa.py: '{needle}' not found in {path}: a different NeuroSim version?")

probe = r'''
#include <cstdio>
namespace {
struct MlsaProbe {
  double switching = 0, conduction = 0, conversions = 0, latency = 0, power = 0;
  ~MlsaProbe() {
    std::fprintf(stderr, "MLSA_PROBE switching_J=%.6g conduction_J=%.6g conversions=%.6g "
                 "column_latency_s=%.6g mean_column_power_W=%.6g\n", switching, conduction, conversions,
                 latency, conversions > 0 ? power / conversions : 0.0);
  }
} mlsa_probe;
}
'''
text = text.replace(include, include + probe, 1)
# the current-mode branch: the first pair of switching and conduction lines
head, sep, tail = text.partition(conduction)
if switching not in head:
    sys.exit("probe_mlsa.py: the switching line does not precede the conduction line")
record = ("mlsa_probe.switching += Column_SwitchingE * (levelOutput-1) * numRead; "
          "mlsa_probe.conduction += MAX(P_Col*LatencyCol, 0) * numRead; "
          "mlsa_probe.conversions += numRead; mlsa_probe.latency = LatencyCol; "
          "mlsa_probe.power += P_Col * numRead;\n\t\t\t\t\t")
text = head + record + sep + tail
path.write_text(text)
