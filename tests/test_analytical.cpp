// The analytical evaluator (sim::evaluate, cimsim run --mode analytical) against the SystemC model
// (docs/analytical.md). Every SystemC run is a child process (SystemC elaborates once per process); the
// analytical side runs through the same binary, so both reports are compared field by field, or in this
// process where the C++ API is what is tested.
//   - where no row spills: every action count, dynamic energy and area equal;
//   - where the SystemC run saw no waiting: latency within 2 %;
//   - the analytical result's own invariants;
//   - where it saw contention: latency within the bound scripts/analytical_agreement.py measures;
//   - that script itself, on its --quick subset.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "models/config_loader.hpp"
#include "models/cost_model.hpp"
#include "run_util.hpp"
#include "sim/analytical.hpp"
#include "sim/deploy.hpp"
#include "workloads/genotype.hpp"

using namespace cimsim;
using cimsim::testing::quote;
using cimsim::testing::read_text;
using cimsim::testing::run_json;
using cimsim::testing::scratch_dir;
using cimsim::testing::shell;
using cimsim::testing::write_text;
namespace fs = std::filesystem;

namespace {

// Contended cases: |analytical / SystemC - 1| of the first input's latency stays within this. Where it
// comes from: scripts/analytical_agreement.py over 206 cases (built-in networks on three configs, 100
// random DARTS deployments, the knob table, streams, layer-by-layer, --mapping isaac), at commit face363
// and after: at most 7.96 % (darts_v2 on the default chip, hypernet deployment; docs/analytical.md,
// "Agreement with the SystemC model"), rounded up to the next 5 %. The script reads this constant back
// and says on that page whether every measured case is within it.
constexpr double kContendedLatencyBound = 0.10;
// The claim where the SystemC run saw no waiting.
constexpr double kUncontendedTolerance = 0.02;
// A SystemC run's summed waiting below this is rounding in its booking calendar (intervals in double
// ns: sums leave ~1e-11 ns), not contention: 1 ps, SystemC's default time resolution.
constexpr double kNoWaitNs = 1e-3;

// The default config (configs/default.yaml) with 16 MiB tile buffers: every window and every held row
// fits, so no row spills and the two evaluators issue the same transactions.
const char* kBigBuffers =
    "name: default-16mib\n"
    "precision: {weight_bits: 8, activation_bits: 8}\n"
    "adc: {bits: auto}\n"
    "tile: {digital: auto, buffer: {size_kib: 16384}}\n"
    "chip: {tiles: auto, tiles_per_router: 4}\n";

// A chip whose periphery is fast (as in test_sim_timing.cpp) and whose off-chip port is slow: input rows
// arrive one at a time, slower than a step computes, so nothing queues anywhere.
std::string fast_chip(const std::string& offchip_gbps) {
  return "name: closed-form\n"
         "technology: {clock_ghz: 1.0}\n"
         "precision: {weight_bits: 8, activation_bits: 8}\n"
         "crossbar: {rows: 128, cols: 128, bits_per_cell: 2, signed_weights: offset, read_latency_ns: 10}\n"
         "dac: {bits: 1}\n"
         "adc: {bits: 8, sample_rate_gsps: 1.0, per_crossbar: 4}\n"
         "pe: {crossbars: 8}\n"
         "tile: {pes: 4, buffer: {banks: 4, bus_bits: 4096}, bus: {width_bits: 8192}}\n"
         "chip: {tiles: auto, tiles_per_router: 4}\n"
         "noc: {flit_bits: 256, hop_latency_cycles: 1, link_bandwidth_gbps: 100000}\n"
         "offchip: {bandwidth_gbps: " +
         offchip_gbps + "}\n";
}

// Unpadded 3x3 convolutions: each output row needs one more input row than the one before, so no two
// steps of a layer become ready at once (a padded last row would make two steps share a burst's wait).
const char* kConv =
    "name: conv\ninput: {channels: 8, height: 10, width: 10}\n"
    "layers:\n  - {name: conv, op: conv, out_channels: 8, kernel: 3}\n";
const char* kChain2 =
    "name: chain2\ninput: {channels: 8, height: 12, width: 12}\nlayers:\n"
    "  - {name: conv1, op: conv, out_channels: 8, kernel: 3}\n"
    "  - {name: conv2, op: conv, out_channels: 8, kernel: 3}\n";
const char* kChain3 =
    "name: chain3\ninput: {channels: 8, height: 14, width: 14}\nlayers:\n"
    "  - {name: conv1, op: conv, out_channels: 8, kernel: 3}\n"
    "  - {name: conv2, op: conv, out_channels: 8, kernel: 3}\n"
    "  - {name: conv3, op: conv, out_channels: 8, kernel: 3}\n";
const char* kConvPool =
    "name: conv_pool\ninput: {channels: 8, height: 12, width: 12}\nlayers:\n"
    "  - {name: conv, op: conv, out_channels: 16, kernel: 3}\n"
    "  - {name: relu, op: relu}\n"
    "  - {name: pool, op: max_pool, kernel: 2, stride: 2}\n";

// `cimsim run ARGS --mode analytical`: its report, with the invariants both modes keep (no resource
// busier than the run, no layer ending after it). Not run_json's buffer check: the analytical report's
// peak comes from estimated spills (docs/analytical.md).
nlohmann::json analytical_json(const fs::path& dir, const std::string& tag, const std::string& args) {
  const auto out = dir / (tag + ".json");
  const std::string cmd = std::string(CIMSIM_BINARY) + " run " + args + " --mode analytical -q --json " +
                          quote(out.string()) + " 2> " + quote((dir / (tag + ".err")).string());
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd << "\n" << read_text(dir / (tag + ".err"));
  auto j = nlohmann::json::parse(read_text(out));
  EXPECT_EQ(j["mode"], "analytical") << cmd;
  for (const auto& b : j["busiest"]) EXPECT_LE(b["busy_fraction"].get<double>(), 1.0 + 1e-9) << cmd;
  return j;
}

struct Both {
  nlohmann::json systemc, analytical;
  double latency_error() const {
    return analytical["latency"]["ns"].get<double>() / systemc["latency"]["ns"].get<double>() - 1;
  }
  bool waited() const {
    return systemc["resource_wait_ns"].get<double>() > kNoWaitNs ||
           systemc["buffer"]["stall_ns"].get<double>() > kNoWaitNs;
  }
};

Both both(const fs::path& dir, const std::string& tag, const std::string& args) {
  Both b{run_json(dir, tag + "-systemc", args), analytical_json(dir, tag + "-analytical", args)};
  EXPECT_EQ(b.systemc["mode"], "systemc");
  return b;
}

double relative(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

// A named case of `cimsim run` arguments (the parameter of the suites below).
struct RunCase {
  const char* name;
  const char* args;
};
std::string case_name(const ::testing::TestParamInfo<RunCase>& i) { return i.param.name; }

// ------------------------------------------------------------------------------- exact where no row spills

class NoSpill : public ::testing::TestWithParam<RunCase> {};

TEST_P(NoSpill, CountsEnergyAndAreaEqual) {
  const auto dir = scratch_dir();
  const std::string hw = write_text(dir / "big.yaml", kBigBuffers);
  const std::string args = std::string("--hw ") + hw + " " + GetParam().args;
  const Both b = both(dir, "case", args);
  // the premise: no row spills, and no input row is left off-chip, in either run
  for (const auto* j : {&b.systemc, &b.analytical}) {
    ASSERT_EQ((*j)["buffer"]["spilled_rows"].get<uint64_t>(), 0u) << (*j)["mode"] << " " << args;
    ASSERT_EQ((*j)["buffer"]["input_rows_left_off_chip"].get<uint64_t>(), 0u) << (*j)["mode"] << " " << args;
  }
  ASSERT_EQ(b.systemc["counts"].size(), size_t(models::kActions));
  for (const auto& [action, count] : b.systemc["counts"].items())
    EXPECT_EQ(b.analytical["counts"][action], count) << action << " " << args;
  const double es = b.systemc["energy_pj"]["dynamic"], ea = b.analytical["energy_pj"]["dynamic"];
  EXPECT_GT(es, 0.0);
  EXPECT_LE(relative(ea, es), 1e-9) << ea << " vs " << es;
  EXPECT_DOUBLE_EQ(b.analytical["area_mm2"]["total"].get<double>(),
                   b.systemc["area_mm2"]["total"].get<double>());
  for (const auto& [part, mm2] : b.systemc["area_mm2"]["breakdown"].items())
    EXPECT_DOUBLE_EQ(b.analytical["area_mm2"]["breakdown"][part].get<double>(), mm2.get<double>()) << part;
}

INSTANTIATE_TEST_SUITE_P(
    Analytical, NoSpill,
    ::testing::Values(RunCase{"vgg8", "--net vgg8"}, RunCase{"vgg8_stream", "--net vgg8 --inputs 4"},
                      RunCase{"resnet18", "--net resnet18"},
                      RunCase{"resnet18_stream", "--net resnet18 --inputs 4"},
                      RunCase{"darts_v2", "--net darts_v2"},
                      RunCase{"darts_v2_stream", "--net darts_v2 --inputs 3"},
                      RunCase{"darts_v2_hypernet", "--net darts_v2 --deploy hypernet"},
                      RunCase{"darts_v2_hypernet_stream", "--net darts_v2 --deploy hypernet --inputs 3"},
                      RunCase{"vgg8_layer_by_layer", "--net vgg8 --dataflow layer_by_layer --inputs 2"}),
    case_name);

// ------------------------------------------------------------------------ within 2 % where nothing waits

struct QuietCase {
  const char* name;
  const char* net;
  const char* offchip_gbps;
};

class NothingWaits : public ::testing::TestWithParam<QuietCase> {};

TEST_P(NothingWaits, LatencyWithinTwoPercent) {
  const auto dir = scratch_dir();
  const std::string args = "--hw " + write_text(dir / "hw.yaml", fast_chip(GetParam().offchip_gbps)) +
                           " --net " + write_text(dir / "net.yaml", GetParam().net);
  const Both b = both(dir, "case", args);
  // the premise: the SystemC run saw no contention at all (no request waited, no producer stalled)
  ASSERT_LE(b.systemc["resource_wait_ns"].get<double>(), kNoWaitNs);
  ASSERT_LE(b.systemc["buffer"]["stall_ns"].get<double>(), kNoWaitNs);
  ASSERT_EQ(b.systemc["buffer"]["spilled_rows"].get<uint64_t>(), 0u);
  EXPECT_LE(std::abs(b.latency_error()), kUncontendedTolerance)
      << "SystemC " << b.systemc["latency"]["ns"] << " ns, analytical " << b.analytical["latency"]["ns"]
      << " ns";
  // nothing waits in the evaluator either
  EXPECT_LE(b.analytical["resource_wait_ns"].get<double>(), kNoWaitNs);
  EXPECT_EQ(b.analytical["counts"], b.systemc["counts"]);
}

INSTANTIATE_TEST_SUITE_P(
    Analytical, NothingWaits,
    ::testing::Values(QuietCase{"conv", kConv, "0.5"}, QuietCase{"chain2", kChain2, "0.5"},
                      QuietCase{"chain3", kChain3, "0.5"}, QuietCase{"conv_pool", kConvPool, "0.5"},
                      QuietCase{"conv_slower_port", kConv, "0.2"},
                      QuietCase{"chain2_slower_port", kChain2, "0.2"}),
    [](const ::testing::TestParamInfo<QuietCase>& i) { return std::string(i.param.name); });

// -------------------------------------------------------------------- invariants of the analytical result

struct Evaluated {
  sim::RunResult r;
  std::string what;
};

Evaluated evaluate(const std::string& hw_name, const std::string& net, sim::Deploy mode, int inputs,
                   tiles::Dataflow dataflow = tiles::Dataflow::pipelined) {
  const models::HardwareSpec hw = models::load_hardware(hw_name);
  sim::WorkloadRequest request;
  request.net = net;
  const sim::Workload w = sim::resolve_workload(request);
  const sim::Deployment d = sim::deploy(w, request.darts, hw, mode);
  tiles::RunOptions opt;
  opt.inputs = inputs;
  opt.dataflow = dataflow;
  return {sim::evaluate(d.graph, hw, d.mapping, opt),
          net + " on " + hw_name + ", " + std::to_string(inputs) + " input(s)"};
}

void check_invariants(const Evaluated& e) {
  const sim::RunResult& r = e.r;
  SCOPED_TRACE(e.what);
  EXPECT_EQ(r.mode, "analytical");
  EXPECT_GT(r.latency_ns, 0.0);
  // the busiest resource is never busier than the run
  EXPECT_LE(r.analytical.busiest_per_inference_ns * r.options.inputs, r.total_ns * (1 + 1e-12))
      << r.analytical.busiest;
  // inputs complete in order; the stream runs at least (N - 1) periods after the first
  ASSERT_EQ(r.done_ns.size(), size_t(r.options.inputs));
  EXPECT_DOUBLE_EQ(r.done_ns.front(), r.latency_ns);
  for (size_t n = 1; n < r.done_ns.size(); ++n) EXPECT_GE(r.done_ns[n], r.done_ns[n - 1]);
  EXPECT_DOUBLE_EQ(r.total_ns, r.done_ns.back());
  // never above the chip's peak efficiency
  EXPECT_LE(r.achieved_efficiency.tops, r.peak_efficiency.tops);
  EXPECT_LE(r.achieved_efficiency.tops_per_w, r.peak_efficiency.tops_per_w);
  EXPECT_LE(r.achieved_efficiency.tops_per_mm2, r.peak_efficiency.tops_per_mm2);
  // no resource busier than the run
  ASSERT_FALSE(r.busiest.empty());
  for (const auto& [name, busy] : r.busiest) EXPECT_LE(busy, r.total_ns * (1 + 1e-12)) << name;
  // energy = dynamic + leakage, and the breakdown sums to it
  EXPECT_NEAR(r.energy.total_pj, r.energy.dynamic_pj + r.energy.leakage_pj, 1e-9 * r.energy.total_pj);
  double parts = 0;
  for (const auto& [part, pj] : r.energy.breakdown_pj) parts += pj;
  EXPECT_NEAR(parts, r.energy.total_pj, 1e-9 * r.energy.total_pj);
  // requests' waits at its calendars (sim::RunResult::resource_wait_ns); its backpressure stalls are
  // each layer's, summed
  EXPECT_GE(r.resource_wait_ns, 0.0);
  EXPECT_GE(r.stall_ns, 0.0);
  double stalls = 0;
  for (const auto& l : r.layer_results) stalls += l.stall_ns;
  EXPECT_NEAR(r.stall_ns, stalls, 1e-9 * std::max(1.0, stalls));
}

TEST(AnalyticalInvariants, BuiltInNetworks) {
  check_invariants(evaluate("default", "vgg8", sim::Deploy::individual, 1));
  check_invariants(evaluate("isaac", "resnet18", sim::Deploy::individual, 1));
  check_invariants(evaluate("rnc-box", "squeezenet1_1_64", sim::Deploy::individual, 1));
  check_invariants(evaluate("default", "deit_tiny", sim::Deploy::individual, 1));
  check_invariants(evaluate("default", "darts_v2", sim::Deploy::hypernet, 1));
}

TEST(AnalyticalInvariants, StreamsAndLayerByLayer) {
  check_invariants(evaluate("default", "vgg8", sim::Deploy::individual, 8));
  check_invariants(evaluate("default", "darts_v2", sim::Deploy::individual, 4));
  check_invariants(evaluate("isaac", "vgg8", sim::Deploy::individual, 2, tiles::Dataflow::layer_by_layer));
  check_invariants(
      evaluate("default", "resnet18", sim::Deploy::individual, 1, tiles::Dataflow::layer_by_layer));
}

// The C++ API docs/analytical.md describes for many genotypes on one chip: the hypernetwork chip mapped
// once, each genotype bound to it and evaluated, gives what `cimsim run --deploy hypernet` gives.
TEST(AnalyticalApi, GenotypesBoundToOneHypernetChipMatchTheCommandLine) {
  const auto dir = scratch_dir();
  const models::HardwareSpec hw = models::load_hardware("default");
  const workloads::DartsOptions darts;
  const sim::HypernetChip chip = sim::build_hypernet_chip(darts, hw);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3; ++i) {
    const workloads::Genotype g = workloads::random_genotype(rng);
    const std::string text = workloads::to_string(g);
    SCOPED_TRACE(text);
    const sim::Deployment d = sim::bind_genotype(chip, g, darts, hw, "random");
    tiles::RunOptions opt;
    opt.inputs = 2;
    const sim::RunResult r = sim::evaluate(d.graph, hw, d.mapping, opt);
    const auto j = analytical_json(dir, "g" + std::to_string(i),
                                   "--hw default --deploy hypernet --inputs 2 --genotype " + quote(text));
    // the same numbers up to the order of floating-point sums
    EXPECT_LE(relative(r.latency_ns, j["latency"]["ns"].get<double>()), 1e-12);
    EXPECT_LE(relative(r.total_ns, j["run"]["ns"].get<double>()), 1e-12);
    EXPECT_DOUBLE_EQ(r.area.total_mm2, j["area_mm2"]["total"].get<double>());
    for (int a = 0; a < models::kActions; ++a)
      EXPECT_EQ(r.counts[size_t(a)], j["counts"][models::action_name(models::Action(a))].get<uint64_t>())
          << models::action_name(models::Action(a));
  }
}

// ------------------------------------------------------------------ the documented bound where it contends

class Contended : public ::testing::TestWithParam<RunCase> {};

TEST_P(Contended, LatencyWithinTheMeasuredBound) {
  const auto dir = scratch_dir();
  const Both b = both(dir, "case", GetParam().args);
  ASSERT_TRUE(b.waited()) << "the premise: the SystemC run saw contention";
  EXPECT_LE(std::abs(b.latency_error()), kContendedLatencyBound)
      << "SystemC " << b.systemc["latency"]["ns"] << " ns, analytical " << b.analytical["latency"]["ns"]
      << " ns (busiest " << b.analytical["analytical"]["busiest"] << ")";
  // counts, hence energy, differ only through spills: the same MVMs whatever the schedule
  for (const char* action :
       {"crossbar_read", "crossbar_cell_read", "adc_conversion", "dac_drive", "shift_add"})
    EXPECT_EQ(b.analytical["counts"][action], b.systemc["counts"][action]) << action;
  EXPECT_DOUBLE_EQ(b.analytical["area_mm2"]["total"].get<double>(),
                   b.systemc["area_mm2"]["total"].get<double>());
  // rows go off-chip as the SystemC run sends them: each row's room test is made as the replay reaches
  // it, with the rows its tile holds then (over the 216 cases of docs/analytical.md: within 5 % where 50
  // or more rows leave the chip, a median of 0.19 %)
  auto off_chip = [](const nlohmann::json& j) {
    return j["buffer"]["spilled_rows"].get<double>() + j["buffer"]["input_rows_left_off_chip"].get<double>();
  };
  EXPECT_LE(std::abs(off_chip(b.analytical) - off_chip(b.systemc)), 0.05 * off_chip(b.systemc) + 2)
      << "SystemC " << off_chip(b.systemc) << " rows off-chip, analytical " << off_chip(b.analytical);
}

INSTANTIATE_TEST_SUITE_P(Analytical, Contended,
                         ::testing::Values(RunCase{"vgg8_default", "--hw default --net vgg8"},
                                           RunCase{"resnet18_default", "--hw default --net resnet18"},
                                           RunCase{"darts_v2_default", "--hw default --net darts_v2"},
                                           RunCase{"deit_tiny_default", "--hw default --net deit_tiny"},
                                           RunCase{"vgg8_isaac", "--hw isaac --net vgg8"},
                                           RunCase{"resnet18_rnc_box", "--hw rnc-box --net resnet18"},
                                           RunCase{
                                               "darts_v2_hypernet_stream",
                                               "--hw default --net darts_v2 --deploy hypernet --inputs 4"}),
                         case_name);

// ------------------------------------------------------------------------------------- the agreement script

// scripts/analytical_agreement.py --quick --write on the page `doc`, the JSON into dir/out.json.
cimsim::testing::Result run_script(const fs::path& dir, const std::string& doc) {
  return shell(dir, "/usr/bin/python3 " +
                        quote(std::string(CIMSIM_SOURCE_DIR) + "/scripts/analytical_agreement.py") +
                        " --quick --write --doc " + quote(doc) + " --cimsim " + quote(CIMSIM_BINARY) + " " +
                        quote((dir / "out.json").string()));
}

TEST(AgreementScript, QuickSubsetHoldsTheClaimsAndRewritesOnlyItsSection) {
  const auto dir = scratch_dir();
  const std::string page =
      "# page\n\nbefore\n<!-- agreement:begin -->\nold numbers\n<!-- agreement:end -->\nafter\n";
  const std::string doc = write_text(dir / "page.md", page);
  const auto r = run_script(dir, doc);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(read_text(dir / "out.json"));
  const auto& cases = j["cases"];
  ASSERT_GE(cases.size(), 15u);
  int quiet = 0, nospill = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c["name"].get<std::string>());
    ASSERT_EQ(c["status"], "ok");
    EXPECT_TRUE(c["area_equal"].get<bool>());
    if (!c["spill"].get<bool>()) {
      ++nospill;
      EXPECT_TRUE(c["counts_equal"].get<bool>());
      EXPECT_LE(std::abs(c["energy_error"].get<double>()), 1e-9);
    }
    if (!c["contention"].get<bool>()) {
      ++quiet;
      EXPECT_LE(std::abs(c["latency_error"].get<double>()), kUncontendedTolerance);
    } else {
      EXPECT_LE(std::abs(c["latency_error"].get<double>()), kContendedLatencyBound);
    }
  }
  EXPECT_GE(quiet, 1);
  EXPECT_GE(nospill, 1);
  EXPECT_DOUBLE_EQ(j["summary"]["claims"]["test_bound"].get<double>(), kContendedLatencyBound);
  // the page: only the text between the markers changed
  const std::string text = read_text(doc);
  EXPECT_EQ(text.rfind("# page\n\nbefore\n<!-- agreement:begin -->\n", 0), 0u) << text;
  EXPECT_NE(text.find("\n<!-- agreement:end -->\nafter\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("old numbers"), std::string::npos);
  EXPECT_NE(text.find("**Latency error**"), std::string::npos);
}

TEST(AgreementScript, RefusesAPageWithoutItsSection) {
  const auto dir = scratch_dir();
  const std::string doc = write_text(dir / "page.md", "# no markers\n");
  const auto r = run_script(dir, doc);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("agreement:begin"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(doc), "# no markers\n");
  EXPECT_FALSE(fs::exists(dir / "out.json"));
}

}  // namespace
