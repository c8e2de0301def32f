// ONNX import (workloads/onnx_loader) and export (workloads/onnx_writer): small models built here with the
// protobuf API (no binary files in the repository), checked against closed forms; refused models give a
// one-line error naming the node; built-in networks survive save_onnx -> load_network unchanged.
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "workloads/builtins.hpp"
#include "workloads/loader.hpp"
#include "workloads/onnx_loader.hpp"
#include "workloads/onnx_writer.hpp"
#include "run_util.hpp"

using namespace cimsim::workloads;

namespace {

using Ints = std::vector<int64_t>;

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "cimsim_onnx_" + std::to_string(::getpid()) + "_" + name;
}

using cimsim::testing::error_of;

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

// A model under construction: one input "x" (N symbolic), nodes appended in order.
struct Model {
  onnx::ModelProto m;
  onnx::GraphProto* g;

  Model(int c, int h, int w, int opset = 13) : g(m.mutable_graph()) {
    m.set_ir_version(7);
    auto* o = m.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    g->set_name("test");
    auto* in = g->add_input();
    in->set_name("x");
    auto* t = in->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    for (int d : {c, h, w}) t->mutable_shape()->add_dim()->set_dim_value(d);
  }
  const std::string& weight(const std::string& name, const Ints& dims) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    t->set_raw_data(std::string(size_t(n) * 4, '\0'));
    return t->name();
  }
  const std::string& scalar(const std::string& name, float value) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_float_data(value);
    return t->name();
  }
  const std::string& ints(const std::string& name, const Ints& values) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(int64_t(values.size()));
    for (int64_t v : values) t->add_int64_data(v);
    return t->name();
  }
  onnx::NodeProto* node(const std::string& op, std::vector<std::string> inputs, const std::string& output,
                        const std::string& name = "") {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
  }
  Graph load(const std::string& file = "model.onnx") const {
    const std::string path = temp_path(file);
    {
      std::ofstream out(path, std::ios::binary);
      m.SerializeToOstream(&out);
    }
    Graph graph = load_network(path);
    std::remove(path.c_str());
    return graph;
  }
  std::string error() const {
    return error_of([&] { from_onnx(m, "m.onnx"); });
  }
};

onnx::AttributeProto* attr(onnx::NodeProto* n, const char* name) {
  auto* a = n->add_attribute();
  a->set_name(name);
  return a;
}
void set_i(onnx::NodeProto* n, const char* name, int64_t v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void set_ints(onnx::NodeProto* n, const char* name, const Ints& v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
void set_s(onnx::NodeProto* n, const char* name, const std::string& v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

std::vector<OpKind> ops_of(const Graph& g) {
  std::vector<OpKind> ops;
  for (const auto& l : g.layers) ops.push_back(l.op);
  return ops;
}
const Layer& named(const Graph& g, const std::string& name) {
  const int i = g.index_of(name);
  EXPECT_GE(i, 0) << "no layer " << name;
  return g.layers.at(size_t(i < 0 ? 0 : i));
}

// conv + BN (folded into the conv) + relu; the conv has a bias, which is no crossbar weight.
TEST(Onnx, ConvBatchNormReluFoldsTheBatchNorm) {
  Model m(3, 32, 32);
  auto* conv = m.node("Conv", {"x", m.weight("w1", {16, 3, 3, 3}), m.weight("b1", {16})}, "c1", "conv1");
  set_ints(conv, "pads", {1, 1, 1, 1});
  set_ints(conv, "kernel_shape", {3, 3});
  m.node("BatchNormalization",
         {"c1", m.weight("g", {16}), m.weight("be", {16}), m.weight("mu", {16}), m.weight("v", {16})}, "bn1", "bn1");
  m.node("Relu", {"bn1"}, "r1");  // unnamed: named after its output
  const Graph g = m.load("conv_bn_relu.onnx");
  EXPECT_EQ(g.name, "cimsim_onnx_" + std::to_string(::getpid()) + "_conv_bn_relu");
  EXPECT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::conv, OpKind::relu}));
  EXPECT_EQ(g.layers[1].name, "conv1");
  EXPECT_EQ(g.layers[2].name, "r1");
  EXPECT_EQ(g.layers[2].inputs, std::vector<int>{1});
  EXPECT_EQ(g.layers[1].out, (Shape{16, 32, 32}));
  EXPECT_EQ(g.weights(), 16 * 3 * 3 * 3);
  EXPECT_EQ(g.macs(), int64_t(16 * 3 * 3 * 3) * 32 * 32);
}

TEST(Onnx, ConvGroupsDilationStrideAndAsymmetricPads) {
  Model m(8, 16, 16);
  auto* c1 = m.node("Conv", {"x", m.weight("w1", {16, 2, 3, 3})}, "c1", "grouped");
  set_i(c1, "group", 4);
  set_ints(c1, "dilations", {2, 2});
  set_ints(c1, "strides", {2, 2});
  set_ints(c1, "pads", {2, 2, 2, 2});
  auto* c2 = m.node("Conv", {"c1", m.weight("w2", {4, 16, 2, 2})}, "c2", "same_upper");
  set_ints(c2, "strides", {2, 2});
  set_ints(c2, "pads", {0, 0, 1, 1});  // TensorFlow-style SAME: a pad layer before the conv
  const Graph g = m.load();
  EXPECT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::conv, OpKind::pad, OpKind::conv}));
  const Layer& a = named(g, "grouped");
  EXPECT_EQ(a.groups, 4);
  EXPECT_EQ(a.dilation, 2);
  EXPECT_EQ(a.stride, 2);
  EXPECT_EQ(a.pad, 2);
  EXPECT_EQ(a.out, (Shape{16, 8, 8}));  // (16 + 4 - 5) / 2 + 1
  EXPECT_EQ(a.weights(), 16 * 2 * 3 * 3);
  EXPECT_EQ(a.macs(), 16 * 2 * 3 * 3 * 64);
  const Layer& p = named(g, "same_upper/pad");
  EXPECT_EQ(p.out, (Shape{16, 9, 9}));
  EXPECT_EQ(std::vector<int>(p.pads, p.pads + 4), (std::vector<int>{0, 0, 1, 1}));
  const Layer& b = named(g, "same_upper");
  EXPECT_EQ(b.pad, 0);
  EXPECT_EQ(b.out, (Shape{4, 4, 4}));
  EXPECT_EQ(b.macs(), 4 * 16 * 2 * 2 * 16);
}

TEST(Onnx, GemmAndMatMulAreFullyConnected) {
  Model m(4, 2, 2);
  m.node("Flatten", {"x"}, "flat", "flatten");
  auto* fc1 = m.node("Gemm", {"flat", m.weight("w1", {10, 16}), m.weight("b1", {10})}, "f1", "fc1");
  set_i(fc1, "transB", 1);
  m.node("Gemm", {"f1", m.weight("w2", {10, 6})}, "f2", "fc2");  // B is K x N
  m.node("MatMul", {"f2", m.weight("w3", {6, 5})}, "f3", "fc3");
  const Graph g = m.load();
  EXPECT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::fc, OpKind::fc, OpKind::fc}));  // flatten elided
  EXPECT_EQ(named(g, "fc1").out, (Shape{10, 1, 1}));
  EXPECT_EQ(named(g, "fc1").weights(), 160);
  EXPECT_EQ(named(g, "fc2").weights(), 60);
  EXPECT_EQ(named(g, "fc3").out, (Shape{5, 1, 1}));
  EXPECT_EQ(g.macs(), 160 + 60 + 30);

  Model k(4, 2, 2);  // a flatten read by something other than an fc stays a layer
  k.node("Flatten", {"x"}, "flat", "flatten");
  k.node("Relu", {"flat"}, "r", "relu");
  k.node("Gemm", {"flat", k.weight("w", {16, 3})}, "f", "fc");
  EXPECT_EQ(ops_of(k.load()), (std::vector<OpKind>{OpKind::input, OpKind::flatten, OpKind::relu, OpKind::fc}));

  Model r(4, 2, 2);  // PyTorch's x.view(x.size(0), -1)
  r.node("Reshape", {"x", r.ints("shape", {1, -1})}, "flat", "view");
  r.node("Gemm", {"flat", r.weight("w", {16, 3})}, "f", "fc");
  EXPECT_EQ(ops_of(r.load()), (std::vector<OpKind>{OpKind::input, OpKind::fc}));

  Model d(4, 2, 2);  // x.view(x.size(0), -1) with a symbolic batch: Shape -> Gather -> Unsqueeze -> Concat
  d.node("GlobalAveragePool", {"x"}, "p", "gap");
  d.node("Shape", {"p"}, "shape");
  set_i(d.node("Constant", {}, "zero"), "value_int", 0);  // a scalar index, as PyTorch writes it
  d.node("Gather", {"shape", "zero"}, "n");
  d.node("Unsqueeze", {"n", d.ints("axes", {0})}, "n1");
  set_i(d.node("Concat", {"n1", d.ints("minus_one", {-1})}, "target"), "axis", 0);
  d.node("Reshape", {"p", "target"}, "flat", "view");
  d.node("Gemm", {"flat", d.weight("w", {4, 3})}, "f", "fc");
  d.node("Squeeze", {"p", d.ints("hw", {2, 3})}, "sq", "squeeze");  // read by an fc: elided too
  d.node("MatMul", {"sq", d.weight("w2", {4, 2})}, "f2", "fc2");
  const Graph dg = d.load();
  EXPECT_EQ(ops_of(dg), (std::vector<OpKind>{OpKind::input, OpKind::global_avg_pool, OpKind::fc, OpKind::fc}));
  EXPECT_EQ(dg.layers[2].inputs, std::vector<int>{1});
  EXPECT_EQ(dg.layers[3].inputs, std::vector<int>{1});
  EXPECT_EQ(dg.weights(), 12 + 8);

  Model bad(4, 2, 2);
  bad.node("Gemm", {"x", bad.weight("w", {15, 3})}, "f", "fc");
  EXPECT_EQ(bad.error(), "m.onnx: node 'fc' (Gemm): weight 'w' takes 15 inputs, the input has 16 elements");
}

// BN after a concat cannot fold: scale_shift. Also a constant Mul (scale) and Add (shift) that have no
// conv to fold into; a bias Add straight after a conv folds.
TEST(Onnx, UnfoldableBatchNormAndConstantsAreScaleShift) {
  Model m(4, 8, 8);
  m.node("Conv", {"x", m.weight("w1", {4, 4, 1, 1})}, "a", "conv_a");
  m.node("Add", {"a", m.weight("bias", {4, 1, 1})}, "a_b", "bias_a");
  m.node("Conv", {"x", m.weight("w2", {4, 4, 1, 1})}, "b", "conv_b");
  m.node("Concat", {"a_b", "b"}, "cat", "cat");
  set_i(m.g->mutable_node(3), "axis", 1);
  m.node("BatchNormalization",
         {"cat", m.weight("g", {8}), m.weight("be", {8}), m.weight("mu", {8}), m.weight("v", {8})}, "bn", "bn");
  m.node("Mul", {"bn", m.scalar("half", 0.5f)}, "scaled", "scale");
  m.node("Relu", {"scaled"}, "r", "relu");
  m.node("Add", {"r", m.weight("shift", {8, 1, 1})}, "s", "shift");
  const Graph g = m.load();
  EXPECT_EQ(ops_of(g),
            (std::vector<OpKind>{OpKind::input, OpKind::conv, OpKind::conv, OpKind::concat, OpKind::scale_shift,
                                 OpKind::scale_shift, OpKind::relu, OpKind::scale_shift}));
  EXPECT_EQ(named(g, "cat").inputs, (std::vector<int>{1, 2}));
  EXPECT_EQ(named(g, "bn").out, (Shape{8, 8, 8}));
  EXPECT_EQ(g.weights(), 32);
}

TEST(Onnx, Activations) {
  Model m(4, 8, 8, 14);
  m.node("HardSwish", {"x"}, "a", "hswish");
  auto* hs = m.node("HardSigmoid", {"a"}, "b", "hsig");
  auto* alpha = attr(hs, "alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(1.0f / 6.0f);
  m.node("Sigmoid", {"b"}, "c", "sig");
  m.node("Clip", {"c", m.scalar("zero", 0.0f), m.scalar("six", 6.0f)}, "d", "relu6");
  m.node("Clip", {"d", m.scalar("lo", -1.0f), m.scalar("hi", 1.0f)}, "e", "clip11");  // relu as well
  m.node("Relu", {"e"}, "f", "relu");
  const Graph g = m.load();
  EXPECT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::hardswish, OpKind::hardsigmoid, OpKind::sigmoid,
                                            OpKind::relu, OpKind::relu, OpKind::relu}));
  for (const auto& l : g.layers) EXPECT_EQ(l.out, (Shape{4, 8, 8}));
  EXPECT_EQ(g.weights(), 0);
}

// MobileNetV3's squeeze-excitation block: the gate (C x 1 x 1) multiplies the feature map.
TEST(Onnx, SqueezeExcitationBlock) {
  Model m(16, 8, 8, 14);
  m.node("GlobalAveragePool", {"x"}, "p", "avgpool");
  m.node("Conv", {"p", m.weight("w1", {4, 16, 1, 1}), m.weight("b1", {4})}, "f1", "fc1");
  m.node("Relu", {"f1"}, "r", "relu");
  m.node("Conv", {"r", m.weight("w2", {16, 4, 1, 1}), m.weight("b2", {16})}, "f2", "fc2");
  m.node("HardSigmoid", {"f2"}, "gate", "scale_activation");
  m.node("Mul", {"gate", "x"}, "y", "mul");  // gate first: the loader puts the broadcast operand second
  const Graph g = m.load();
  EXPECT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::global_avg_pool, OpKind::conv, OpKind::relu,
                                            OpKind::conv, OpKind::hardsigmoid, OpKind::mul}));
  const Layer& mul = named(g, "mul");
  EXPECT_EQ(mul.inputs, (std::vector<int>{0, 5}));
  EXPECT_EQ(mul.out, (Shape{16, 8, 8}));
  EXPECT_EQ(named(g, "scale_activation").out, (Shape{16, 1, 1}));
  EXPECT_EQ(g.weights(), 2 * 16 * 4);
  EXPECT_EQ(g.macs(), 2 * 16 * 4);
}

// DARTS FactorizedReduce as PyTorch exports it: conv_2 reads x[:, :, 1:, 1:] (Slice), or the input padded
// by one row and column and then sliced.
TEST(Onnx, FactorizedReduceShiftWithSliceAndPad) {
  for (bool with_pad : {false, true}) {
    SCOPED_TRACE(with_pad ? "pad + slice" : "slice");
    Model m(8, 32, 32);
    m.node("Relu", {"x"}, "r", "relu");
    auto* c1 = m.node("Conv", {"r", m.weight("w1", {4, 8, 1, 1})}, "c1", "conv_1");
    set_ints(c1, "strides", {2, 2});
    std::string src = "r";
    if (with_pad) {
      auto* p = m.node("Pad", {"r", m.ints("pads", {0, 0, 0, 0, 0, 0, 1, 1})}, "padded", "pad");
      set_s(p, "mode", "constant");
      src = "padded";
    }
    m.node("Slice", {src, m.ints("starts", {1, 1}), m.ints("ends", {INT64_MAX, INT64_MAX}), m.ints("axes", {2, 3})},
           "shifted", "shift");
    auto* c2 = m.node("Conv", {"shifted", m.weight("w2", {4, 8, 1, 1})}, "c2", "conv_2");
    set_ints(c2, "strides", {2, 2});
    set_i(m.node("Concat", {"c1", "c2"}, "y", "cat"), "axis", 1);
    const Graph g = m.load();
    const Layer& slice = named(g, "shift");
    EXPECT_EQ(slice.op, OpKind::slice);
    EXPECT_EQ(std::vector<int>(slice.pads, slice.pads + 4), (std::vector<int>{1, 1, 0, 0}));
    EXPECT_EQ(slice.out, with_pad ? (Shape{8, 32, 32}) : (Shape{8, 31, 31}));
    if (with_pad) {
      EXPECT_EQ(named(g, "pad").op, OpKind::pad);
      EXPECT_EQ(named(g, "pad").out, (Shape{8, 33, 33}));
    }
    EXPECT_EQ(named(g, "cat").out, (Shape{8, 16, 16}));
    EXPECT_EQ(g.weights(), 2 * 4 * 8);
    EXPECT_EQ(g.macs(), 2 * 4 * 8 * 16 * 16);
  }
}

// Slice parameters from Constant nodes (a tensor and value_ints), and the opset-9 attribute form.
TEST(Onnx, ConstantFedAndAttributeSlices) {
  Model m(3, 10, 10);
  auto* starts = m.node("Constant", {}, "starts", "c_starts");
  auto* t = attr(starts, "value");
  t->set_type(onnx::AttributeProto::TENSOR);
  t->mutable_t()->set_data_type(onnx::TensorProto::INT64);
  t->mutable_t()->add_dims(2);
  t->mutable_t()->add_int64_data(2);
  t->mutable_t()->add_int64_data(0);
  set_ints(m.node("Constant", {}, "ends", "c_ends"), "value_ints", {-1, 7});
  set_ints(m.node("Constant", {}, "axes", "c_axes"), "value_ints", {-2, -1});
  m.node("Slice", {"x", "starts", "ends", "axes"}, "s1", "crop");
  const Graph g = m.load();
  EXPECT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::slice}));
  EXPECT_EQ(std::vector<int>(g.layers[1].pads, g.layers[1].pads + 4), (std::vector<int>{2, 0, 1, 3}));
  EXPECT_EQ(g.layers[1].out, (Shape{3, 7, 7}));

  Model old(3, 10, 10, 9);
  auto* s = old.node("Slice", {"x"}, "s", "crop");
  set_ints(s, "starts", {0, 1});
  set_ints(s, "ends", {3, 10});
  set_ints(s, "axes", {1, 3});  // the full channel range is allowed
  EXPECT_EQ(old.load().layers[1].out, (Shape{3, 10, 9}));
}

// A folded Slice takes ceil(distance / |step|) elements for any int64 step: a step longer than the axis takes
// one element, and steps of INT64_MIN or INT64_MAX neither overflow (UBSan) nor lose the element. The folded
// values are read back as the ends of a crop of x (3x5x7): Slice(Shape(w)) with w of dims [2, 3, 4, 6].
TEST(Onnx, FoldedSliceStepsOfAnySize) {
  struct Case {
    int64_t start, end, step;
    Ints tail, axes;  // ends = Concat(folded values, tail) crop x on these axes
    Shape out;
  };
  const std::vector<Case> cases = {
      {INT64_MAX, INT64_MIN, INT64_MIN, {}, {3}, {3, 5, 6}},   // [6]: the start clamps to the last element
      {0, INT64_MAX, INT64_MAX, {}, {3}, {3, 5, 2}},            // [2]
      {-1, -INT64_MAX, -2, {}, {3, 2}, {3, 3, 6}},              // [6, 3]: numpy's a[3::-2]
      {1, INT64_MAX, -INT64_MAX, {4}, {3}, {3, 5, 4}},          // []: a backward slice from 1 to past the end
      {-3, INT64_MAX, 4, {}, {3}, {3, 5, 3}},                   // [3]: a step of the axis' length
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.start) + ":" + std::to_string(c.end) + ":" + std::to_string(c.step));
    Model m(3, 5, 7);
    m.node("Shape", {m.weight("w", {2, 3, 4, 6})}, "shape");
    m.node("Slice", {"shape", m.ints("s", {c.start}), m.ints("e", {c.end}), m.ints("a", {0}), m.ints("st", {c.step})},
           "part");
    std::string ends = "part";
    if (!c.tail.empty()) {
      set_i(m.node("Concat", {"part", m.ints("tail", c.tail)}, "ends"), "axis", 0);
      ends = "ends";
    }
    m.node("Slice", {"x", m.ints("zeros", Ints(c.axes.size(), 0)), ends, m.ints("axes", c.axes)}, "y", "crop");
    const Graph g = m.load();
    ASSERT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::slice}));
    EXPECT_EQ(g.layers[1].out, c.out);
  }
}

// Shape arithmetic on any int64 a file holds is exact or an error naming the node, never undefined (the
// sanitizer build runs this): Range counts in exact integers, Neg and Abs of INT64_MIN, a Concat longer than
// int64, a Cast of a real beyond int64 (saturates), a negative Expand shape, a tensor of negative dims. The
// folded values are read back from the Reshape error that quotes them.
TEST(Onnx, ShapeArithmeticPastInt64) {
  auto reshaped_by = [](const std::function<std::string(Model&)>& target) {
    Model m(3, 5, 7);
    m.node("Reshape", {"x", target(m)}, "y", "view");
    return m.error();
  };
  const std::string view = "m.onnx: node 'view' (Reshape): shape ";
  EXPECT_EQ(reshaped_by([](Model& m) {
              m.node("Range", {m.ints("s", {INT64_MIN}), m.ints("l", {INT64_MAX}), m.ints("d", {INT64_C(1) << 62})}, "r");
              return "r";
            }),
            view + "[-9223372036854775808, -4611686018427387904, 0, 4611686018427387904] is not a valid Reshape target");
  EXPECT_EQ(reshaped_by([](Model& m) {  // 1000 elements exactly (a double count says 1024, and the last overflows)
              m.node("Range", {m.ints("s", {INT64_MIN + 1000}), m.ints("l", {INT64_MIN}), m.ints("d", {-1})}, "r");
              return "r";
            }),
            view + "[-9223372036854774808, -9223372036854774809, -9223372036854774810, -9223372036854774811, "
                   "-9223372036854774812, -9223372036854774813, -9223372036854774814, -9223372036854774815, "
                   "-9223372036854774816, -9223372036854774817, -9223372036854774818, -9223372036854774819, "
                   "-9223372036854774820, -9223372036854774821, -9223372036854774822, -9223372036854774823, "
                   "... (1000 values)] is not a valid Reshape target");
  for (const char* op : {"Neg", "Abs"}) {
    Model m(3, 5, 7);
    m.node(op, {m.ints("v", {INT64_MIN})}, "n", "negate");
    m.node("Reshape", {"x", "n"}, "y", "view");
    EXPECT_EQ(m.error(), std::string("m.onnx: node 'negate' (") + op + "): integer overflow in " + op +
                             " -9223372036854775808");
  }
  EXPECT_EQ(reshaped_by([](Model& m) {
              for (const char* name : {"a", "b"}) {  // declared dims only: no data to fold
                auto* t = m.g->add_initializer();
                t->set_name(name);
                t->set_data_type(onnx::TensorProto::FLOAT);
                t->add_dims(INT64_C(1) << 62);
                t->set_data_location(onnx::TensorProto::EXTERNAL);
              }
              m.node("Concat", {"a", "b"}, "ab", "cat");
              set_i(m.g->mutable_node(0), "axis", 0);
              m.node("Shape", {"ab"}, "s");
              return "s";
            }),
            "m.onnx: node 'cat' (Concat): inputs whose lengths on axis 0 add up past int64");
  EXPECT_EQ(reshaped_by([](Model& m) {
              auto* t = m.g->add_initializer();
              t->set_name("reals");
              t->set_data_type(onnx::TensorProto::FLOAT);
              t->add_dims(3);
              for (float v : {1e30f, -1e30f, -2.9f}) t->add_float_data(v);
              set_i(m.node("Cast", {"reals"}, "c"), "to", onnx::TensorProto::INT64);
              return "c";
            }),
            view + "[9223372036854775807, -9223372036854775808, -2] is not a valid Reshape target");
  EXPECT_EQ(reshaped_by([](Model& m) {
              m.node("Expand", {m.ints("one", {1}), m.ints("shape", {-2})}, "e", "expand");
              return "e";
            }),
            "m.onnx: node 'expand' (Expand): shape [-2] has a negative dimension");
  EXPECT_EQ(reshaped_by([](Model& m) {
              auto* t = m.g->add_initializer();  // dims whose product, 1, looks like a count
              t->set_name("odd");
              t->set_data_type(onnx::TensorProto::INT64);
              t->add_dims(-1);
              t->add_dims(-1);
              t->add_int64_data(-1);
              return "odd";
            }),
            view + "'odd' has dims [-1, -1]: a dimension cannot be negative");
}

TEST(Onnx, DropoutAndIdentity) {
  Model m(3, 8, 8);
  m.node("Identity", {m.weight("w", {4, 3, 3, 3})}, "w_shared", "w_identity");  // an initializer renamed
  m.node("Conv", {"x", "w_shared"}, "c", "conv");
  m.node("Dropout", {"c"}, "d", "dropout");
  m.node("Identity", {"d"}, "i", "identity");
  const Graph g = m.load();
  EXPECT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::conv, OpKind::identity, OpKind::identity}));
  EXPECT_EQ(g.layers[3].out, (Shape{4, 6, 6}));
  EXPECT_EQ(g.weights(), 4 * 3 * 9);
}

TEST(Onnx, PoolsAndDuplicateNames) {
  Model m(4, 9, 9);
  auto* mp = m.node("MaxPool", {"x"}, "a", "pool");
  set_ints(mp, "kernel_shape", {3, 3});
  set_ints(mp, "strides", {2, 2});
  set_ints(mp, "pads", {1, 1, 1, 1});
  auto* ap = m.node("AveragePool", {"a"}, "b", "pool");
  set_ints(ap, "kernel_shape", {2, 2});
  set_ints(ap, "strides", {2, 2});
  const Graph g = m.load();
  EXPECT_EQ(ops_of(g), (std::vector<OpKind>{OpKind::input, OpKind::max_pool, OpKind::avg_pool}));
  EXPECT_EQ(g.layers[1].name, "pool");
  EXPECT_EQ(g.layers[2].name, "pool_2");
  EXPECT_EQ(g.layers[1].out, (Shape{4, 5, 5}));
  EXPECT_EQ(g.layers[2].out, (Shape{4, 2, 2}));
}

const std::string supported =
    "unsupported operator; supported: Add, AveragePool, BatchNormalization, Clip, Concat, Constant, Conv, Div, "
    "Dropout, Erf, Flatten, Gather, Gelu, Gemm, GlobalAveragePool, HardSigmoid, HardSwish, Identity, "
    "LayerNormalization, LogSoftmax, MatMul, MaxPool, Mul, Pad, ReduceMean, Relu, Reshape, Sigmoid, Slice, Softmax, "
    "Split, Squeeze, Sub, Sum, Tanh, Transpose, Unsqueeze; in a layer norm's decomposition also Pow, Sqrt; on "
    "constants also: Abs, Cast, Ceil, ConstantOfShape, Equal, Expand, Floor, Greater, Less, Max, Min, Mod, Neg, "
    "Not, Pow, Range, ScatterND, Shape, Size, Where";

TEST(Onnx, UnsupportedOperatorsAreNamed) {
  Model m(3, 8, 8);
  m.node("Relu", {"x"}, "r", "relu");
  m.node("Resize", {"r", "", m.weight("scales", {4})}, "up", "upsample");
  EXPECT_EQ(m.error(), "m.onnx: node 'upsample' (Resize): " + supported);
  Model k(3, 8, 8);
  k.node("LSTM", {"x", k.weight("W", {1, 8, 3}), k.weight("R", {1, 8, 2})}, "h");  // unnamed: its output
  const std::string path = temp_path("lstm.onnx");
  {
    std::ofstream out(path, std::ios::binary);
    k.m.SerializeToOstream(&out);
  }
  EXPECT_EQ(error_of([&] { load_network(path); }), path + ": node 'h' (LSTM): " + supported);
  std::remove(path.c_str());
}

TEST(Onnx, GarbageFilesAreRefusedInOneLine) {
  const std::string text = temp_path("text.onnx");
  std::ofstream(text) << "this is not an ONNX model\n";
  const std::string e = error_of([&] { load_network(text); });
  EXPECT_EQ(e.find('\n'), std::string::npos);
  EXPECT_EQ(e.rfind(text + ": not an ONNX model", 0), 0u) << e;
  std::ofstream(text, std::ios::trunc).flush();  // empty: parses, but holds no graph
  EXPECT_EQ(error_of([&] { load_network(text); }), text + ": not an ONNX model (a ModelProto with a graph of nodes)");
  std::remove(text.c_str());
  EXPECT_EQ(error_of([] { load_network("/nonexistent/m.onnx"); }), "cannot open /nonexistent/m.onnx (No such file or directory)");
}

TEST(Onnx, RefusedModels) {
  {
    Model m(3, 8, 8);
    m.node("Conv", {"x", "w"}, "c", "conv");
    EXPECT_EQ(m.error(), "m.onnx: node 'conv' (Conv): weight 'w' is not an initializer or constant");
  }
  {
    Model m(3, 8, 8);
    m.g->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim()->RemoveLast();
    m.node("Relu", {"x"}, "r");
    EXPECT_EQ(m.error(), "m.onnx: input 'x' must be a 4-D tensor (NCHW), has rank 3");
  }
  {
    Model m(3, 8, 8);
    m.g->clear_input();
    m.node("Relu", {"x"}, "r");
    EXPECT_EQ(m.error(), "m.onnx: the graph has no input (every graph input is an initializer)");
  }
  {
    Model m(3, 8, 8);
    set_s(m.node("Conv", {"x", m.weight("w", {4, 3, 3, 3})}, "c", "conv"), "auto_pad", "SAME");
    EXPECT_EQ(m.error(), "m.onnx: node 'conv' (Conv): auto_pad 'SAME' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
  }
  {
    Model m(3, 8, 8);
    auto* p = m.node("MaxPool", {"x"}, "p", "pool");
    set_ints(p, "kernel_shape", {3, 3});
    set_ints(p, "strides", {2, 2});
    set_i(p, "ceil_mode", 2);
    EXPECT_EQ(m.error(), "m.onnx: node 'pool' (MaxPool): ceil_mode 2 is not 0 or 1");
  }
  {
    Model m(3, 8, 8);
    m.node("Slice", {"x", m.ints("s", {0}), m.ints("e", {8}), m.ints("a", {2}), m.ints("st", {2})}, "y", "sl");
    EXPECT_EQ(m.error(), "m.onnx: node 'sl' (Slice): steps [2]: only step 1 is supported");
  }
  {
    Model m(3, 8, 8);
    m.node("Slice", {"x", m.ints("s", {1}), m.ints("e", {3}), m.ints("a", {1})}, "y", "sl");
    EXPECT_EQ(m.error(),
              "m.onnx: node 'sl' (Slice): channels [1, 3) of 3x8x8: the IR has no channel slice; only equal blocks of "
              "a tensor (a copy into row blocks) or of a projection (split into one conv per block) are supported");
  }
  {
    Model m(3, 8, 8);
    m.node("Add", {"x", "nowhere"}, "y", "add");
    EXPECT_EQ(m.error(),
              "m.onnx: node 'add' (Add): input 'nowhere' is not the graph input nor the output of an "
              "earlier node");
  }
  {
    Model m(3, 8, 8);  // shape errors name the node
    m.node("Conv", {"x", m.weight("w", {4, 3, 9, 9})}, "c", "conv");
    EXPECT_CONTAINS(m.error(), "m.onnx: node 'conv' (Conv): layer 'conv': kernel 9x9 is larger than the padded input");
  }
}

// ---- round trips -------------------------------------------------------------------------------------

// ONNX's own checker and shape inference agree with the IR on every layer's output shape.
void expect_valid_onnx(const Graph& graph, onnx::ModelProto model) {
  EXPECT_NO_THROW(onnx::checker::check_model(model));
  onnx::ShapeInferenceOptions options{true, 1, false};
  ASSERT_NO_THROW(onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options));
  std::map<std::string, std::vector<int64_t>> dims;
  for (const auto* list : {&model.graph().value_info(), &model.graph().output()}) {
    for (const auto& v : *list) {
      auto& d = dims[v.name()];
      for (const auto& x : v.type().tensor_type().shape().dim()) d.push_back(x.dim_value());
    }
  }
  for (const auto& l : graph.layers) {
    if (l.op == OpKind::input) continue;
    ASSERT_TRUE(dims.count(l.name)) << l.name;
    const auto& d = dims[l.name];
    const Ints expect = d.size() == 2 ? Ints{1, l.out.c} : Ints{1, l.out.c, l.out.h, l.out.w};
    EXPECT_EQ(d, expect) << l.name << " (" << op_name(l.op) << ")";
    if (d.size() == 2) {
      EXPECT_TRUE(l.out.h == 1 && l.out.w == 1) << l.name;
    }
  }
}

void expect_round_trip(const Graph& original) {
  SCOPED_TRACE(original.name);
  const std::string path = temp_path(original.name + ".onnx");
  save_onnx(original, path);
  const Graph back = load_network(path);
  std::remove(path.c_str());
  ASSERT_EQ(back.layers.size(), original.layers.size());
  for (size_t i = 0; i < back.layers.size(); ++i) {
    const Layer& a = original.layers[i];
    const Layer& b = back.layers[i];
    SCOPED_TRACE("layer " + std::to_string(i) + " " + a.name);
    EXPECT_EQ(b.name, a.name);
    EXPECT_EQ(b.op, a.op);
    EXPECT_EQ(b.inputs, a.inputs);
    EXPECT_EQ(b.in, a.in);
    EXPECT_EQ(b.out, a.out);
    EXPECT_EQ(b.weights(), a.weights());
    EXPECT_EQ(b.macs(), a.macs());
  }
  EXPECT_EQ(back.weights(), original.weights());
  EXPECT_EQ(back.macs(), original.macs());
}

TEST(Onnx, BuiltinNetworksRoundTrip) {
  const auto names = builtin_network_names();
  int tested = 0;
  for (const char* name : {"vgg8", "resnet18", "darts_v2", "squeezenet1_1", "mobilenet_v3_small"}) {
    if (std::find(names.begin(), names.end(), name) == names.end()) continue;
    const Graph g = load_network(name);
    expect_round_trip(g);
    expect_valid_onnx(g, to_onnx(g));
    ++tested;
    RecordProperty(name, std::to_string(g.layers.size()) + " layers");
  }
  EXPECT_GE(tested, 3);
}

// Every IR op, including those the built-ins do not use (zero with a stride, scale_shift, slice, flatten
// feeding something other than an fc, an fc output reshaped for a broadcast mul).
TEST(Onnx, EveryOpRoundTrips) {
  Graph g;
  g.name = "every_op";
  auto add = [&](const std::string& name, OpKind op, std::vector<int> inputs, auto&& set) {
    Layer l;
    l.name = name;
    l.op = op;
    l.inputs = std::move(inputs);
    set(l);
    return g.add(std::move(l));
  };
  auto none = [](Layer&) {};
  Layer in;
  in.name = "input";
  in.op = OpKind::input;
  in.out = Shape{4, 12, 12};
  g.add(in);
  const int conv = add("conv", OpKind::conv, {0}, [](Layer& l) {
    l.out_channels = 8, l.kernel_h = 3, l.kernel_w = 1, l.pad = 1, l.groups = 2, l.dilation = 1;
  });
  const int pad = add("pad", OpKind::pad, {conv}, [](Layer& l) { l.pads[0] = 1, l.pads[3] = 2; });
  const int slice = add("slice", OpKind::slice, {pad}, [](Layer& l) { l.pads[0] = 1, l.pads[1] = 2, l.pads[2] = 2; });
  const int ss = add("ss", OpKind::scale_shift, {slice}, none);
  const int hs = add("hs", OpKind::hardswish, {ss}, none);
  const int zero = add("zero", OpKind::zero, {hs}, [](Layer& l) { l.stride = 2; });
  const int zero1 = add("zero1", OpKind::zero, {hs}, none);
  const int mp = add("mp", OpKind::max_pool, {zero1}, [](Layer& l) { l.kernel_h = l.kernel_w = 2, l.stride = 2; });
  const int sum = add("sum", OpKind::add, {zero, mp, zero}, none);
  const int ap = add("ap", OpKind::avg_pool, {sum}, [](Layer& l) { l.kernel_h = l.kernel_w = 3, l.pad = 1; });
  const int cat = add("cat", OpKind::concat, {ap, sum}, none);
  const int id = add("id", OpKind::identity, {cat}, none);
  const int gap = add("gap", OpKind::global_avg_pool, {id}, none);
  const int fc = add("fc", OpKind::fc, {gap}, [](Layer& l) { l.out_channels = 16; });
  const int sig = add("sig", OpKind::sigmoid, {fc}, none);
  const int hsig = add("hsig", OpKind::hardsigmoid, {sig}, none);
  const int mul = add("mul", OpKind::mul, {id, hsig}, none);
  const int flat = add("flat", OpKind::flatten, {mul}, none);
  const int relu = add("relu", OpKind::relu, {flat}, none);
  add("fc2", OpKind::fc, {relu}, [](Layer& l) { l.out_channels = 3; });
  add("ss2", OpKind::scale_shift, {flat}, none);
  g.infer_shapes();
  ASSERT_EQ(g.layers[size_t(mul)].out, (Shape{16, 5, 7}));
  expect_round_trip(g);
  expect_valid_onnx(g, to_onnx(g));
}

}  // namespace
