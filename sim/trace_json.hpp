// A Perfetto / Chrome trace (JSON trace event format; opens in ui.perfetto.dev or chrome://tracing):
// one process per tile (and the off-chip port) with a thread per layer holding that layer's busy slices
// (intervals that touch or overlap merged), a counter of the tile's buffer occupancy, a "noc" process
// with every NoC transfer as a slice (a thread per source tile, more lanes where transfers overlap) and
// flow arrows from each transfer to the destination's work, and a global instant with the run's summary.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "sim/simulate.hpp"

namespace cimsim::sim {

// At most this many flows (the largest transfers are kept; the summary says how many were dropped).
inline constexpr size_t kTraceMaxFlows = 20000;
// At most this many transfer slices (the largest transfers are kept).
inline constexpr size_t kTraceMaxTransferSlices = 200000;

// `layer_names[i]`: name of layer i (the tags of the busy intervals and transfers are layer indices).
std::string trace_json(const TraceData& trace, const std::vector<std::string>& layer_names,
                       const RunResult& result, size_t max_flows = kTraceMaxFlows,
                       size_t max_transfer_slices = kTraceMaxTransferSlices);

}  // namespace cimsim::sim
