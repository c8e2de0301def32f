// VCD waveforms for GTKWave: per tile datapath busy and current layer, per tile buffer occupancy, per
// NoC link and the off-chip port busy. Written from the intervals a run logged, one line per change.
#pragma once

#include <string>
#include <vector>

#include "sim/simulate.hpp"

namespace cimsim::sim {

// `layer_names[i]`: name of layer i (values of the `layer` signals are layer indices; -1 idle).
std::string vcd_text(const TraceData& trace, const std::vector<std::string>& layer_names);

}  // namespace cimsim::sim
