// Transformers as workloads (docs/workloads.md, "Transformers"): the built-in ViT-B/16 and DeiT-Tiny have
// torchvision's and timm's weights less their biases, norms and embeddings (which are not on crossbars),
// and their MACs in closed form; the products of two activations run on the tile's matrix engines (or,
// without any, on its accumulate units), softmax, layer norm and GELU on the digital units, each with the
// op counts the formulas give; the matrix engine's cost is Horowitz's MAC at the operand widths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "models/components.hpp"
#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "workloads/builtins.hpp"
#include "workloads/network_yaml.hpp"

using namespace cimsim;
using namespace cimsim::testing;
using workloads::Graph;
using workloads::OpKind;

namespace {

struct Vit {
  int64_t dim, depth, heads, mlp, classes;
};
constexpr int64_t kTokens = 197, kPatches = 196;

// crossbar weights: patch embedding, Q, K, V, output and two MLP matrices per layer, the head
int64_t vit_weights(const Vit& v) {
  return v.dim * 3 * 16 * 16 + v.depth * (4 * v.dim * v.dim + 2 * v.dim * v.mlp) + v.dim * v.classes;
}
// attention products per layer: Q . K^T and A . V, each tokens x tokens x dim
int64_t vit_attention_macs(const Vit& v) { return v.depth * 2 * kTokens * kTokens * v.dim; }
int64_t vit_macs(const Vit& v) {
  return kPatches * v.dim * 3 * 16 * 16 + v.depth * kTokens * (4 * v.dim * v.dim + 2 * v.dim * v.mlp) +
         vit_attention_macs(v) + v.dim * v.classes;
}

const Vit kVitB16{768, 12, 12, 3072, 1000}, kDeitTiny{192, 12, 3, 768, 1000};

}  // namespace

// torchvision's vit_b_16 has 86,567,656 parameters: 86,292,480 weights in matrices plus 84,712 biases,
// 38,400 layer-norm scales and shifts, the 768-element class token and the 197 x 768 positional
// embedding. timm's deit_tiny_patch16_224: 5,717,416 = 5,647,872 + 21,928 + 9,600 + 192 + 37,824.
TEST(Transformers, VitAndDeitHaveTheirPublishedWeightsAndMacs) {
  const Graph vit = workloads::vit_b_16_network(), deit = workloads::deit_tiny_network();
  EXPECT_EQ(vit.weights(), vit_weights(kVitB16));
  EXPECT_EQ(vit.weights(), 86567656 - 84712 - 38400 - 768 - 197 * 768);
  EXPECT_EQ(vit.macs(), vit_macs(kVitB16));  // 17.56 G, torchvision's "17.56 GFLOPS"
  EXPECT_NEAR(double(vit.macs()) / 1e9, 17.56, 0.005);
  EXPECT_EQ(deit.weights(), vit_weights(kDeitTiny));
  EXPECT_EQ(deit.weights(), 5717416 - 21928 - 9600 - 192 - 197 * 192);
  EXPECT_EQ(deit.macs(), vit_macs(kDeitTiny));
  // the sequence: 197 tokens of 768 channels, attention scores of 12 heads x 197 keys per token
  const auto& scores = vit.layers[size_t(vit.index_of("encoder.layer_0.attn.scores"))];
  EXPECT_EQ(scores.out, (workloads::Shape{12 * 197, 197, 1}));
  EXPECT_EQ(vit.layers[size_t(vit.index_of("encoder.layer_0.attn.context"))].out, (workloads::Shape{768, 197, 1}));
  EXPECT_EQ(vit.layers.back().out, (workloads::Shape{1000, 1, 1}));
}

// The IR refuses operands that do not fit, naming the layer.
TEST(Transformers, MatmulShapesAreChecked) {
  Graph g;
  workloads::Layer in;
  in.name = "input";
  in.op = OpKind::input;
  in.out = {64, 10, 1};
  g.add(in);
  workloads::Layer k;
  k.name = "k";
  k.op = OpKind::constant;
  k.shape = {48, 10, 1};
  g.add(k);
  workloads::Layer mm;
  mm.name = "mm";
  mm.op = OpKind::matmul;
  mm.inputs = {0, 1};
  mm.groups = 4;
  mm.transpose_b = true;
  g.add(mm);
  try {
    g.infer_shapes();
    ADD_FAILURE() << "a 64-channel A against a 48-channel B was accepted";
  } catch (const workloads::NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'mm': A . B^T needs equal channels"), std::string::npos) << e.what();
  }
}

// With a matrix engine the attention products are its MACs; without one the accumulate units do them,
// one op per MAC; softmax, GELU and layer norm activate the closed-form number of elements either way.
TEST(Transformers, AttentionProductsRunOnTheMatrixEngine) {
  const auto dir = scratch_dir();
  const std::string with = write_text(dir / "with.yaml", "name: with\ntile: {matrix: {count: 1}, buffer: {size_kib: 512}}\n");
  const std::string without = write_text(dir / "without.yaml", "name: without\ntile: {buffer: {size_kib: 512}}\n");
  const auto a = run_json(dir, "with", "--hw " + with + " --net deit_tiny");
  const auto b = run_json(dir, "without", "--hw " + without + " --net deit_tiny");
  const double attention = double(vit_attention_macs(kDeitTiny));
  EXPECT_EQ(a["counts"]["matrix_mac"].get<double>(), attention);
  EXPECT_EQ(a["provisioning"]["attention_products"]["unit"], "matrix");
  EXPECT_EQ(b["provisioning"]["attention_products"]["unit"], "accumulate");
  EXPECT_EQ(a["provisioning"]["attention_products"]["macs_per_inference"].get<double>(), attention);
  EXPECT_EQ(b["counts"]["matrix_mac"].get<double>(), 0.0);
  EXPECT_EQ(b["counts"]["accumulate_op"].get<double>() - a["counts"]["accumulate_op"].get<double>(), attention);
  // activations: softmax's exponentials (12 layers x 3 heads x 197 x 197), GELU (12 x 768 x 197) and one
  // 1/sqrt per token of each of the 25 layer norms
  const double activations = 12.0 * 3 * 197 * 197 + 12.0 * 768 * 197 + 25.0 * 197;
  EXPECT_EQ(a["counts"]["activation_op"].get<double>(), activations);
  EXPECT_EQ(b["counts"]["activation_op"].get<double>(), activations);
  // the engine costs what its MACs and its leakage cost, and area only where it exists
  EXPECT_GT(a["energy_pj"]["breakdown"]["matrix"].get<double>(), 0.0);
  EXPECT_EQ(b["energy_pj"]["breakdown"]["matrix"].get<double>(), 0.0);
  EXPECT_GT(a["area_mm2"]["breakdown"]["matrix"].get<double>(), 0.0);
  EXPECT_EQ(b["area_mm2"]["breakdown"]["matrix"].get<double>(), 0.0);
  // 64 MAC lanes do the products faster than 4 accumulate units of one lane
  EXPECT_LT(a["latency"]["ns"].get<double>(), b["latency"]["ns"].get<double>());
}

// Horowitz, ISSCC 2014 (45 nm): an 8-bit multiply 0.2 pJ and 282 um2, an 8-bit add 0.03 pJ and 36 um2;
// at 45 nm the node factors cancel: one lane of 8-bit operands into a 24-bit sum is 0.2 + 0.09 pJ.
TEST(Transformers, MatrixEngineCostIsHorowitzsMac) {
  for (int bits : {4, 8, 16}) {
    const auto hw = models::parse_hardware("name: m\ntechnology: {node_nm: 45}\nprecision: {activation_bits: " +
                                               std::to_string(bits) + ", partial_sum_bits: 24}\n"
                                               "tile: {matrix: {count: 1, ops_per_cycle: 16}}\n",
                                           "m.yaml");
    const auto e = models::matrix_estimate(hw);
    const double m = bits / 8.0;
    EXPECT_NEAR(e.cost.energy_pj, 0.2 * m * m + 0.03 * 3, 1e-9) << bits;
    EXPECT_NEAR(e.cost.area_um2, 16 * (282 * m * m + 36 * 3), 1e-6) << bits;
    EXPECT_GT(e.cost.leakage_mw, 0.0);
  }
}

// A transformer written in YAML (workloads/nets/tf_tiny.yaml): 16 patches of 8x8x3 and a class token, 64
// wide, 4 heads; MACs in closed form: patch conv 16 x 64 x 192, Q/K/V/out and MLP per token (17 tokens),
// the two attention products 17 x 17 x 64 each, the head 64 x 10.
TEST(Transformers, AYamlNetworkTakesTheTransformerOps) {
  const Graph g = workloads::load_network_yaml("workloads/nets/tf_tiny.yaml");
  const int64_t proj = 4 * 64 * 64 + 2 * 64 * 128;
  EXPECT_EQ(g.weights(), 64 * 192 + proj + 64 * 10);
  EXPECT_EQ(g.macs(), 16 * 64 * 192 + 17 * proj + 2 * 17 * 17 * 64 + 64 * 10);
  EXPECT_EQ(g.layers[size_t(g.index_of("seq"))].out, (workloads::Shape{64, 17, 1}));
  EXPECT_EQ(g.layers[size_t(g.index_of("scores"))].out, (workloads::Shape{4 * 17, 17, 1}));
  const auto error = [](const std::string& layer) {
    return error_of([&] {
      workloads::parse_network_yaml("input: {channels: 8, height: 4, width: 1}\nlayers:\n" + layer, "t.yaml", "t");
    });
  };
  EXPECT_EQ(error("  - {op: constant, shape: [8, 1, 1], inputs: [input]}\n"),
            "t.yaml:3:46: a constant takes no inputs");
  EXPECT_EQ(error("  - {op: reshape, shape: [8, 4]}\n"), "t.yaml:3:26: 'shape' must be [channels, height, width]");
  EXPECT_EQ(error("  - {op: matmul, transpose_b: yes, inputs: [input, input]}\n"),
            "t.yaml:3:31: 'transpose_b' must be true or false");
  EXPECT_NE(error("  - {op: reshape, shape: [8, 2, 1]}\n").find("changes the element count"), std::string::npos);
}

// A constant that does not fit its tile's buffer stays off-chip: each pull reads it from there, and the
// off-chip traffic is the input, the output, the spills and those reads.
TEST(Transformers, AConstantWithoutRoomIsReadFromOffChip) {
  const auto dir = scratch_dir();
  const std::string net = write_text(dir / "c.yaml",
                                     "input: {channels: 64, height: 64, width: 1}\nlayers:\n"
                                     "  - {name: pos, op: constant, shape: [64, 64, 1]}\n"
                                     "  - {name: a, op: add, inputs: [input, pos]}\n");
  const std::string hw = write_text(dir / "b.yaml", "name: b\nprecision: {activation_bits: 8}\ntile: {buffer: {size_kib: 2}}\n");
  const auto j = run_json(dir, "c", "--hw " + hw + " --net " + net);
  const auto& b = j["buffer"];
  EXPECT_NE(std::find(b["streamed_windows"].begin(), b["streamed_windows"].end(), "pos"), b["streamed_windows"].end());
  EXPECT_GE(b["spill_read_bits"].get<double>(), 64.0 * 64 * 8);  // the whole constant, read once at least
  EXPECT_DOUBLE_EQ(j["counts"]["offchip_bit"].get<double>(),
                   b["input_fetch_bits"].get<double>() + 64.0 * 64 * 8 /* output */ + b["spilled_bits"].get<double>() +
                       b["spill_read_bits"].get<double>());
}

// Attention written into crossbars takes its spare crossbars from a --crossbars budget, not from beyond it.
TEST(Transformers, SpareCrossbarsComeFromTheBudget) {
  const auto dir = scratch_dir();
  const std::string hw = write_text(dir / "x.yaml", "name: x\ntile: {matrix: {mode: crossbar}}\n");
  const auto used = run_json(dir, "x", "--hw " + hw + " --net workloads/nets/tf_tiny.yaml");
  const int weights = used["utilization"]["crossbars_used"].get<int>();
  const auto r = shell(dir, std::string(CIMSIM_BINARY) + " run -q --hw " + hw +
                                " --net workloads/nets/tf_tiny.yaml --crossbars " + std::to_string(weights));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("0 spare (" + std::to_string(weights) + " crossbars in the --crossbars budget"), std::string::npos)
      << r.err;
}
