#include "tiles/pe.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "mapper/mapping.hpp"

namespace cimsim::tiles {

using models::Action;

Pe::Pe(sc_core::sc_module_name name, hw::Context& ctx)
    : sc_module(name), socket("socket"), ctx_(ctx),
      xbars_(size_t(ctx.hw.pe.crossbars), hw::Crossbar(ctx)),
      adcs_(size_t(ctx.hw.pe.crossbars), hw::AdcBank(ctx)),
      shift_add_(ctx) {
  socket.register_b_transport(this, &Pe::b_transport);
}

Pe::Burst Pe::count(const models::HardwareSpec& hw, hw::Stats& stats, int layer,
                    const std::vector<const mapper::CrossbarBlock*>& blocks, int vectors, int phases,
                    uint64_t input_bits) {
  // The input register is filled before the first phase.
  stats.add(layer, Action::pe_input_reg_bit, input_bits);
  Burst out;
  // Row blocks of the same outputs (same group and column block) are added here, by the adders of the
  // PE's shift-and-add stage (pipelined with it, as ISAAC's IMA adds its crossbars' outputs), before
  // anything leaves the PE: one partial sum per output per vector goes out. Each add is a partial-sum
  // add (Action::accumulate), wherever the reduction does it.
  std::map<std::pair<int, int>, int> seen;  // (group, column block) -> blocks of it in this PE
  for (const mapper::CrossbarBlock* b : blocks) {
    if (seen[{b->group_first, b->col_block}]++ == 0)
      out.out_bits += uint64_t(vectors) * uint64_t(b->outputs) * uint64_t(hw.precision.partial_sum_bits);
    else
      out.adds += uint64_t(vectors) * uint64_t(b->outputs);
    hw::count_mvm(stats, layer, vectors, phases, b->rows_driven, b->cols_used, b->groups);
    out.results += uint64_t(vectors) * uint64_t(phases) * uint64_t(b->cols_used);
  }
  stats.add(layer, Action::accumulate_op, out.adds);
  stats.add(layer, Action::shift_add, out.results);
  stats.add(layer, Action::pe_output_reg_bit, out.out_bits);
  return out;
}

double Pe::unloaded_ns(const models::HardwareSpec& hw, const std::vector<const mapper::CrossbarBlock*>& blocks,
                       int vectors, int phases) {
  // blocks on the same crossbar take turns on it; the crossbars run side by side
  std::map<int, double> per_xbar;
  for (const mapper::CrossbarBlock* b : blocks)
    per_xbar[b->xbar] +=
        hw::Crossbar::burst_ns(hw.crossbar.read_latency_ns, hw.conversion_ns(b->cols_used), vectors, phases);
  double end = 0.0;
  for (const auto& [x, ns] : per_xbar) end = std::max(end, ns);
  return blocks.empty() ? 0.0 : end + hw.cycle_ns();
}

void Pe::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  hw::OpExt& e = hw::ext_of(gp);
  const double now = hw::now_ns();
  const double start = now + delay.to_seconds() * 1e9;
  const Burst burst = count(ctx_.hw, ctx_.stats, e.layer, *e.blocks, e.vectors, e.phases, e.count);
  double end = start;
  for (const mapper::CrossbarBlock* b : *e.blocks) {
    hw::OpExt x;
    x.op = hw::OpCode::convert;
    x.layer = e.layer;
    x.vectors = e.vectors;
    x.phases = e.phases;
    x.rows = b->rows_driven;
    x.cols = b->cols_used;
    x.groups = b->groups;
    adcs_[size_t(b->xbar)].convert(x);  // learns the conversion time of one phase
    x.op = hw::OpCode::mvm;
    end = std::max(end, xbars_[size_t(b->xbar)].mvm(x, start, now));
  }
  end = shift_add_.add(burst.results, end, now);
  delay = hw::time_ns(end - now);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace cimsim::tiles
