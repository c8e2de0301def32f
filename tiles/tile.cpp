#include "tiles/tile.hpp"

#include <string>

namespace cimsim::tiles {

using models::Action;

namespace {
double per_ns(const hw::Context& ctx, double per_cycle) { return per_cycle * ctx.hw.technology.clock_ghz; }
double unit_rate(const hw::Context& ctx, const models::DigitalUnitSpec& u) {
  return per_ns(ctx, double(u.count) * u.ops_per_cycle);
}
}  // namespace

Tile::Tile(sc_core::sc_module_name name, hw::Context& ctx, int id, const std::vector<bool>& pe_used)
    : sc_module(name),
      buffer("buffer", ctx),
      bus("bus", ctx, per_ns(ctx, ctx.hw.tile.bus.width_bits), 0.0, Action::bus_bit),
      output_register("output_register", ctx, per_ns(ctx, ctx.hw.tile.bus.width_bits), 0.0,
                      Action::tile_output_reg_bit),
      pool("pool", ctx, unit_rate(ctx, ctx.hw.tile.pool), 0.0, Action::pool_op),
      activation("activation", ctx, unit_rate(ctx, ctx.hw.tile.activation), 0.0, Action::activation_op),
      accumulate("accumulate", ctx, unit_rate(ctx, ctx.hw.tile.accumulate), 0.0, Action::accumulate_op),
      matrix("matrix", ctx, ctx.hw.tile.matrix.count > 0 ? unit_rate(ctx, ctx.hw.tile.matrix) : 1.0, 0.0,
             Action::matrix_mac),
      id_(id) {
  for (int p = 0; p < ctx.hw.tile.pes; ++p)
    pes.push_back(pe_used[p] ? std::make_unique<Pe>(("pe_" + std::to_string(p)).c_str(), ctx) : nullptr);
  if (ctx.trace) {
    // one waveform of the tile's datapath: any crossbar or digital unit busy, tagged with the layer
    auto* log = ctx.trace->add("tile_" + std::to_string(id), "busy");
    for (auto& pe : pes)
      if (pe)
        for (int x = 0; x < pe->crossbars(); ++x) pe->crossbar(x).resource().log_to(log);
    pool.resource().log_to(log);
    activation.resource().log_to(log);
    accumulate.resource().log_to(log);
    matrix.resource().log_to(log);
  }
}

}  // namespace cimsim::tiles
