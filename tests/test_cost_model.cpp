// Cost model: ISAAC's published table reproduced from configs/isaac.yaml, and energy/area/power
// against closed forms computed here from the spec.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <string>

#include "models/config_loader.hpp"
#include "models/cost_model.hpp"

using namespace cimsim::models;

namespace {

HardwareSpec isaac() { return load_hardware(std::string(CIMSIM_SOURCE_DIR) + "/configs/isaac.yaml"); }

// Within 0.5 % of `expected`.
void expect_close(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, 0.005 * std::abs(expected)) << what;
}

template <class Map>
double sum_values(const Map& m) {
  return std::accumulate(m.begin(), m.end(), 0.0, [](double s, const auto& kv) { return s + kv.second; });
}

}  // namespace

// ISAAC Table I, per IMA: ADC 16 mW, DAC 4 mW, S&H 10 uW, crossbars 2.4 mW, shift-and-add 0.2 mW,
// input register 1.24 mW, output register 0.23 mW.
TEST(IsaacReproduction, PePeakPowerIsTheSumOfTheTable) {
  const HardwareSpec hw = isaac();
  const double published = 16 + 4 + 0.01 + 2.4 + 0.2 + 1.24 + 0.23;  // 24.08 mW
  expect_close(pe_peak_power_mw(hw), published, "IMA peak power");
}

TEST(IsaacReproduction, PeAreaIsTheSumOfTheTable) {
  const HardwareSpec hw = isaac();
  const double published = 0.0096 + 0.00017 + 0.00004 + 0.0002 + 0.00024 + 0.0021 + 0.00077;  // 0.01312 mm2
  expect_close(pe_area_mm2(hw), published, "IMA area");
}

TEST(IsaacReproduction, EachPeComponentMatchesItsRow) {
  const HardwareSpec hw = isaac();
  const PowerReport p = peak_power(hw, 1);  // one tile = 12 IMAs
  const AreaReport a = area(hw, 1);
  const int imas = hw.tile.pes;
  struct Row { const char* comp; double mw, mm2; };
  const Row rows[] = {{"adc", 16, 0.0096},           {"dac", 4, 0.00017},
                      {"sample_hold", 0.01, 0.00004}, {"crossbar", 2.4, 0.0002},
                      {"shift_add", 0.2, 0.00024},   {"pe_registers", 1.24 + 0.23, 0.0021 + 0.00077}};
  for (const Row& r : rows) {
    expect_close(p.breakdown_mw.at(r.comp) / imas, r.mw, r.comp);
    expect_close(a.breakdown_mm2.at(r.comp) / imas, r.mm2, r.comp);
  }
}

// ISAAC Table I per tile: 12 IMAs, eDRAM 20.7 mW / 0.083 mm2, bus 7 mW / 0.090 mm2, router 42 mW /
// 0.151 mm2 shared by 4 tiles, sigmoid 0.52 mW / 0.0006, shift-and-add 0.05 mW / 0.00006, max-pool
// 0.4 mW / 0.00024, output register 1.68 mW / 0.0032. The sums: 329.81 mW and 0.37229 mm2 per tile.
// ISAAC publishes 330 mW and 0.372 mm2 per tile; 168 tiles 55.4 W and 62.5 mm2; with HyperTransport
// (10.4 W, 22.88 mm2) 65.8 W and 85.4 mm2 for the chip. The sums give 55.41 W / 62.54 mm2 and
// 65.81 W / 85.42 mm2.
TEST(IsaacReproduction, TileAndChipTotals) {
  const HardwareSpec hw = isaac();
  const int tiles = hw.chip.tiles();
  ASSERT_EQ(tiles, 168);
  const double ima_mw = 24.08, ima_mm2 = 0.01312;
  const double tile_mw = 12 * ima_mw + 20.7 + 7 + 42.0 / 4 + 0.52 + 0.05 + 0.4 + 1.68;
  const double tile_mm2 = 12 * ima_mm2 + 0.083 + 0.090 + 0.151 / 4 + 0.0006 + 0.00006 + 0.00024 + 0.0032;
  EXPECT_NEAR(tile_mw, 329.81, 1e-9);
  EXPECT_NEAR(tile_mm2, 0.37229, 1e-9);

  const PowerReport p = peak_power(hw, tiles);
  const AreaReport a = area(hw, tiles);
  const double p_tile = (p.total_mw - p.breakdown_mw.at("offchip")) / tiles;
  const double a_tile = (a.total_mm2 - a.breakdown_mm2.at("offchip")) / tiles;
  expect_close(p_tile, tile_mw, "tile power vs table sum");
  expect_close(a_tile, tile_mm2, "tile area vs table sum");
  expect_close(p_tile, 330.0, "tile power vs published 330 mW");
  expect_close(a_tile, 0.372, "tile area vs published 0.372 mm2");
  expect_close(p.breakdown_mw.at("offchip"), 10400.0, "HyperTransport power");
  expect_close(a.breakdown_mm2.at("offchip"), 22.88, "HyperTransport area");
  expect_close(p.total_mw, tiles * tile_mw + 10400.0, "chip power vs table sum");
  expect_close(a.total_mm2, tiles * tile_mm2 + 22.88, "chip area vs table sum");
  expect_close(p.total_mw, 65800.0, "chip power vs published 65.8 W");
  expect_close(a.total_mm2, 85.4, "chip area vs published 85.4 mm2");
  EXPECT_NEAR(sum_values(p.breakdown_mw), p.total_mw, 1e-9 * p.total_mw);
}

TEST(FullRate, IsaacRatesFollowTheTimingModel) {
  const HardwareSpec hw = isaac();
  const double phase_s = 100e-9;  // max(read 100 ns, 128 conversions / 1.28 GS/s = 100 ns)
  EXPECT_DOUBLE_EQ(hw.phase_period_ns(hw.crossbar.cols), 100.0);
  EXPECT_NEAR(full_rate_per_s(hw, Action::crossbar_read), 1 / phase_s, 1e-3);
  EXPECT_NEAR(full_rate_per_s(hw, Action::dac_drive), 1 / phase_s, 1e-3);
  EXPECT_NEAR(full_rate_per_s(hw, Action::sample_hold), 1 / phase_s, 1e-3);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::adc_conversion), 1.28e9);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::shift_add), 1 * 8 * 1.28e9 / 4);
  EXPECT_NEAR(full_rate_per_s(hw, Action::pe_input_reg_bit), 8 * 128 * 1 / phase_s, 1.0);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::pe_output_reg_bit), 1 * 8 * 1.28e9 * 8);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::buffer_read_bit), 2 * 256 * 1.2e9);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::buffer_write_bit), 2 * 256 * 1.2e9);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::bus_bit), 384 * 1.2e9);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::tile_output_reg_bit), 384 * 1.2e9);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::pool_op), 1.2e9);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::router_flit_hop), 8 * 38.4e9 / 32);
  EXPECT_DOUBLE_EQ(full_rate_per_s(hw, Action::offchip_bit), 204.8e9);
  // The models at ISAAC's parameters: an ADC's 2 mW at 1.28 GS/s is 1.8 mW dynamic (1.40625 pJ per
  // conversion) + 0.2 mW leakage (PUMA's split); a cell read is 0.3 mW x 100 ns / 16384 cells.
  EXPECT_NEAR(hw.adc.cost.energy_pj, 1.8 * 1e9 / 1.28e9, 1e-12);
  EXPECT_NEAR(hw.adc.cost.leakage_mw, 0.2, 1e-12);
  EXPECT_NEAR(hw.crossbar.cost.energy_pj, 0.3 * 100 / 16384, 1e-15);
}

TEST(InstanceCounts, ClosedForms) {
  const HardwareSpec hw = isaac();
  const int t = 5;  // not a multiple of tiles_per_router
  const auto n = instance_counts(hw, t);
  auto at = [&n](Component c) { return n[static_cast<int>(c)]; };
  const double xbars = t * 12.0 * 8;
  EXPECT_EQ(at(Component::crossbar), xbars);
  EXPECT_EQ(at(Component::dac), xbars * 128);
  EXPECT_EQ(at(Component::sample_hold), xbars * 128);
  EXPECT_EQ(at(Component::adc), xbars * 1);
  EXPECT_EQ(at(Component::shift_add), t * 12.0 * 4);
  EXPECT_EQ(at(Component::pe_registers), t * 12.0);
  EXPECT_EQ(at(Component::buffer), t);
  EXPECT_EQ(at(Component::bus), t);
  EXPECT_EQ(at(Component::tile_output_register), t);
  EXPECT_EQ(at(Component::pool), t * 1.0);
  EXPECT_EQ(at(Component::activation), t * 2.0);
  EXPECT_EQ(at(Component::accumulate), t * 1.0);
  EXPECT_EQ(at(Component::router), 2.0);  // ceil(5 / 4)
  EXPECT_EQ(at(Component::offchip), 1.0);
  EXPECT_EQ(instance_counts(hw, 168)[static_cast<int>(Component::router)], 42.0);
}

// A spec with a distinct energy, leakage and area per component, so that any mix-up shows.
HardwareSpec hand_made() {
  HardwareSpec hw = parse_hardware("name: hand\n", "hand.yaml");
  Cost* costs[] = {&hw.crossbar.cost,          &hw.dac.cost,           &hw.sample_hold.cost,
                   &hw.adc.cost,               &hw.shift_add.cost,     &hw.pe.input_register.cost,
                   &hw.pe.output_register.cost, &hw.tile.buffer.cost,  &hw.tile.bus.cost,
                   &hw.tile.output_register.cost, &hw.tile.pool.cost,  &hw.tile.activation.cost,
                   &hw.tile.accumulate.cost,   &hw.noc.router.cost,    &hw.offchip.cost,
                   &hw.hypernet.selector.cost, &hw.tile.matrix.cost};
  hw.tile.matrix.count = 2;  // matrix engines per tile
  double x = 1.0;
  for (Cost* c : costs) {
    c->energy_pj = x;
    c->leakage_mw = 0.01 * x;
    c->area_um2 = 100.0 * x;
    x += 1.0;
  }
  return hw;
}

TEST(Energy, CountsTimesTablePlusLeakage) {
  const HardwareSpec hw = hand_made();
  ActionCounts counts{};
  for (int i = 0; i < kActions; ++i) counts[i] = 1000u * static_cast<uint64_t>(i + 1);
  auto c = [&counts](Action a) { return static_cast<double>(counts[static_cast<int>(a)]); };
  const int tiles = 3;
  const double time_ns = 5000.0;

  // Dynamic: counts x energy per action, by component class.
  const double dyn_pe_regs = c(Action::pe_input_reg_bit) * 6 + c(Action::pe_output_reg_bit) * 7;
  const double dyn_buffer = (c(Action::buffer_read_bit) + c(Action::buffer_write_bit)) * 8;
  // a crossbar read is an activation count; its energy is charged per cell read (1 pJ each)
  const double dynamic = c(Action::crossbar_cell_read) * 1 + c(Action::dac_drive) * 2 + c(Action::sample_hold) * 3 +
                         c(Action::adc_conversion) * 4 + c(Action::shift_add) * 5 + dyn_pe_regs + dyn_buffer +
                         c(Action::bus_bit) * 9 + c(Action::tile_output_reg_bit) * 10 + c(Action::pool_op) * 11 +
                         c(Action::activation_op) * 12 + c(Action::accumulate_op) * 13 +
                         c(Action::router_flit_hop) * 14 + c(Action::offchip_bit) * 15 +
                         c(Action::selector_op) * 16 + c(Action::matrix_mac) * 17 +
                         c(Action::crossbar_cell_write) * hw.crossbar.cell_write_energy_fj * 1e-3;  // V_w^2 G pulse
  // Leakage: instances x leakage (mW) x time (ns) = pJ.
  const double pes = tiles * 12.0, xbars = pes * 8;
  const double leak_mw = xbars * 0.01 + xbars * 128 * 0.02 + xbars * 128 * 0.03 + xbars * 1 * 0.04 +
                         pes * 4 * 0.05 + pes * (0.06 + 0.07) + tiles * (0.08 + 0.09 + 0.10) +
                         tiles * 1 * 0.11 + tiles * 2 * 0.12 + tiles * 1 * 0.13 + 1 * 0.14 /* ceil(3/4) */ +
                         1 * 0.15 + 5 * 0.16 /* 5 hypernetwork selectors */ + tiles * 2 * 0.17 /* engines */;

  const EnergyReport e = energy(hw, counts, tiles, time_ns, 5);
  EXPECT_NEAR(e.dynamic_pj, dynamic, 1e-9 * dynamic);
  EXPECT_NEAR(leakage_mw(hw, tiles, 5), leak_mw, 1e-9 * leak_mw);
  EXPECT_NEAR(e.breakdown_pj.at("selector"), c(Action::selector_op) * 16 + 5 * 0.16 * time_ns, 1e-6);
  EXPECT_NEAR(e.leakage_pj, leak_mw * time_ns, 1e-9 * leak_mw * time_ns);
  EXPECT_NEAR(e.total_pj, dynamic + leak_mw * time_ns, 1e-9 * e.total_pj);
  EXPECT_NEAR(sum_values(e.breakdown_pj), e.total_pj, 1e-9 * e.total_pj);
  EXPECT_EQ(e.breakdown_pj.size(), static_cast<std::size_t>(kComponents));
  EXPECT_NEAR(e.breakdown_pj.at("pe_registers"), dyn_pe_regs + pes * 0.13 * time_ns, 1e-6);
  EXPECT_NEAR(e.breakdown_pj.at("buffer"), dyn_buffer + tiles * 0.08 * time_ns, 1e-6);
  EXPECT_NEAR(e.breakdown_pj.at("router"), c(Action::router_flit_hop) * 14 + 0.14 * time_ns, 1e-6);
  EXPECT_DOUBLE_EQ(dynamic_energy_pj(hw, Action::adc_conversion, 10), 40.0);
}

TEST(Energy, NoActionsNoTimeIsZero) {
  const HardwareSpec hw = isaac();
  const EnergyReport e = energy(hw, ActionCounts{}, hw.chip.tiles(), 0.0);
  EXPECT_EQ(e.total_pj, 0.0);
  for (const auto& kv : e.breakdown_pj) EXPECT_EQ(kv.second, 0.0) << kv.first;
}

TEST(Area, BreakdownSumsToTotalAndMatchesInstances) {
  const HardwareSpec hw = hand_made();
  const int tiles = 6;
  const AreaReport a = area(hw, tiles);
  EXPECT_NEAR(sum_values(a.breakdown_mm2), a.total_mm2, 1e-12);
  const double xbars = tiles * 12.0 * 8;
  EXPECT_NEAR(a.breakdown_mm2.at("crossbar"), xbars * 100 * 1e-6, 1e-12);
  EXPECT_NEAR(a.breakdown_mm2.at("pe_registers"), tiles * 12.0 * (600 + 700) * 1e-6, 1e-12);
  EXPECT_NEAR(a.breakdown_mm2.at("router"), 2 * 1400 * 1e-6, 1e-12);  // ceil(6 / 4) routers
}

TEST(PeakPower, DynamicAtFullRatePlusLeakage) {
  const HardwareSpec hw = hand_made();
  const PowerReport p = peak_power(hw, 1);
  const double adcs = 12.0 * 8 * 1;
  const double expected_adc = adcs * (full_rate_per_s(hw, Action::adc_conversion) * 4 * 1e-9 + 0.04);
  EXPECT_NEAR(p.breakdown_mw.at("adc"), expected_adc, 1e-9 * expected_adc);
  // A buffer's ports serve reads or writes: its peak is one stream at the port rate.
  const double expected_buf = full_rate_per_s(hw, Action::buffer_read_bit) * 8 * 1e-9 + 0.08;
  EXPECT_NEAR(p.breakdown_mw.at("buffer"), expected_buf, 1e-9 * expected_buf);
  EXPECT_NEAR(sum_values(p.breakdown_mw), p.total_mw, 1e-9 * p.total_mw);
}

TEST(Names, ActionsAndComponents) {
  EXPECT_STREQ(action_name(Action::adc_conversion), "adc_conversion");
  EXPECT_STREQ(action_name(Action::offchip_bit), "offchip_bit");
  EXPECT_STREQ(component_name(Component::tile_output_register), "tile_output_register");
  EXPECT_EQ(component_of(Action::pe_output_reg_bit), Component::pe_registers);
  EXPECT_EQ(component_of(Action::buffer_write_bit), Component::buffer);
  for (int i = 0; i < kActions; ++i) EXPECT_STRNE(action_name(static_cast<Action>(i)), "unknown");
  for (int i = 0; i < kComponents; ++i) EXPECT_STRNE(component_name(static_cast<Component>(i)), "unknown");
}

TEST(EdgeRram, LoadsAndFollowsMnsim) {
  const HardwareSpec hw = load_hardware("edge-rram");
  EXPECT_EQ(hw.cells_per_weight(), 16);  // 8 one-bit slices, positive and negative
  // An 8-bit SAR ADC at 130 nm: ISAAC's 97.66 ps per bit x the delay factor 2.56 / 0.669 (Stillmaker
  // and Baas, 130 vs 32 nm): 0.3345 GS/s; 128 columns over 8 ADCs = 47.8 ns > the 3.16 ns read.
  EXPECT_NEAR(hw.adc.sample_rate_gsps, 1.28 * 0.669 / 2.56, 1e-9);
  EXPECT_NEAR(hw.phase_period_ns(128), 16 / (1.28 * 0.669 / 2.56), 1e-6);
  EXPECT_TRUE(hw.chip.auto_size);
  // the FOM does not move with the node: ISAAC's 1.40625 pJ at 8 bits
  EXPECT_NEAR(hw.adc.cost.energy_pj, 1.8 / 1.28, 1e-12);
  // the device: 0.15 V^2 x (1/10 kOhm + 1/1 MOhm) / 2 x 3.16 ns = 3.59 fJ per cell read
  EXPECT_NEAR(hw.crossbar.cost.energy_pj, 0.0225 * (1e-4 + 1e-6) / 2 * 3.16e-9 * 1e12, 1e-12);
  // 12 F^2 per 1T1R cell at 130 nm
  EXPECT_NEAR(hw.crossbar.cost.area_um2, 128 * 128 * 12 * 0.13 * 0.13, 1e-6);
  EXPECT_TRUE(hw.pinned.empty());
}
