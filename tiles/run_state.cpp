#include "tiles/run_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

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

int RunState::copy_of(int layer, int n, int step) const {
  const int copies = mapping.layers[layer].copies;
  const int rows = std::max(1, progress[layer].rows);
  if (copies <= 1) return 0;
  if (copies <= rows) return int(std::int64_t(step) * copies / rows);
  return int((std::int64_t(n) * rows + step) % copies);
}

int RunState::row_tile(int producer, int n, int row) const {
  const Progress& p = progress[source_of(producer)];
  return p.where[size_t(n) * size_t(p.rows) + size_t(row)];
}

bool RunState::within_limit(double t_ns, int layer, int input, int row) {
  if (std::isfinite(t_ns) && t_ns <= options.max_sim_ns) return true;
  if (!overrun.hit) {
    overrun = {true, t_ns, layer, input, row};
    // simulate() reports the stop as one error line: SystemC's own note about it would be a second
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                            sc_core::SC_DO_NOTHING);
    sc_core::sc_stop();
  }
  return false;
}

namespace {
// A row index computed in 64 bits (strides, pads and dilations multiply a step index: an int could
// overflow), clamped to the rows that exist.
int clamp_row(std::int64_t r, int h_in) { return int(std::clamp<std::int64_t>(r, 0, std::max(0, h_in - 1))); }
}  // namespace

int RunState::last_row_needed(int layer, int step) const {
  const auto& l = graph.layers[layer];
  const int h_in = l.in.h;
  switch (l.op) {
    case OpKind::conv:
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return clamp_row(std::int64_t(step) * l.stride - l.pad + (std::int64_t(l.kernel_h) - 1) * l.dilation, h_in);
    case OpKind::fc:
    case OpKind::global_avg_pool:
    case OpKind::flatten:
      return clamp_row(h_in - 1, h_in);
    case OpKind::pad:
      return clamp_row(std::int64_t(step) - l.pads[0], h_in);
    case OpKind::slice:
      return clamp_row(std::int64_t(step) + l.pads[0], h_in);
    default:
      return clamp_row(step, h_in);
  }
}

int RunState::first_row_needed(int layer, int step) const {
  const auto& l = graph.layers[layer];
  const int h_in = l.in.h;
  switch (l.op) {
    case OpKind::conv:
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return clamp_row(std::int64_t(step) * l.stride - l.pad, h_in);
    case OpKind::fc:
    case OpKind::global_avg_pool:
    case OpKind::flatten:
      return 0;
    case OpKind::pad:
      return clamp_row(std::int64_t(step) - l.pads[0], h_in);
    case OpKind::slice:
      return clamp_row(std::int64_t(step) + l.pads[0], h_in);
    default:
      return clamp_row(step, h_in);
  }
}

}  // namespace cimsim::tiles
