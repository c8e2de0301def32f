// Attention's products on crossbars written at run time (tile.matrix.mode: crossbar; docs/architecture.md,
// "Timing model"): the matmul's second operand goes to the spare crossbars and is written row by row, then
// every row of the first operand is one MVM through them, counted as a weighted layer's are.
#include <algorithm>

#include "hw/crossbar.hpp"
#include "tiles/controller.hpp"

namespace cimsim::tiles {

using hw::OpCode;
using models::Action;

double Controller::step_operand_crossbars(int layer, int s, double t, int home) {
  AttentionPool& pool = run_.attention;
  const mapper::OperandCrossbars& o = pool.operand.at(layer);
  const auto& l = run_.graph.layers[size_t(layer)];
  const auto& hw = ctx_.hw;
  const uint64_t act = uint64_t(hw.precision.activation_bits);
  const double now = hw::now_ns();
  double at = t;
  if (s == 0) {
    // the whole operand (read out of the buffer by step_digital) to the spare crossbars' tile, then
    // written: the arrays in parallel, each one row per write pulse (no program-and-verify)
    const auto& b = run_.graph.layers[size_t(l.inputs[1])].out;
    at = transfer(home, pool.tile, layer, uint64_t(b.c) * uint64_t(b.h) * uint64_t(b.w) * act, at);
    const double write_ns = double(o.write_rows) * hw.crossbar.device.write_pulse_ns;
    at = pool.resource.reserve(std::max(at, pool.free_ns), write_ns, now, layer) + write_ns;
    ctx_.stats.add(layer, Action::crossbar_cell_write, uint64_t(o.cells));
  }
  // one row of the first operand: one vector of input_phases() bit-serial phases through every crossbar
  // of the operand at once, pipelined through sample-and-hold as a weighted layer's burst is
  at = transfer(home, pool.tile, layer, uint64_t(l.in.c) * act, at);
  const int phases = hw.input_phases();
  const double mvm_ns =
      hw::Crossbar::burst_ns(hw.crossbar.read_latency_ns, hw.conversion_ns(o.max_cols), 1, phases) + hw.cycle_ns();
  at = pool.resource.reserve(at, mvm_ns, now, layer) + mvm_ns;
  const uint64_t p = uint64_t(phases);
  ctx_.stats.add(layer, Action::crossbar_read, uint64_t(o.crossbars) * p);
  ctx_.stats.add(layer, Action::crossbar_cell_read, uint64_t(o.cell_reads_per_phase) * p);
  ctx_.stats.add(layer, Action::dac_drive, uint64_t(o.drives_per_phase) * p);
  ctx_.stats.add(layer, Action::sample_hold, uint64_t(o.columns_per_phase) * p);
  ctx_.stats.add(layer, Action::adc_conversion, uint64_t(o.columns_per_phase) * p);
  ctx_.stats.add(layer, Action::shift_add, uint64_t(o.columns_per_phase) * p);
  if (s == l.out.h - 1) {  // the last row: the next matmul may write its operand from here
    pool.free_ns = at;
    ++pool.turn;
    pool.advanced.notify(sc_core::SC_ZERO_TIME);
  }
  // the results (partial sums of each row block when the summed dimension spans several) back home,
  // where the row blocks are added
  const uint64_t results = uint64_t(o.columns_per_phase / o.cells_per_element);
  const uint64_t bits = o.row_blocks > 1 ? uint64_t(hw.precision.partial_sum_bits) : act;
  at = transfer(pool.tile, home, layer, results * bits, at);
  return op(home, Unit::accumulate, OpCode::compute, layer, uint64_t(o.partial_adds), at);
}

}  // namespace cimsim::tiles
