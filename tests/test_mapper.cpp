// The mapper against closed forms: bit slicing, unrolling, partitioning, diagonal packing of groups,
// placement, fusion, and the error when a network does not fit.
#include <gtest/gtest.h>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "workloads/builtins.hpp"
#include "workloads/network_yaml.hpp"

using namespace cimsim;

namespace {
const mapper::MapOptions kIsaac{mapper::MappingMode::isaac, 0};
int ceil_div(int64_t a, int64_t b) { return int((a + b - 1) / b); }

workloads::Graph net(const std::string& layers, int c = 16, int h = 8) {
  return workloads::parse_network_yaml("name: t\ninput: {channels: " + std::to_string(c) +
                                           ", height: " + std::to_string(h) + ", width: " +
                                           std::to_string(h) + "}\nlayers:\n" + layers,
                                       "test.yaml", "t");
}

models::HardwareSpec small_hw(int wbits, int bpc, bool differential) {
  return models::parse_hardware("name: t\nprecision: {weight_bits: " + std::to_string(wbits) +
                                    ", activation_bits: 8}\ncrossbar: {rows: 128, cols: 128, bits_per_cell: " +
                                    std::to_string(bpc) + ", signed_weights: " +
                                    (differential ? "differential" : "offset") +
                                    "}\nchip: {tiles: auto}\n",
                                "test.yaml");
}
}  // namespace

TEST(Mapper, CellsPerWeightIsSlicesDoubledForDifferentialPairs) {
  EXPECT_EQ(small_hw(16, 2, false).cells_per_weight(), 8);
  EXPECT_EQ(small_hw(16, 2, true).cells_per_weight(), 16);
  EXPECT_EQ(small_hw(8, 1, true).cells_per_weight(), 16);
  EXPECT_EQ(small_hw(8, 3, false).cells_per_weight(), 3);  // ceil(8/3)
}

TEST(Mapper, Vgg8OnIsaacMatchesTheClosedForm) {
  const auto hw = models::load_hardware("isaac");
  const auto g = workloads::vgg8_network();
  const auto m = mapper::map_network(g, hw, kIsaac);
  const int cpw = 8, outs_per_xbar = 128 / cpw;  // 16-bit weights in 2-bit cells, offset scheme
  int64_t expect_xbars = 0, expect_pes = 0, cells = 0;
  for (size_t i = 1; i < g.layers.size(); ++i) {
    const auto& l = g.layers[i];
    if (!workloads::is_weighted(l.op)) continue;
    const int64_t rows = l.op == workloads::OpKind::conv ? 9LL * l.in.c : l.in.elements();
    const int rb = ceil_div(rows, 128), cb = ceil_div(l.out_channels, outs_per_xbar);
    EXPECT_EQ(m.layers[i].row_blocks, rb) << l.name;
    EXPECT_EQ(m.layers[i].col_blocks, cb) << l.name;
    EXPECT_EQ(m.layers[i].crossbars(), rb * cb) << l.name;
    expect_xbars += rb * cb;
    expect_pes += ceil_div(rb * cb, 8);  // each layer starts on a fresh PE of 8 crossbars
    cells += rows * l.out_channels * cpw;  // every weight occupies cpw cells
  }
  EXPECT_EQ(m.crossbars_used, expect_xbars);
  EXPECT_EQ(m.crossbars_used, 8 + 72 + 144 + 288 + 576 + 1152 + 4096 + 8);
  EXPECT_EQ(m.pes_used, expect_pes);
  EXPECT_EQ(m.tiles_used, ceil_div(expect_pes, 12));
  EXPECT_EQ(m.cells_used, cells);
  EXPECT_EQ(m.cells_used, g.weights() * cpw);
  EXPECT_EQ(m.chip_tiles, 168);  // isaac is a fixed 12 x 14 chip
  EXPECT_NEAR(m.crossbar_utilization(hw), double(cells) / (double(expect_xbars) * 128 * 128), 1e-12);
}

TEST(Mapper, BlocksConserveTheMacsOfEveryLayer) {
  const auto hw = models::load_hardware("isaac");
  const auto g = workloads::resnet18_network();
  const auto m = mapper::map_network(g, hw, kIsaac);
  for (size_t i = 1; i < g.layers.size(); ++i) {
    const auto& l = g.layers[i];
    if (!workloads::is_weighted(l.op)) continue;
    int64_t macs_per_pixel = 0;
    for (int b : m.layers[i].blocks) {
      const auto& blk = m.blocks[b];
      EXPECT_LE(blk.rows_used, hw.crossbar.rows);
      EXPECT_LE(blk.cols_used, hw.crossbar.cols);
      macs_per_pixel += int64_t(blk.rows_used) * blk.outputs / blk.groups;
    }
    EXPECT_EQ(macs_per_pixel * l.out.h * l.out.w, l.macs()) << l.name;
  }
}

TEST(Mapper, DepthwiseGroupsArePackedOnTheDiagonal) {
  // depthwise 3x3 over 40 channels: each group is 9 rows x 1 output (4 columns at 8-bit/2-bit offset)
  const auto hw = small_hw(8, 2, false);
  const auto g = net("  - {name: dw, op: conv, out_channels: 40, kernel: 3, pad: 1, groups: 40}\n", 40);
  const auto m = mapper::map_network(g, hw, kIsaac);
  const auto& lm = m.layers[1];
  const int per_xbar = std::min(128 / 9, 128 / 4);  // 14 groups fit on rows, 32 on columns
  EXPECT_EQ(lm.groups_per_crossbar, per_xbar);
  EXPECT_EQ(lm.crossbars(), ceil_div(40, per_xbar));
  EXPECT_EQ(m.blocks[lm.blocks.back()].groups, 40 - (lm.crossbars() - 1) * per_xbar);
  EXPECT_EQ(m.blocks[lm.blocks.front()].rows_used, 9 * per_xbar);
  EXPECT_EQ(m.cells_used, int64_t(40) * 9 * 4);
}

TEST(Mapper, LargeGroupsArePartitionedGroupByGroup) {
  // 2 groups of 9*96 = 864 rows, 64 outputs: 7 row blocks x 2 column blocks (32 outputs of 4 cells) each
  const auto hw = small_hw(8, 2, false);
  const auto g = net("  - {name: gc, op: conv, out_channels: 128, kernel: 3, pad: 1, groups: 2}\n", 192);
  const auto m = mapper::map_network(g, hw, kIsaac);
  const auto& lm = m.layers[1];
  EXPECT_EQ(lm.row_blocks, ceil_div(864, 128));
  EXPECT_EQ(lm.col_blocks, 2);
  EXPECT_EQ(lm.crossbars(), 2 * 7 * 2);
}

TEST(Mapper, DifferentialPairsDoubleTheColumns) {
  const auto g = net("  - {name: c, op: conv, out_channels: 64, kernel: 3, pad: 1}\n");
  const auto off = mapper::map_network(g, small_hw(8, 2, false), kIsaac);
  const auto diff = mapper::map_network(g, small_hw(8, 2, true), kIsaac);
  EXPECT_EQ(off.layers[1].col_blocks, ceil_div(64, 128 / 4));
  EXPECT_EQ(diff.layers[1].col_blocks, ceil_div(64, 128 / 8));
  EXPECT_EQ(diff.cells_used, 2 * off.cells_used);
}

TEST(Mapper, ReluIsFusedIntoASoleProducerOnly) {
  const auto g = net(
      "  - {name: c1, op: conv, out_channels: 16, kernel: 3, pad: 1}\n"
      "  - {name: r1, op: relu}\n"
      "  - {name: c2, op: conv, out_channels: 16, kernel: 3, pad: 1}\n"
      "  - {name: s, op: add, inputs: [r1, c2]}\n"
      "  - {name: r2, op: relu, inputs: [c2]}\n");
  const auto m = mapper::map_network(g, small_hw(8, 2, false), kIsaac);
  EXPECT_EQ(m.layers[2].fused_into, 1);   // r1: c1 has one consumer
  EXPECT_EQ(m.layers[1].fused_activation, 2);
  EXPECT_EQ(m.layers[5].fused_into, -1);  // r2: c2 feeds the add too
  EXPECT_EQ(m.layers[4].home_tile, m.layers[1].home_tile);  // digital layers live with their input
}

TEST(Mapper, ANetworkThatDoesNotFitSaysWhatItNeeds) {
  auto hw = models::load_hardware("isaac");
  hw.chip.auto_size = false;
  hw.chip.mesh_rows = 1;
  hw.chip.mesh_cols = 2;
  try {
    mapper::map_network(workloads::vgg8_network(), hw, kIsaac);
    FAIL() << "expected MappingError";
  } catch (const mapper::MappingError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("needs 6344 crossbars"), std::string::npos) << msg;
    EXPECT_NE(msg.find("has 2 tiles"), std::string::npos) << msg;
  }
}

TEST(Mapper, RouterGridIsASnakeOnTheNearestSquare) {
  const auto g = mapper::router_grid(168, 4);  // ISAAC: 42 routers -> 6 x 7
  EXPECT_EQ(g.routers, 42);
  EXPECT_EQ(g.cols, 7);
  EXPECT_EQ(g.rows, 6);
  for (int r = 0; r + 1 < g.routers; ++r) EXPECT_EQ(g.hops(r, r + 1), 1) << r;
  EXPECT_EQ(g.hops(0, 41), 5 + 0);  // row 5 is odd: router 41 sits in column 0
}
