#include "tiles/tile.hpp"

#include <string>

namespace cimsim::tiles {

using models::Action;

double unit_items_per_ns(const models::HardwareSpec& hw, Unit unit) {
  auto per_ns = [&](double per_cycle) { return per_cycle * hw.technology.clock_ghz; };
  auto rate = [&](const models::DigitalUnitSpec& u) { return per_ns(double(u.count) * u.ops_per_cycle); };
  switch (unit) {
    case Unit::bus:
    case Unit::out_reg: return per_ns(hw.tile.bus.width_bits);
    case Unit::pool: return rate(hw.tile.pool);
    case Unit::activation: return rate(hw.tile.activation);
    case Unit::accumulate: return rate(hw.tile.accumulate);
    case Unit::matrix: return hw.tile.matrix.count > 0 ? rate(hw.tile.matrix) : 1.0;
    default: return 0.0;
  }
}

Tile::Tile(sc_core::sc_module_name name, hw::Context& ctx, int id, const std::vector<bool>& pe_used)
    : sc_module(name),
      buffer("buffer", ctx),
      bus("bus", ctx, unit_items_per_ns(ctx.hw, Unit::bus), 0.0, Action::bus_bit),
      output_register("output_register", ctx, unit_items_per_ns(ctx.hw, Unit::out_reg), 0.0,
                      Action::tile_output_reg_bit),
      pool("pool", ctx, unit_items_per_ns(ctx.hw, Unit::pool), 0.0, Action::pool_op),
      activation("activation", ctx, unit_items_per_ns(ctx.hw, Unit::activation), 0.0, Action::activation_op),
      accumulate("accumulate", ctx, unit_items_per_ns(ctx.hw, Unit::accumulate), 0.0, Action::accumulate_op),
      matrix("matrix", ctx, unit_items_per_ns(ctx.hw, Unit::matrix), 0.0, Action::matrix_mac),
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
