#include "tiles/run_state.hpp"

#include <algorithm>

namespace cimsim::tiles {

using workloads::OpKind;

RunState::RunState(const workloads::Graph& g, const mapper::Mapping& m, RunOptions o)
    : graph(g), mapping(m), options(o), consumers(g.layers.size()), progress(g.layers.size()),
      done_ns(o.inputs, 0.0), sinks_done(o.inputs, 0) {
  for (size_t i = 0; i < g.layers.size(); ++i) {
    const auto& l = g.layers[i];
    progress[i].rows = l.out.h;
    if (m.layers[i].fused_into >= 0) continue;
    order.push_back(int(i));
    for (int p : l.inputs) consumers[source_of(p)].push_back(int(i));
  }
  // The network's output leaves the chip; a layer nothing reads (a DARTS node left out of the concat)
  // is computed but goes nowhere.
  sinks.push_back(source_of(int(g.layers.size()) - 1));
}

int RunState::source_of(int layer) const {
  const int f = mapping.layers[layer].fused_into;
  return f >= 0 ? f : layer;
}

int RunState::last_row_needed(int layer, int step) const {
  const auto& l = graph.layers[layer];
  const int h_in = l.in.h;
  switch (l.op) {
    case OpKind::conv:
    case OpKind::max_pool:
    case OpKind::avg_pool: {
      const int r = step * l.stride - l.pad + (l.kernel_h - 1) * l.dilation;
      return std::clamp(r, 0, h_in - 1);
    }
    case OpKind::fc:
    case OpKind::global_avg_pool:
    case OpKind::flatten:
      return h_in - 1;
    case OpKind::pad:
      return std::clamp(step - l.pads[0], 0, h_in - 1);
    case OpKind::slice:
      return std::clamp(step + l.pads[0], 0, h_in - 1);
    default:
      return std::min(step, h_in - 1);
  }
}

int RunState::first_row_needed(int layer, int step) const {
  const auto& l = graph.layers[layer];
  switch (l.op) {
    case OpKind::conv:
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return std::clamp(step * l.stride - l.pad, 0, l.in.h - 1);
    case OpKind::fc:
    case OpKind::global_avg_pool:
    case OpKind::flatten:
      return 0;
    case OpKind::pad:
      return std::clamp(step - l.pads[0], 0, l.in.h - 1);
    case OpKind::slice:
      return std::clamp(step + l.pads[0], 0, l.in.h - 1);
    default:
      return std::min(step, l.in.h - 1);
  }
}

}  // namespace cimsim::tiles
