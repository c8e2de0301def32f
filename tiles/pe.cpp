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

void Pe::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  hw::OpExt& e = hw::ext_of(gp);
  const double now = hw::now_ns();
  const double start = now + delay.to_seconds() * 1e9;
  // The input register is filled before the first phase.
  ctx_.stats.add(e.layer, Action::pe_input_reg_bit, e.count);
  double end = start;
  uint64_t results = 0, out_bits = 0, adds = 0;
  // Row blocks of the same outputs (same group and column block) are added here, by the adders of the
  // PE's shift-and-add stage (pipelined with it, as ISAAC's IMA adds its crossbars' outputs), before
  // anything leaves the PE: one partial sum per output per vector goes out. Each add is a partial-sum
  // add (Action::accumulate), wherever the reduction does it.
  std::map<std::pair<int, int>, int> seen;  // (group, column block) -> blocks of it in this PE
  for (const mapper::CrossbarBlock* b : *e.blocks) {
    if (seen[{b->group_first, b->col_block}]++ == 0)
      out_bits += uint64_t(e.vectors) * uint64_t(b->outputs) * uint64_t(ctx_.hw.precision.partial_sum_bits);
    else
      adds += uint64_t(e.vectors) * uint64_t(b->outputs);
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
    results += uint64_t(e.vectors) * uint64_t(e.phases) * uint64_t(b->cols_used);
  }
  ctx_.stats.add(e.layer, Action::accumulate_op, adds);
  end = shift_add_.add(e.layer, results, end, now);
  ctx_.stats.add(e.layer, Action::pe_output_reg_bit, out_bits);
  delay = hw::time_ns(end - now);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace cimsim::tiles
