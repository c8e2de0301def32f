// Transformers as exporters write them, imported by workloads/onnx_loader: token sequences [1, T, D] as
// C = D x H = T, per-token projections (MatMul/Gemm by an initializer) as 1x1 convs, attention's products of
// two activations as matmul layers with heads, softmax over the innermost channel part, LayerNormalization
// and its decomposition as one layer_norm, GELU (op or erf form) as one gelu, the class token and the
// positional embedding as constants, and a packed Q/K/V projection split by its Slices into three convs.
// Each model is written here with the protobuf API; expectations are closed forms of the ViT encoder.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "workloads/onnx_loader.hpp"
#include "run_util.hpp"

using namespace cimsim::workloads;
using cimsim::testing::error_of;

namespace {

using Ints = std::vector<int64_t>;

// A graph written node by node: each call appends one node and returns its output's name.
class Net {
 public:
  explicit Net(Shape input, int opset = 17) {
    auto* version = model_.add_opset_import();
    version->set_domain("");
    version->set_version(opset);
    g_ = model_.mutable_graph();
    auto* x = g_->add_input();
    x->set_name("x");
    auto* type = x->mutable_type()->mutable_tensor_type();
    type->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t v : {1, input.c, input.h, input.w}) type->mutable_shape()->add_dim()->set_dim_value(v);
  }
  // A float tensor of `dims` (values: `fill`), as an initializer.
  std::string init(const Ints& dims, float fill = 0.f) {
    auto* t = g_->add_initializer();
    t->set_name("w" + std::to_string(g_->initializer_size()));
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (int64_t k = 0; k < n; ++k) t->add_float_data(fill);
    return t->name();
  }
  std::string scalar(float v) { return init({}, v); }
  std::string index(int64_t v) {  // an int64 scalar
    const std::string name = shape({v});
    g_->mutable_initializer(g_->initializer_size() - 1)->clear_dims();
    return name;
  }
  std::string shape(const Ints& v) {
    auto* t = g_->add_initializer();
    t->set_name("s" + std::to_string(g_->initializer_size()));
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(int64_t(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
    return t->name();
  }
  // A node `op` reading `inputs`, named `name` (default: op and a counter); integer attributes `ints`.
  std::string op(const std::string& type, const std::vector<std::string>& inputs, const std::string& name = "",
                 const std::map<std::string, Ints>& ints = {}, int outputs = 1) {
    auto* n = g_->add_node();
    n->set_op_type(type);
    n->set_name(name.empty() ? type + "_" + std::to_string(g_->node_size()) : name);
    for (const auto& i : inputs) n->add_input(i);
    for (int k = 0; k < outputs; ++k) n->add_output(n->name() + (k ? "_" + std::to_string(k) : "") + ":0");
    for (const auto& [key, values] : ints) {
      auto* a = n->add_attribute();
      a->set_name(key);
      if (key == "perm" || key == "axes" || key == "split" || key == "strides") {
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : values) a->add_ints(v);
      } else {
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(values.at(0));
      }
    }
    return n->output(0);
  }
  std::string transpose(const std::string& x, const Ints& perm, const std::string& name = "") {
    return op("Transpose", {x}, name, {{"perm", perm}});
  }
  std::string reshape(const std::string& x, const Ints& to, const std::string& name = "") {
    return op("Reshape", {x, shape(to)}, name);
  }
  // A projection x . W + b of a token sequence (torch's Linear on [1, T, D]).
  std::string linear(const std::string& x, int64_t in, int64_t out, const std::string& name) {
    return op("Add", {op("MatMul", {x, init({in, out})}, name), init({out})}, name + "/bias");
  }
  Graph load() const { return from_onnx(model_, "net.onnx"); }
  std::string error() const {
    return error_of([&] { from_onnx(model_, "net.onnx"); });
  }

 private:
  onnx::ModelProto model_;
  onnx::GraphProto* g_ = nullptr;
};

std::map<OpKind, int> census(const Graph& g) {
  std::map<OpKind, int> n;
  for (const auto& l : g.layers) ++n[l.op];
  return n;
}
const Layer& named(const Graph& g, const std::string& name) {
  const int i = g.index_of(name);
  EXPECT_GE(i, 0) << "no layer " << name;
  return g.layers.at(size_t(i < 0 ? 0 : i));
}

// The ViT of the tests: 3 x 8 x 8 images, 4 x 4 patches (4 tokens and the class token), D = 16, 2 heads of 8,
// MLP 32, 10 classes.
constexpr int64_t D = 16, heads = 2, d = D / heads, T = 5, mlp = 32, classes = 10;

// Patch embedding as torchvision writes it: Conv, Reshape to [1, D, 4], Transpose to [1, 4, D], the class
// token (an initializer) concatenated along the tokens, the positional embedding added.
std::string embed(Net& n) {
  auto conv = n.op("Conv", {"x", n.init({D, 3, 4, 4})}, "conv_proj", {{"strides", {4, 4}}});
  auto seq = n.transpose(n.reshape(conv, {1, D, 4}, "patches"), {0, 2, 1}, "tokens_view");
  auto cat = n.op("Concat", {n.init({1, 1, D}), seq}, "tokens", {{"axis", {1}}});
  return n.op("Add", {cat, n.init({1, T, D})}, "embed");
}

// GELU as exported before opset 20: x * (1 + erf(x / sqrt 2)) * 0.5
std::string erf_gelu(Net& n, const std::string& x, const std::string& name) {
  auto e = n.op("Erf", {n.op("Div", {x, n.scalar(1.4142135f)}, name + "/div")}, name + "/erf");
  auto plus = n.op("Add", {e, n.scalar(1.f)}, name + "/add");
  return n.op("Mul", {n.op("Mul", {x, plus}, name), n.scalar(0.5f)}, name + "/half");
}

// Multi-head self-attention as Hugging Face and timm write it: separate Q, K, V projections, heads by
// Reshape [1, T, h, d] and Transpose, K transposed to [1, h, d, T], scores scaled by 1/sqrt(d).
std::string attention_split_heads(Net& n, const std::string& x, const std::string& p) {
  auto heads_of = [&](const std::string& t, const Ints& perm, const std::string& name) {
    return n.transpose(n.reshape(t, {1, T, heads, d}), perm, name);
  };
  auto q = heads_of(n.linear(x, D, D, p + "q"), {0, 2, 1, 3}, p + "q_heads");
  auto k = heads_of(n.linear(x, D, D, p + "k"), {0, 2, 3, 1}, p + "k_heads_t");
  auto v = heads_of(n.linear(x, D, D, p + "v"), {0, 2, 1, 3}, p + "v_heads");
  auto s = n.op("Div", {n.op("MatMul", {q, k}, p + "scores"), n.scalar(std::sqrt(float(d)))}, p + "scale");
  auto a = n.op("MatMul", {n.op("Softmax", {s}, p + "softmax", {{"axis", {-1}}}), v}, p + "context");
  auto merged = n.reshape(n.transpose(a, {0, 2, 1, 3}), {1, T, D});
  return n.linear(merged, D, D, p + "out_proj");
}

// The same as torch 1.13's nn.MultiheadAttention exports it (torchvision's ViT): sequence-first [T, 1, D],
// one packed in-projection [D, 3D] whose Slices take Q, K, V, heads as [h, T, d], the output projection a
// Gemm on [T, D].
std::string attention_packed(Net& n, const std::string& x, const std::string& p) {
  auto seq = n.transpose(x, {1, 0, 2});
  auto qkv = n.linear(seq, D, 3 * D, p + "in_proj");
  auto third = [&](int64_t k, const Ints& perm, const std::string& name) {
    auto s = n.op("Slice", {qkv, n.shape({k * D}), n.shape({(k + 1) * D}), n.shape({-1})}, name);
    return n.transpose(n.reshape(s, {T, heads, d}), perm);
  };
  auto q = n.op("Div", {third(0, {1, 0, 2}, p + "q"), n.scalar(std::sqrt(float(d)))});
  auto k = third(1, {1, 2, 0}, p + "k");
  auto v = third(2, {1, 0, 2}, p + "v");
  auto a = n.op("MatMul", {n.op("Softmax", {n.op("MatMul", {q, k}, p + "scores")}, p + "softmax", {{"axis", {-1}}}), v},
                p + "context");
  auto flat = n.reshape(n.transpose(a, {1, 0, 2}), {T, D});
  auto out = n.op("Gemm", {flat, n.init({D, D}), n.init({D})}, p + "out_proj", {{"transB", {1}}});
  return n.transpose(n.reshape(out, {T, 1, D}), {1, 0, 2});
}

// A pre-norm encoder block (LN, attention, residual; LN, MLP with GELU, residual), then the final LN, the
// class token's row and the head.
void vit(Net& n, bool packed) {
  auto x = embed(n);
  auto ln1 = n.op("LayerNormalization", {x, n.init({D}, 1.f), n.init({D})}, "ln_1", {{"axis", {-1}}});
  auto att = packed ? attention_packed(n, ln1, "attn.") : attention_split_heads(n, ln1, "attn.");
  auto x1 = n.op("Add", {att, x}, "add_1");
  auto ln2 = n.op("LayerNormalization", {x1, n.init({D}, 1.f), n.init({D})}, "ln_2", {{"axis", {-1}}});
  auto h = erf_gelu(n, n.linear(ln2, D, mlp, "mlp.fc1"), "mlp.gelu");
  auto x2 = n.op("Add", {n.linear(h, mlp, D, "mlp.fc2"), x1}, "add_2");
  auto ln = n.op("LayerNormalization", {x2, n.init({D}, 1.f), n.init({D})}, "ln", {{"axis", {-1}}});
  auto cls = n.op("Gather", {ln, n.index(0)}, "class_out", {{"axis", {1}}});
  n.op("Gemm", {cls, n.init({classes, D}), n.init({classes})}, "head", {{"transB", {1}}});
}

}  // namespace

// ---- the encoder ---------------------------------------------------------------------------------------------

TEST(OnnxTransformers, AViTEncoderBlockHasTheClosedFormWeightsAndMacs) {
  for (bool packed : {false, true}) {
    SCOPED_TRACE(packed ? "packed in-projection (torch 1.13 MultiheadAttention)" : "separate Q, K, V");
    Net n(Shape{3, 8, 8});
    vit(n, packed);
    const Graph g = n.load();
    const int64_t tokens = 4;
    const int64_t weights = D * 3 * 16 + 4 * D * D + 2 * D * mlp + classes * D;
    // the patch convolution per patch; per token the four projections and the MLP; Q . K^T and A . V:
    // T x T x d per head each; the head once
    const int64_t macs = tokens * D * 3 * 16 + T * (4 * D * D + 2 * D * mlp) + 2 * T * T * D + classes * D;
    EXPECT_EQ(g.weights(), weights);
    EXPECT_EQ(g.macs(), macs);
    auto ops = census(g);
    EXPECT_EQ(ops[OpKind::conv], 7);  // patch, Q, K, V, out, fc1, fc2
    EXPECT_EQ(ops[OpKind::matmul], 2);
    EXPECT_EQ(ops[OpKind::softmax], 1);
    EXPECT_EQ(ops[OpKind::layer_norm], 3);
    EXPECT_EQ(ops[OpKind::gelu], 1);
    EXPECT_EQ(ops[OpKind::constant], 2);  // class token, positional embedding
    EXPECT_EQ(ops[OpKind::add], 3);       // positional embedding, two residuals
    EXPECT_EQ(ops[OpKind::reshape], 1);   // the patch grid re-read as a row of tokens: addressing
    EXPECT_EQ(ops[OpKind::scale_shift], 0);
    EXPECT_EQ(ops[OpKind::erf], 0);
    EXPECT_EQ(g.layers.size(), 1u + 7 + 2 + 1 + 3 + 1 + 2 + 1 + 3 + 1 + 1 + 1);  // + concat, slice, fc
    for (const auto& l : g.layers) {
      if (l.op == OpKind::reshape) {
        EXPECT_FALSE(l.copy) << l.name;
      }
    }
    const Layer& scores = named(g, "attn.scores");
    EXPECT_EQ(scores.groups, heads);
    EXPECT_TRUE(scores.transpose_b);
    EXPECT_EQ(scores.out, (Shape{int(heads * T), int(T), 1}));
    const Layer& softmax = named(g, "attn.softmax");
    EXPECT_EQ(softmax.groups, heads);
    const Layer& context = named(g, "attn.context");
    EXPECT_FALSE(context.transpose_b);
    EXPECT_EQ(context.out, (Shape{int(D), int(T), 1}));
    EXPECT_EQ(named(g, "tokens").axis, 1);
    EXPECT_EQ(named(g, "tokens").out, (Shape{int(D), int(T), 1}));
    EXPECT_EQ(named(g, "class_out").out, (Shape{int(D), 1, 1}));
    EXPECT_EQ(named(g, "head").op, OpKind::fc);
    EXPECT_EQ(named(g, "mlp.gelu").op, OpKind::gelu);
  }
}

// One head's scores of a sequence with itself (no head axis); what does not fit is named.
TEST(OnnxTransformers, ProductsOfTwoActivations) {
  Net n(Shape{3, 8, 8});
  auto x = embed(n);
  auto s = n.op("MatMul", {x, n.transpose(x, {0, 2, 1}, "x_t")}, "scores");
  n.op("MatMul", {n.op("Softmax", {s}, "softmax", {{"axis", {-1}}}), x}, "context");
  const Graph g = n.load();
  EXPECT_TRUE(named(g, "scores").transpose_b);
  EXPECT_EQ(named(g, "scores").groups, 1);
  EXPECT_EQ(named(g, "scores").out, (Shape{int(T), int(T), 1}));
  EXPECT_FALSE(named(g, "context").transpose_b);
  EXPECT_EQ(named(g, "context").out, (Shape{int(D), int(T), 1}));
  EXPECT_EQ(g.macs() - named(g, "conv_proj").macs(), 2 * T * T * D);

  Net bad(Shape{3, 8, 8});
  auto y = embed(bad);
  bad.op("MatMul", {y, y}, "square");
  EXPECT_EQ(bad.error(), "net.onnx: node 'square' (MatMul): A [1, 5, 16] as (1, H, C) . B [1, 5, 16] as (1, H, C): A's "
                         "last axis 16 is not B's second last 5 (supported: per head, A's rows x its innermost channels "
                         "times B's innermost channels x rows or rows x innermost channels)");
  Net wrong(Shape{3, 8, 8});  // a class token of the wrong width
  auto conv = wrong.op("Conv", {"x", wrong.init({D, 3, 4, 4})}, "conv_proj", {{"strides", {4, 4}}});
  auto seq = wrong.transpose(wrong.reshape(conv, {1, D, 4}), {0, 2, 1});
  wrong.op("Concat", {wrong.init({1, 1, 8}), seq}, "tokens", {{"axis", {1}}});
  EXPECT_EQ(wrong.error(), "net.onnx: node 'tokens' (Concat): constant 'w3' of [1, 1, 8] does not match [1, 4, 16] as "
                           "(1, H, C) off the axis");
}

// ---- the pieces ----------------------------------------------------------------------------------------------

TEST(OnnxTransformers, TheDecomposedLayerNormIsOneLayerNorm) {
  for (int opset : {11, 13, 17}) {
    SCOPED_TRACE("opset " + std::to_string(opset));
    Net n(Shape{3, 8, 8}, opset);
    auto x = embed(n);
    // torch's LayerNorm before opset 17: ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div, Mul, Add
    auto mean = n.op("ReduceMean", {x}, "mean", {{"axes", {-1}}});
    auto centered = n.op("Sub", {x, mean}, "sub");
    auto var = n.op("ReduceMean", {n.op("Pow", {centered, n.scalar(2.f)}, "pow")}, "var", {{"axes", {-1}}});
    auto dev = n.op("Sqrt", {n.op("Add", {var, n.scalar(1e-5f)}, "eps")}, "sqrt");
    auto norm = n.op("Div", {centered, dev}, "ln");
    n.op("Relu", {n.op("Add", {n.op("Mul", {norm, n.init({D}, 1.f)}, "gamma"), n.init({D})}, "beta")}, "relu");
    const Graph g = n.load();
    auto ops = census(g);
    EXPECT_EQ(ops[OpKind::layer_norm], 1);
    EXPECT_EQ(ops[OpKind::scale_shift], 0);  // gamma and beta are the layer norm's
    EXPECT_EQ(g.layers.back().op, OpKind::relu);
    EXPECT_EQ(g.layers.back().inputs, std::vector<int>{g.index_of("ln")});
    EXPECT_EQ(named(g, "ln").out, (Shape{int(D), int(T), 1}));
  }
  Net bad(Shape{3, 8, 8});  // a piece read on its own: named
  auto x = embed(bad);
  bad.op("Relu", {bad.op("ReduceMean", {x}, "mean", {{"axes", {-1}}})}, "relu");
  EXPECT_EQ(bad.error(), "net.onnx: node 'relu' (Relu): reads 'mean:0', a piece of a layer norm's decomposition "
                         "(ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div) that the IR has no op for; only the whole "
                         "decomposition is a layer_norm");
}

// ConvNeXt and Swin: Transpose to channels-last, LayerNorm over the last axis, Transpose back: a layer norm over
// the channels, no data moved.
TEST(OnnxTransformers, AChannelsLastLayerNormMovesNoData) {
  Net n(Shape{8, 4, 4});
  auto nhwc = n.transpose("x", {0, 2, 3, 1}, "to_nhwc");
  auto ln = n.op("LayerNormalization", {nhwc, n.init({8}, 1.f), n.init({8})}, "ln", {{"axis", {-1}}});
  auto fc = n.linear(ln, 8, 32, "pwconv1");  // Linear on channels-last: a 1x1 conv
  auto back = n.transpose(n.op("Gelu", {fc}, "gelu"), {0, 3, 1, 2}, "to_nchw");
  n.op("Conv", {back, n.init({8, 32, 1, 1})}, "conv");
  const Graph g = n.load();
  std::vector<OpKind> ops;
  for (const auto& l : g.layers) ops.push_back(l.op);
  EXPECT_EQ(ops, (std::vector<OpKind>{OpKind::input, OpKind::layer_norm, OpKind::conv, OpKind::gelu, OpKind::conv}));
  EXPECT_EQ(named(g, "pwconv1").out, (Shape{32, 4, 4}));
  EXPECT_EQ(g.weights(), 8 * 32 * 2);
  EXPECT_EQ(g.macs(), 16 * 8 * 32 * 2);

  Net bad(Shape{8, 4, 4});  // a convolution reading the channels-last view: named
  bad.op("Conv", {bad.transpose("x", {0, 2, 3, 1}, "to_nhwc"), bad.init({8, 8, 1, 1})}, "conv");
  EXPECT_EQ(bad.error(), "net.onnx: node 'conv' (Conv): input 'to_nhwc:0' is [1, 4, 4, 8] as (1, H, W, C) on 8x4x4; "
                         "Conv reads [1, C, H, W]");
}

TEST(OnnxTransformers, SoftmaxOverChannelsOrAHeadsScores) {
  for (int opset : {11, 13}) {
    Net n(Shape{10, 4, 4}, opset);
    auto p = n.op("GlobalAveragePool", {"x"}, "gap");
    auto f = n.op("Flatten", {p}, "flat");
    n.op("LogSoftmax", {f}, "logits", {{"axis", {1}}});
    if (opset >= 13) n.op("Softmax", {"x"}, "per_position", {{"axis", {1}}});  // before 13: over C x H x W
    const Graph g = n.load();
    EXPECT_EQ(named(g, "logits").op, OpKind::log_softmax);
    EXPECT_EQ(named(g, "logits").groups, 1);
    EXPECT_EQ(named(g, "logits").out, (Shape{10, 1, 1}));
    if (opset < 13) continue;
    EXPECT_EQ(named(g, "per_position").op, OpKind::softmax);
    EXPECT_EQ(named(g, "per_position").out, (Shape{10, 4, 4}));
  }
  Net rows(Shape{10, 4, 4});
  rows.op("Softmax", {"x"}, "over_rows", {{"axis", {2}}});
  EXPECT_EQ(rows.error(), "net.onnx: node 'over_rows' (Softmax): over [1, 10, 4, 4] as (1, C, H, W) axis 2: only a softmax "
                          "over the channels of each position (or the innermost channel part: heads) is supported");
}

// The MNIST tutorial network with its final LogSoftmax (../shared/cases/11-mnist-logsoftmax.onnx).
TEST(OnnxTransformers, TheHandedMnistLogSoftmaxCase) {
  const Graph g = load_onnx(std::string(CIMSIM_SOURCE_DIR) + "/tests/data/onnx/11-mnist-logsoftmax.onnx");
  EXPECT_EQ(g.weights(), 21750);
  EXPECT_EQ(g.macs(), 480500);
  const Layer& last = g.layers.back();
  EXPECT_EQ(last.op, OpKind::log_softmax);
  EXPECT_EQ(last.out, (Shape{10, 1, 1}));
  EXPECT_EQ(last.groups, 1);
}

TEST(OnnxTransformers, GeluTanhAndErf) {
  Net n(Shape{4, 4, 4}, 20);
  auto c = n.op("Conv", {"x", n.init({4, 4, 1, 1})}, "conv");
  auto g1 = erf_gelu(n, c, "erf_gelu");
  auto g2 = n.op("Gelu", {g1}, "gelu_op");
  auto t = n.op("Tanh", {g2}, "tanh");
  auto e = n.op("Erf", {t}, "erf");  // an erf that is no GELU: an erf layer
  auto r = n.op("Relu", {e}, "relu");
  auto e1 = n.op("Add", {n.op("Erf", {r}, "erf_2"), n.scalar(1.f)}, "plus_one");  // erf + 1 read elsewhere
  n.op("Relu", {e1}, "relu_2");
  const Graph g = n.load();
  std::vector<OpKind> ops;
  for (const auto& l : g.layers) ops.push_back(l.op);
  EXPECT_EQ(ops, (std::vector<OpKind>{OpKind::input, OpKind::conv, OpKind::gelu, OpKind::gelu, OpKind::tanh,
                                      OpKind::erf, OpKind::relu, OpKind::erf, OpKind::scale_shift, OpKind::relu}));
  EXPECT_EQ(named(g, "plus_one").op, OpKind::scale_shift);
  EXPECT_EQ(named(g, "erf_gelu").inputs, std::vector<int>{1});
}

// A Split of a projection's channels is one conv per part (the same weights and MACs); of another tensor, a
// copy into row blocks and a crop per part; of rows, a crop.
TEST(OnnxTransformers, SplitsAndGathers) {
  Net n(Shape{8, 4, 4});
  auto c = n.op("Conv", {"x", n.init({8, 8, 1, 1})}, "proj");
  auto parts = n.op("Split", {c, n.shape({4, 4})}, "halves", {{"axis", {1}}}, 2);
  n.op("Add", {parts, "halves_1:0"}, "sum");
  auto rest = n.op("Split", {"x", n.shape({4, 4})}, "x_halves", {{"axis", {1}}}, 2);
  n.op("Relu", {rest}, "relu_a");
  n.op("Relu", {"x_halves_1:0"}, "relu_b");
  auto rows = n.op("Split", {"x", n.shape({1, 3})}, "rows", {{"axis", {2}}}, 2);
  n.op("Relu", {rows}, "relu_rows");
  const Graph g = n.load();
  EXPECT_EQ(g.weights(), 64);  // 8 x 8: two convs of 4 outputs
  EXPECT_EQ(named(g, "proj").out, (Shape{4, 4, 4}));
  EXPECT_EQ(named(g, "halves/proj").out, (Shape{4, 4, 4}));
  const Layer& copy = named(g, "x_halves/blocks");
  EXPECT_EQ(copy.op, OpKind::reshape);
  EXPECT_TRUE(copy.copy);
  EXPECT_EQ(copy.out, (Shape{4, 8, 4}));
  EXPECT_EQ(named(g, "relu_b").out, (Shape{4, 4, 4}));
  EXPECT_EQ(named(g, "relu_rows").out, (Shape{8, 1, 4}));

  // ShuffleNetV2: the channel shuffle's copy, read only in halves (and by Shape), writes them as row blocks
  Net shuffle(Shape{4, 2, 2});
  auto t = shuffle.transpose(shuffle.reshape("x", {1, 2, 2, 2, 2}), {0, 2, 1, 3, 4});
  auto mixed = shuffle.reshape(t, {1, 4, 2, 2}, "shuffle");
  shuffle.op("Shape", {mixed}, "dims");
  auto half = shuffle.op("Split", {mixed, shuffle.shape({2, 2})}, "chunk", {{"axis", {1}}}, 2);
  shuffle.op("Relu", {half}, "relu_a");
  shuffle.op("Relu", {"chunk_1:0"}, "relu_b");
  const Graph sg = shuffle.load();
  EXPECT_EQ(census(sg)[OpKind::reshape], 1);
  EXPECT_TRUE(named(sg, "shuffle").copy);
  EXPECT_EQ(named(sg, "shuffle").out, (Shape{2, 4, 2}));
  EXPECT_EQ(named(sg, "relu_b").out, (Shape{2, 2, 2}));
  EXPECT_EQ(sg.layers[size_t(named(sg, "relu_b").inputs[0])].inputs, std::vector<int>{sg.index_of("shuffle")});

  Net odd(Shape{6, 4, 4});
  odd.op("Relu", {odd.op("Split", {"x", odd.shape({2, 4})}, "uneven", {{"axis", {1}}}, 2)}, "r");
  EXPECT_EQ(odd.error(), "net.onnx: node 'uneven' (Split): channels [2, 6) of 6x4x4: the IR has no channel slice; only "
                         "equal blocks of a tensor (a copy into row blocks) or of a projection (split into one conv per "
                         "block) are supported");
}
