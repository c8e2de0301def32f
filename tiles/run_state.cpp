#include "tiles/run_state.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <stdexcept>

namespace cimsim::tiles {

using workloads::OpKind;

RunState::RunState(const workloads::Graph& g, const mapper::Mapping& m, RunOptions o)
    : DataflowPlan(g, m, o), progress(g.layers.size()), done_ns(o.inputs, 0.0), sinks_done(o.inputs, 0) {
  for (size_t i = 0; i < g.layers.size(); ++i) progress[i].rows = rows[i];
}

void RunState::plan_buffers(double capacity_bits, int activation_bits) {
  DataflowPlan::plan_buffers(capacity_bits, activation_bits);
  held.assign(size_t(mapping.chip_tiles), {});
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





}  // namespace cimsim::tiles

namespace cimsim::tiles {

int RunState::row_source(int producer, int n, int row) const {
  const Progress& p = progress[source_of(producer)];
  const size_t i = size_t(n) * size_t(p.rows) + size_t(row);
  return p.spilled[i] ? -1 : p.where[i];
}





void RunState::pulled(int producer, int n, int after, int last, double t_ns) {
  Progress& p = progress[source_of(producer)];
  for (int r = std::max(0, after + 1); r <= last; ++r) {
    const size_t i = size_t(n) * size_t(p.rows) + size_t(r);
    if (i >= p.pending.size() || p.pending[i] <= 0)
      throw std::logic_error("a row was pulled more often than its consumers read it");
    --p.pending[i];
    p.release_ns[i] = std::max(p.release_ns[i], t_ns);
  }
}

double RunState::held_bits(int tile, double t_ns, double now_ns) {
  auto& list = held[size_t(tile)];
  double bits = 0;
  for (size_t k = 0; k < list.size();) {
    const Progress& p = progress[size_t(list[k].layer)];
    const size_t i = list[k].index;
    if (p.pending[i] == 0 && p.release_ns[i] <= now_ns) {  // gone: no later query can see it
      list[k] = list.back();
      list.pop_back();
      continue;
    }
    if (p.pending[i] > 0 || p.release_ns[i] > t_ns) bits += p.held_bits;
    ++k;
  }
  return bits;
}

}  // namespace cimsim::tiles

namespace cimsim::tiles {




}  // namespace cimsim::tiles
