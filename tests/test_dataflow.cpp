// The dataflow of duplicated layers (tiles::Controller, docs/architecture.md#timing-model): copies own
// bands of output rows and receive only their band's input rows with the halo; the compiled mapping's
// throughput grows with the budget; a chip whose digital units and links do not bind reaches the
// crossbar-only bound.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "mapper/compiler.hpp"
#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "tiles/reduction.hpp"
#include "tiles/run_state.hpp"
#include "workloads/builtins.hpp"

using namespace cimsim;
using namespace cimsim::testing;

namespace {

workloads::Layer conv(int h, int kernel, int stride, int pad) {
  workloads::Layer l;
  l.op = workloads::OpKind::conv;
  l.in = {16, h, h};
  l.kernel_h = l.kernel_w = kernel;
  l.stride = stride;
  l.pad = pad;
  l.dilation = 1;
  const int out = (h + 2 * pad - kernel) / stride + 1;
  l.out = {16, out, out};
  return l;
}

}  // namespace

// A band of ceil(H_out / copies) output rows and its (kh - 1)-row halo.
TEST(Bands, InputRowsOfACopyAreItsBandAndTheHalo) {
  const auto l = conv(32, 3, 1, 1);  // 32 output rows
  EXPECT_DOUBLE_EQ(mapper::copy_input_rows(l, 1), 32);
  EXPECT_DOUBLE_EQ(mapper::copy_input_rows(l, 2), 16 + 2);
  EXPECT_DOUBLE_EQ(mapper::copy_input_rows(l, 4), 8 + 2);
  EXPECT_DOUBLE_EQ(mapper::copy_input_rows(l, 32), 3);
  EXPECT_DOUBLE_EQ(mapper::copy_input_rows(l, 64), 32.0 * 3 / 64);  // steps take the copies in turn
  const auto s2 = conv(32, 3, 2, 1);  // stride 2: 16 output rows
  EXPECT_DOUBLE_EQ(mapper::copy_input_rows(s2, 4), (4 - 1) * 2 + 3);
  const auto big = conv(8, 7, 1, 3);  // the halo cannot pass the input
  EXPECT_DOUBLE_EQ(mapper::copy_input_rows(big, 2), 8);
}

// copy k of c owns the k-th contiguous band of output rows; with more copies than rows, the steps of
// the stream take the copies in turn.
TEST(Bands, EachCopyOwnsAContiguousBand) {
  const auto hw = models::load_hardware("default");
  const auto g = workloads::vgg8_network();
  mapper::MapOptions o;
  o.crossbars = 4 * 3176;
  const auto m = mapper::map_network(g, hw, o);
  const tiles::RunState run(g, m, tiles::RunOptions{});
  bool seen_copies = false;
  for (size_t i = 1; i < g.layers.size(); ++i) {
    const int copies = m.layers[i].copies, rows = g.layers[i].out.h;
    if (copies <= 1) continue;
    seen_copies = true;
    std::vector<int> owned(size_t(copies), 0);
    int last = -1;
    for (int n = 0; n < 2; ++n)
      for (int s = 0; s < rows; ++s) {
        const int c = run.copy_of(int(i), n, s);
        ASSERT_GE(c, 0);
        ASSERT_LT(c, copies);
        if (copies <= rows) {
          EXPECT_GE(c, n == 0 || s > 0 ? last : 0) << g.layers[i].name << " bands are contiguous";
          last = c;
          if (n == 0) ++owned[size_t(c)];
        } else {
          EXPECT_EQ(c, (n * rows + s) % copies);
        }
      }
    if (copies <= rows)
      for (int k = 0; k < copies; ++k) {
        EXPECT_GE(owned[size_t(k)], rows / copies) << g.layers[i].name;
        EXPECT_LE(owned[size_t(k)], (rows + copies - 1) / copies) << g.layers[i].name;
      }
  }
  EXPECT_TRUE(seen_copies) << "4x the crossbars duplicates some layer";
}

// With the compiled mapping, throughput never falls as the budget grows: 1x, 2x and 4x the crossbars
// one copy needs. Tolerance 1 %: the same mapping on a larger chip has a larger mesh, whose routes
// differ slightly.
TEST(Budget, ThroughputNeverFallsAsTheBudgetGrows) {
  const auto dir = scratch_dir();
  for (const char* net : {"vgg8", "resnet18", "squeezenet1_1"}) {
    const auto one = run_json(dir, std::string(net) + "-isaac", std::string("--hw default --mapping isaac --net ") + net);
    const int base = one["utilization"]["crossbars_used"].get<int>();
    double before = 0;
    for (int k : {1, 2, 4}) {
      const auto j = run_json(dir, std::string(net) + std::to_string(k),
                              std::string("--hw default --inputs 8 --net ") + net + " --crossbars " +
                                  std::to_string(base * k));
      const double tput = j["throughput_per_s"].get<double>();
      EXPECT_GE(tput, before * 0.99) << net << " at " << k << "x the crossbars";
      before = std::max(before, tput);
    }
  }
}

// On a chip whose digital units, buffers, bus and links are 16x the default's, VGG-8 with 4x the
// crossbars reaches at least half the crossbar-only bound (the busiest crossbar's time per inference,
// duplication.bottleneck_ns of `cimsim map`).
TEST(Budget, AChipThatDoesNotBindElsewhereReachesTheCrossbarBound) {
  const auto dir = scratch_dir();
  const std::string hw = write_text(
      dir / "ample.yaml",
      "name: ample\ntile:\n  accumulate: {count: 16}\n  activation: {count: 16}\n  pool: {count: 16}\n"
      "  buffer: {banks: 16}\n  bus: {width_bits: 4096}\nnoc: {link_bandwidth_gbps: 4096}\n"
      "offchip: {bandwidth_gbps: 4096}\n");
  const std::string args = "--hw " + hw + " --net vgg8 --crossbars 25376";
  const auto m = shell(dir, std::string(CIMSIM_BINARY) + " map " + args + " --json " + (dir / "m.json").string());
  ASSERT_EQ(m.code, 0) << m.err;
  const auto map = nlohmann::json::parse(read_text(dir / "m.json"));
  const double bound = 1e9 / map["duplication"]["bottleneck_ns"].get<double>();
  const auto j = run_json(dir, "ample", args + " --inputs 16");
  const double tput = j["throughput_per_s"].get<double>();
  EXPECT_GE(tput, 0.5 * bound) << tput << " of a crossbar-only bound of " << bound << " inferences/s";
  EXPECT_LE(tput, bound * (1 + 1e-9));  // achieved never above the bound
}

// tile.digital: auto sizes each unit count the config leaves out to keep up with the tile's crossbars:
// ceil(crossbars x outputs per crossbar / (phases x phase period) / (ops_per_cycle x clock)).
TEST(Provisioning, DigitalAutoKeepsUpWithTheCrossbars) {
  // ISAAC's tile: 96 crossbars x 16 outputs (8 cells per 16-bit weight) per 16 phases of 100 ns =
  // 0.96 values/ns; a 1-lane unit at 1.2 GHz does 1.2: one of each
  const auto isaac = models::parse_hardware("name: t\ntile: {digital: auto}\n", "t.yaml");
  EXPECT_NEAR(isaac.tile.digital_demand_per_ns, 96.0 * 16 / (16 * 100), 1e-12);
  EXPECT_EQ(isaac.tile.pool.count, 1);
  EXPECT_EQ(isaac.tile.activation.count, 1);
  EXPECT_EQ(isaac.tile.accumulate.count, 1);
  // the default chip: 32 outputs per crossbar (4 cells per 8-bit weight), 8 phases: 3.84 values/ns, 4 units
  const auto d = models::load_hardware("default");
  EXPECT_TRUE(d.tile.digital_auto);
  EXPECT_NEAR(d.tile.digital_demand_per_ns, 96.0 * 32 / (8 * 100), 1e-12);
  EXPECT_EQ(d.tile.accumulate.count, 4);
  EXPECT_NE(d.sources.at("tile.accumulate.count").find("auto (tile.digital)"), std::string::npos);
  // wider lanes need fewer units; a given count stays as given
  const auto lanes = models::parse_hardware(
      "name: t\nprecision: {weight_bits: 8, activation_bits: 8}\ncrossbar: {bits_per_cell: 2}\n"
      "tile: {digital: auto, pool: {ops_per_cycle: 2}, activation: {count: 7}}\n", "t.yaml");
  EXPECT_EQ(lanes.tile.pool.count, 2);
  EXPECT_EQ(lanes.tile.activation.count, 7);
  EXPECT_EQ(lanes.tile.accumulate.count, 4);
  // given (the default): the counts are the config's
  EXPECT_EQ(models::parse_hardware("name: t\n", "t.yaml").tile.activation.count, 2);
}

// Every layer that works names its binding resource (the one it kept busy longest), never busier than
// the layer's span; the report states the provisioning against the crossbars' demand.
TEST(Provisioning, EveryLayerNamesItsBindingResource) {
  const auto dir = scratch_dir();
  const auto j = run_json(dir, "vgg8", "--hw default --net vgg8 --inputs 2");
  int named = 0;
  for (const auto& l : j["layers"]) {
    if (l.contains("fused_into") || l["energy_pj"].get<double>() == 0) continue;
    ASSERT_TRUE(l.contains("binding")) << l["name"];
    EXPECT_FALSE(l["binding"]["resource"].get<std::string>().empty());
    EXPECT_LE(l["binding"]["busy_fraction_of_span"].get<double>(), 1.0 + 1e-9) << l["name"];
    ++named;
  }
  EXPECT_GE(named, 10);
  EXPECT_EQ(j["layers"][1]["binding"]["resource"].get<std::string>().find("tile_0.pe_0.xbar_"), 0u)
      << "conv1 is bound by its crossbars";
  const auto& p = j["provisioning"];
  EXPECT_EQ(p["digital"], "auto");
  EXPECT_NEAR(p["crossbar_values_per_ns_per_tile"].get<double>(), 3.84, 1e-9);
  for (const char* u : {"pool", "activation", "accumulate"}) EXPECT_TRUE(p["units_per_tile"][u]["keeps_up"].get<bool>()) << u;
}

// Pipelined, the image comes from off-chip at the rate the first layer takes it (its window: the rows a
// step reads plus a stride, or a copy's band): in a stream of 8 VGG-8 inputs on isaac, where conv1 binds,
// the last input row arrives near conv1's end, not all 8 images at the start (before: by cycle 12,301 of
// 15.8 M, and the first tile held 110 KiB). Layer by layer, the image is whole before conv1 starts.
TEST(Buffers, TheInputComesAtTheRateTheFirstLayerTakesIt) {
  const auto dir = scratch_dir();
  const auto j = run_json(dir, "s8", "--hw isaac --net vgg8 --inputs 8");
  const auto& in = j["layers"][0];
  const auto& conv1 = j["layers"][1];
  ASSERT_EQ(in["name"], "input");
  ASSERT_EQ(conv1["name"], "conv1");
  EXPECT_GE(in["end_cycle"].get<double>(), 0.8 * conv1["end_cycle"].get<double>());
  EXPECT_LT(j["buffer"]["peak_occupancy_bits"].get<double>(), 903680.0);
  const auto lbl = run_json(dir, "lbl", "--hw isaac --net vgg8 --dataflow layer_by_layer");
  EXPECT_LE(lbl["layers"][0]["end_cycle"].get<double>(), lbl["layers"][1]["start_cycle"].get<double>());
}

// The reduction across a copy's tiles (tiles/reduction.hpp): m tiles holding partial sums of the same
// outputs meet in a binary tree ceil(log2 m) transfers deep, every tile but the home sends once, and the
// adds are (m - 1) x outputs; tiles holding other outputs add nothing and send straight to the home.
TEST(Reduction, ATreeOfMTilesIsCeilLog2MDeep) {
  const tiles::Sums same = {{{0, 0}, 128}};
  for (size_t m = 1; m <= 33; ++m) {
    const auto steps = tiles::reduction_tree(std::vector<tiles::Sums>(m, same));
    EXPECT_EQ(tiles::reduction_depth(steps, m), m == 1 ? 0 : int(std::ceil(std::log2(double(m))))) << m;
    ASSERT_EQ(steps.size(), m - 1) << m;
    std::vector<int> sends(m, 0);
    uint64_t adds = 0;
    for (const auto& s : steps) {
      ++sends[s.from];
      EXPECT_LT(s.to, s.from);
      EXPECT_EQ(s.sent, 128u);
      adds += s.adds;
    }
    EXPECT_EQ(sends[0], 0);
    for (size_t k = 1; k < m; ++k) EXPECT_EQ(sends[k], 1) << m << " tile " << k;
    EXPECT_EQ(adds, (m - 1) * 128) << m;
  }
  // 4 tiles: two column blocks, each split over two tiles (0, 1 hold block 0; 2, 3 hold block 1)
  const tiles::Sums a = {{{0, 0}, 64}}, b = {{{0, 1}, 64}};
  const auto steps = tiles::reduction_tree({a, a, b, b});
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].from, 1u);  // 1 -> 0 adds 64
  EXPECT_EQ(steps[0].adds, 64u);
  EXPECT_EQ(steps[1].from, 3u);  // 3 -> 2 adds 64
  EXPECT_EQ(steps[1].adds, 64u);
  EXPECT_EQ(steps[2].from, 2u);  // 2 -> 0: block 1 is new to tile 0, nothing to add, sent at the end
  EXPECT_EQ(steps[2].to, 0u);
  EXPECT_EQ(steps[2].adds, 0u);
  EXPECT_EQ(steps[2].sent, 64u);
  EXPECT_EQ(tiles::reduction_depth(steps, 4), 2);
}
