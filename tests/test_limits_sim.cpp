// The limits of one simulation (models/limits.hpp, docs/config.md "Bounds"): simulated time past
// --max-sim-time-ms (or the SystemC range) is an error, never a result; a run's size is estimated and
// bounded before anything is elaborated; a stalled run names what waits; every reported number is
// finite; a huge chip costs only the tiles that hold work. Each test simulates at most once in its own
// process (gtest_discover_tests); CLI runs are child processes.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "models/limits.hpp"
#include "run_util.hpp"
#include "sim/simulate.hpp"
#include "workloads/builtins.hpp"
#include "workloads/network_yaml.hpp"

using namespace cimsim;
using namespace cimsim::testing;

namespace {

const std::string kBin = CIMSIM_BINARY;

// Exit 2, one line on stderr starting "cimsim: error: " and holding `needle`, no output file.
void expect_refused(const Result& r, const std::string& needle, const std::filesystem::path& out) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("cimsim: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out)) << out;
}

const char* const kSmallNet =
    "name: small\n"
    "input: {channels: 3, height: 8, width: 8}\n"
    "layers:\n"
    "  - {name: c1, op: conv, out_channels: 8, kernel: 3, pad: 1}\n"
    "  - {name: r1, op: relu}\n"
    "  - {name: c2, op: conv, out_channels: 8, kernel: 3, pad: 1}\n";

}  // namespace

// Just inside the time limit the run reports; just outside it is refused with the layer and the time.
TEST(SimTimeLimit, MaxSimTimeIsEnforcedAtItsValue) {
  const auto dir = scratch_dir();
  const auto net = write_text(dir / "small.yaml", kSmallNet);
  const auto j = run_json(dir, "free", "--net " + net);
  const double total_ms = j.at("run").at("ns").get<double>() * 1e-6;
  ASSERT_GT(total_ms, 0.0);
  const auto inside = dir / "inside.json", outside = dir / "outside.json";
  const auto ok = shell(dir, kBin + " run -q --net " + net + " --max-sim-time-ms " +
                                 std::to_string(total_ms * 1.01) + " --json " + inside.string());
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_TRUE(std::filesystem::exists(inside));
  const auto bad = shell(dir, kBin + " run -q --net " + net + " --max-sim-time-ms " +
                                  std::to_string(total_ms * 0.5) + " --json " + outside.string());
  expect_refused(bad, "simulated time reached", outside);
  EXPECT_NE(bad.err.find("at layer '"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("ms of simulated time (--max-sim-time-ms"), std::string::npos) << bad.err;
}

TEST(SimTimeLimit, OptionRange) {
  const auto dir = scratch_dir();
  for (const char* v : {"0", "-1", "4000000001", "nan", "inf"}) {
    const auto r = shell(dir, kBin + " run -q --net vgg8 --max-sim-time-ms " + std::string(v));
    EXPECT_EQ(r.code, 2) << v << ": " << r.err;
    EXPECT_NE(r.err.find("--max-sim-time-ms"), std::string::npos) << r.err;
  }
}

// Case 19's kind within the config bounds: the slowest link allowed makes a run far longer than the
// default limit; it is an error, never a saturated latency in a report.
TEST(SimTimeLimit, TheSlowestRatesAreAnErrorNotASaturatedResult) {
  const auto dir = scratch_dir();
  const char* configs[] = {"noc: {link_bandwidth_gbps: 1e-6}\n", "adc: {sample_rate_gsps: 1e-6}\n"};
  int i = 0;
  for (const char* c : configs) {
    const auto hw = write_text(dir / ("slow" + std::to_string(i) + ".yaml"), c);
    const auto out = dir / ("slow" + std::to_string(i++) + ".json");
    const auto r = shell(dir, kBin + " run -q --net vgg8 --hw " + hw + " --json " + out.string());
    expect_refused(r, "allowed: at most 1e+06 ms of simulated time", out);
  }
  // slow but within the default (49 s and 256 ms of simulated time): an explicit limit stops them
  for (const char* c : {"offchip: {bandwidth_gbps: 1e-6}\n", "technology: {clock_ghz: 1e-3}\n"}) {
    const auto hw = write_text(dir / ("slow" + std::to_string(i) + ".yaml"), c);
    const auto out = dir / ("slow" + std::to_string(i++) + ".json");
    const auto r = shell(dir, kBin + " run -q --net vgg8 --hw " + hw + " --max-sim-time-ms 100 --json " + out.string());
    expect_refused(r, "allowed: at most 100 ms of simulated time", out);
  }
}

// In process: a run that passes the limit is a SimulationError (not a result, not an internal error).
TEST(SimTimeLimit, SimulateThrowsSimulationError) {
  const auto hw = models::load_hardware("default");
  const auto g = workloads::vgg8_network();
  const auto m = mapper::map_network(g, hw);
  tiles::RunOptions opt;
  opt.max_sim_ns = 1000.0;
  EXPECT_THROW(sim::simulate(g, hw, m, opt), sim::SimulationError);
}

// A run's size is estimated before anything is elaborated: a stream too long is refused at once.
TEST(RunSize, TooManyInputsAreRefusedBeforeRunning) {
  const auto dir = scratch_dir();
  const auto out = dir / "r.json";
  const auto r = shell(dir, kBin + " run -q --net vgg8 --inputs 1000000 --json " + out.string());
  expect_refused(r, "units of work", out);
  EXPECT_NE(r.err.find("with 1000000 input(s)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("allowed: at most 5e+06"), std::string::npos) << r.err;
}

TEST(RunSize, EstimateIsLinearInInputsAndCountsElaboratedCrossbars) {
  const auto hw = models::load_hardware("default");
  const auto g = workloads::vgg8_network();
  const auto m = mapper::map_network(g, hw);
  const auto one = sim::estimate_run(g, hw, m, 1), ten = sim::estimate_run(g, hw, m, 10);
  EXPECT_GT(one.step_work, 0.0);
  EXPECT_DOUBLE_EQ(ten.step_work, 10 * one.step_work);
  EXPECT_EQ(one.elaborated_crossbars, ten.elaborated_crossbars);
  double rows = 0;
  for (size_t i = 0; i < g.layers.size(); ++i)
    if (m.layers[i].fused_into < 0) rows += g.layers[i].out.h;
  EXPECT_GT(one.step_work, rows);  // every row, plus the PEs and blocks it drives
  std::set<std::pair<int, int>> pes;
  for (const auto& b : m.blocks) pes.insert({b.tile, b.pe});
  EXPECT_EQ(one.elaborated_crossbars, double(pes.size()) * hw.pe.crossbars);
}

// Too many crossbars to elaborate is refused before elaboration (SystemC would hold ~10 KB each).
TEST(RunSize, TooManyElaboratedCrossbarsAreRefused) {
  const auto hw = models::parse_hardware("pe: {crossbars: 4096}\ntile: {pes: 64}\nchip: {tiles: auto}\n", "big.yaml");
  const auto g = workloads::vgg8_network();
  auto m = mapper::map_network(g, hw);
  // spread the blocks over 30 PEs: 30 x 4096 crossbars > kMaxElaboratedCrossbars
  for (size_t b = 0; b < m.blocks.size(); ++b) m.blocks[b].pe = int(b % 30);
  ASSERT_GT(30.0 * 4096, models::limits::kMaxElaboratedCrossbars);
  try {
    sim::simulate(g, hw, m, tiles::RunOptions{});
    FAIL() << "expected a SimulationError";
  } catch (const sim::SimulationError& e) {
    EXPECT_NE(std::string(e.what()).find("elaborates 122880 crossbars"), std::string::npos) << e.what();
  }
}

// --crossbars makes a chip of ceil(budget / crossbars per tile) tiles: bounded before mapping.
TEST(RunSize, ABudgetOfTooManyTilesIsRefused) {
  const auto dir = scratch_dir();
  const auto hw = write_text(dir / "tiny.yaml", "tile: {pes: 1}\npe: {crossbars: 1}\n");
  const auto r = shell(dir, kBin + " map --net vgg8 --hw " + hw + " --crossbars 1048577");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--crossbars 1048577 at 1 crossbars per tile is a chip of 1048577 tiles; allowed: at most "
                       "1048576 tiles"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(shell(dir, kBin + " map --net vgg8 --hw " + hw + " --crossbars 1048576").code, 0);
}

// Case 16's kind: a 1024 x 1024-tile chip (within the crossbar bound) costs the tiles that hold work,
// not the chip: links, fabric addresses and PEs are created for those only.
TEST(RunSize, AMillionTileChipElaboratesOnlyItsWork) {
  const auto dir = scratch_dir();
  const auto hw = write_text(dir / "huge.yaml", "chip: {tiles: [1024, 1024]}\ntile: {pes: 1}\npe: {crossbars: 8}\n");
  const auto net = write_text(dir / "small.yaml", kSmallNet);
  const auto j = run_json(dir, "huge", "--hw " + hw + " --net " + net);
  EXPECT_EQ(j.at("utilization").at("crossbars_total").get<int64_t>(), 8LL * 1024 * 1024);
  rusage u{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &u), 0);
  EXPECT_LT(u.ru_maxrss, 512 * 1024) << "KB: the chip's idle tiles must cost nothing";  // was 2.6 GB
}

// The largest --crossbars the CLI takes (10^8: 1,041,667 tiles) runs; it was 26 s and 2.9 GB.
TEST(RunSize, TheLargestBudgetRuns) {
  const auto dir = scratch_dir();
  const auto j = run_json(dir, "budget", "--net vgg8 --crossbars 100000000");
  EXPECT_EQ(j.at("utilization").at("crossbars_total").get<int64_t>(), 100000000);
  EXPECT_EQ(j.at("utilization").at("chip_tiles").get<int64_t>(), 1041667);
  rusage u{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &u), 0);
  EXPECT_LT(u.ru_maxrss, 1024 * 1024) << "KB";
}

// PEs beyond the old address stride (256 - 16) are their tile's own, not the next tile's units.
TEST(RunSize, ManyPesPerTileKeepTheirAddresses) {
  const auto dir = scratch_dir();
  const auto hw = write_text(dir / "pes.yaml", "tile: {pes: 300}\npe: {crossbars: 1}\nchip: {tiles: auto}\n");
  const auto j = run_json(dir, "pes", "--hw " + hw + " --net vgg8 --mapping isaac");
  EXPECT_GT(j.at("latency").at("ns").get<double>(), 0.0);
}

// A stalled run names the time, the unfinished inputs and the waiting layers with their tiles,
// truncated with a count.
TEST(Stall, MessageNamesLayersTilesAndTime) {
  const auto hw = models::load_hardware("default");
  const auto g = workloads::vgg8_network();
  const auto m = mapper::map_network(g, hw);
  tiles::RunOptions opt;
  opt.inputs = 2;
  tiles::RunState run(g, m, opt);
  run.progress[size_t(run.order[0])].ready_ns = {1.0, 2.0, 3.0};
  const std::string msg = sim::stall_message(g, run, 1500.0, 3);
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_EQ(msg.rfind("simulation stalled at 1.5 us with input(s) 0, 1 unfinished; ", 0), 0u) << msg;
  EXPECT_NE(msg.find("layer(s) waiting: 'input' (tile "), std::string::npos) << msg;
  EXPECT_NE(msg.find(" at row 3 of input 0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("... and " + std::to_string(run.order.size() - 3) + " more"), std::string::npos) << msg;
}

// Every number of a result is finite; a non-finite one is an internal fault naming the field.
TEST(Finite, ResultsAreCheckedForNonFiniteNumbers) {
  sim::RunResult r;
  r.throughput_per_s = 1.0;
  EXPECT_NO_THROW(sim::check_finite(r));
  r.energy.breakdown_pj["adc"] = std::numeric_limits<double>::infinity();
  try {
    sim::check_finite(r);
    FAIL() << "expected a logic_error";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("'energy.adc' is inf"), std::string::npos) << e.what();
  }
  r.energy.breakdown_pj.clear();
  r.done_ns = {1.0, std::nan("")};
  EXPECT_THROW(sim::check_finite(r), std::logic_error);
}

// The largest costs and the slowest clock a config allows still give finite reports.
TEST(Finite, TheLargestCostsGiveAFiniteReport) {
  const auto dir = scratch_dir();
  std::string cfg;
  for (const char* c : {"crossbar", "dac", "sample_hold", "adc", "shift_add", "offchip"})
    cfg += std::string(c) + ": {energy_pj: 1e12, leakage_mw: 1e12, area_um2: 1e12}\n";
  cfg += "tile: {buffer: {size_kib: 1e8, energy_pj: 1e12, leakage_mw: 1e12}}\n";
  const auto hw = write_text(dir / "max.yaml", cfg);
  const auto out = dir / "m.json";
  const auto r = shell(dir, kBin + " run -q --net vgg8 --hw " + hw + " --json " + out.string());
  ASSERT_EQ(r.code, 0) << r.err;
  // nlohmann writes a non-finite number as null: the only null allowed is an absent budget
  int numbers = 0;
  std::function<void(const nlohmann::json&, const std::string&)> walk = [&](const nlohmann::json& j,
                                                                            const std::string& key) {
    if (j.is_null()) {
      EXPECT_EQ(key, "budget") << "null (a non-finite number?) at " << key;
    }
    if (j.is_number_float()) {
      EXPECT_TRUE(std::isfinite(j.get<double>())) << key;
      ++numbers;
    }
    if (j.is_object())
      for (auto it = j.begin(); it != j.end(); ++it) walk(it.value(), it.key());
    if (j.is_array())
      for (const auto& e : j) walk(e, key);
  };
  walk(nlohmann::json::parse(read_text(out)), "");
  EXPECT_GT(numbers, 50);
}

// RunState's row arithmetic is 64-bit: a huge stride or pad clamps, it does not overflow an int.
TEST(RowArithmetic, HugeStridesAndPadsClamp) {
  auto g = workloads::parse_network_yaml(kSmallNet, "small.yaml", "small");
  const auto hw = models::load_hardware("default");
  const auto m = mapper::map_network(g, hw);
  tiles::RunState run(g, m, tiles::RunOptions{});
  auto& l = g.layers[3];  // c2
  ASSERT_EQ(l.op, workloads::OpKind::conv);
  l.stride = 1 << 30;
  l.dilation = 1 << 30;
  l.kernel_h = 1 << 20;
  EXPECT_EQ(run.last_row_needed(3, 1 << 30), l.in.h - 1);
  l.pad = std::numeric_limits<int>::max();
  EXPECT_EQ(run.first_row_needed(3, 0), 0);
  EXPECT_EQ(run.first_row_needed(3, std::numeric_limits<int>::max()), l.in.h - 1);
}
