// ONNX models as exporters write them (workloads/onnx_loader): constant subgraphs folded to static shapes
// (PyTorch's F.pad / nn.ZeroPad2d at opsets 11-17, each folded operator), auto_pad, ceil_mode and
// count_include_pad pools, Flatten/Reshape/Squeeze/Unsqueeze/Transpose as views, addressing reshapes or
// costed copies, the shapes-only parse (weights' data never read), the three handed cases of ../shared/cases
// (tests/data/onnx), and one-line errors naming the node for what stays unsupported. Models are built here
// with the protobuf API.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "workloads/loader.hpp"
#include "workloads/onnx_loader.hpp"
#include "workloads/onnx_writer.hpp"
#include "run_util.hpp"

using namespace cimsim::workloads;
using cimsim::testing::error_of;

namespace {

using Ints = std::vector<int64_t>;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "cimsim_forms_" + std::to_string(::getpid()) + "_" + name;
}

// A model under construction: one input "x" (N symbolic), nodes appended in order.
struct Model {
  onnx::ModelProto m;
  onnx::GraphProto* g = nullptr;

  // The input written by to_onnx (a graph of its input layer alone), renamed x, at `opset`.
  Model(int c, int h, int w, int opset = 13) {
    Graph input;
    input.name = "forms";
    Layer in;
    in.name = "x";
    in.op = OpKind::input;
    in.out = Shape{c, h, w};
    input.add(in);
    input.infer_shapes();
    m = to_onnx(input);
    m.mutable_opset_import(0)->set_version(opset);
    g = m.mutable_graph();
    g->clear_output();
  }
  // A float initializer of `dims`, zero-filled with `bytes` of data (default: all its elements).
  std::string weight(const std::string& name, const Ints& dims, size_t bytes = 0) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->mutable_dims()->Add(dims.begin(), dims.end());
    const int64_t n = std::accumulate(dims.begin(), dims.end(), int64_t(1), std::multiplies<>());
    t->set_raw_data(std::string(bytes ? bytes : size_t(n) * 4, '\0'));
    return name;
  }
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                        const std::string& name = "") {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    n->mutable_input()->Add(inputs.begin(), inputs.end());
    n->add_output(output);
    return n;
  }
  // A Constant node holding int64 `values` of `dims` (a scalar when dims is empty).
  std::string ints(const std::string& name, const Ints& values, const Ints& dims) {
    auto* a = node("Constant", {}, name, name)->add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    auto* t = a->mutable_t();
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
    return name;
  }
  std::string ints(const std::string& name, const Ints& values) { return ints(name, values, {int64_t(values.size())}); }
  std::string save(const std::string& file) const {
    const std::string path = temp_path(file);
    std::ofstream out(path, std::ios::binary);
    m.SerializeToOstream(&out);
    return path;
  }
  Graph load(const std::string& file = "m.onnx") const {
    const std::string path = save(file);
    Graph graph = load_network(path);
    std::remove(path.c_str());
    return graph;
  }
  std::string error() const {
    return error_of([&] { from_onnx(m, "m.onnx"); });
  }
};

onnx::AttributeProto* attr(onnx::NodeProto* n, const char* name, onnx::AttributeProto::AttributeType type) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}
void set_i(onnx::NodeProto* n, const char* name, int64_t v) { attr(n, name, onnx::AttributeProto::INT)->set_i(v); }
void set_ints(onnx::NodeProto* n, const char* name, const Ints& v) {
  auto* a = attr(n, name, onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
void set_s(onnx::NodeProto* n, const char* name, const std::string& v) {
  attr(n, name, onnx::AttributeProto::STRING)->set_s(v);
}

const Layer& named(const Graph& g, const std::string& name) {
  const int i = g.index_of(name);
  EXPECT_GE(i, 0) << "no layer " << name;
  return g.layers.at(size_t(i < 0 ? 0 : i));
}
Ints pads_of(const Layer& l) { return {l.pads[0], l.pads[1], l.pads[2], l.pads[3]}; }

// Pads the input by the folded tensor `pads` (8 values) and returns the pad layer's (top, left, bottom, right).
Ints folded_pads(Model& m, const std::string& pads) {
  m.node("Pad", {"x", pads}, "y", "pad");
  return pads_of(named(m.load(), "pad"));
}

// PyTorch 1.13's F.pad(x, (0, 1, 0, 1)) at opsets 11-17: the pads are built by a constant subgraph
// (ConstantOfShape, Concat, Reshape, Slice with step -1, Transpose, Reshape, Cast) feeding Pad.
void zero_pad_subgraph(Model& m, const Ints& torch_pads) {
  m.ints("c0", {4});
  m.ints("c1", torch_pads);
  auto* cos = m.node("ConstantOfShape", {"c0"}, "zeros", "/pad/ConstantOfShape");
  auto* v = attr(cos, "value", onnx::AttributeProto::TENSOR)->mutable_t();
  v->set_data_type(onnx::TensorProto::INT64);
  v->add_dims(1);
  v->add_int64_data(0);
  set_i(m.node("Concat", {"c1", "zeros"}, "cat", "/pad/Concat"), "axis", 0);
  m.node("Reshape", {"cat", m.ints("c2", {-1, 2})}, "pairs", "/pad/Reshape");
  m.node("Slice", {"pairs", m.ints("c4", {-1}), m.ints("c5", {-9223372036854775807}), m.ints("c3", {0}),
                   m.ints("c6", {-1})},
         "rev", "/pad/Slice");
  set_ints(m.node("Transpose", {"rev"}, "tr", "/pad/Transpose"), "perm", {1, 0});
  m.node("Reshape", {"tr", m.ints("c7", {-1})}, "flat", "/pad/Reshape_1");
  set_i(m.node("Cast", {"flat"}, "pads", "/pad/Cast"), "to", onnx::TensorProto::INT64);
  auto* value = attr(m.node("Constant", {}, "zero", "/pad/Constant_8"), "value", onnx::AttributeProto::TENSOR)->mutable_t();
  value->set_data_type(onnx::TensorProto::FLOAT);
  value->add_float_data(0.0f);
  set_s(m.node("Pad", {"x", "pads", "zero"}, "padded", "/pad/Pad"), "mode", "constant");
}

}  // namespace

// ---- constant subgraphs ----------------------------------------------------------------------------------

TEST(OnnxForms, ZeroPad2dSubgraphAtOpsets11To17) {
  for (int opset = 11; opset <= 17; ++opset) {
    SCOPED_TRACE("opset " + std::to_string(opset));
    Model m(3, 32, 32, opset);
    zero_pad_subgraph(m, {0, 1, 0, 1});  // (left, right, top, bottom)
    auto* conv = m.node("Conv", {"padded", m.weight("w", {16, 3, 3, 3})}, "y", "conv");
    set_ints(conv, "kernel_shape", {3, 3});
    set_ints(conv, "strides", {2, 2});
    const Graph g = m.load();
    EXPECT_EQ(pads_of(named(g, "/pad/Pad")), (Ints{0, 0, 1, 1}));  // top, left, bottom, right
    EXPECT_EQ(named(g, "/pad/Pad").out, (Shape{3, 33, 33}));
    EXPECT_EQ(named(g, "conv").out, (Shape{16, 16, 16}));      // (33 - 3) / 2 + 1
    EXPECT_EQ(g.weights(), 16 * 3 * 3 * 3);                     // 432
    EXPECT_EQ(g.macs(), int64_t(16) * 16 * 16 * 27);            // 110,592
  }
  Model m(3, 8, 8);  // asymmetric on every side: (left 1, right 2, top 3, bottom 4)
  zero_pad_subgraph(m, {1, 2, 3, 4});
  EXPECT_EQ(pads_of(named(m.load(), "/pad/Pad")), (Ints{3, 1, 4, 2}));
}

TEST(OnnxForms, ShapeGatherUnsqueezeConcatFold) {
  Model m(3, 5, 7);  // pads [0, 0, H, W, 0, 0, H, W] from the input's shape
  m.node("Shape", {"x"}, "s");                                        // [1, 3, 5, 7]
  m.node("Gather", {"s", m.ints("i2", {2}, {})}, "h");               // 5, a scalar
  set_i(m.node("Gather", {"s", m.ints("i3", {3})}, "w"), "axis", 0);  // [7]
  m.node("Unsqueeze", {"h", m.ints("ax", {0})}, "h1");               // [5]
  auto* tail = m.node("Shape", {"x"}, "hw");                          // opset 15's start: [5, 7]
  set_i(tail, "start", -2);
  set_i(m.node("Concat", {m.ints("z", {0, 0}), "h1", "w", m.ints("z2", {0, 0}), "hw"}, "p"), "axis", 0);
  EXPECT_EQ(folded_pads(m, "p"), (Ints{5, 7, 5, 7}));

  Model old(3, 5, 7, 11);  // opset 11: Unsqueeze's axes an attribute
  old.node("Shape", {"x"}, "s");
  old.node("Gather", {"s", old.ints("i2", {2}, {})}, "h");
  set_ints(old.node("Unsqueeze", {"h"}, "h1"), "axes", {0});
  set_ints(old.node("Squeeze", {"h1"}, "h0"), "axes", {0});  // back to a scalar
  set_ints(old.node("Unsqueeze", {"h0"}, "h2"), "axes", {-1});
  set_i(old.node("Concat", {old.ints("z", {0, 0}), "h2", "h2", old.ints("z2", {0, 0, 0, 0})}, "p"), "axis", 0);
  EXPECT_EQ(folded_pads(old, "p"), (Ints{5, 5, 0, 0}));
}

TEST(OnnxForms, RangeCastConstantOfShapeExpandAndArithmeticFold) {
  Model m(3, 8, 8);
  m.node("Range", {m.ints("a", {1}, {}), m.ints("b", {5}, {}), m.ints("d", {1}, {})}, "r");  // [1, 2, 3, 4]
  m.node("Mul", {"r", m.ints("k", {3})}, "r2");                                              // [3, 6, 9, 12]
  m.node("Div", {"r2", m.ints("k2", {3})}, "r3");                                            // [1, 2, 3, 4]
  m.node("Sub", {"r3", m.ints("one", {1})}, "r4");                                           // [0, 1, 2, 3]
  m.node("Where", {m.ints("c", {1, 1, 0, 1}), "r4", m.ints("alt", {9, 9, 5, 9})}, "w");      // [0, 1, 5, 3]
  m.node("Equal", {"w", m.ints("five", {5})}, "eq");                                         // [0, 0, 1, 0]
  m.node("Add", {"w", "eq"}, "w2");                                                          // [0, 1, 6, 3]
  m.node("ConstantOfShape", {m.ints("two", {2})}, "zf");                                     // float [0, 0]
  set_i(m.node("Cast", {"zf"}, "zi"), "to", onnx::TensorProto::INT64);
  m.node("Expand", {m.ints("zero", {0}), m.ints("sh", {2})}, "z2");                          // [0, 0]
  m.node("Slice", {"w2", m.ints("s0", {2}), m.ints("s1", {4})}, "tail");                     // [6, 3]
  set_i(m.node("Concat", {"zi", "tail", "z2", "tail"}, "p"), "axis", 0);                     // [0, 0, 6, 3, 0, 0, 6, 3]
  EXPECT_EQ(folded_pads(m, "p"), (Ints{6, 3, 6, 3}));

  Model k(3, 8, 8);  // Mod (the divisor's sign), Pow; Swin's window arithmetic
  k.node("Mod", {k.ints("n", {7, -7, 9}), k.ints("m", {3})}, "md");                         // [1, 2, 0]
  k.node("Pow", {"md", k.ints("e", {2}, {})}, "sq");                                        // [1, 4, 0]
  set_i(k.node("Concat", {k.ints("z", {0, 0}), "sq", k.ints("z2", {0, 0, 0})}, "p"), "axis", 0);
  EXPECT_EQ(folded_pads(k, "p"), (Ints{1, 4, 0, 0}));                                       // [0, 0, 1, 4, 0, 0, 0, 0]

  Model c(3, 8, 8);  // pads on C from a fold are refused like written ones
  set_i(c.node("Concat", {c.ints("a", {0, 1}), c.ints("b", {0, 0, 0, 0, 0, 0})}, "p"), "axis", 0);
  c.node("Pad", {"x", "p"}, "y", "pad");
  EXPECT_EQ(c.error(), "m.onnx: node 'pad' (Pad): pads [0, 1, 0, 0, 0, 0, 0, 0] of [1, 3, 8, 8] as (1, C, H, W): only rows "
                       "and columns (H and W) may be padded");
}

// A constant too large to fold keeps its dims; a node that needs its values names it.
TEST(OnnxForms, ConstantsTooLargeToFoldAreNamedWhenTheirValuesAreNeeded) {
  Model m(3, 8, 8);
  m.node("Range", {m.ints("a", {0}, {}), m.ints("b", {1 << 20}, {}), m.ints("d", {1}, {})}, "big");
  m.node("Slice", {"big", m.ints("s0", {0}), m.ints("s1", {8})}, "p");
  m.node("Pad", {"x", "p"}, "y", "pad");
  EXPECT_EQ(m.error(), "m.onnx: node 'pad' (Pad): pads 'p' has 8 elements whose values are not read (only "
                       "constants of up to 131072 elements with their data in the file are folded)");
}

// ---- padding and pooling ------------------------------------------------------------------------------

// auto_pad: SAME_* pads give out = ceil(in / stride), the odd pad at the end (UPPER) or start (LOWER).
TEST(OnnxForms, AutoPadConvAndPools) {
  for (const char* mode : {"SAME_UPPER", "SAME_LOWER", "VALID"}) {
    for (int in : {7, 8, 32}) {
      for (int stride : {1, 2, 3}) {
        for (int k : {1, 2, 3, 5}) {
          SCOPED_TRACE(std::string(mode) + " in " + std::to_string(in) + " stride " + std::to_string(stride) + " k " +
                       std::to_string(k));
          const bool valid = std::string(mode) == "VALID";
          const int out = valid ? (in - k) / stride + 1 : (in + stride - 1) / stride;
          const int total = valid ? 0 : std::max(0, (out - 1) * stride + k - in);
          const int small = total / 2, first = std::string(mode) == "SAME_UPPER" ? small : total - small;
          const Ints pads = {first, first, total - first, total - first};
          for (const char* op : {"Conv", "MaxPool", "AveragePool"}) {
            Model m(4, in, in);
            const bool conv = std::string(op) == "Conv";
            auto* n = m.node(op, conv ? std::vector<std::string>{"x", m.weight("w", {8, 4, k, k})}
                                      : std::vector<std::string>{"x"},
                             "y", "layer");
            set_s(n, "auto_pad", mode);
            set_ints(n, "kernel_shape", {k, k});
            set_ints(n, "strides", {stride, stride});
            const Graph g = m.load();
            const Layer& l = named(g, "layer");
            EXPECT_EQ(l.out, (Shape{conv ? 8 : 4, out, out})) << op;
            if (total % 2 == 0) {
              EXPECT_EQ(l.pad, total / 2) << op;
              EXPECT_EQ(g.index_of("layer/pad"), -1) << op;
            } else {
              EXPECT_EQ(pads_of(named(g, "layer/pad")), pads) << op;
              EXPECT_EQ(l.pad, 0) << op;
            }
          }
        }
      }
    }
  }
}

TEST(OnnxForms, TheHandedSameUpperCase) {
  const Graph g = load_network(std::string(CIMSIM_SOURCE_DIR) + "/tests/data/onnx/12-same-upper.onnx");
  EXPECT_EQ(g.weights(), 432);
  EXPECT_EQ(g.macs(), 110592);
  EXPECT_EQ(pads_of(named(g, "conv/pad")), (Ints{0, 0, 1, 1}));
}

TEST(OnnxForms, TheHandedZeroPadCase) {
  const Graph g = load_network(std::string(CIMSIM_SOURCE_DIR) + "/tests/data/onnx/12-zeropad-opset13.onnx");
  EXPECT_EQ(g.weights(), 432);
  EXPECT_EQ(g.macs(), 110592);
  EXPECT_EQ(pads_of(named(g, "/pad/Pad")), (Ints{0, 0, 1, 1}));
}

// ceil_mode: out = ceil((in + pads - k) / s) + 1, less one when the last window would start inside the
// bottom/right padding (ONNX's and PyTorch's rule); the extra rows come from a pad layer.
TEST(OnnxForms, CeilModePoolsRoundUp) {
  for (int in = 3; in <= 20; ++in) {
    for (int k : {2, 3}) {
      for (int s : {1, 2, 3}) {
        for (int p = 0; p <= k / 2; ++p) {
          SCOPED_TRACE("in " + std::to_string(in) + " k " + std::to_string(k) + " s " + std::to_string(s) + " p " +
                       std::to_string(p));
          int out = (in + 2 * p - k + s - 1) / s + 1;
          if ((out - 1) * s >= in + p) --out;
          for (const char* op : {"MaxPool", "AveragePool"}) {
            Model m(2, in, in);
            auto* n = m.node(op, {"x"}, "y", "pool");
            set_ints(n, "kernel_shape", {k, k});
            set_ints(n, "strides", {s, s});
            set_ints(n, "pads", {p, p, p, p});
            set_i(n, "ceil_mode", 1);
            EXPECT_EQ(named(m.load(), "pool").out, (Shape{2, out, out})) << op;
          }
        }
      }
    }
  }
  Model g(64, 112, 112);  // GoogLeNet's first max pool: 3x3 / 2, ceil -> 56 (floor would give 55)
  auto* n = g.node("MaxPool", {"x"}, "y", "maxpool1");
  set_ints(n, "kernel_shape", {3, 3});
  set_ints(n, "strides", {2, 2});
  set_i(n, "ceil_mode", 1);
  const Graph graph = g.load();
  EXPECT_EQ(named(graph, "maxpool1").out, (Shape{64, 56, 56}));
  EXPECT_EQ(pads_of(named(graph, "maxpool1/pad")), (Ints{0, 0, 1, 1}));
}

// count_include_pad changes only the divisor of border windows: the same avg_pool layer either way.
TEST(OnnxForms, CountIncludePadIsTheSameAveragePool) {
  std::vector<Shape> outs;
  for (int include : {0, 1}) {
    Model m(4, 9, 9);
    auto* n = m.node("AveragePool", {"x"}, "y", "pool");
    set_ints(n, "kernel_shape", {3, 3});
    set_ints(n, "pads", {1, 1, 1, 1});
    set_i(n, "count_include_pad", include);
    const Layer l = named(m.load(), "pool");
    EXPECT_EQ(l.op, OpKind::avg_pool);
    EXPECT_EQ(l.pad, 1);
    outs.push_back(l.out);
  }
  EXPECT_EQ(outs[0], (Shape{4, 9, 9}));
  EXPECT_EQ(outs[1], outs[0]);
  Model bad(4, 9, 9);
  auto* n = bad.node("AveragePool", {"x"}, "y", "pool");
  set_ints(n, "kernel_shape", {3, 3});
  set_i(n, "count_include_pad", 2);
  EXPECT_EQ(bad.error(), "m.onnx: node 'pool' (AveragePool): count_include_pad 2 is not 0 or 1");
}

// ---- layout-only nodes ------------------------------------------------------------------------------------

TEST(OnnxForms, RelabellingNodesCostNothing) {
  Model m(8, 4, 4);
  m.node("GlobalAveragePool", {"x"}, "p", "gap");                          // [1, 8, 1, 1]
  set_ints(m.node("Transpose", {"p"}, "t"), "perm", {0, 1, 3, 2});         // size-1 axes swap
  m.node("Reshape", {"t", m.ints("s", {1, 8})}, "r");                      // [1, 8]
  m.node("Unsqueeze", {"r", m.ints("a", {2, 3})}, "u");                    // [1, 8, 1, 1]
  m.node("Squeeze", {"u", m.ints("b", {3})}, "q");                         // [1, 8, 1]
  set_i(m.node("Flatten", {"q"}, "f"), "axis", 0);                         // [1, 8]
  m.node("Relu", {"f"}, "y", "relu");
  const Graph g = m.load();
  ASSERT_EQ(g.layers.size(), 3u);  // input, gap, relu: every relabelling is the same 8 x 1 x 1
  EXPECT_EQ(g.layers[2].op, OpKind::relu);
  EXPECT_EQ(g.layers[2].inputs, std::vector<int>{1});

  Model k(8, 4, 4);  // Flatten before Gemm: elided; before anything else: a flatten layer
  k.node("Flatten", {"x"}, "f", "flat");
  k.node("Gemm", {"f", k.weight("w", {128, 10})}, "y", "fc");
  k.node("Reshape", {"x", k.ints("s", {1, 128, 1, 1})}, "r", "view");
  k.node("Relu", {"r"}, "z", "relu");
  const Graph kg = k.load();
  EXPECT_EQ(kg.index_of("flat"), -1);
  EXPECT_EQ(named(kg, "view").op, OpKind::flatten);
  EXPECT_EQ(named(kg, "view").out, (Shape{128, 1, 1}));
  EXPECT_EQ(named(kg, "fc").weights(), 1280);
}

// A Transpose is a view (no data moves); a Reshape is a view when it splits or merges axes that are contiguous
// in the IR tensor, an addressing reshape when it re-reads the positions row-major (ViT's [1, D, H, W] ->
// [1, D, H*W]), and a costed copy otherwise (ShuffleNetV2's channel shuffle).
TEST(OnnxForms, LayoutChangesAreViewsOrCostedCopies) {
  Model t(4, 2, 2);
  set_ints(t.node("Transpose", {"x"}, "n", "nhwc"), "perm", {0, 2, 3, 1});
  set_ints(t.node("Transpose", {"n"}, "b", "nchw"), "perm", {0, 3, 1, 2});
  t.node("Relu", {"b"}, "y", "relu");
  const Graph tg = t.load();
  ASSERT_EQ(tg.layers.size(), 2u);
  EXPECT_EQ(tg.layers[1].inputs, std::vector<int>{0});

  Model s(4, 2, 2);  // ShuffleNetV2's channel shuffle: view, transpose, then the elements move
  s.node("Reshape", {"x", s.ints("s", {1, 2, 2, 2, 2})}, "v", "groups");
  set_ints(s.node("Transpose", {"v"}, "tv", "swap"), "perm", {0, 2, 1, 3, 4});
  s.node("Reshape", {"tv", s.ints("s2", {1, 4, 2, 2})}, "y", "shuffle");
  s.node("Relu", {"y"}, "z", "relu");
  const Graph sg = s.load();
  ASSERT_EQ(sg.layers.size(), 3u);
  EXPECT_EQ(named(sg, "shuffle").op, OpKind::reshape);
  EXPECT_TRUE(named(sg, "shuffle").copy);
  EXPECT_EQ(named(sg, "shuffle").out, (Shape{4, 2, 2}));

  Model u(4, 2, 2);  // positions re-read row-major: addressing; then a reshape that moves elements
  u.node("Reshape", {"x", u.ints("s", {1, 4, 4})}, "r", "rows");
  u.node("Reshape", {"r", u.ints("s2", {1, 2, 4, 2})}, "y", "view");
  const Graph ug = u.load();
  EXPECT_FALSE(named(ug, "rows").copy);
  EXPECT_EQ(named(ug, "rows").out, (Shape{4, 4, 1}));
  EXPECT_TRUE(named(ug, "view").copy);
  EXPECT_EQ(named(ug, "view").out, (Shape{2, 4, 2}));

  // what stays refused is named: a convolution reading a channels-last view; through the CLI, exit 2
  Model c(4, 2, 2);
  set_ints(c.node("Transpose", {"x"}, "n", "nhwc"), "perm", {0, 2, 3, 1});
  c.node("Conv", {"n", c.weight("w", {4, 4, 1, 1})}, "y", "conv");
  const auto dir = cimsim::testing::scratch_dir();
  const std::string path = (dir / "nhwc.onnx").string();
  {
    std::ofstream out(path, std::ios::binary);
    c.m.SerializeToOstream(&out);
  }
  const auto r = cimsim::testing::shell(dir, std::string(CIMSIM_BINARY) + " map --net " + cimsim::testing::quote(path));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.err, "cimsim: error: " + path + ": node 'conv' (Conv): input 'n' is [1, 2, 2, 4] as (1, H, W, C) on "
                   "4x2x2; Conv reads [1, C, H, W]\n");
  std::filesystem::remove_all(dir);
}

// ---- parsing without the weights --------------------------------------------------------------------------

// A weight above the data kept while parsing (1 MiB) is read for its dims only; a file whose data does not
// match its dims still loads (the data is never read).
TEST(OnnxForms, LargeWeightsAreParsedForTheirShapesOnly) {
  Model m(64, 8, 8);
  auto* c = m.node("Conv", {"x", m.weight("w", {1024, 64, 3, 3})}, "y", "conv");  // 2.25 MiB of data
  set_ints(c, "pads", {1, 1, 1, 1});
  m.node("Gemm", {"y", m.weight("fc", {65536, 10}, 8)}, "z", "fc");  // declared 2.5 MiB, holds 8 bytes
  const Graph g = m.load();
  EXPECT_EQ(named(g, "conv").weights(), 1024 * 64 * 9);
  EXPECT_EQ(named(g, "fc").weights(), 655360);
  const std::string path = temp_path("truncated.onnx");
  std::string bytes = m.m.SerializeAsString();
  bytes.resize(bytes.size() - 100);  // cut inside the last node
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(error_of([&] { load_network(path); }),
            path + ": not an ONNX model (the file does not parse as a protobuf ModelProto)");
  std::remove(path.c_str());
}
