// DARTS NetworkCIFAR and the hypernetwork supergraph: weight counts in closed form against the published
// parameter counts, the shapes at cell boundaries, the stride rule, zero nodes, naming and sites.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>

#include "workloads/builtins.hpp"
#include "workloads/darts.hpp"
#include "workloads/loader.hpp"
#include "run_util.hpp"

using namespace cimsim::workloads;

namespace {

using cimsim::testing::error_of;

const Layer& layer(const Graph& g, const std::string& name) {
  const int i = g.index_of(name);
  if (i < 0) throw std::runtime_error("no layer " + name);
  return g.layers[size_t(i)];
}
bool has(const Graph& g, const std::string& name) { return g.index_of(name) >= 0; }
std::string shape(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

// C of cell i at defaults: 36 for cells 0-5, 72 for 6-12, 144 for 13-19.
int64_t cell_c(int i) { return i < 6 ? 36 : i < 13 ? 72 : 144; }

// Weights of the preprocessing of all 20 cells: ReLUConvBN and FactorizedReduce(ci, co) both hold ci*co
// (FR: two 1x1 convs ci -> co/2). C_pp, C_p run 108,108 | 108,144 | 144,144 ... as cells output 4C.
int64_t preprocessing_weights() {
  int64_t total = 0, c_pp = 108, c_p = 108;
  for (int i = 0; i < 20; ++i) {
    total += (c_pp + c_p) * cell_c(i);
    c_pp = c_p;
    c_p = 4 * cell_c(i);
  }
  return total;
}

// BN parameters (2 per channel of every BN) + the classifier bias: what PyTorch counts besides the conv
// and fc weights. A BN follows every conv that is not depthwise (stem, preprocessing, FR halves, pw).
int64_t bn_and_bias(const Graph& g) {
  int64_t total = 10;
  for (const auto& l : g.layers) {
    if (l.op == OpKind::conv && l.groups == 1) total += 2 * l.out_channels;
  }
  return total;
}

Genotype parse(const std::string& text) { return parse_genotype(text, "test"); }

}  // namespace

TEST(DartsNetwork, DartsV2WeightsInClosedForm) {
  const Graph g = darts_v2_network();
  EXPECT_EQ(g.name, "darts_v2");
  // stem 3x3 conv 3 -> 108: 2,916; classifier 576 -> 10: 5,760.
  const int64_t stem = 3 * 108 * 9, classifier = 576 * 10;
  // Preprocessing: cells 0, 1: (108+108)*36 + (108+144)*36; 2-5: 4 * 288*36; 6: 288*72; 7: (144+288)*72;
  // 8-12: 5 * 576*72; 13: 576*144; 14: (288+576)*144; 15-19: 5 * 1152*144.
  const int64_t pre = 216 * 36 + 252 * 36 + 4 * 288 * 36 + 288 * 72 + 432 * 72 + 5 * 576 * 72 + 576 * 144 +
                      864 * 144 + 5 * 1152 * 144;
  EXPECT_EQ(pre, preprocessing_weights());
  EXPECT_EQ(pre, 1'354'320);
  // Normal cell: 5 sep_conv_3x3 (each 2 * (9C dw + C^2 pw)), 1 dil_conv_3x3 (9C + C^2), 2 identity skips:
  // 99C + 11C^2. Reduction cell: max pools and stride-1 skips (from node 2): no weights.
  auto normal = [](int64_t c) { return 5 * 2 * (9 * c + c * c) + (9 * c + c * c); };
  const int64_t cells = 6 * normal(36) + 6 * normal(72) + 6 * normal(144);
  EXPECT_EQ(normal(36), 17'820);
  EXPECT_EQ(cells, 6 * 17'820 + 6 * 64'152 + 6 * 242'352);
  EXPECT_EQ(g.weights(), stem + pre + cells + classifier);
  EXPECT_EQ(g.weights(), 3'308'940);
  // Published: 3.3M parameters, which count BN (2 per channel) and the fc bias too: with them we get
  // 3,349,342, exactly the "param size = 3.349342MB" the DARTS code prints for DARTS_V2.
  EXPECT_EQ(g.weights() + bn_and_bias(g), 3'349'342);
  EXPECT_NEAR(double(g.weights()), 3.3e6, 0.02 * 3.3e6);
}

TEST(DartsNetwork, PdartsAndDartsV1Weights) {
  const Graph g = pdarts_network();
  const int64_t stem = 2'916, classifier = 5'760, pre = preprocessing_weights();
  auto sep = [](int64_t k, int64_t c) { return 2 * (k * k * c + c * c); };
  auto dil = [](int64_t k, int64_t c) { return k * k * c + c * c; };
  // normal: dil3, 4 sep3, dil5 (2 skips). reduce: sep5 (stride 2), sep3 (stride 2), dil5, 2 dil3 (one at
  // stride 2), dil5, plus an avg and a max pool: no skip_connect at stride 2, so no FactorizedReduce edge.
  auto normal = [&](int64_t c) { return dil(3, c) + 4 * sep(3, c) + dil(5, c); };
  auto reduce = [&](int64_t c) { return sep(5, c) + sep(3, c) + 2 * dil(5, c) + 2 * dil(3, c); };
  const int64_t cells = 6 * normal(36) + 6 * normal(72) + 6 * normal(144) + reduce(72) + reduce(144);
  EXPECT_EQ(g.weights(), stem + pre + cells + classifier);
  EXPECT_EQ(g.weights(), 3'392'964);
  // Published 3.4M (with BN and bias: 3,433,798).
  EXPECT_EQ(g.weights() + bn_and_bias(g), 3'433'798);
  EXPECT_NEAR(double(g.weights()), 3.4e6, 0.02 * 3.4e6);

  // DARTS V1: normal 5 sep3, reduce pools and stride-1 skips only.
  const Graph v1 = darts_v1_network();
  EXPECT_EQ(v1.weights(), stem + pre + classifier + 6 * (5 * sep(3, 36) + 5 * sep(3, 72) + 5 * sep(3, 144)));
  EXPECT_EQ(v1.weights(), 3'132'036);
}

TEST(DartsNetwork, ShapesAtCellBoundaries) {
  const Graph g = darts_v2_network();
  EXPECT_EQ(shape(layer(g, "stem").out), "108x32x32");
  for (int i = 0; i < 20; ++i) {
    const std::string expected = i < 6 ? "144x32x32" : i < 13 ? "288x16x16" : "576x8x8";
    EXPECT_EQ(shape(layer(g, "cells." + std::to_string(i) + ".concat").out), expected) << i;
  }
  EXPECT_EQ(shape(layer(g, "gap").out), "576x1x1");
  const Layer& fc = layer(g, "classifier");
  EXPECT_EQ(fc.op, OpKind::fc);
  EXPECT_EQ(fc.in.elements(), 576);
  EXPECT_EQ(shape(fc.out), "10x1x1");
  EXPECT_EQ(g.layers.back().name, "classifier");
  // no BN, no auxiliary head
  for (const auto& l : g.layers) EXPECT_EQ(l.name.find("aux"), std::string::npos);
}

TEST(DartsNetwork, LayerNamesAndSharedRelu) {
  const Graph g = darts_v2_network();
  // node 2 = sep3(s0) + sep3(s1); node 3 = sep3(s0) + sep3(s1): edges 0, 1, 2, 3
  for (const char* n : {"cells.0.pre0.relu",
                        "cells.0.pre0.conv",
                        "cells.0.pre1.relu",
                        "cells.0.pre1.conv",
                        "cells.0.relu0",
                        "cells.0.relu1",
                        "cells.0.relu2",
                        "cells.0.edge0.sep_conv_3x3.dw1",
                        "cells.0.edge0.sep_conv_3x3.pw1",
                        "cells.0.edge0.sep_conv_3x3.relu",
                        "cells.0.edge0.sep_conv_3x3.dw2",
                        "cells.0.edge0.sep_conv_3x3.pw2",
                        "cells.0.edge3.sep_conv_3x3.pw2",
                        "cells.0.edge11.dil_conv_3x3.dw",
                        "cells.0.edge11.dil_conv_3x3.pw",
                        "cells.0.node2",
                        "cells.0.node5",
                        "cells.0.concat",
                        "cells.6.edge0.max_pool_3x3.pool",
                        "cells.6.node2",
                        "gap",
                        "classifier"}) {
    EXPECT_TRUE(has(g, n)) << n;
  }
  // one ReLU per state per cell: both sep convs reading s0 read cells.0.relu0
  const int relu0 = g.index_of("cells.0.relu0");
  EXPECT_EQ(layer(g, "cells.0.edge0.sep_conv_3x3.dw1").inputs, std::vector<int>{relu0});
  EXPECT_EQ(layer(g, "cells.0.edge2.sep_conv_3x3.dw1").inputs, std::vector<int>{relu0});
  EXPECT_EQ(layer(g, "cells.0.relu0").inputs, std::vector<int>{g.index_of("cells.0.pre0.conv")});
  // node 4 = sep3(s1) + skip(s0): the identity skip is the state itself, no layer
  EXPECT_EQ(layer(g, "cells.0.node4").inputs, (std::vector<int>{g.index_of("cells.0.edge6.sep_conv_3x3.pw2"),
                                                                g.index_of("cells.0.pre0.conv")}));
  EXPECT_FALSE(has(g, "cells.0.edge5.skip_connect.fr.relu"));
  // layer kinds and parameters of the ops
  const Layer& dw = layer(g, "cells.0.edge0.sep_conv_3x3.dw1");
  EXPECT_EQ(dw.groups, 36);
  EXPECT_EQ(dw.kernel_h, 3);
  EXPECT_EQ(dw.pad, 1);
  const Layer& dil = layer(g, "cells.0.edge11.dil_conv_3x3.dw");
  EXPECT_EQ(dil.dilation, 2);
  EXPECT_EQ(dil.pad, 2);
  EXPECT_EQ(shape(dil.out), "36x32x32");
  for (const auto& l : g.layers) EXPECT_TRUE(l.site.empty()) << l.name;  // only the hypernet builder sets it
}

TEST(DartsNetwork, StrideRuleInReductionCells) {
  const Graph g = pdarts_network();
  // P-DARTS reduce: node 2 = avg(s0) + sep5(s1); node 3 = sep3(s0) + dil5(node 2); node 4 = max(s0) +
  // dil3(s1); node 5 = dil3(s1) + dil5(node 3). Edges from s0/s1 stride 2, from nodes stride 1.
  const Layer& avg = layer(g, "cells.6.edge0.avg_pool_3x3.pool");
  EXPECT_EQ(avg.stride, 2);
  EXPECT_EQ(shape(avg.in), "72x32x32");
  EXPECT_EQ(shape(avg.out), "72x16x16");
  EXPECT_EQ(layer(g, "cells.6.edge1.sep_conv_5x5.dw1").stride, 2);
  EXPECT_EQ(layer(g, "cells.6.edge1.sep_conv_5x5.dw1").pad, 2);
  EXPECT_EQ(layer(g, "cells.6.edge1.sep_conv_5x5.dw2").stride, 1);
  EXPECT_EQ(layer(g, "cells.6.edge2.sep_conv_3x3.dw1").stride, 2);
  const Layer& d5 = layer(g, "cells.6.edge4.dil_conv_5x5.dw");  // from node 2: stride 1, pad 4, dilation 2
  EXPECT_EQ(d5.stride, 1);
  EXPECT_EQ(d5.pad, 4);
  EXPECT_EQ(d5.dilation, 2);
  EXPECT_EQ(shape(d5.in), "72x16x16");
  EXPECT_EQ(shape(d5.out), "72x16x16");
  EXPECT_EQ(layer(g, "cells.13.edge6.dil_conv_3x3.dw").stride, 2);
  EXPECT_EQ(layer(g, "cells.13.edge12.dil_conv_5x5.dw").stride, 1);
  // the same ops in a normal cell have stride 1
  EXPECT_EQ(layer(g, "cells.0.edge3.sep_conv_3x3.dw1").stride, 1);
}

namespace {

// Normal cell of sep convs; the reduction cell given.
Genotype with_reduce(const std::string& reduce, const std::string& reduce_concat = "[2, 3, 4, 5]") {
  return parse(
      "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
      "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
      "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=" +
      reduce + ", reduce_concat=" + reduce_concat + ")");
}

}  // namespace

TEST(DartsNetwork, SkipAtStrideTwoIsFactorizedReduce) {
  const Graph g = build_network_cifar(
      with_reduce("[('skip_connect', 0), ('skip_connect', 1), ('skip_connect', 2), ('skip_connect', 1), "
                  "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)]"),
      {}, "skips");
  // edge 0 (s0 -> node 2) in cell 6: relu, two 1x1 stride-2 convs 72 -> 36 on the same relu, concat
  const std::string p = "cells.6.edge0.skip_connect.fr.";
  const int relu = g.index_of(p + "relu");
  ASSERT_GE(relu, 0);
  EXPECT_EQ(layer(g, p + "relu").inputs, std::vector<int>{g.index_of("cells.6.pre0.conv")});
  for (const char* part : {"conv1", "conv2"}) {
    const Layer& c = layer(g, p + part);
    EXPECT_EQ(c.inputs, std::vector<int>{relu});
    EXPECT_EQ(c.stride, 2);
    EXPECT_EQ(c.kernel_h, 1);
    EXPECT_EQ(shape(c.in), "72x32x32");
    EXPECT_EQ(shape(c.out), "36x16x16");
  }
  EXPECT_EQ(shape(layer(g, p + "concat").out), "72x16x16");
  EXPECT_TRUE(has(g, "cells.13.edge3.skip_connect.fr.conv2"));  // s1 -> node 3
  EXPECT_FALSE(has(g, "cells.6.edge4.skip_connect.fr.relu"));   // node 2 -> node 3: identity
  // three FR edges (C^2 each) per reduction cell on top of the V2 network's reduction cells (no weights)
  EXPECT_EQ(g.weights(), darts_v2_network().weights() + 3 * 72 * 72 + 3 * 144 * 144);
}

TEST(DartsNetwork, FactorizedReducePreprocessingAfterAReductionCell) {
  const Graph g = darts_v2_network();
  // cell 7's s0 is cell 5's output (144x32x32): FactorizedReduce(144, 72)
  for (const char* part : {"conv1", "conv2"}) {
    const Layer& c = layer(g, std::string("cells.7.pre0.") + part);
    EXPECT_EQ(c.stride, 2);
    EXPECT_EQ(shape(c.in), "144x32x32");
    EXPECT_EQ(shape(c.out), "36x16x16");
  }
  EXPECT_EQ(shape(layer(g, "cells.7.pre0.concat").out), "72x16x16");
  EXPECT_EQ(shape(layer(g, "cells.7.pre1.conv").out), "72x16x16");
  EXPECT_FALSE(has(g, "cells.7.pre0.conv"));
  EXPECT_TRUE(has(g, "cells.14.pre0.conv1"));
  // elsewhere ReLUConvBN: a 1x1 conv, stride 1
  for (int i : {0, 1, 6, 8, 13, 15}) {
    EXPECT_TRUE(has(g, "cells." + std::to_string(i) + ".pre0.conv")) << i;
    EXPECT_FALSE(has(g, "cells." + std::to_string(i) + ".pre0.conv1")) << i;
  }
  EXPECT_EQ(shape(layer(g, "cells.6.pre0.conv").in), "144x32x32");
  EXPECT_EQ(shape(layer(g, "cells.6.pre0.conv").out), "72x32x32");
}

TEST(DartsNetwork, ZeroNodesAndTheirConsumers) {
  // node 2 fed by none alone: a zero layer. node 3 = sep3(node 2) + skip(s0): the sep reads a zero node, so
  // it is none too and node 3 is s0 itself. node 4 = sep3(node 2) + max(node 3): the pool alone. node 5 =
  // sep3(s1) + dil5(node 4): an add.
  const std::string cell =
      "[('none', 0), ('none', 1), ('sep_conv_3x3', 2), ('skip_connect', 0), ('sep_conv_3x3', 2), "
      "('max_pool_3x3', 3), ('sep_conv_3x3', 1), ('dil_conv_5x5', 4)]";
  const Graph g =
      build_network_cifar(parse("Genotype(normal=" + cell + ", normal_concat=[2, 3, 4, 5], reduce=" + cell +
                                ", reduce_concat=[2, 3, 4, 5])"),
                          {}, "zeros");
  const Layer& z = layer(g, "cells.0.node2");
  EXPECT_EQ(z.op, OpKind::zero);
  EXPECT_EQ(z.weights(), 0);
  EXPECT_EQ(z.macs(), 0);
  EXPECT_EQ(shape(z.out), "36x32x32");
  const Layer& zr = layer(g, "cells.6.node2");  // in a reduction cell: strided, 72x16x16
  EXPECT_EQ(zr.stride, 2);
  EXPECT_EQ(shape(zr.in), "72x32x32");
  EXPECT_EQ(shape(zr.out), "72x16x16");
  EXPECT_FALSE(has(g, "cells.0.edge4.sep_conv_3x3.dw1"));
  EXPECT_FALSE(has(g, "cells.0.relu2"));
  EXPECT_FALSE(has(g, "cells.0.node3"));
  EXPECT_FALSE(has(g, "cells.0.node4"));
  EXPECT_EQ(layer(g, "cells.0.edge8.max_pool_3x3.pool").inputs,
            std::vector<int>{g.index_of("cells.0.pre0.conv")});
  EXPECT_EQ(layer(g, "cells.0.node5").op, OpKind::add);
  // cell 6: node 3 = FactorizedReduce(s0) (skip at stride 2), the pool reads it at stride 1
  EXPECT_EQ(layer(g, "cells.6.edge8.max_pool_3x3.pool").stride, 1);
  EXPECT_EQ(layer(g, "cells.6.edge8.max_pool_3x3.pool").inputs,
            std::vector<int>{g.index_of("cells.6.edge2.skip_connect.fr.concat")});
  // the concat holds the zero node so the channel counts stay 4C
  const Layer& concat = layer(g, "cells.0.concat");
  EXPECT_EQ(concat.inputs.front(), g.index_of("cells.0.node2"));
  EXPECT_EQ(shape(concat.out), "144x32x32");
  EXPECT_EQ(shape(layer(g, "cells.19.concat").out), "576x8x8");
}

TEST(DartsNetwork, FullSpaceGenotypes) {
  // all none: every node is a zero layer; only stem, preprocessing and classifier hold weights
  std::string none = "[", sep = "[";
  for (int n = 2; n <= 5; ++n) {
    for (int k = 0; k < n; ++k) {
      none += (none.size() > 1 ? ", " : "") + std::string("('none', ") + std::to_string(k) + ")";
      sep += (sep.size() > 1 ? ", " : "") + std::string("('sep_conv_3x3', ") + std::to_string(k) + ")";
    }
  }
  none += "]";
  sep += "]";
  const Graph z =
      build_network_cifar(parse("Genotype(normal=" + none + ", normal_concat=[2, 3, 4, 5], reduce=" + none +
                                ", reduce_concat=[2, 3, 4, 5])"),
                          {}, "none");
  EXPECT_EQ(z.weights(), 2'916 + preprocessing_weights() + 5'760);
  for (int n = 2; n <= 5; ++n) EXPECT_EQ(layer(z, "cells.3.node" + std::to_string(n)).op, OpKind::zero);
  EXPECT_EQ(shape(layer(z, "cells.19.concat").out), "576x8x8");
  // all sep_conv_3x3 on all 14 edges: node n adds n inputs
  const Graph s =
      build_network_cifar(parse("Genotype(normal=" + sep + ", normal_concat=[2, 3, 4, 5], reduce=" + sep +
                                ", reduce_concat=range(2, 6))"),
                          {}, "sep");
  for (int n = 2; n <= 5; ++n)
    EXPECT_EQ(layer(s, "cells.6.node" + std::to_string(n)).inputs.size(), size_t(n));
  for (int e = 0; e < 14; ++e) EXPECT_TRUE(has(s, "cells.19.edge" + std::to_string(e) + ".sep_conv_3x3.pw2"));
  int64_t cells = 0;
  for (int i = 0; i < 20; ++i) cells += 14 * 2 * (9 * cell_c(i) + cell_c(i) * cell_c(i));
  EXPECT_EQ(s.weights(), 2'916 + preprocessing_weights() + cells + 5'760);
}

TEST(DartsNetwork, OptionsAndConcat) {
  DartsOptions o;
  o.c = 16;
  o.layers = 8;  // reductions at 2 and 5
  o.classes = 100;
  const Graph g = build_network_cifar(builtin_genotype("darts_v2"), o, "small");
  EXPECT_EQ(shape(layer(g, "cells.1.concat").out), "64x32x32");
  EXPECT_EQ(shape(layer(g, "cells.2.concat").out), "128x16x16");
  EXPECT_EQ(shape(layer(g, "cells.5.concat").out), "256x8x8");
  EXPECT_EQ(shape(layer(g, "classifier").out), "100x1x1");
  EXPECT_TRUE(has(g, "cells.3.pre0.conv1"));
  // a concat of two nodes: 2C channels, and the next cell's preprocessing reads 2C
  const Graph two =
      build_network_cifar(with_reduce("[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
                                      "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), "
                                      "('skip_connect', 2), ('max_pool_3x3', 1)]",
                                      "[4, 5]"),
                          {}, "two");
  EXPECT_EQ(shape(layer(two, "cells.6.concat").out), "144x16x16");
  EXPECT_EQ(shape(layer(two, "cells.7.pre1.conv").in), "144x16x16");
  // a reduction cell that concatenates s1 (not reduced) cannot work
  EXPECT_EQ(
      error_of([] {
        build_network_cifar(with_reduce("[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), "
                                        "('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), "
                                        "('skip_connect', 2), ('max_pool_3x3', 1)]",
                                        "[1, 2]"),
                            {}, "bad");
      }),
      "layer 'cells.6.concat': input 'cells.6.node2' has shape 72x16x16 but input 'cells.6.pre1.conv' has "
      "72x32x32 (concat needs equal height and width, CxHxW)");
  o.layers = 0;
  EXPECT_EQ(error_of([&] { build_network_cifar(builtin_genotype("darts_v2"), o, "x"); }),
            "DARTS options c 16, layers 0, classes 100, input_size 32 must all be positive");
}

TEST(DartsNetwork, LoaderBuiltinsFilesAndText) {
  EXPECT_EQ(load_network("darts_v2").weights(), 3'308'940);
  EXPECT_EQ(load_network("pdarts").weights(), 3'392'964);
  EXPECT_EQ(load_network("darts_v1").name, "darts_v1");
  const std::string dir = std::string(CIMSIM_SOURCE_DIR) + "/workloads/genotypes/";
  const Graph f = load_network(dir + "pdarts.genotype");
  EXPECT_EQ(f.name, "pdarts");
  EXPECT_EQ(f.layers.size(), pdarts_network().layers.size());
  EXPECT_EQ(f.weights(), pdarts_network().weights());
  EXPECT_EQ(f.macs(), pdarts_network().macs());
  EXPECT_EQ(error_of([] { load_network("/nonexistent/x.genotype"); }), "cannot open /nonexistent/x.genotype (No such file or directory)");
  // parse errors name the file
  const std::string bad = testing::TempDir() + "bad_net.genotype";
  std::ofstream(bad) << "# a comment\nGenotype(normal=[('sep_conv_9x9', 0)])\n";
  EXPECT_EQ(error_of([&] {
              load_network(bad);
            }).rfind(bad + ":2:19: unknown primitive 'sep_conv_9x9'; allowed: ", 0),
            0u);
  const Graph t = network_from_genotype_text(builtin_genotypes()[1].text, {});
  EXPECT_EQ(t.name, "DARTS_V2");
  EXPECT_EQ(t.weights(), 3'308'940);
  std::string unnamed = builtin_genotypes()[1].text;
  unnamed = unnamed.substr(unnamed.find("Genotype"));
  EXPECT_EQ(network_from_genotype_text(unnamed, {}).name, "genotype");
  EXPECT_EQ(error_of([] { network_from_genotype_text("Genotype(", {}); }),
            "genotype:1:10: expected a field name (normal, normal_concat, reduce, reduce_concat) or ')', got "
            "end of input");
  bool found = false;
  for (const auto& b : builtin_networks()) found |= std::string(b.name) == "pdarts";
  EXPECT_TRUE(found);
}

namespace {

int count_prefix(const Graph& g, const std::string& prefix) {
  int n = 0;
  for (const auto& l : g.layers) n += l.name.rfind(prefix, 0) == 0;
  return n;
}

// Sum over the 20 cells of 14 edges * f(C).
template <class F>
int64_t over_edges(F f) {
  int64_t total = 0;
  for (int i = 0; i < 20; ++i) total += 14 * f(cell_c(i));
  return total;
}

}  // namespace

TEST(DartsHypernet, EveryEdgeCarriesEveryCandidate) {
  const Graph u = build_hypernet_cifar({}, false);
  const Graph s = build_hypernet_cifar({}, true);
  EXPECT_EQ(u.name, "darts_hypernet");
  EXPECT_EQ(s.name, "darts_hypernet_shared");
  for (int cell : {0, 6, 7, 13, 19}) {
    const bool reduction = cell == 6 || cell == 13;
    for (int n = 2; n <= 5; ++n) {
      for (int from = 0; from < n; ++from) {
        const int e = edge_index(from, n);
        const std::string p = "cells." + std::to_string(cell) + ".edge" + std::to_string(e) + ".";
        const int fr = reduction && from < 2 ? 4 : 0;  // FactorizedReduce: relu, conv1, conv2, concat
        // sep 5 + 5, dil 2 + 2, max 1, avg 1, skip 0 or 4
        EXPECT_EQ(count_prefix(u, p), 16 + fr) << p;
        EXPECT_EQ(count_prefix(u, p + "sep_conv_3x3."), 5);
        EXPECT_EQ(count_prefix(u, p + "sep_conv_5x5."), 5);
        EXPECT_EQ(count_prefix(u, p + "dil_conv_3x3."), 2);
        EXPECT_EQ(count_prefix(u, p + "dil_conv_5x5."), 2);
        EXPECT_EQ(count_prefix(u, p + "max_pool_3x3."), 1);
        EXPECT_EQ(count_prefix(u, p + "avg_pool_3x3."), 1);
        EXPECT_EQ(count_prefix(u, p + "skip_connect."), fr);
        EXPECT_EQ(count_prefix(u, p + "none."), 0);
        // shared: dw1, pw1, relu, dw2, pw2 + the pools + skip
        EXPECT_EQ(count_prefix(s, p), 7 + fr) << p;
        EXPECT_EQ(count_prefix(s, p + "shared."), 5);
        EXPECT_EQ(count_prefix(s, p + "sep_conv_3x3."), 0);
        const Layer& dw1 = layer(s, p + "shared.dw1");
        EXPECT_EQ(dw1.kernel_h, 5);
        EXPECT_EQ(dw1.pad, 2);
        EXPECT_EQ(dw1.stride, reduction && from < 2 ? 2 : 1);
        EXPECT_EQ(dw1.groups, dw1.in.c);
      }
      // every edge contributes every candidate to the node: 7 per edge (shared: pw1, pw2, 2 pools, skip)
      const std::string node = "cells." + std::to_string(cell) + ".node" + std::to_string(n);
      EXPECT_EQ(layer(u, node).inputs.size(), size_t(7 * n));
      EXPECT_EQ(layer(s, node).inputs.size(), size_t(5 * n));
    }
    EXPECT_EQ(shape(layer(u, "cells." + std::to_string(cell) + ".concat").out),
              shape(layer(darts_v2_network(), "cells." + std::to_string(cell) + ".concat").out));
  }
}

TEST(DartsHypernet, SharingSavesWeightsByTheClosedForm) {
  const int64_t u = build_hypernet_cifar({}, false).weights();
  const int64_t s = build_hypernet_cifar({}, true).weights();
  // per edge, unshared: sep3 2(9C + C^2) + sep5 2(25C + C^2) + dil3 (9C + C^2) + dil5 (25C + C^2) = 102C +
  // 6C^2; shared: two stages of 5x5 depthwise + pointwise = 50C + 2C^2. Saved: 52C + 4C^2 per edge.
  EXPECT_EQ(u - s, over_edges([](int64_t c) { return 52 * c + 4 * c * c; }));
  // absolute: + stem, preprocessing, classifier, and C^2 for the skip's FR on the 8 stride-2 edges of the
  // two reduction cells
  const int64_t fixed = 2'916 + preprocessing_weights() + 5'760 + 8 * (72 * 72 + 144 * 144);
  EXPECT_EQ(u, fixed + over_edges([](int64_t c) { return 102 * c + 6 * c * c; }));
  EXPECT_EQ(s, fixed + over_edges([](int64_t c) { return 50 * c + 2 * c * c; }));
}

TEST(DartsHypernet, EveryGenotypeRunsOnSupergraphSites) {
  for (bool shared : {false, true}) {
    const Graph super = build_hypernet_cifar({}, shared);
    std::map<std::string, const Layer*> sites;
    for (const auto& l : super.layers) sites[l.name] = &l;
    std::mt19937_64 rng(shared ? 11 : 12);
    std::vector<Genotype> genotypes = {builtin_genotype("darts_v1"), builtin_genotype("darts_v2"),
                                       builtin_genotype("pdarts")};
    for (int i = 0; i < 200; ++i) genotypes.push_back(random_genotype(rng));
    for (const auto& gt : genotypes) {
      const Graph g = build_network_cifar_for_hypernet(gt, {}, shared, "g");
      EXPECT_EQ(g.weights(), build_network_cifar(gt, {}, "g").weights());
      for (const auto& l : g.layers) {
        ASSERT_FALSE(l.site.empty()) << l.name;
        const auto it = sites.find(l.site);
        ASSERT_NE(it, sites.end()) << to_string(gt) << ": " << l.name << " -> " << l.site;
        if (!shared) {
          EXPECT_EQ(l.site, l.name);
        }
        if (l.op != OpKind::conv) continue;
        // a conv runs on a conv array of the same channels and output, with a kernel at least as large
        const Layer& site = *it->second;
        ASSERT_EQ(site.op, OpKind::conv) << l.site;
        EXPECT_EQ(site.in, l.in) << l.name;
        EXPECT_EQ(site.out, l.out) << l.name;
        EXPECT_EQ(site.groups, l.groups) << l.name;
        EXPECT_GE(site.kernel_h, l.kernel_h) << l.name;
      }
    }
  }
  const Graph g = build_network_cifar_for_hypernet(builtin_genotype("pdarts"), {}, true, "p");
  EXPECT_EQ(layer(g, "cells.0.edge3.sep_conv_3x3.dw2").site, "cells.0.edge3.shared.dw2");
  EXPECT_EQ(layer(g, "cells.0.edge1.dil_conv_3x3.dw").site, "cells.0.edge1.shared.dw1");
  EXPECT_EQ(layer(g, "cells.0.edge1.dil_conv_3x3.pw").site, "cells.0.edge1.shared.pw1");
  EXPECT_EQ(layer(g, "cells.6.edge0.avg_pool_3x3.pool").site, "cells.6.edge0.avg_pool_3x3.pool");
  EXPECT_EQ(layer(g, "cells.0.node2").site, "cells.0.node2");
  // the supergraph's cells concatenate nodes 2..5
  EXPECT_EQ(error_of([] {
              build_network_cifar_for_hypernet(with_reduce("[('max_pool_3x3', 0), ('max_pool_3x3', 1), "
                                                           "('skip_connect', 2), ('max_pool_3x3', 1), "
                                                           "('max_pool_3x3', 0), ('skip_connect', 2), "
                                                           "('skip_connect', 2), ('max_pool_3x3', 1)]",
                                                           "[4, 5]"),
                                               {}, false, "x");
            }),
            "genotype '': the hypernetwork concatenates nodes 2, 3, 4, 5; reduce_concat is [4, 5]");
}
