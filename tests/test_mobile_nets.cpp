// The built-in ImageNet mobile networks (torchvision squeezenet1_1 and mobilenet_v3_small, inference form)
// against counts worked out here by hand from torchvision's definitions and its published parameter counts.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "workloads/builtins.hpp"
#include "workloads/builtins_mobile.hpp"
#include "workloads/graph.hpp"
#include "workloads/loader.hpp"

using namespace cimsim::workloads;

namespace {

const Layer& layer(const Graph& g, const std::string& name) {
  const int i = g.index_of(name);
  if (i < 0) throw std::runtime_error("no layer " + name);
  return g.layers[size_t(i)];
}

Shape out_of(const Graph& g, const std::string& name) { return layer(g, name).out; }

// Output channels of every conv except those named *.se.fc* (the convs followed by a BatchNorm in
// mobilenet_v3_small; squeezenet has no BN and every conv has a bias).
int64_t conv_channels(const Graph& g, bool skip_se) {
  int64_t n = 0;
  for (const auto& l : g.layers) {
    if (l.op != OpKind::conv) continue;
    if (skip_se && l.name.find(".se.fc") != std::string::npos) continue;
    n += l.out_channels;
  }
  return n;
}

int count_ops(const Graph& g, OpKind op) {
  int n = 0;
  for (const auto& l : g.layers) n += l.op == op;
  return n;
}

// ---- squeezenet1_1 --------------------------------------------------------------------------------
// Fire(in, s, e1, e3): squeeze 1x1 in->s, expand1x1 s->e1, expand3x3 s->e3.
constexpr int64_t fire_weights(int64_t in, int64_t s, int64_t e1, int64_t e3) {
  return in * s + s * e1 + s * e3 * 9;
}
constexpr int64_t fire_biases(int64_t s, int64_t e1, int64_t e3) { return s + e1 + e3; }

}  // namespace

TEST(MobileNets, SqueezeNetWeightsMatchTorchvisionParameterCount) {
  const Graph g = squeezenet1_1_network();
  EXPECT_EQ(g.name, "squeezenet1_1");
  EXPECT_EQ(layer(g, "features.0").weights(), 64 * 3 * 3 * 3);                      // 1,728
  EXPECT_EQ(layer(g, "features.3.squeeze").weights(), 64 * 16);                     // 1,024
  EXPECT_EQ(layer(g, "features.3.expand1x1").weights(), 16 * 64);                   // 1,024
  EXPECT_EQ(layer(g, "features.3.expand3x3").weights(), 16 * 64 * 9);               // 9,216
  EXPECT_EQ(layer(g, "classifier.1").weights(), 512 * 1000);                        // 512,000
  static_assert(fire_weights(64, 16, 64, 64) == 11'264);     // features.3
  static_assert(fire_weights(128, 16, 64, 64) == 12'288);    // features.4
  static_assert(fire_weights(128, 32, 128, 128) == 45'056);  // features.6
  static_assert(fire_weights(256, 32, 128, 128) == 49'152);  // features.7
  static_assert(fire_weights(256, 48, 192, 192) == 104'448); // features.9
  static_assert(fire_weights(384, 48, 192, 192) == 110'592); // features.10
  static_assert(fire_weights(384, 64, 256, 256) == 188'416); // features.11
  static_assert(fire_weights(512, 64, 256, 256) == 196'608); // features.12
  // 1,728 + 11,264 + 12,288 + 45,056 + 49,152 + 104,448 + 110,592 + 188,416 + 196,608 + 512,000
  constexpr int64_t weights = 1'728 + 11'264 + 12'288 + 45'056 + 49'152 + 104'448 + 110'592 + 188'416 +
                              196'608 + 512'000;
  static_assert(weights == 1'231'552);
  EXPECT_EQ(g.weights(), weights);
  // No BatchNorm in SqueezeNet; every conv has a bias: 64 + 2*(16+64+64) + 2*(32+128+128)
  // + 2*(48+192+192) + 2*(64+256+256) + 1000 = 64 + 288 + 576 + 864 + 1152 + 1000 = 3,944.
  constexpr int64_t biases = 64 + 2 * fire_biases(16, 64, 64) + 2 * fire_biases(32, 128, 128) +
                             2 * fire_biases(48, 192, 192) + 2 * fire_biases(64, 256, 256) + 1000;
  static_assert(biases == 3'944);
  EXPECT_EQ(conv_channels(g, false), biases);
  // torchvision: 1,235,496 parameters = 1,231,552 weights + 3,944 biases.
  EXPECT_EQ(g.weights() + biases, 1'235'496);
  EXPECT_EQ(count_ops(g, OpKind::conv), 1 + 8 * 3 + 1);
  EXPECT_EQ(count_ops(g, OpKind::concat), 8);
  EXPECT_EQ(count_ops(g, OpKind::fc), 0);
}

TEST(MobileNets, SqueezeNetMacs) {
  // Per stage: weights x output pixels (111^2 after the stem, 55^2 for fires 3-4, 27^2 for 6-7, 13^2 for
  // 9-12 and the classifier conv).
  constexpr int64_t macs224 = 1'728 * 111 * 111 + (11'264 + 12'288) * 55 * 55 + (45'056 + 49'152) * 27 * 27 +
                              (104'448 + 110'592 + 188'416 + 196'608 + 512'000) * 13 * 13;
  // 21,290,688 + 71,244,800 + 68,677,632 + 187,938,816
  static_assert(macs224 == 349'151'936);
  EXPECT_EQ(squeezenet1_1_network().macs(), macs224);
  // torchvision publishes 0.35 GFLOPS (multiply-adds) for squeezenet1_1: 0.349 G is 0.2% below.
  EXPECT_NEAR(double(macs224) / 0.35e9, 1.0, 0.01);
  // 64x64: 31^2, 15^2, 7^2, 3^2 pixels.
  constexpr int64_t macs64 = 1'728 * 31 * 31 + (11'264 + 12'288) * 15 * 15 + (45'056 + 49'152) * 7 * 7 +
                             (104'448 + 110'592 + 188'416 + 196'608 + 512'000) * 3 * 3;
  static_assert(macs64 == 21'584'576);  // 1,660,608 + 5,299,200 + 4,616,192 + 10,008,576
  EXPECT_EQ(squeezenet1_1_64_network().macs(), macs64);
  EXPECT_EQ(squeezenet1_1_64_network().weights(), squeezenet1_1_network().weights());
}

TEST(MobileNets, SqueezeNetShapes) {
  struct Case {
    Graph g;
    int s[4];  // after the stem, pool features.2, features.5, features.8
  };
  const Case cases[] = {{squeezenet1_1_network(), {111, 55, 27, 13}},
                        {squeezenet1_1_64_network(), {31, 15, 7, 3}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.g.name);
    const Graph& g = c.g;
    EXPECT_EQ(layer(g, "input").out, (Shape{3, c.s[0] == 111 ? 224 : 64, c.s[0] == 111 ? 224 : 64}));
    EXPECT_EQ(out_of(g, "features.0"), (Shape{64, c.s[0], c.s[0]}));
    EXPECT_EQ(out_of(g, "features.2"), (Shape{64, c.s[1], c.s[1]}));
    EXPECT_EQ(out_of(g, "features.3.concat"), (Shape{128, c.s[1], c.s[1]}));
    EXPECT_EQ(out_of(g, "features.4.concat"), (Shape{128, c.s[1], c.s[1]}));
    EXPECT_EQ(out_of(g, "features.5"), (Shape{128, c.s[2], c.s[2]}));
    EXPECT_EQ(out_of(g, "features.7.concat"), (Shape{256, c.s[2], c.s[2]}));
    EXPECT_EQ(out_of(g, "features.8"), (Shape{256, c.s[3], c.s[3]}));
    EXPECT_EQ(out_of(g, "features.10.concat"), (Shape{384, c.s[3], c.s[3]}));
    EXPECT_EQ(out_of(g, "features.12.concat"), (Shape{512, c.s[3], c.s[3]}));
    EXPECT_EQ(out_of(g, "classifier.1"), (Shape{1000, c.s[3], c.s[3]}));
    EXPECT_EQ(out_of(g, "classifier.3"), (Shape{1000, 1, 1}));
    EXPECT_EQ(g.layers.back().name, "classifier.3");
    // At 224 and 64 ceil and floor agree at every pool: (111-3)/2, (55-3)/2, (27-3)/2, (31-3)/2,
    // (15-3)/2, (7-3)/2 are all whole, so no pad layer.
    EXPECT_EQ(count_ops(g, OpKind::pad), 0);
    // A fire module: squeeze feeds both expands; the concat is [expand1x1, expand3x3].
    const Layer& cat = layer(g, "features.6.concat");
    ASSERT_EQ(cat.inputs.size(), 2u);
    EXPECT_EQ(g.layers[size_t(cat.inputs[0])].name, "features.6.expand1x1_activation");
    EXPECT_EQ(g.layers[size_t(cat.inputs[1])].name, "features.6.expand3x3_activation");
    EXPECT_EQ(g.layers[size_t(layer(g, "features.6.expand3x3").inputs[0])].name,
              "features.6.squeeze_activation");
    EXPECT_EQ(layer(g, "features.6.expand3x3").pad, 1);
  }
}

TEST(MobileNets, SqueezeNetCeilModePoolsPadBottomRight) {
  // 100x100: stem (100-3)/2+1 = 49; pool 49 -> 24 (whole); pool 24: floor 11, ceil(21/2)+1 = 12, and the
  // 12th window starts at 22 < 24, so PyTorch gives 12: a pad of (12-1)*2+3-24 = 1 row/column; pool 12:
  // floor 5, ceil(9/2)+1 = 6, the 6th window starts at 10 < 12: 6, a pad of (6-1)*2+3-12 = 1.
  const Graph g = build_squeezenet1_1(100, 10, "sq100");
  EXPECT_EQ(out_of(g, "features.0").h, 49);
  EXPECT_EQ(g.index_of("features.2.pad"), -1);
  EXPECT_EQ(out_of(g, "features.2").h, 24);
  const Layer& pad5 = layer(g, "features.5.pad");
  EXPECT_EQ(pad5.op, OpKind::pad);
  EXPECT_EQ(pad5.pads[0], 0);
  EXPECT_EQ(pad5.pads[1], 0);
  EXPECT_EQ(pad5.pads[2], 1);
  EXPECT_EQ(pad5.pads[3], 1);
  EXPECT_EQ(out_of(g, "features.5.pad"), (Shape{128, 25, 25}));
  EXPECT_EQ(out_of(g, "features.5"), (Shape{128, 12, 12}));
  EXPECT_EQ(layer(g, "features.5").inputs[0], g.index_of("features.5.pad"));
  EXPECT_EQ(g.layers[size_t(layer(g, "features.5.pad").inputs[0])].name, "features.4.concat");
  EXPECT_EQ(out_of(g, "features.8.pad"), (Shape{256, 13, 13}));
  EXPECT_EQ(out_of(g, "features.8"), (Shape{256, 6, 6}));
  EXPECT_EQ(out_of(g, "classifier.3"), (Shape{10, 1, 1}));
  // 227: stem 113; pool 113: 110/2 whole, 56; pool 56: floor 27, ceil(53/2)+1 = 28 (the last window starts
  // at 54 < 56), pad 1; pool 28: floor 13, ceil(25/2)+1 = 14 (starts at 26 < 28), pad 1.
  const Graph h = build_squeezenet1_1(227, 1000, "sq227");
  EXPECT_EQ(out_of(h, "features.2"), (Shape{64, 56, 56}));
  EXPECT_EQ(out_of(h, "features.5"), (Shape{128, 28, 28}));
  EXPECT_EQ(out_of(h, "features.8"), (Shape{256, 14, 14}));
  EXPECT_EQ(h.weights(), squeezenet1_1_network().weights());
}

// ---- mobilenet_v3_small ---------------------------------------------------------------------------

namespace {

struct Block {
  int in, k, exp, out;
  bool se;
  int stride;
  int squeeze;  // _make_divisible(exp / 4, 8)
};
// torchvision's table, with the SE squeeze width: _make_divisible(v, 8) = max(8, floor((v + 4) / 8) * 8)
// (+8 if that is below 0.9 v): 16/4 = 4 -> 8, 96/4 = 24 -> 24, 240/4 = 60 -> 64, 120/4 = 30 -> 32,
// 144/4 = 36 -> 40, 288/4 = 72 -> 72, 576/4 = 144 -> 144.
const Block blocks[] = {
    {16, 3, 16, 16, true, 2, 8},     {16, 3, 72, 24, false, 2, 0},    {24, 3, 88, 24, false, 1, 0},
    {24, 5, 96, 40, true, 2, 24},    {40, 5, 240, 40, true, 1, 64},   {40, 5, 240, 40, true, 1, 64},
    {40, 5, 120, 48, true, 1, 32},   {48, 5, 144, 48, true, 1, 40},   {48, 5, 288, 96, true, 2, 72},
    {96, 5, 576, 96, true, 1, 144},  {96, 5, 576, 96, true, 1, 144},
};

}  // namespace

TEST(MobileNets, MobileNetV3SmallWeightsMatchTorchvisionParameterCount) {
  const Graph g = mobilenet_v3_small_network();
  EXPECT_EQ(g.name, "mobilenet_v3_small");
  // Per block: expand in*exp (only when exp != in) + depthwise exp*k*k + SE 2*exp*squeeze + project exp*out.
  //  1: 0 + 16*9 + 2*16*8 + 16*16                =    656
  //  2: 16*72 + 72*9 + 0 + 72*24                 =  3,528
  //  3: 24*88 + 88*9 + 0 + 88*24                 =  5,016
  //  4: 24*96 + 96*25 + 2*96*24 + 96*40          = 13,152
  //  5, 6: 40*240 + 240*25 + 2*240*64 + 240*40   = 55,920 each
  //  7: 40*120 + 120*25 + 2*120*32 + 120*48      = 21,240
  //  8: 48*144 + 144*25 + 2*144*40 + 144*48      = 28,944
  //  9: 48*288 + 288*25 + 2*288*72 + 288*96      = 90,144
  // 10, 11: 96*576 + 576*25 + 2*576*144 + 576*96 = 290,880 each
  const int64_t expected_block[] = {656, 3'528, 5'016, 13'152, 55'920, 55'920, 21'240, 28'944, 90'144,
                                    290'880, 290'880};
  int64_t blocks_total = 0;
  for (int i = 0; i < 11; ++i) {
    const Block& b = blocks[i];
    const int64_t w = (b.exp != b.in ? int64_t(b.in) * b.exp : 0) + int64_t(b.exp) * b.k * b.k +
                      2 * int64_t(b.exp) * b.squeeze + int64_t(b.exp) * b.out;
    EXPECT_EQ(w, expected_block[i]) << "block " << i + 1;
    // the graph's layers named features.{i+1}.*
    const std::string prefix = "features." + std::to_string(i + 1) + ".";
    int64_t in_graph = 0;
    for (const auto& l : g.layers) {
      if (l.name.compare(0, prefix.size(), prefix) == 0) in_graph += l.weights();
    }
    EXPECT_EQ(in_graph, w) << "block " << i + 1;
    blocks_total += w;
  }
  EXPECT_EQ(blocks_total, 856'280);
  // stem 16*3*9 = 432, last conv 96*576 = 55,296, classifier 576*1024 = 589,824 and 1024*1000 = 1,024,000.
  EXPECT_EQ(layer(g, "features.0.conv").weights(), 432);
  EXPECT_EQ(layer(g, "features.12.conv").weights(), 55'296);
  EXPECT_EQ(layer(g, "classifier.0").weights(), 589'824);
  EXPECT_EQ(layer(g, "classifier.3").weights(), 1'024'000);
  // 432 + 856,280 + 55,296 + 589,824 + 1,024,000
  constexpr int64_t weights = 432 + 856'280 + 55'296 + 589'824 + 1'024'000;
  static_assert(weights == 2'525'832);
  EXPECT_EQ(g.weights(), weights);

  // torchvision's 2,542,856 parameters add:
  //  BatchNorm weight and bias (2 per channel) after every conv but the SE ones: channels
  //  16 (stem) + [16+16] + [72+72+24] + [88+88+24] + [96+96+40] + 2*[240+240+40] + [120+120+48]
  //  + [144+144+48] + [288+288+96] + 2*[576+576+96] + 576 (last conv) = 6,056 -> 12,112 parameters;
  constexpr int64_t bn_channels = 16 + (16 + 16) + (72 + 72 + 24) + (88 + 88 + 24) + (96 + 96 + 40) +
                                  2 * (240 + 240 + 40) + (120 + 120 + 48) + (144 + 144 + 48) +
                                  (288 + 288 + 96) + 2 * (576 + 576 + 96) + 576;
  static_assert(bn_channels == 6'056);
  EXPECT_EQ(conv_channels(g, true), bn_channels);
  //  SE conv biases (squeeze + expanded per SE): (8+16) + (24+96) + 2*(64+240) + (32+120) + (40+144)
  //  + (72+288) + 2*(144+576) = 2,888;
  constexpr int64_t se_biases = (8 + 16) + (24 + 96) + 2 * (64 + 240) + (32 + 120) + (40 + 144) + (72 + 288) +
                                2 * (144 + 576);
  static_assert(se_biases == 2'888);
  EXPECT_EQ(conv_channels(g, false) - conv_channels(g, true), se_biases);
  //  Linear biases 1,024 + 1,000.
  // 2,525,832 + 12,112 + 2,888 + 2,024 = 2,542,856.
  EXPECT_EQ(g.weights() + 2 * bn_channels + se_biases + 1'024 + 1'000, 2'542'856);
  EXPECT_EQ(mobilenet_v3_small_64_network().weights(), g.weights());
}

TEST(MobileNets, MobileNetV3SmallMacs) {
  // Output side per block at 224 (in -> out): 1: 112->56, 2: 56->28, 3: 28, 4: 28->14, 5-8: 14, 9: 14->7,
  // 10-11: 7. Expansion runs at the input size, depthwise and projection at the output size, SE on 1x1.
  //  stem 432*112^2                                         = 5,419,008
  //  1: 144*56^2 + 256 + 256*56^2                            = 1,254,656
  //  2: 1,152*56^2 + 648*28^2 + 1,728*28^2                   = 5,475,456
  //  3: 5,016*28^2                                           = 3,932,544
  //  4: 2,304*28^2 + 2,400*14^2 + 4,608 + 3,840*14^2         = 3,033,984
  //  5, 6: (9,600+6,000+9,600)*14^2 + 30,720                 = 4,969,920 each
  //  7: (4,800+3,000+5,760)*14^2 + 7,680                     = 2,665,440
  //  8: (6,912+3,600+6,912)*14^2 + 11,520                    = 3,426,624
  //  9: 13,824*14^2 + 7,200*7^2 + 41,472 + 27,648*7^2        = 4,458,528
  //  10, 11: (55,296+14,400+55,296)*7^2 + 165,888            = 6,290,496 each
  //  last conv 55,296*7^2 = 2,709,504; classifier 589,824 + 1,024,000 = 1,613,824
  constexpr int64_t macs224 =
      432 * 112 * 112 + (144 * 56 * 56 + 256 + 256 * 56 * 56) + (1'152 * 56 * 56 + (648 + 1'728) * 28 * 28) +
      5'016 * 28 * 28 + (2'304 * 28 * 28 + (2'400 + 3'840) * 14 * 14 + 4'608) +
      2 * ((9'600 + 6'000 + 9'600) * 14 * 14 + 30'720) + ((4'800 + 3'000 + 5'760) * 14 * 14 + 7'680) +
      ((6'912 + 3'600 + 6'912) * 14 * 14 + 11'520) + (13'824 * 14 * 14 + (7'200 + 27'648) * 7 * 7 + 41'472) +
      2 * ((55'296 + 14'400 + 55'296) * 7 * 7 + 165'888) + 55'296 * 7 * 7 + 589'824 + 1'024'000;
  static_assert(macs224 == 56'510'400);
  EXPECT_EQ(mobilenet_v3_small_network().macs(), macs224);
  // Published: 56M multiply-adds (Howard et al. 2019, MobileNetV3-Small 1.0) and torchvision's 0.06 GFLOPS:
  // 56.5 M is within 1% of the paper's 56 M (and 6% under the rounded 0.06 G).
  EXPECT_NEAR(double(macs224) / 56e6, 1.0, 0.01);
  // 64x64: 32 after the stem, then 16, 8, 8, 4, 4 x4, 2, 2 x2.
  constexpr int64_t macs64 =
      432 * 32 * 32 + (144 * 16 * 16 + 256 + 256 * 16 * 16) + (1'152 * 16 * 16 + (648 + 1'728) * 8 * 8) +
      5'016 * 8 * 8 + (2'304 * 8 * 8 + (2'400 + 3'840) * 4 * 4 + 4'608) +
      2 * ((9'600 + 6'000 + 9'600) * 4 * 4 + 30'720) + ((4'800 + 3'000 + 5'760) * 4 * 4 + 7'680) +
      ((6'912 + 3'600 + 6'912) * 4 * 4 + 11'520) + (13'824 * 4 * 4 + (7'200 + 27'648) * 2 * 2 + 41'472) +
      2 * ((55'296 + 14'400 + 55'296) * 2 * 2 + 165'888) + 55'296 * 2 * 2 + 589'824 + 1'024'000;
  static_assert(macs64 == 6'516'480);
  EXPECT_EQ(mobilenet_v3_small_64_network().macs(), macs64);
}

TEST(MobileNets, MobileNetV3SmallShapes) {
  struct Case {
    Graph g;
    int size[5];  // stem output, after blocks 1, 2-3, 4-8, 9-11
  };
  const Case cases[] = {{mobilenet_v3_small_network(), {112, 56, 28, 14, 7}},
                        {mobilenet_v3_small_64_network(), {32, 16, 8, 4, 2}}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.g.name);
    const Graph& g = c.g;
    EXPECT_EQ(out_of(g, "features.0.hardswish"), (Shape{16, c.size[0], c.size[0]}));
    const int stage_of_block[] = {1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4};
    for (int i = 0; i < 11; ++i) {
      const Block& b = blocks[i];
      const int s = c.size[stage_of_block[i]];
      const std::string p = "features." + std::to_string(i + 1) + ".";
      const bool residual = b.stride == 1 && b.in == b.out;
      // the block's output: its add, else its projection
      int last = -1;
      for (int j = 0; j < int(g.layers.size()); ++j) {
        if (g.layers[size_t(j)].name.compare(0, p.size(), p) == 0) last = j;
      }
      ASSERT_GE(last, 0);
      const Layer& out = g.layers[size_t(last)];
      EXPECT_EQ(out.name, residual ? p + "add" : p + "block." + std::to_string(1 + (b.exp != b.in) + b.se) +
                                                     ".project")
          << "block " << i + 1;
      EXPECT_EQ(out.out, (Shape{b.out, s, s})) << "block " << i + 1;
    }
    EXPECT_EQ(out_of(g, "features.12.hardswish"), (Shape{576, c.size[4], c.size[4]}));
    EXPECT_EQ(out_of(g, "avgpool"), (Shape{576, 1, 1}));
    EXPECT_EQ(out_of(g, "classifier.1"), (Shape{1024, 1, 1}));
    EXPECT_EQ(out_of(g, "classifier.3"), (Shape{1000, 1, 1}));
    EXPECT_EQ(g.layers.back().name, "classifier.3");
  }
}

TEST(MobileNets, MobileNetV3SmallBlockStructure) {
  const Graph g = mobilenet_v3_small_network();
  EXPECT_EQ(count_ops(g, OpKind::add), 6);  // blocks 3, 5, 6, 8, 10, 11
  EXPECT_EQ(count_ops(g, OpKind::mul), 9);  // SE in blocks 1, 4-11
  EXPECT_EQ(count_ops(g, OpKind::hardsigmoid), 9);
  EXPECT_EQ(count_ops(g, OpKind::global_avg_pool), 10);
  EXPECT_EQ(count_ops(g, OpKind::fc), 2);
  // 1 stem + 10 expansions + 11 depthwise + 18 SE + 11 projections + 1 last conv
  EXPECT_EQ(count_ops(g, OpKind::conv), 1 + 10 + 11 + 18 + 11 + 1);
  // 1 stem, expand+dw of blocks 4-11 (16) and the last conv and classifier.1: hardswish
  EXPECT_EQ(count_ops(g, OpKind::hardswish), 1 + 16 + 2);
  // expand+dw of blocks 1-3 (1 + 2 + 2) and the 9 SE squeezes: relu
  EXPECT_EQ(count_ops(g, OpKind::relu), 5 + 9);

  // Block 1: no expansion (16 == 16), depthwise 3x3/2 with ReLU, SE to 8, project 16.
  EXPECT_EQ(g.index_of("features.1.block.0.expand"), -1);
  const Layer& dw1 = layer(g, "features.1.block.0.depthwise");
  EXPECT_EQ(dw1.groups, 16);
  EXPECT_EQ(dw1.kernel_h, 3);
  EXPECT_EQ(dw1.pad, 1);
  EXPECT_EQ(dw1.stride, 2);
  EXPECT_EQ(layer(g, "features.1.block.0.relu").op, OpKind::relu);
  EXPECT_EQ(layer(g, "features.1.block.1.se.fc1").out_channels, 8);
  EXPECT_EQ(layer(g, "features.1.block.2.project").out_channels, 16);
  EXPECT_EQ(g.index_of("features.1.add"), -1);  // stride 2

  // Block 4: expand 24->96 + hardswish, dw 5x5/2 pad 2, SE 96->24->96, project 40, no residual.
  EXPECT_EQ(layer(g, "features.4.block.0.expand").out_channels, 96);
  EXPECT_EQ(layer(g, "features.4.block.0.hardswish").op, OpKind::hardswish);
  const Layer& dw4 = layer(g, "features.4.block.1.depthwise");
  EXPECT_EQ(dw4.groups, 96);
  EXPECT_EQ(dw4.kernel_h, 5);
  EXPECT_EQ(dw4.pad, 2);
  EXPECT_EQ(dw4.stride, 2);
  EXPECT_EQ(out_of(g, "features.4.block.2.se.avgpool"), (Shape{96, 1, 1}));
  EXPECT_EQ(out_of(g, "features.4.block.2.se.fc1"), (Shape{24, 1, 1}));
  EXPECT_EQ(layer(g, "features.4.block.2.se.fc1").kernel_h, 1);
  EXPECT_EQ(out_of(g, "features.4.block.2.se.fc2"), (Shape{96, 1, 1}));
  const Layer& mul = layer(g, "features.4.block.2.se.mul");
  ASSERT_EQ(mul.inputs.size(), 2u);
  EXPECT_EQ(mul.inputs[0], g.index_of("features.4.block.1.hardswish"));
  EXPECT_EQ(mul.inputs[1], g.index_of("features.4.block.2.se.hardsigmoid"));
  EXPECT_EQ(mul.out, (Shape{96, 14, 14}));
  EXPECT_EQ(layer(g, "features.4.block.2.se.avgpool").inputs[0], g.index_of("features.4.block.1.hardswish"));
  EXPECT_EQ(layer(g, "features.4.block.3.project").inputs[0], g.index_of("features.4.block.2.se.mul"));
  EXPECT_EQ(g.index_of("features.4.add"), -1);

  // Block 3 (no SE, RE, stride 1, 24 -> 24): residual.
  const Layer& add3 = layer(g, "features.3.add");
  ASSERT_EQ(add3.inputs.size(), 2u);
  EXPECT_EQ(add3.inputs[0], g.index_of("features.3.block.2.project"));
  EXPECT_EQ(add3.inputs[1], g.index_of("features.2.block.2.project"));
  // Block 6 reads block 5's add; its add sums its projection and that.
  EXPECT_EQ(layer(g, "features.6.block.0.expand").inputs[0], g.index_of("features.5.add"));
  EXPECT_EQ(layer(g, "features.6.add").inputs[1], g.index_of("features.5.add"));
  // The projection has no activation: the add (or the next block) reads it directly.
  EXPECT_EQ(layer(g, "features.7.block.0.expand").inputs[0], g.index_of("features.6.add"));
  EXPECT_EQ(layer(g, "features.8.block.0.expand").inputs[0], g.index_of("features.7.block.3.project"));
  // SE widths per block.
  const std::map<std::string, int> squeeze = {
      {"features.5.block.2.se.fc1", 64},  {"features.7.block.2.se.fc1", 32},
      {"features.8.block.2.se.fc1", 40},  {"features.9.block.2.se.fc1", 72},
      {"features.11.block.2.se.fc1", 144}};
  for (const auto& [name, channels] : squeeze) EXPECT_EQ(layer(g, name).out_channels, channels) << name;
}

TEST(MobileNets, LoadedByName) {
  for (const char* name : {"squeezenet1_1", "squeezenet1_1_64", "mobilenet_v3_small", "mobilenet_v3_small_64"}) {
    const Graph g = load_network(name);
    EXPECT_EQ(g.name, name);
    bool listed = false;
    for (const auto& b : builtin_networks()) listed |= std::string(b.name) == name;
    EXPECT_TRUE(listed) << name;
  }
  EXPECT_EQ(load_network("squeezenet1_1_64").layers[0].out, (Shape{3, 64, 64}));
  EXPECT_EQ(load_network("mobilenet_v3_small").layers[0].out, (Shape{3, 224, 224}));
  EXPECT_EQ(load_network("mobilenet_v3_small_64").macs(), 6'516'480);
  // Too small an input is a shape error naming the layer.
  try {
    build_squeezenet1_1(16, 10, "tiny");
    FAIL() << "expected a NetworkError";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'features.8'"), std::string::npos) << e.what();
  }
}
