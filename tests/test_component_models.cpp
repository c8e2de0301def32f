// Component cost models (models/components.hpp): closed forms per model, and properties over random
// configs that silicon obeys (docs/cost-model.md).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "models/components.hpp"
#include "models/config_loader.hpp"
#include "models/cost_model.hpp"

using namespace cimsim::models;

namespace {

HardwareSpec spec(const std::string& yaml) { return parse_hardware("name: t\n" + yaml, "t.yaml"); }

// A random but valid config: the knobs an architect sweeps.
std::string random_config(std::mt19937& rng) {
  auto pick = [&rng](std::initializer_list<int> v) {
    return *(v.begin() + std::uniform_int_distribution<int>(0, int(v.size()) - 1)(rng));
  };
  const int rows = pick({32, 64, 128, 256, 512});
  return "technology: {node_nm: " + std::to_string(pick({7, 14, 22, 32, 45, 65, 90, 130})) + "}\n" +
         "crossbar: {rows: " + std::to_string(rows) + ", cols: " + std::to_string(pick({64, 128, 256})) +
         ", bits_per_cell: " + std::to_string(pick({1, 2, 4})) + "}\n" +
         "dac: {bits: " + std::to_string(pick({1, 2, 4})) + "}\n" +
         "adc: {bits: " + std::to_string(pick({4, 6, 8, 10, 12})) + ", kind: " + (pick({0, 1}) ? "flash" : "sar") +
         "}\n" +
         "tile: {buffer: {kind: " + (pick({0, 1}) ? "sram" : "edram") +
         ", size_kib: " + std::to_string(pick({16, 64, 256})) + "}}\n";
}

}  // namespace

// The lossless resolution against a brute force: the largest column sum of r rows of (2^c - 1) x
// (2^d - 1) and the bits that hold it.
TEST(LosslessBits, FormulaAgainstBruteForce) {
  for (int r : {1, 2, 3, 64, 128, 255, 256, 4096})
    for (int c = 1; c <= 8; ++c)
      for (int d = 1; d <= 8; ++d) {
        const long long max_sum = (long long)r * ((1LL << c) - 1) * ((1LL << d) - 1);
        int bits = 0;
        while ((1LL << bits) <= max_sum) ++bits;  // values 0..max_sum need `bits` bits
        EXPECT_EQ(lossless_adc_bits(r, c, d, false), std::max(bits, 1)) << r << " " << c << " " << d;
        EXPECT_EQ(lossless_adc_bits(r, c, d, true), std::max(bits - 1, 1));
      }
  EXPECT_EQ(lossless_adc_bits(128, 2, 1, true), 8);  // ISAAC section IV: 8-bit ADCs for 128 rows
}

// Case 04: the same cell reads cost the same whatever the array size; area follows cells built.
TEST(Crossbar, EnergyPerCellReadIsIndependentOfArraySize) {
  const HardwareSpec a = spec("crossbar: {rows: 64, cols: 64}\n");
  const HardwareSpec b = spec("crossbar: {rows: 256, cols: 512}\n");
  EXPECT_DOUBLE_EQ(energy_per_action_pj(a, Action::crossbar_cell_read), energy_per_action_pj(b, Action::crossbar_cell_read));
  EXPECT_NEAR(energy_per_action_pj(a, Action::crossbar_cell_read), 30.0 / 16384, 1e-12);  // ISAAC: 30 pJ / 128^2
  EXPECT_NEAR(b.crossbar.cost.area_um2 / a.crossbar.cost.area_um2, 256.0 * 512 / (64 * 64), 1e-9);
  EXPECT_NEAR(spec("").crossbar.cost.area_um2, 25.0, 1e-9);  // ISAAC: 0.0002 mm2 for 8
  EXPECT_EQ(spec("").crossbar.cost.leakage_mw, 0.0);          // non-volatile
}

TEST(Dac, PowerAndAreaDoublePerBitAndEnergyFollowsThePulse) {
  const HardwareSpec one = spec("");
  EXPECT_NEAR(one.dac.cost.energy_pj + one.dac.cost.leakage_mw * 100, 4.0 / 1024 * 100, 1e-12);  // ISAAC at 100 ns
  const HardwareSpec four = spec("dac: {bits: 4}\n");
  EXPECT_NEAR(four.dac.cost.energy_pj / one.dac.cost.energy_pj, 8.0, 1e-9);
  EXPECT_NEAR(four.dac.cost.area_um2 / one.dac.cost.area_um2, 8.0, 1e-9);
  const HardwareSpec fast = spec("crossbar: {read_latency_ns: 10}\n");
  EXPECT_NEAR(fast.dac.cost.energy_pj / one.dac.cost.energy_pj, 0.1, 1e-9);
}

TEST(Buffers, EdramRefreshAndSramFromHorowitz) {
  const HardwareSpec isaac = spec("");
  // 20.7 mW = e_bit x port rate + refresh of 64 KB every 119 us
  const double refresh = isaac.tile.buffer.cost.leakage_mw;
  EXPECT_NEAR(refresh, 64 * 8192 * 2 * isaac.tile.buffer.cost.energy_pj / 119e3, 1e-12);
  EXPECT_NEAR(isaac.tile.buffer.cost.energy_pj * 2 * 256 * 1.2 + refresh, 20.7, 1e-9);
  // shorter retention: more refresh, never less
  EXPECT_GT(spec("tile: {buffer: {retention_us: 40}}\n").tile.buffer.cost.leakage_mw, refresh);
  // SRAM at 45 nm: a 64-bit read of an 8 KB bank 10 pJ, of a 32 KB bank 20 pJ (Horowitz 2014)
  const HardwareSpec s8 = spec("technology: {node_nm: 45}\ntile: {buffer: {kind: sram, size_kib: 8, banks: 1}}\n");
  const HardwareSpec s32 = spec("technology: {node_nm: 45}\ntile: {buffer: {kind: sram, size_kib: 32, banks: 1}}\n");
  EXPECT_NEAR(s8.tile.buffer.cost.energy_pj * 64, 10.0, 1e-9);
  EXPECT_NEAR(s32.tile.buffer.cost.energy_pj * 64, 20.0, 1e-9);
  // the edge config's SRAM is no longer 0.68 fJ/bit: 16 KB at 130 nm
  EXPECT_GT(load_hardware("edge-rram").tile.buffer.cost.energy_pj, 0.1);
}

TEST(Router, IsaacAndPumaPoints) {
  const HardwareSpec eight = spec("");
  EXPECT_NEAR(eight.noc.router.cost.area_um2, 151000, 1e-6);
  const HardwareSpec four = spec("noc: {router: {ports: 4}}\n");
  EXPECT_NEAR(four.noc.router.cost.area_um2, 47000, 1e-6);  // PUMA's 4-port router
  // peak: one flit per port per 1.2 GHz cycle, plus leakage: ISAAC's 42 mW at 8 ports, PUMA's 16.13 at 4
  const auto peak = [](const HardwareSpec& h) {
    return h.noc.router.cost.energy_pj * h.noc.router.ports * 1.2 + h.noc.router.cost.leakage_mw;
  };
  EXPECT_NEAR(peak(eight), 42.0, 1e-9);
  EXPECT_NEAR(peak(four), 16.13, 1e-9);
  EXPECT_NEAR(spec("noc: {flit_bits: 64}\n").noc.router.cost.energy_pj / eight.noc.router.cost.energy_pj, 2.0, 1e-9);
}

TEST(Offchip, KindSetsEnergyPerBit) {
  EXPECT_NEAR(spec("").offchip.cost.energy_pj, 10400 / 204.8, 1e-9);
  EXPECT_DOUBLE_EQ(spec("offchip: {kind: gddr5}\n").offchip.cost.energy_pj, 14.0);
  EXPECT_DOUBLE_EQ(spec("offchip: {kind: hbm2}\n").offchip.cost.energy_pj, 3.9);
}

// Stillmaker and Baas: a smaller node never has more energy, delay or area per circuit; 32 nm is 1.
TEST(NodeScaling, MonotoneAndAnchoredAt32nm) {
  EXPECT_DOUBLE_EQ(tech_energy_factor(32), 1.0);
  EXPECT_DOUBLE_EQ(tech_delay_factor(32), 1.0);
  EXPECT_DOUBLE_EQ(tech_area_factor(32), 1.0);
  double prev_e = 1e9, prev_d = 1e9, prev_a = 1e9;
  for (double nm = 250; nm >= 5; nm -= 0.5) {
    EXPECT_LE(tech_energy_factor(nm), prev_e) << nm;
    EXPECT_LE(tech_delay_factor(nm), prev_d) << nm;
    EXPECT_LE(tech_area_factor(nm), prev_a) << nm;
    prev_e = tech_energy_factor(nm);
    prev_d = tech_delay_factor(nm);
    prev_a = tech_area_factor(nm);
  }
  EXPECT_NEAR(tech_energy_factor(45), 1 / 0.531, 1e-9);
  // node_nm moves the digital costs: 22 nm is cheaper than 32 nm
  EXPECT_LT(spec("technology: {node_nm: 22}\n").tile.pool.cost.energy_pj, spec("").tile.pool.cost.energy_pj);
}

// Properties over random configs.
TEST(Properties, OverRandomConfigs) {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    const std::string y = random_config(rng);
    const HardwareSpec hw = spec(y);
    // a wider ADC is never faster nor cheaper, nor smaller
    std::string wider = y;
    const auto at = wider.find("adc: {bits: ") + 12;
    const int bits = std::stoi(wider.substr(at));
    wider.replace(at, std::to_string(bits).size(), std::to_string(bits + 2));
    const HardwareSpec w = spec(wider);
    EXPECT_GT(w.adc.cost.energy_pj, hw.adc.cost.energy_pj) << y;
    if (hw.adc.flash)  // one comparison per conversion whatever the bits
      EXPECT_DOUBLE_EQ(w.adc.sample_rate_gsps, hw.adc.sample_rate_gsps) << y;
    else
      EXPECT_LT(w.adc.sample_rate_gsps, hw.adc.sample_rate_gsps) << y;
    EXPECT_GE(w.adc.cost.area_um2, hw.adc.cost.area_um2) << y;
    // energy per cell read does not depend on the array's size
    EXPECT_DOUBLE_EQ(hw.crossbar.cost.energy_pj, spec("").crossbar.cost.energy_pj) << y;
    // more leakage never less energy; achieved efficiency never above peak
    ActionCounts counts{};
    const uint64_t reads = 1000;
    const uint64_t cols = uint64_t(hw.crossbar.cols / hw.cells_per_weight()) * hw.cells_per_weight();
    counts[int(Action::crossbar_cell_read)] = reads * hw.crossbar.rows * cols;
    counts[int(Action::dac_drive)] = reads * hw.crossbar.rows;
    counts[int(Action::sample_hold)] = reads * cols;
    counts[int(Action::adc_conversion)] = reads * cols;
    counts[int(Action::shift_add)] = reads * cols;
    const double ops = 2.0 * double(reads) / hw.input_phases() * hw.crossbar.rows * (double(cols) / hw.cells_per_weight());
    const int tiles = 4;
    const double t_min = double(reads) * hw.phase_period_ns(int(cols)) / (tiles * hw.crossbars_per_tile());
    const EnergyReport e1 = energy(hw, counts, tiles, t_min);
    const EnergyReport e2 = energy(hw, counts, tiles, 2 * t_min);
    EXPECT_GE(e2.total_pj, e1.total_pj) << y;
    HardwareSpec leaky = hw;
    leaky.adc.cost.leakage_mw *= 2;
    EXPECT_GE(energy(leaky, counts, tiles, t_min).total_pj, e1.total_pj) << y;
    const Efficiency peak = peak_efficiency(hw, tiles);
    const Efficiency got = achieved_efficiency(ops, t_min, e1.total_pj, area(hw, tiles).total_mm2);
    EXPECT_LE(got.tops, peak.tops * (1 + 1e-9)) << y;
    EXPECT_LE(got.tops_per_w, peak.tops_per_w * (1 + 1e-9)) << y;
    EXPECT_LE(got.tops_per_mm2, peak.tops_per_mm2 * (1 + 1e-9)) << y;
  }
}

// Power gating: what is switched off leaks nothing, and the report says how much that saved.
TEST(PowerGating, GatedLeakageIsWhatTheIdleHardwareWouldHaveLeaked) {
  const HardwareSpec none = spec("");
  const HardwareSpec idle = spec("chip: {power_gating: idle_tiles}\n");
  const HardwareSpec unsel = spec("chip: {power_gating: unselected}\n");
  const Activity act{10, 60};  // 10 of 40 tiles on, 60 of their 120 PEs read
  const int tiles = 40;
  const double t = 1e6;
  const EnergyReport a = energy(none, ActionCounts{}, tiles, t, 0, act);
  const EnergyReport b = energy(idle, ActionCounts{}, tiles, t, 0, act);
  const EnergyReport c = energy(unsel, ActionCounts{}, tiles, t, 0, act);
  EXPECT_EQ(a.gated_pj, 0.0);
  EXPECT_LT(b.leakage_pj, a.leakage_pj);
  EXPECT_LT(c.leakage_pj, b.leakage_pj);
  EXPECT_NEAR(b.leakage_pj + b.gated_pj, a.leakage_pj, 1e-9 * a.leakage_pj);
  EXPECT_NEAR(c.leakage_pj + c.gated_pj, a.leakage_pj, 1e-9 * a.leakage_pj);
  // idle tiles: 30 of 40 tiles' PE and tile leakage gone; routers and off-chip stay on
  const auto all = instance_counts(none, tiles);
  const auto on = powered_counts(idle, tiles, 0, act);
  EXPECT_DOUBLE_EQ(on[int(Component::adc)], all[int(Component::adc)] / 4);
  EXPECT_DOUBLE_EQ(on[int(Component::router)], all[int(Component::router)]);
  EXPECT_DOUBLE_EQ(powered_counts(unsel, tiles, 0, act)[int(Component::adc)], all[int(Component::adc)] * 60 / 480);
}

// The device knobs: access resistance in series, the share of inputs that conduct, LSTP transistors, a
// flash (or multilevel sense) ADC.
TEST(Device, AccessResistanceInputShareAndFlavour) {
  const std::string dev = "crossbar: {device: {r_on_kohm: 100, r_off_kohm: 1700, read_voltage_v: 0.55, read_pulse_ns: 2";
  const HardwareSpec bare = spec(dev + "}}\n");
  const HardwareSpec acc = spec(dev + ", access_kohm: 25}, input_one_fraction: 0.45}\n");
  const double g_bare = (1 / 100e3 + 1 / 1700e3) / 2, g_acc = (1 / 125e3 + 1 / 1725e3) / 2;
  EXPECT_NEAR(bare.crossbar.cost.energy_pj, 0.55 * 0.55 * g_bare * 2e-9 * 1e12, 1e-12);
  EXPECT_NEAR(acc.crossbar.cost.energy_pj, 0.55 * 0.55 * g_acc * 2e-9 * 1e12 * 0.45, 1e-12);
  // LSTP: CACTI's 64 KB SRAM at 32 nm, itrs-lstp against itrs-hp
  const HardwareSpec hp = spec("");
  const HardwareSpec lp = spec("technology: {transistors: lstp}\n");
  EXPECT_NEAR(lp.tile.pool.cost.leakage_mw / hp.tile.pool.cost.leakage_mw, 0.0126 / 18.1, 1e-12);
  EXPECT_NEAR(lp.adc.cost.leakage_mw / hp.adc.cost.leakage_mw, 0.0126 / 18.1, 1e-3);  // area moves with rate
  EXPECT_NEAR(lp.tile.pool.cost.energy_pj / hp.tile.pool.cost.energy_pj, 29.6 / 23.7, 1e-12);
  EXPECT_NEAR(hp.adc.sample_rate_gsps / lp.adc.sample_rate_gsps, 1.52 / 0.61, 1e-9);
  EXPECT_EQ(lp.crossbar.cost.energy_pj, hp.crossbar.cost.energy_pj);  // the cell is not CMOS
  // a flash ADC compares every level at once: 8 times ISAAC's per-bit rate at 8 bits
  EXPECT_NEAR(spec("adc: {kind: flash}\n").adc.sample_rate_gsps, 1.28 * 8, 1e-9);
}

// A flash ADC (or multilevel sense amplifier) is its 2^bits - 1 comparators: MNSIM 2.0's sense amplifier,
// 1.629 uW at 1 GS/s at 28 nm, less PUMA's 10 % leakage share, node-scaled; x 2 per bit above the knee.
TEST(Adc, FlashIsItsComparators) {
  const double cmp_28 = 1.629e-3 * 0.9;  // pJ per comparison at 28 nm
  for (const int nm : {22, 32, 65}) {
    const std::string node = "technology: {node_nm: " + std::to_string(nm) + "}\n";
    const double cmp = cmp_28 * tech_energy_factor(nm) / tech_energy_factor(28);
    for (const int bits : {1, 3, 5, 8})
      EXPECT_NEAR(spec(node + "adc: {kind: flash, bits: " + std::to_string(bits) + "}\n").adc.cost.energy_pj,
                  ((1 << bits) - 1) * cmp, 1e-12)
          << nm << " nm, " << bits << " bits";
    // above the thermal knee (10.5 bits): 4x per bit in all, 2x from the comparator count
    EXPECT_NEAR(spec(node + "adc: {kind: flash, bits: 12}\n").adc.cost.energy_pj, 4095 * cmp * std::pow(2.0, 1.5),
                1e-9);
  }
  // low-standby-power transistors: CACTI's energy ratio, as for every CMOS part
  EXPECT_NEAR(spec("technology: {transistors: lstp}\nadc: {kind: flash, bits: 5}\n").adc.cost.energy_pj /
                  spec("adc: {kind: flash, bits: 5}\n").adc.cost.energy_pj,
              29.6 / 23.7, 1e-12);
  // NeuroSim's 5-bit multilevel sense amplifier at 22 nm LSTP switches 27.4 fJ per conversion
  // (validation/neurosim/RESULTS.md section 7); the comparator model is within 2x of it
  const double ns = spec("technology: {node_nm: 22, transistors: lstp}\nadc: {kind: flash, bits: 5}\n").adc.cost.energy_pj;
  EXPECT_GT(ns, 0.5 * 27.4e-3);
  EXPECT_LT(ns, 2.0 * 27.4e-3);
  // the SAR's figure of merit does not price a flash ADC: given with one, it is refused at the key
  try {
    spec("adc:\n  kind: flash\n  fom_fj_per_step: 2\n");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("t.yaml:4:20: adc.fom_fj_per_step prices a SAR ADC's steps", 0), 0u) << m;
  }
}

// A modelled cost past the bounds a given one has (limits.hpp) is refused at the knob that drove it.
TEST(Bounds, AModelledCostPastItsBoundIsAnError) {
  try {
    spec("adc: {bits: 24, fom_fj_per_step: 1000000000}\n");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("t.yaml:2:13: adc: its model gives energy per action 1.94368032e+17 pJ", 0), 0u) << m;
    EXPECT_NE(m.find("allowed: parameters whose modelled energy per action is at most 1e+12 pJ"), std::string::npos) << m;
  }
}
