// Cycle counts against the closed form the spec implies.
// A crossbar burst of V vectors x P bit-serial phases, pipelined through sample-and-hold:
//   t = t_read + (V*P - 1) * max(t_read, t_conv) + t_conv,  t_conv = ceil(cols / ADCs) / sample rate,
// and shift-and-add adds one digital cycle behind it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <systemc>

#include "hw/crossbar.hpp"
#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "tiles/pe.hpp"
#include <tlm_utils/simple_initiator_socket.h>

using namespace cimsim;
using cimsim::testing::run_json;
using cimsim::testing::scratch_dir;
using cimsim::testing::write_text;

namespace {

double burst(double t_read, double t_conv, int vectors, int phases) {
  return t_read + (vectors * phases - 1) * std::max(t_read, t_conv) + t_conv;
}

// A chip whose periphery is so fast that the crossbars decide the latency: the closed form below.
std::string fast_chip(int adcs_per_crossbar, int activation_bits) {
  return "name: closed-form\n"
         "technology: {clock_ghz: 1.0}\n"
         "precision: {weight_bits: 8, activation_bits: " + std::to_string(activation_bits) + "}\n"
         "crossbar: {rows: 128, cols: 128, bits_per_cell: 2, signed_weights: offset, read_latency_ns: 10}\n"
         "dac: {bits: 1}\n"
         "adc: {bits: 8, sample_rate_gsps: 1.0, per_crossbar: " + std::to_string(adcs_per_crossbar) + "}\n"
         "pe: {crossbars: 8}\n"
         "tile: {pes: 4, buffer: {banks: 4, bus_bits: 4096}, bus: {width_bits: 8192}}\n"
         "chip: {tiles: auto, tiles_per_router: 4}\n"
         "noc: {flit_bits: 256, hop_latency_cycles: 1, link_bandwidth_gbps: 100000}\n"
         "offchip: {bandwidth_gbps: 100000}\n";
}

// One 3x3 convolution of 8 -> 8 channels on an 8x8 input: 72 rows x 8 outputs x 4 cells = 32 columns,
// one crossbar; 8 output rows of 8 vectors each.
const char* kOneConv =
    "name: one-conv\ninput: {channels: 8, height: 8, width: 8}\n"
    "layers:\n  - {name: conv, op: conv, out_channels: 8, kernel: 3, pad: 1}\n";

struct Driver : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Driver> port{"port"};
  explicit Driver(sc_core::sc_module_name n) : sc_module(n) {}
};

}  // namespace

TEST(Timing, CrossbarBurstFollowsThePipelineFormula) {
  EXPECT_DOUBLE_EQ(hw::Crossbar::burst_ns(100, 100, 1, 16), 1700.0);  // ISAAC: 16 phases of 100 ns
  EXPECT_DOUBLE_EQ(hw::Crossbar::burst_ns(10, 8, 8, 8), burst(10, 8, 8, 8));
  EXPECT_DOUBLE_EQ(hw::Crossbar::burst_ns(10, 32, 2, 4), 10 + 7 * 32 + 32);
}

TEST(Timing, IsaacPeRunsOneVectorIn16CyclesOf100ns) {
  const auto hw = models::load_hardware("isaac");
  hw::Stats stats(1);
  hw::Context ctx{hw, stats, nullptr};
  tiles::Pe pe("pe", ctx);
  Driver driver("driver");
  driver.port.bind(pe.socket);
  mapper::CrossbarBlock full;
  full.rows_used = 128;
  full.rows_driven = 128;
  full.cols_used = 128;
  full.outputs = 16;
  std::vector<const mapper::CrossbarBlock*> blocks{&full};
  hw::OpExt e;
  e.op = hw::OpCode::mvm;
  e.layer = 0;
  e.vectors = 1;
  e.phases = hw.input_phases();
  e.blocks = &blocks;
  ASSERT_EQ(e.phases, 16);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // completes elaboration: binds the PE's ports
  const double end = hw::call(driver.port, e, 0.0, 0.0);
  // 128 columns on one 1.28 GS/s ADC = 100 ns per phase, as ISAAC's 100 ns cycle
  EXPECT_NEAR(hw.conversion_ns(128), 100.0, 1e-9);
  EXPECT_NEAR(end, 1700.0 + hw.cycle_ns(), 1e-3);
  EXPECT_EQ(stats.total()[int(models::Action::crossbar_read)], 16u);
  EXPECT_EQ(stats.total()[int(models::Action::dac_drive)], 16u * 128);
  EXPECT_EQ(stats.total()[int(models::Action::adc_conversion)], 16u * 128);
}

TEST(Timing, OneConvolutionOnOneCrossbarTakesTheClosedForm) {
  const auto dir = scratch_dir();
  const auto net = write_text(dir / "net.yaml", kOneConv);
  const auto j = run_json(dir, "base", "--hw " + write_text(dir / "hw.yaml", fast_chip(4, 8)) +
                                           " --net " + net);
  ASSERT_EQ(j["utilization"]["crossbars_used"], 1);
  // 8 rows of 8 vectors x 8 phases; t_conv = ceil(32 / 4) / 1 GS/s = 8 ns < t_read = 10 ns
  const double compute = 8 * burst(10, 8, 8, 8);
  const double latency = j["latency"]["ns"];
  EXPECT_GE(latency, compute);
  // what is not crossbar time: input rows in, one row fetched, outputs written and sent off-chip,
  // each a few 1 ns cycles on this chip
  EXPECT_LE(latency, compute + 40.0);
  EXPECT_DOUBLE_EQ(double(j["latency"]["cycles"]), latency * 1.0);
}

TEST(Timing, HalvingTheAdcsAddsTheConversionTimeTheSpecImplies) {
  const auto dir = scratch_dir();
  const auto net = write_text(dir / "net.yaml", kOneConv);
  const auto a = run_json(dir, "adc4", "--hw " + write_text(dir / "a.yaml", fast_chip(4, 8)) + " --net " + net);
  const auto b = run_json(dir, "adc2", "--hw " + write_text(dir / "b.yaml", fast_chip(2, 8)) + " --net " + net);
  // 4 ADCs: t_conv = 8 ns, phase period 10 ns; 2 ADCs: t_conv = 16 ns, period 16 ns
  const double expect = 8 * (burst(10, 16, 8, 8) - burst(10, 8, 8, 8));
  EXPECT_NEAR(double(b["latency"]["ns"]) - double(a["latency"]["ns"]), expect, 0.5);
  // conversions are the same work: same count
  EXPECT_EQ(a["counts"]["adc_conversion"], b["counts"]["adc_conversion"]);
}

TEST(Timing, DoublingTheInputBitsDoublesThePhases) {
  const auto dir = scratch_dir();
  const auto net = write_text(dir / "net.yaml", kOneConv);
  const auto a = run_json(dir, "in8", "--hw " + write_text(dir / "a.yaml", fast_chip(4, 8)) + " --net " + net);
  const auto b = run_json(dir, "in16", "--hw " + write_text(dir / "b.yaml", fast_chip(4, 16)) + " --net " + net);
  const double expect = 8 * (burst(10, 8, 8, 16) - burst(10, 8, 8, 8));
  EXPECT_NEAR(double(b["latency"]["ns"]) - double(a["latency"]["ns"]), expect, 0.5);
  EXPECT_EQ(uint64_t(b["counts"]["crossbar_read"]), 2 * uint64_t(a["counts"]["crossbar_read"]));
}

TEST(Timing, LayerByLayerIsNeverFasterThanPipelined) {
  const auto dir = scratch_dir();
  const auto lbl = run_json(dir, "lbl", "--hw isaac --net vgg8 --dataflow layer_by_layer");
  const auto pip = run_json(dir, "pip", "--hw isaac --net vgg8 --dataflow pipelined");
  EXPECT_LT(double(pip["latency"]["ns"]), double(lbl["latency"]["ns"]));
  // layer by layer: each layer starts after the previous one ended
  const auto& layers = lbl["layers"];
  for (size_t i = 1; i < layers.size(); ++i) {
    if (!layers[i].contains("fused_into") && !layers[i - 1].contains("fused_into")) {
      EXPECT_GE(double(layers[i]["start_cycle"]), double(layers[i - 1]["end_cycle"]) - 1e-6)
          << layers[i]["name"];
    }
  }
  // the same computation either way; layer by layer, whole feature maps wait in the buffers, so more rows
  // find no room and go off-chip and back (over the NoC, through the off-chip port)
  for (const auto& [action, count] : pip["counts"].items()) {
    if (action == "offchip_bit" || action == "router_flit_hop" || action == "buffer_write_bit") continue;
    EXPECT_EQ(lbl["counts"][action], count) << action;
  }
  EXPECT_GE(double(lbl["buffer"]["spilled_bits"]), double(pip["buffer"]["spilled_bits"]));
  EXPECT_GE(double(lbl["counts"]["offchip_bit"]), double(pip["counts"]["offchip_bit"]));
}

TEST(Timing, AStreamOfInputsPipelinesAtTheBottleneckRate) {
  const auto dir = scratch_dir();
  const auto one = run_json(dir, "one", "--hw isaac --net vgg8 --inputs 1");
  const auto four = run_json(dir, "four", "--hw isaac --net vgg8 --inputs 4");
  // the first input's latency does not depend on what follows it... up to contention it causes
  EXPECT_NEAR(double(four["latency"]["ns"]), double(one["latency"]["ns"]),
              0.01 * double(one["latency"]["ns"]));
  // the bottleneck is conv1: per input, 32 rows of 32 vectors of 16 phases of 100 ns, back to back
  const double per_input = 32 * burst(100, 100, 32, 16);
  auto span_ns = [](const nlohmann::json& j) {
    const auto& conv1 = j["layers"][1];  // [0] is the input
    EXPECT_EQ(conv1["name"], "conv1");
    return (double(conv1["end_cycle"]) - double(conv1["start_cycle"])) / 1.2;
  };
  // what is not crossbar time (first fetch, the last row's ReLU and write) is the same for 1 and 4
  EXPECT_NEAR(span_ns(four) - 4 * per_input, span_ns(one) - per_input, 1e-6 * per_input);
  EXPECT_GT(span_ns(one), per_input);
  // throughput: (N - 1) inputs over the time between the first and the last completion; downstream
  // layers' tails vary between inputs (they share tile buffers and NoC links), the rate does not
  const auto& done = four["done_ns"];
  const double interval = (double(done[3]) - double(done[0])) / 3;
  EXPECT_NEAR(double(four["throughput_per_s"]), 1e9 / interval, 1e-6 * 1e9 / interval);
  EXPECT_NEAR(interval, per_input, 0.1 * per_input);
  // counts scale with the inputs; energy per inference stays
  EXPECT_EQ(uint64_t(four["counts"]["adc_conversion"]), 4 * uint64_t(one["counts"]["adc_conversion"]));
}

// Case 09 (../shared/cases/09-all-none.genotype): every edge of every cell is DARTS `none`, so the
// classifier no longer depends on the image, yet the stem and the cells' preprocessing still run on the
// chip. The run ends when they do (917.8 us), not when the classifier's output leaves (16.7 us), and no
// crossbar is busy more than the run (it was 4919 %).
TEST(RunEnd, ARunEndsWhenItsLayersDo) {
  const auto dir = scratch_dir();
  const std::string none8 =
      "[('none', 0), ('none', 1), ('none', 0), ('none', 1), ('none', 0), ('none', 1), ('none', 0), ('none', 1)]";
  const std::string g = write_text(dir / "all-none.genotype", "ALL_NONE = Genotype(normal=" + none8 +
                                                                  ", normal_concat=range(2, 6), reduce=" + none8 +
                                                                  ", reduce_concat=range(2, 6))\n");
  const auto j = run_json(dir, "none", "--hw default --net " + g + " --darts-c 16 --darts-layers 5");
  double last_end = 0;
  for (const auto& l : j["layers"]) last_end = std::max(last_end, l["end_cycle"].get<double>());
  EXPECT_GT(last_end, 1e6);  // the stem and the cells' preprocessing run for about 1.1 M cycles
  EXPECT_GE(j["latency"]["cycles"].get<double>(), last_end);
  EXPECT_NEAR(j["throughput_per_s"].get<double>(), 1e9 / j["latency"]["ns"].get<double>(), 1e-6);
  ASSERT_FALSE(j["busiest"].empty());
  EXPECT_LE(j["busiest"][0]["busy_fraction"].get<double>(), 1.0);
}
