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
