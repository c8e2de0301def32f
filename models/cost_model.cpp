// Energy, power and area from action counts and the cost tables (see cost_model.hpp).
#include "models/cost_model.hpp"

#include <cmath>

namespace cimsim::models {
namespace {

// The cost entry an action is charged against.
const Cost& cost_of(const HardwareSpec& hw, Action a) {
  switch (a) {
    case Action::crossbar_read:
    case Action::crossbar_cell_read:
    case Action::crossbar_cell_write: return hw.crossbar.cost;
    case Action::dac_drive: return hw.dac.cost;
    case Action::sample_hold: return hw.sample_hold.cost;
    case Action::adc_conversion: return hw.adc.cost;
    case Action::shift_add: return hw.shift_add.cost;
    case Action::pe_input_reg_bit: return hw.pe.input_register.cost;
    case Action::pe_output_reg_bit: return hw.pe.output_register.cost;
    case Action::buffer_read_bit:
    case Action::buffer_write_bit: return hw.tile.buffer.cost;
    case Action::bus_bit: return hw.tile.bus.cost;
    case Action::tile_output_reg_bit: return hw.tile.output_register.cost;
    case Action::pool_op: return hw.tile.pool.cost;
    case Action::activation_op: return hw.tile.activation.cost;
    case Action::accumulate_op: return hw.tile.accumulate.cost;
    case Action::router_flit_hop: return hw.noc.router.cost;
    case Action::selector_op: return hw.hypernet.selector.cost;
    case Action::matrix_mac: return hw.tile.matrix.cost;
    case Action::offchip_bit:
    case Action::count_: break;
  }
  return hw.offchip.cost;
}

// Leakage (mW) and area (um2) of ONE instance of a component class. A PE's registers are one
// instance holding two costs (input and output register).
struct InstanceStatic {
  double leakage_mw = 0.0;
  double area_um2 = 0.0;
};

InstanceStatic static_of(const HardwareSpec& hw, Component c) {
  auto one = [](const Cost& k) { return InstanceStatic{k.leakage_mw, k.area_um2}; };
  switch (c) {
    case Component::crossbar: return one(hw.crossbar.cost);
    case Component::dac: return one(hw.dac.cost);
    case Component::sample_hold: return one(hw.sample_hold.cost);
    case Component::adc: return one(hw.adc.cost);
    case Component::shift_add: return one(hw.shift_add.cost);
    case Component::pe_registers: {
      const Cost& in = hw.pe.input_register.cost;
      const Cost& out = hw.pe.output_register.cost;
      return {in.leakage_mw + out.leakage_mw, in.area_um2 + out.area_um2};
    }
    case Component::buffer: return one(hw.tile.buffer.cost);
    case Component::bus: return one(hw.tile.bus.cost);
    case Component::tile_output_register: return one(hw.tile.output_register.cost);
    case Component::pool: return one(hw.tile.pool.cost);
    case Component::activation: return one(hw.tile.activation.cost);
    case Component::accumulate: return one(hw.tile.accumulate.cost);
    case Component::router: return one(hw.noc.router.cost);
    case Component::selector: return one(hw.hypernet.selector.cost);
    case Component::matrix: return one(hw.tile.matrix.cost);
    case Component::offchip:
    case Component::count_: break;
  }
  return one(hw.offchip.cost);
}

// Dynamic power (mW) of ONE instance of a component class busy at its full rate. A PE's registers
// are written at both their rates at once; a buffer's ports serve reads or writes, so its peak is one
// stream at the port rate.
double peak_dynamic_mw(const HardwareSpec& hw, Component c) {
  auto p = [&hw](Action a) { return full_rate_per_s(hw, a) * energy_per_action_pj(hw, a) * 1e-9; };
  switch (c) {
    case Component::crossbar: return p(Action::crossbar_cell_read);
    case Component::dac: return p(Action::dac_drive);
    case Component::sample_hold: return p(Action::sample_hold);
    case Component::adc: return p(Action::adc_conversion);
    case Component::shift_add: return p(Action::shift_add);
    case Component::pe_registers: return p(Action::pe_input_reg_bit) + p(Action::pe_output_reg_bit);
    case Component::buffer: return p(Action::buffer_read_bit);
    case Component::bus: return p(Action::bus_bit);
    case Component::tile_output_register: return p(Action::tile_output_reg_bit);
    case Component::pool: return p(Action::pool_op);
    case Component::activation: return p(Action::activation_op);
    case Component::accumulate: return p(Action::accumulate_op);
    case Component::router: return p(Action::router_flit_hop);
    case Component::selector: return p(Action::selector_op);
    case Component::matrix: return p(Action::matrix_mac);
    case Component::offchip:
    case Component::count_: break;
  }
  return p(Action::offchip_bit);
}

constexpr Component kPeComponents[] = {Component::crossbar,  Component::dac,
                                       Component::sample_hold, Component::adc,
                                       Component::shift_add, Component::pe_registers};

}  // namespace

const char* action_name(Action a) {
  static const char* const names[kActions] = {
      "crossbar_read",     "crossbar_cell_read", "dac_drive",        "sample_hold",        "adc_conversion",
      "shift_add",         "pe_input_reg_bit", "pe_output_reg_bit",  "buffer_read_bit",
      "buffer_write_bit",  "bus_bit",          "tile_output_reg_bit", "pool_op",
      "activation_op",     "accumulate_op",    "router_flit_hop",    "offchip_bit",
      "selector_op",       "matrix_mac",       "crossbar_cell_write"};
  const int i = static_cast<int>(a);
  return i >= 0 && i < kActions ? names[i] : "unknown";
}

const char* component_name(Component c) {
  static const char* const names[kComponents] = {
      "crossbar", "dac",  "sample_hold", "adc",        "shift_add",  "pe_registers", "buffer",
      "bus",      "tile_output_register", "pool", "activation", "accumulate", "router", "offchip", "selector",
      "matrix"};
  const int i = static_cast<int>(c);
  return i >= 0 && i < kComponents ? names[i] : "unknown";
}

Component component_of(Action a) {
  switch (a) {
    case Action::crossbar_read:
    case Action::crossbar_cell_read:
    case Action::crossbar_cell_write: return Component::crossbar;
    case Action::dac_drive: return Component::dac;
    case Action::sample_hold: return Component::sample_hold;
    case Action::adc_conversion: return Component::adc;
    case Action::shift_add: return Component::shift_add;
    case Action::pe_input_reg_bit:
    case Action::pe_output_reg_bit: return Component::pe_registers;
    case Action::buffer_read_bit:
    case Action::buffer_write_bit: return Component::buffer;
    case Action::bus_bit: return Component::bus;
    case Action::tile_output_reg_bit: return Component::tile_output_register;
    case Action::pool_op: return Component::pool;
    case Action::activation_op: return Component::activation;
    case Action::accumulate_op: return Component::accumulate;
    case Action::router_flit_hop: return Component::router;
    case Action::selector_op: return Component::selector;
    case Action::matrix_mac: return Component::matrix;
    case Action::offchip_bit:
    case Action::count_: break;
  }
  return Component::offchip;
}

std::array<double, kComponents> instance_counts(const HardwareSpec& hw, int tiles, int selectors) {
  const double t = tiles;
  const double pes = t * hw.tile.pes;
  const double xbars = pes * hw.pe.crossbars;
  std::array<double, kComponents> n{};
  auto set = [&n](Component c, double v) { n[static_cast<int>(c)] = v; };
  set(Component::crossbar, xbars);
  set(Component::dac, xbars * hw.crossbar.rows);
  set(Component::sample_hold, xbars * hw.crossbar.cols);
  set(Component::adc, xbars * hw.adc.per_crossbar);
  set(Component::shift_add, pes * hw.shift_add.per_pe);
  set(Component::pe_registers, pes);
  set(Component::buffer, t);
  set(Component::bus, t);
  set(Component::tile_output_register, t);
  set(Component::pool, t * hw.tile.pool.count);
  set(Component::activation, t * hw.tile.activation.count);
  set(Component::accumulate, t * hw.tile.accumulate.count);
  set(Component::router, std::ceil(t / hw.chip.tiles_per_router));
  set(Component::offchip, 1.0);
  set(Component::selector, selectors);
  set(Component::matrix, t * hw.tile.matrix.count);
  return n;
}

double dynamic_energy_pj(const HardwareSpec& hw, Action a, uint64_t count) {
  return static_cast<double>(count) * energy_per_action_pj(hw, a);
}

double energy_per_action_pj(const HardwareSpec& hw, Action a) {
  if (a == Action::crossbar_read) return 0.0;
  if (a == Action::crossbar_cell_write) return hw.crossbar.cell_write_energy_fj * 1e-3;
  return cost_of(hw, a).energy_pj;
}

std::array<double, kComponents> powered_counts(const HardwareSpec& hw, int tiles, int selectors,
                                               const Activity& activity) {
  auto n = instance_counts(hw, tiles, selectors);
  const auto gating = hw.chip.power_gating;
  if (gating == PowerGating::none || activity.tiles_on < 0 || tiles <= 0) return n;
  const double tile_on = std::min(1.0, double(activity.tiles_on) / tiles);
  double pe_on = tile_on;  // fraction of the chip's PEs powered
  if (gating == PowerGating::unselected && activity.pes_on >= 0)
    pe_on = std::min(tile_on, double(activity.pes_on) / (double(tiles) * hw.tile.pes));
  for (Component c : {Component::buffer, Component::bus, Component::tile_output_register, Component::pool,
                      Component::activation, Component::accumulate, Component::matrix})
    n[static_cast<int>(c)] *= tile_on;
  for (Component c : {Component::crossbar, Component::dac, Component::sample_hold, Component::adc,
                      Component::shift_add, Component::pe_registers})
    n[static_cast<int>(c)] *= pe_on;
  return n;
}

EnergyReport energy(const HardwareSpec& hw, const ActionCounts& counts, int tiles, double time_ns,
                    int selectors, const Activity& activity) {
  std::array<double, kComponents> dyn{};
  std::array<double, kComponents> leak{};
  for (int i = 0; i < kActions; ++i) {
    const auto a = static_cast<Action>(i);
    dyn[static_cast<int>(component_of(a))] += dynamic_energy_pj(hw, a, counts[i]);
  }
  const auto all = instance_counts(hw, tiles, selectors);
  const auto n = powered_counts(hw, tiles, selectors, activity);
  EnergyReport r;
  for (int c = 0; c < kComponents; ++c) {
    // mW x ns = pJ.
    const double mw = static_of(hw, static_cast<Component>(c)).leakage_mw;
    leak[c] = n[c] * mw * time_ns;
    r.gated_pj += (all[c] - n[c]) * mw * time_ns;
  }
  for (int c = 0; c < kComponents; ++c) {
    r.dynamic_pj += dyn[c];
    r.leakage_pj += leak[c];
    r.breakdown_pj[component_name(static_cast<Component>(c))] = dyn[c] + leak[c];
  }
  r.total_pj = r.dynamic_pj + r.leakage_pj;
  return r;
}

AreaReport area(const HardwareSpec& hw, int tiles, int selectors) {
  const auto n = instance_counts(hw, tiles, selectors);
  AreaReport r;
  for (int c = 0; c < kComponents; ++c) {
    const double mm2 = n[c] * static_of(hw, static_cast<Component>(c)).area_um2 * 1e-6;
    r.breakdown_mm2[component_name(static_cast<Component>(c))] = mm2;
    r.total_mm2 += mm2;
  }
  return r;
}

double leakage_mw(const HardwareSpec& hw, int tiles, int selectors, const Activity& activity) {
  const auto n = powered_counts(hw, tiles, selectors, activity);
  double mw = 0.0;
  for (int c = 0; c < kComponents; ++c) mw += n[c] * static_of(hw, static_cast<Component>(c)).leakage_mw;
  return mw;
}

PowerReport peak_power(const HardwareSpec& hw, int tiles, int selectors) {
  const auto n = instance_counts(hw, tiles, selectors);
  PowerReport r;
  for (int c = 0; c < kComponents; ++c) {
    const auto comp = static_cast<Component>(c);
    const double mw = n[c] * (peak_dynamic_mw(hw, comp) + static_of(hw, comp).leakage_mw);
    r.breakdown_mw[component_name(comp)] = mw;
    r.total_mw += mw;
  }
  return r;
}

double pe_peak_power_mw(const HardwareSpec& hw) {
  const auto n = instance_counts(hw, 1);
  double mw = 0.0;
  for (Component c : kPeComponents) {
    mw += n[static_cast<int>(c)] * (peak_dynamic_mw(hw, c) + static_of(hw, c).leakage_mw);
  }
  return mw / hw.tile.pes;
}

double pe_area_mm2(const HardwareSpec& hw) {
  const auto n = instance_counts(hw, 1);
  double um2 = 0.0;
  for (Component c : kPeComponents) um2 += n[static_cast<int>(c)] * static_of(hw, c).area_um2;
  return um2 * 1e-6 / hw.tile.pes;
}

Efficiency peak_efficiency(const HardwareSpec& hw, int tiles, int selectors) {
  const auto& x = hw.crossbar;
  const int cpw = hw.cells_per_weight();
  const double weights_per_row = x.cols / cpw;  // whole weights
  const double cols_used = weights_per_row * cpw;
  const double phases = hw.input_phases();
  const double ops_per_mvm = 2.0 * x.rows * weights_per_row;
  const double mvm_ns = phases * hw.phase_period_ns(int(cols_used));
  const double crossbars = double(tiles) * hw.crossbars_per_tile();
  const double ops_per_ns = crossbars * ops_per_mvm / mvm_ns;
  auto e = [&hw](Action a) { return energy_per_action_pj(hw, a); };
  const double mvm_pj = phases * (x.rows * cols_used * e(Action::crossbar_cell_read) + x.rows * e(Action::dac_drive) +
                                  cols_used * (e(Action::sample_hold) + e(Action::adc_conversion) + e(Action::shift_add)));
  const double power_mw = ops_per_ns * mvm_pj / ops_per_mvm + leakage_mw(hw, tiles, selectors);  // pJ/ns = mW
  Efficiency p;
  p.tops = ops_per_ns * 1e-3;  // 1e9 ops/s -> 1e12
  // a chip whose costs are all given as 0 has no efficiency: reported as 0, never infinite
  const double mm2 = area(hw, tiles, selectors).total_mm2;
  p.tops_per_w = power_mw > 0 ? p.tops / (power_mw * 1e-3) : 0.0;
  p.tops_per_mm2 = mm2 > 0 ? p.tops / mm2 : 0.0;
  return p;
}

Efficiency achieved_efficiency(double ops, double time_ns, double energy_pj, double area_mm2) {
  Efficiency a;
  if (time_ns > 0) a.tops = ops / time_ns * 1e-3;
  if (energy_pj > 0) a.tops_per_w = ops / energy_pj;  // ops/pJ = 1e12 ops/J = TOPS/W
  if (area_mm2 > 0) a.tops_per_mm2 = a.tops / area_mm2;
  return a;
}

double full_rate_per_s(const HardwareSpec& hw, Action a) {
  const double phase_s = hw.phase_period_ns(hw.crossbar.cols) * 1e-9;  // full array
  const double clock_hz = hw.technology.clock_ghz * 1e9;
  // an ADC converts no faster than its crossbar supplies columns: its columns once per phase period
  const double cols_per_adc = std::ceil(double(hw.crossbar.cols) / hw.adc.per_crossbar);
  const double sample_hz = std::min(hw.adc.sample_rate_gsps * 1e9, cols_per_adc / phase_s);
  const double adcs_per_pe = static_cast<double>(hw.adc.per_crossbar) * hw.pe.crossbars;
  switch (a) {
    case Action::crossbar_cell_read:
      return double(hw.crossbar.rows) * double(hw.crossbar.cols) / phase_s;
    case Action::crossbar_read:
    case Action::dac_drive:
    case Action::sample_hold: return 1.0 / phase_s;
    case Action::adc_conversion: return sample_hz;
    case Action::shift_add: return adcs_per_pe * sample_hz / hw.shift_add.per_pe;
    case Action::pe_input_reg_bit:
      return static_cast<double>(hw.pe.crossbars) * hw.crossbar.rows * hw.dac.bits / phase_s;
    case Action::pe_output_reg_bit: return adcs_per_pe * sample_hz * hw.adc.bits;
    case Action::buffer_read_bit:
    case Action::buffer_write_bit:
      return static_cast<double>(hw.tile.buffer.banks) * hw.tile.buffer.bus_bits * clock_hz;
    case Action::bus_bit:
    case Action::tile_output_reg_bit: return hw.tile.bus.width_bits * clock_hz;
    case Action::pool_op: return hw.tile.pool.ops_per_cycle * clock_hz;
    case Action::activation_op: return hw.tile.activation.ops_per_cycle * clock_hz;
    case Action::accumulate_op: return hw.tile.accumulate.ops_per_cycle * clock_hz;
    case Action::router_flit_hop:
      return hw.noc.router.ports * hw.noc.link_bandwidth_gbps * 1e9 / hw.noc.flit_bits;
    case Action::selector_op: return hw.hypernet.selector.elements_per_cycle * clock_hz;
    case Action::matrix_mac: return hw.tile.matrix.ops_per_cycle * clock_hz;
    case Action::crossbar_cell_write:  // a row of cells per write pulse
      return double(hw.crossbar.cols) / (hw.crossbar.device.write_pulse_ns * 1e-9);
    case Action::offchip_bit:
    case Action::count_: break;
  }
  return hw.offchip.bandwidth_gbps * 1e9;
}

}  // namespace cimsim::models
