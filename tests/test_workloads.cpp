// The network IR (shape inference, validation, counts) and the built-in networks, checked against
// closed forms computed here from the layer definitions.
#include <gtest/gtest.h>

#include <string>

#include "workloads/builtins.hpp"
#include "workloads/graph.hpp"
#include "run_util.hpp"

using namespace cimsim::workloads;

namespace {

Graph with_input(Shape s) {
  Graph g;
  g.name = "t";
  Layer in;
  in.name = "input";
  in.op = OpKind::input;
  in.out = s;
  g.add(in);
  return g;
}

Layer conv(const std::string& name, int from, int out_channels, int k, int stride = 1, int pad = 0,
           int dilation = 1, int groups = 1) {
  Layer l;
  l.name = name;
  l.op = OpKind::conv;
  l.inputs = {from};
  l.out_channels = out_channels;
  l.kernel_h = l.kernel_w = k;
  l.stride = stride;
  l.pad = pad;
  l.dilation = dilation;
  l.groups = groups;
  return l;
}

Layer op(const std::string& name, OpKind kind, std::vector<int> inputs) {
  Layer l;
  l.name = name;
  l.op = kind;
  l.inputs = std::move(inputs);
  return l;
}

using cimsim::testing::error_of;

// Shape inference of a single layer fed by the input.
Shape out_of(Shape in, Layer l) {
  Graph g = with_input(in);
  g.add(std::move(l));
  g.infer_shapes();
  return g.layers.back().out;
}

}  // namespace

TEST(WorkloadGraph, OpNamesRoundTrip) {
  for (auto k : {OpKind::input, OpKind::conv, OpKind::fc, OpKind::max_pool, OpKind::avg_pool,
                 OpKind::global_avg_pool, OpKind::relu, OpKind::add, OpKind::concat, OpKind::identity}) {
    EXPECT_EQ(op_from_name(op_name(k)), k);
  }
  EXPECT_THROW(op_from_name("convolution"), std::invalid_argument);
  EXPECT_TRUE(is_weighted(OpKind::conv));
  EXPECT_TRUE(is_weighted(OpKind::fc));
  EXPECT_FALSE(is_weighted(OpKind::max_pool));
}

TEST(WorkloadGraph, ConvShapeFollowsStridePadDilation) {
  // out = floor((H + 2*pad - dilation*(k-1) - 1) / stride) + 1
  EXPECT_EQ(out_of({3, 32, 32}, conv("c", 0, 16, 3, 1, 1)), (Shape{16, 32, 32}));   // (32+2-2-1)/1+1
  EXPECT_EQ(out_of({3, 32, 32}, conv("c", 0, 16, 3, 2, 1)), (Shape{16, 16, 16}));   // (32+2-2-1)/2+1 = 15+1
  EXPECT_EQ(out_of({3, 32, 32}, conv("c", 0, 16, 3, 1, 0)), (Shape{16, 30, 30}));   // (32-3)/1+1
  EXPECT_EQ(out_of({3, 32, 32}, conv("c", 0, 16, 3, 1, 2, 2)), (Shape{16, 32, 32}));  // (32+4-4-1)+1
  EXPECT_EQ(out_of({3, 33, 33}, conv("c", 0, 8, 5, 2, 0)), (Shape{8, 15, 15}));     // (33-5)/2+1 = 14+1
  EXPECT_EQ(out_of({3, 17, 17}, conv("c", 0, 8, 3, 2, 1, 2)), (Shape{8, 8, 8}));    // (17+2-4-1)/2+1 = 7+1
  Layer rect = conv("c", 0, 4, 1);
  rect.kernel_h = 1;
  rect.kernel_w = 7;
  rect.pad = 0;
  EXPECT_EQ(out_of({2, 10, 10}, rect), (Shape{4, 10, 4}));  // width (10-7)/1+1
}

TEST(WorkloadGraph, DepthwiseAndGroupedConvWeights) {
  Graph g = with_input({32, 16, 16});
  g.add(conv("dw", 0, 32, 3, 1, 1, 1, 32));   // depthwise: one 3x3 filter per channel
  g.add(conv("grp", 1, 64, 3, 2, 1, 1, 4));   // 4 groups of 8 input channels
  g.infer_shapes();
  EXPECT_EQ(g.layers[1].out, (Shape{32, 16, 16}));
  EXPECT_EQ(g.layers[1].weights(), 32 * 1 * 3 * 3);
  EXPECT_EQ(g.layers[1].macs(), 16 * 16 * (32 * 1 * 3 * 3));
  EXPECT_EQ(g.layers[2].out, (Shape{64, 8, 8}));
  EXPECT_EQ(g.layers[2].weights(), 64 * (32 / 4) * 3 * 3);
  EXPECT_EQ(g.layers[2].macs(), 8 * 8 * (64 * 8 * 3 * 3));
}

TEST(WorkloadGraph, PoolingFcAddConcatShapes) {
  Graph g = with_input({8, 15, 15});
  Layer mp = op("mp", OpKind::max_pool, {0});
  mp.kernel_h = mp.kernel_w = 2;
  mp.stride = 2;
  g.add(mp);                                                   // 1: (15-2)/2+1 = 7
  Layer ap = op("ap", OpKind::avg_pool, {0});
  ap.kernel_h = ap.kernel_w = 3;
  ap.stride = 2;
  ap.pad = 1;
  g.add(ap);                                                   // 2: (15+2-3)/2+1 = 8
  g.add(conv("c", 0, 4, 3, 2, 1));                             // 3: 4x8x8
  g.add(op("cat", OpKind::concat, {2, 3, 2}));                 // 4: (8+4+8)x8x8
  g.add(op("sum", OpKind::add, {2, 2}));                       // 5: 8x8x8
  g.add(op("r", OpKind::relu, {4}));                           // 6
  g.add(op("id", OpKind::identity, {6}));                      // 7
  Layer fc = op("fc", OpKind::fc, {7});
  fc.out_channels = 10;
  g.add(fc);                                                   // 8: flattens 20*8*8
  g.add(op("gap", OpKind::global_avg_pool, {7}));              // 9
  g.infer_shapes();
  EXPECT_EQ(g.layers[1].out, (Shape{8, 7, 7}));
  EXPECT_EQ(g.layers[2].out, (Shape{8, 8, 8}));
  EXPECT_EQ(g.layers[4].in, (Shape{20, 8, 8}));
  EXPECT_EQ(g.layers[4].out, (Shape{20, 8, 8}));
  EXPECT_EQ(g.layers[5].out, (Shape{8, 8, 8}));
  EXPECT_EQ(g.layers[7].out, (Shape{20, 8, 8}));
  EXPECT_EQ(g.layers[8].out, (Shape{10, 1, 1}));
  EXPECT_EQ(g.layers[8].weights(), 10 * 20 * 8 * 8);
  EXPECT_EQ(g.layers[8].macs(), 10 * 20 * 8 * 8);
  EXPECT_EQ(g.layers[9].out, (Shape{20, 1, 1}));
  for (int i : {1, 2, 4, 5, 6, 7, 9}) EXPECT_EQ(g.layers[i].weights(), 0) << g.layers[i].name;
  EXPECT_EQ(g.weights(), 4 * 8 * 3 * 3 + 10 * 20 * 8 * 8);
  EXPECT_EQ(g.macs(), 8 * 8 * (4 * 8 * 3 * 3) + 10 * 20 * 8 * 8);
  const auto consumers = g.consumers();
  EXPECT_EQ(consumers[2], (std::vector<int>{4, 4, 5, 5}));
  EXPECT_EQ(consumers[7], (std::vector<int>{8, 9}));
  EXPECT_TRUE(consumers[8].empty());
  EXPECT_EQ(g.index_of("cat"), 4);
  EXPECT_EQ(g.index_of("nope"), -1);
}

TEST(WorkloadGraph, GroupsMustDivideChannels) {
  Graph g = with_input({30, 8, 8});
  g.add(conv("conv3", 0, 8, 3, 1, 1, 1, 4));
  EXPECT_EQ(error_of([&] { g.infer_shapes(); }), "layer 'conv3': in_channels 30 not divisible by groups 4");
  Graph h = with_input({32, 8, 8});
  h.add(conv("conv4", 0, 10, 3, 1, 1, 1, 4));
  EXPECT_EQ(error_of([&] { h.infer_shapes(); }), "layer 'conv4': out_channels 10 not divisible by groups 4");
}

TEST(WorkloadGraph, KernelLargerThanPaddedInput) {
  Graph g = with_input({3, 4, 4});
  g.add(conv("big", 0, 8, 7, 1, 1));  // 4 + 2*1 = 6 < 7
  const auto msg = error_of([&] { g.infer_shapes(); });
  EXPECT_NE(msg.find("layer 'big': kernel 7x7"), std::string::npos) << msg;
  EXPECT_NE(msg.find("larger than the padded input height 6"), std::string::npos) << msg;
  Graph d = with_input({3, 5, 5});
  d.add(conv("dil", 0, 8, 3, 1, 0, 3));  // span 3*(3-1)+1 = 7 > 5
  EXPECT_NE(error_of([&] { d.infer_shapes(); }).find("layer 'dil': kernel 3x3 (dilation 3)"), std::string::npos);
  Graph p = with_input({3, 1, 1});
  Layer mp = op("pool", OpKind::max_pool, {0});
  mp.kernel_h = mp.kernel_w = 2;
  mp.stride = 2;
  p.add(mp);
  EXPECT_NE(error_of([&] { p.infer_shapes(); }).find("layer 'pool': kernel 2x2"), std::string::npos);
}

TEST(WorkloadGraph, NonPositiveParameters) {
  const auto check = [](Layer l, const std::string& expected) {
    Graph g = with_input({4, 8, 8});
    g.add(std::move(l));
    EXPECT_EQ(error_of([&] { g.infer_shapes(); }), expected);
  };
  check(conv("c", 0, 8, 3, 0), "layer 'c': stride 0 must be positive");
  check(conv("c", 0, 8, 0), "layer 'c': kernel height 0 must be positive");
  check(conv("c", 0, 0, 3), "layer 'c': out_channels 0 must be positive");
  check(conv("c", 0, 8, 3, 1, 1, 0), "layer 'c': dilation 0 must be positive");
  check(conv("c", 0, 8, 3, 1, 1, 1, 0), "layer 'c': groups 0 must be positive");
  check(conv("c", 0, 8, 3, 1, -1), "layer 'c': pad -1 must not be negative");
  Layer fc = op("f", OpKind::fc, {0});
  check(fc, "layer 'f': out_channels 0 must be positive");
  Graph g;
  Layer in;
  in.name = "input";
  in.op = OpKind::input;
  in.out = {3, 0, 32};
  g.add(in);
  EXPECT_EQ(error_of([&] { g.infer_shapes(); }), "layer 'input': input shape 3x0x32 (CxHxW) must be positive");
}

TEST(WorkloadGraph, InputCountPerOp) {
  const auto check = [](Layer l, const std::string& expected) {
    Graph g = with_input({4, 8, 8});
    g.add(op("r", OpKind::relu, {0}));
    g.add(std::move(l));
    EXPECT_EQ(error_of([&] { g.infer_shapes(); }), expected);
  };
  check(op("x", OpKind::relu, {}), "layer 'x': relu needs exactly 1 input, has 0");
  check(op("x", OpKind::identity, {0, 1}), "layer 'x': identity needs exactly 1 input, has 2");
  Layer c2 = conv("x", 0, 4, 1);
  c2.inputs = {0, 1};
  check(c2, "layer 'x': conv needs exactly 1 input, has 2");
  check(op("x", OpKind::add, {1}), "layer 'x': add needs at least 2 inputs, has 1");
  check(op("x", OpKind::concat, {}), "layer 'x': concat needs at least 1 input, has 0");
  check(op("x", OpKind::input, {}), "layer 'x': only the first layer may be an input");
  check(op("x", OpKind::input, {1}), "layer 'x': an input layer takes no inputs, has 1");
  Graph g;
  g.add(op("first", OpKind::identity, {}));
  EXPECT_NE(error_of([&] { g.infer_shapes(); }).find("layer 'first'"), std::string::npos);
  Graph empty;
  EXPECT_FALSE(error_of([&] { empty.infer_shapes(); }).empty());
}

TEST(WorkloadGraph, AddAndConcatShapeChecks) {
  Graph g = with_input({4, 8, 8});
  g.add(conv("a", 0, 8, 1));
  g.add(op("sum", OpKind::add, {0, 1}));
  EXPECT_EQ(error_of([&] { g.infer_shapes(); }),
            "layer 'sum': input 'a' has shape 8x8x8 but input 'input' has 4x8x8 (add needs equal shapes, CxHxW)");
  Graph h = with_input({4, 8, 8});
  h.add(conv("down", 0, 4, 1, 2));
  h.add(op("cat", OpKind::concat, {0, 1}));
  EXPECT_NE(error_of([&] { h.infer_shapes(); }).find("layer 'cat': input 'down' has shape 4x4x4"),
            std::string::npos);
}

TEST(WorkloadGraph, AddRejectsBadReferencesAndDuplicates) {
  Graph g = with_input({4, 8, 8});
  EXPECT_EQ(error_of([&] { g.add(op("x", OpKind::relu, {1})); }),
            "layer 'x': input index 1 does not refer to an earlier layer");
  EXPECT_EQ(error_of([&] { g.add(op("input", OpKind::relu, {0})); }), "duplicate layer name 'input'");
  EXPECT_FALSE(error_of([&] { g.add(op("", OpKind::relu, {0})); }).empty());
  EXPECT_EQ(g.layers.size(), 1u);
}

TEST(WorkloadBuiltins, Vgg8CountsAndShapes) {
  const Graph g = vgg8_network();
  EXPECT_EQ(g.name, "vgg8");
  // conv weights: Cout * Cin * 3 * 3; fc: out * in
  const int64_t conv_w[] = {128 * 3 * 9, 128 * 128 * 9, 256 * 128 * 9, 256 * 256 * 9, 512 * 256 * 9, 512 * 512 * 9};
  const int64_t out_hw[] = {32 * 32, 32 * 32, 16 * 16, 16 * 16, 8 * 8, 8 * 8};
  int64_t weights = 8192 * 1024 + 1024 * 10, macs = 8192 * 1024 + 1024 * 10;
  for (int i = 0; i < 6; ++i) {
    weights += conv_w[i];
    macs += out_hw[i] * conv_w[i];
  }
  EXPECT_EQ(weights, 12973440);
  EXPECT_EQ(macs, 615917568);
  EXPECT_EQ(g.weights(), weights);
  EXPECT_EQ(g.macs(), macs);
  // input, 6 conv + 6 relu, 3 pools, fc1 + relu7, fc2
  ASSERT_EQ(g.layers.size(), 1u + 12 + 3 + 3);
  EXPECT_EQ(g.layers[g.index_of("pool1")].out, (Shape{128, 16, 16}));
  EXPECT_EQ(g.layers[g.index_of("pool2")].out, (Shape{256, 8, 8}));
  EXPECT_EQ(g.layers[g.index_of("pool3")].out, (Shape{512, 4, 4}));
  EXPECT_EQ(g.layers[g.index_of("fc1")].in, (Shape{512, 4, 4}));
  EXPECT_EQ(g.layers[g.index_of("fc2")].out, (Shape{10, 1, 1}));
  EXPECT_EQ(g.layers.back().name, "fc2");  // the classifier ends the network, no relu after it
}

TEST(WorkloadBuiltins, Resnet18CountsAndShapes) {
  const Graph g = resnet18_network();
  EXPECT_EQ(g.name, "resnet18");
  const int64_t stem = 64 * 3 * 9;
  const int64_t stage1 = 4 * (64 * 64 * 9);
  // first conv of the stage (C/2 -> C), three C -> C convs, the 1x1 projection C/2 -> C
  const auto stage = [](int64_t c) { return c * (c / 2) * 9 + 3 * (c * c * 9) + c * (c / 2); };
  const int64_t conv_weights = stem + stage1 + stage(128) + stage(256) + stage(512);
  const int64_t fc = 512 * 10;
  EXPECT_EQ(conv_weights, 11159232);
  EXPECT_EQ(conv_weights + fc, 11164352);  // = 11,173,962 PyTorch parameters - 9,600 BN - 10 fc bias
  EXPECT_EQ(g.weights(), conv_weights + fc);
  // MACs: stem and stage 1 at 32x32; every later stage has the same MACs (channels x2, pixels /4)
  const auto stage_macs = [&](int64_t c, int64_t hw) { return hw * stage(c); };
  const int64_t macs = 32 * 32 * stem + 32 * 32 * stage1 + stage_macs(128, 16 * 16) +
                       stage_macs(256, 8 * 8) + stage_macs(512, 4 * 4) + fc;
  EXPECT_EQ(stage_macs(128, 256), stage_macs(512, 16));
  EXPECT_EQ(macs, 555422720);
  EXPECT_EQ(g.macs(), macs);

  EXPECT_EQ(g.layers[g.index_of("relu1")].out, (Shape{64, 32, 32}));
  EXPECT_EQ(g.layers[g.index_of("layer1.1.relu2")].out, (Shape{64, 32, 32}));
  EXPECT_EQ(g.layers[g.index_of("layer2.1.relu2")].out, (Shape{128, 16, 16}));
  EXPECT_EQ(g.layers[g.index_of("layer3.1.relu2")].out, (Shape{256, 8, 8}));
  EXPECT_EQ(g.layers[g.index_of("layer4.1.relu2")].out, (Shape{512, 4, 4}));
  EXPECT_EQ(g.layers[g.index_of("avgpool")].out, (Shape{512, 1, 1}));
  EXPECT_EQ(g.layers.back().name, "fc");
  EXPECT_EQ(g.layers.back().out, (Shape{10, 1, 1}));
  // projections only where the shape changes
  EXPECT_EQ(g.index_of("layer1.0.shortcut"), -1);
  EXPECT_EQ(g.index_of("layer2.1.shortcut"), -1);
  for (const char* s : {"layer2.0.shortcut", "layer3.0.shortcut", "layer4.0.shortcut"}) {
    const Layer& l = g.layers[g.index_of(s)];
    EXPECT_EQ(l.kernel_h, 1);
    EXPECT_EQ(l.stride, 2);
  }
  const Layer& add = g.layers[g.index_of("layer3.0.add")];
  ASSERT_EQ(add.inputs.size(), 2u);
  EXPECT_EQ(g.layers[add.inputs[0]].name, "layer3.0.conv2");
  EXPECT_EQ(g.layers[add.inputs[1]].name, "layer3.0.shortcut");
  const Layer& add2 = g.layers[g.index_of("layer3.1.add")];
  EXPECT_EQ(g.layers[add2.inputs[1]].name, "layer3.0.relu2");  // identity shortcut
  // 20 convs (stem + 16 in blocks + 3 projections) and 1 fc
  int convs = 0, fcs = 0;
  for (const auto& l : g.layers) {
    convs += l.op == OpKind::conv;
    fcs += l.op == OpKind::fc;
  }
  EXPECT_EQ(convs, 20);
  EXPECT_EQ(fcs, 1);
}

TEST(WorkloadBuiltins, Listed) {
  ASSERT_EQ(builtin_networks().size(), 12u);
  EXPECT_STREQ(builtin_networks()[0].name, "vgg8");
  EXPECT_STREQ(builtin_networks()[1].name, "resnet18");
}
