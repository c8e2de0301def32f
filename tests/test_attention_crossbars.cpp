// Attention's products on crossbars written at run time (tile.matrix.mode: crossbar; docs/cost-model.md,
// "Writing crossbars at run time"): the cells written per inference, their energy V_w^2 x G x pulse, the
// endurance spent, the refusal of a chip with too few spare crossbars, and the MVM actions of the products
// in closed form. No timed expectations.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "mapper/mapping.hpp"
#include "mapper/operand_crossbars.hpp"
#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "workloads/builtins.hpp"

using namespace cimsim;
using namespace cimsim::testing;

namespace {

// DeiT-Tiny: 12 encoder layers, 3 heads of d = 64 (dim 192), 197 tokens. ISAAC's defaults: 16-bit
// activations in 2-bit cells with offset encoding = 8 cells per element, 16 one-bit input phases.
constexpr int64_t kLayers = 12, kHeads = 3, kD = 64, kTokens = 197, kCells = 8, kPhases = 16;
constexpr int64_t kRows = 128, kOutputsPerXbar = 128 / kCells;  // 16 elements per crossbar row

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Per layer, K^T (per head d rows x tokens outputs) and V (per head tokens rows x d outputs), every
// element in kCells cells: 2 x tokens x dim x cells.
constexpr int64_t kCellsPerInference = kLayers * (kHeads * kD * kTokens + kHeads * kTokens * kD) * kCells;
static_assert(kCellsPerInference == 12 * 2 * 197 * 192 * 8, "12 layers x (K^T and V) x tokens x dim x cells");

// NeuroSim V1.4's RRAM (no crossbar.device given): the mean of 1/100 kOhm and 1/1700 kOhm
const double kMeanG = 0.5 * (1.0 / 100e3 + 1.0 / 1700e3);

const char* const kBase = "tile: {buffer: {size_kib: 512}, matrix: {mode: MODE}}\n";
std::string config(const std::string& mode, const std::string& extra = "") {
  std::string s = kBase;
  s.replace(s.find("MODE"), 4, mode);
  return "name: " + mode + "\n" + s + extra;
}

}  // namespace

// Every inference writes K^T and V of every layer once; each write is V_w^2 x G x pulse per cell; the
// most-written cell (the first spare crossbar's) is written by each of the 24 products.
TEST(AttentionCrossbars, WritesPerInferenceAndEnduranceInClosedForm) {
  const auto dir = scratch_dir();
  const std::string hw = write_text(
      dir / "w.yaml", config("crossbar", "crossbar: {device: {write_voltage_v: 1.5, write_pulse_ns: 20, "
                                         "endurance_cycles: 1000000}}\n"));
  const auto j = run_json(dir, "w", "--hw " + hw + " --net deit_tiny");
  const auto& w = j["provisioning"]["attention_products"]["crossbars"];
  ASSERT_EQ(j["provisioning"]["attention_products"]["unit"], "crossbar");
  EXPECT_EQ(w["cells_written_per_inference"].get<int64_t>(), kCellsPerInference);
  EXPECT_EQ(j["counts"]["crossbar_cell_write"].get<int64_t>(), kCellsPerInference);
  const double cell_fj = 1.5 * 1.5 * kMeanG * 20e-9 * 1e15;
  EXPECT_NEAR(w["cell_write_energy_fj"].get<double>(), cell_fj, cell_fj * 1e-12);
  EXPECT_NEAR(w["write_energy_pj_per_inference"].get<double>(), double(kCellsPerInference) * cell_fj * 1e-3,
              double(kCellsPerInference) * cell_fj * 1e-15);
  // rows are written one after another: K^T's arrays hold d = 64 rows, V's 128 (197 rows in two blocks)
  EXPECT_DOUBLE_EQ(w["write_ns_per_inference"].get<double>(), double(kLayers) * (64 + 128) * 20.0);
  EXPECT_EQ(w["writes_per_cell_per_inference"].get<double>(), 2.0 * kLayers);
  EXPECT_DOUBLE_EQ(w["lifetime_inferences"].get<double>(), 1e6 / (2.0 * kLayers));
  // the largest operand: K^T, 3 heads x ceil(197 / 16) column blocks
  EXPECT_EQ(w["needed"].get<int64_t>(), kHeads * ceil_div(kTokens, kOutputsPerXbar));
  EXPECT_DOUBLE_EQ(w["leveled_lifetime_inferences"].get<double>(),
                   1e6 / (double(kCellsPerInference) / (w["spare"].get<double>() * 128 * 128)));
}

// With crossbar.device given, G is the mean of its on and off conductances (access transistor in series).
TEST(AttentionCrossbars, WriteEnergyFollowsTheDevice) {
  const auto hw = models::parse_hardware(
      "crossbar: {device: {r_on_kohm: 10, r_off_kohm: 100, read_voltage_v: 0.2, access_kohm: 5}}\n", "d.yaml");
  const double g = 0.5 * (1.0 / 15e3 + 1.0 / 105e3);
  EXPECT_NEAR(hw.crossbar.cell_write_energy_fj, 2.0 * 2.0 * g * 50e-9 * 1e15, 1e-9);  // NeuroSim's 2 V, 50 ns
  EXPECT_EQ(hw.crossbar.device.endurance_cycles, 1e12);
}

// Each row of A is one MVM through the operand's crossbars, counted as a weighted layer's: the products'
// DAC drives, cell reads, samples, conversions and shift-and-adds are the crossbar run's counts less the
// engine run's (the same chip and mapping otherwise).
TEST(AttentionCrossbars, MvmActionsOfTheProductsInClosedForm) {
  const auto dir = scratch_dir();
  const auto x = run_json(dir, "x", "--hw " + write_text(dir / "x.yaml", config("crossbar")) + " --net deit_tiny");
  const auto e = run_json(dir, "e", "--hw " + write_text(dir / "e.yaml", config("engine")) + " --net deit_tiny");
  const auto delta = [&](const char* a) { return x["counts"][a].get<int64_t>() - e["counts"][a].get<int64_t>(); };
  // scores: per head d = 64 rows (one row block) x 197 outputs (13 column blocks of 16);
  // context: per head 197 rows (2 row blocks of 128) x 64 outputs (4 column blocks)
  const int64_t s_cols = kTokens * kCells, c_cols = ceil_div(kTokens, kRows) * kD * kCells;
  const int64_t s_drives = kD * ceil_div(kTokens, kOutputsPerXbar), c_drives = kTokens * ceil_div(kD, kOutputsPerXbar);
  const int64_t mvms = kLayers * kTokens * kHeads;  // rows of A x heads, per product
  EXPECT_EQ(delta("adc_conversion"), mvms * (s_cols + c_cols) * kPhases);
  EXPECT_EQ(delta("sample_hold"), mvms * (s_cols + c_cols) * kPhases);
  EXPECT_EQ(delta("shift_add"), mvms * (s_cols + c_cols) * kPhases);
  EXPECT_EQ(delta("dac_drive"), mvms * (s_drives + c_drives) * kPhases);
  EXPECT_EQ(delta("crossbar_cell_read"), mvms * 2 * kD * kTokens * kCells * kPhases);
  EXPECT_EQ(x["counts"]["matrix_mac"].get<int64_t>(), 0);
  EXPECT_EQ(e["counts"]["crossbar_cell_write"].get<int64_t>(), 0);
}

// A chip with fewer spare crossbars than the largest operand is refused, saying how many it needs and
// has. 8-bit weights (18 tiles of 96 crossbars) and 32-bit activations: 16 cells per element, K^T needs 3 x ceil(197 / 8) = 75 crossbars.
TEST(AttentionCrossbars, TooFewSpareCrossbarsAreRefused) {
  const auto dir = scratch_dir();
  const std::string extra = "precision: {weight_bits: 8, activation_bits: 32}\nchip: {tiles: [1, 18]}\n";
  const auto e = run_json(dir, "e", "--hw " + write_text(dir / "e.yaml", config("engine", extra)) +
                                        " --net deit_tiny --mapping isaac");
  const int64_t spare = 18 * 96 - e["utilization"]["crossbars_used"].get<int64_t>();
  ASSERT_LT(spare, 75);
  const auto r = shell(dir, std::string(CIMSIM_BINARY) + " run -q --net deit_tiny --mapping isaac --hw " +
                                write_text(dir / "x.yaml", config("crossbar", extra)));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("into 75 crossbars"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("has " + std::to_string(spare) + " spare"), std::string::npos) << r.err;
  // an auto-sized chip gets the tiles they need
  auto hw = models::parse_hardware(config("crossbar", "precision: {activation_bits: 32}\nchip: {tiles: auto}\n"), "a.yaml");
  const auto graph = workloads::deit_tiny_network();
  const auto m = mapper::map_network(graph, hw, {mapper::MappingMode::isaac});
  EXPECT_GE(mapper::spare_crossbars(m, hw), 75);
  EXPECT_EQ(mapper::operand_crossbars_needed(graph, hw), 75);
}

// Bad values are errors naming the file, line and column.
TEST(AttentionCrossbars, BadKeysAreErrorsAtTheirPlace) {
  const auto error = [](const std::string& yaml) {
    return message_or_empty<models::ConfigError>([&] { models::parse_hardware(yaml, "t.yaml"); });
  };
  EXPECT_NE(error("tile:\n  matrix: {mode: systolic}\n").find("t.yaml:2"), std::string::npos);
  EXPECT_NE(error("tile:\n  matrix: {mode: systolic}\n").find("engine, crossbar"), std::string::npos);
  EXPECT_NE(error("crossbar:\n  device:\n    write_voltage_v: 0\n").find("t.yaml:3"), std::string::npos);
  EXPECT_NE(error("crossbar:\n  device:\n    endurance_cycles: 0.5\n").find("endurance_cycles"), std::string::npos);
  // write keys alone do not make a read device
  EXPECT_FALSE(models::parse_hardware("crossbar: {device: {write_pulse_ns: 10}}\n", "t.yaml").crossbar.device.given);
}
