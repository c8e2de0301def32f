// The co-design search spaces (workloads/search_space.hpp): OFA MobileNetV3 sub-networks against weights
// and MACs summed here layer by layer from OFA's definition (ofa_mbv3.py, MBConvLayer, SEModule), ViT
// architectures against the built-in ViT-B/16 and DeiT-Tiny and a closed form, the text forms' round trip
// and the errors for bad values and malformed text.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "run_util.hpp"
#include "workloads/builtins.hpp"
#include "workloads/graph.hpp"
#include "workloads/search_space.hpp"

using namespace cimsim::workloads;

namespace {

// ---- OFA closed form ---------------------------------------------------------------------------------
struct Counts {
  int64_t weights = 0, macs = 0;
  void conv(int64_t cin_per_group, int64_t cout, int64_t k, int64_t out_side) {
    weights += cin_per_group * cout * k * k;
    macs += cin_per_group * cout * k * k * out_side * out_side;
  }
};

int64_t divisible8(int64_t v) {  // OFA's make_divisible(v, 8)
  int64_t n = std::max<int64_t>(8, (v + 4) / 8 * 8);
  if (10 * n < 9 * v) n += 8;
  return n;
}

// A conv of stride 2 and padding k / 2 halves a side, rounding up.
int64_t halved(int64_t side) { return (side + 1) / 2; }

Counts ofa_counts(const OfaMbv3& a, int64_t classes = 1000) {
  const int64_t width[] = {24, 40, 80, 112, 160}, stride[] = {2, 2, 2, 1, 2};
  const bool se[] = {false, true, false, true, true};
  Counts c;
  int64_t side = halved(a.resolution);
  c.conv(3, 16, 3, side);   // first_conv
  c.conv(1, 16, 3, side);   // blocks.0 depthwise
  c.conv(16, 16, 1, side);  // blocks.0 project
  int64_t in = 16;
  for (int s = 0; s < 5; ++s) {
    for (int i = 0; i < a.depths[size_t(s)]; ++i) {
      const int64_t k = a.kernels[size_t(4 * s + i)], mid = in * a.expands[size_t(4 * s + i)];
      const int64_t out_side = (i == 0 && stride[s] == 2) ? halved(side) : side;
      c.conv(in, mid, 1, side);     // expand
      c.conv(1, mid, k, out_side);  // depthwise
      if (se[s]) {
        const int64_t squeeze = divisible8(mid / 4);
        c.conv(mid, squeeze, 1, 1);
        c.conv(squeeze, mid, 1, 1);
      }
      c.conv(mid, width[s], 1, out_side);  // project
      in = width[s];
      side = out_side;
    }
  }
  c.conv(in, 960, 1, side);  // final_expand_layer
  c.conv(960, 1280, 1, 1);   // feature_mix_layer
  c.conv(1280, classes, 1, 1);
  return c;
}

OfaMbv3 uniform(int r, int d, int k, int e) {
  OfaMbv3 a;
  a.resolution = r;
  a.depths = {d, d, d, d, d};
  a.kernels = ofa_slots_of(k);
  a.expands = ofa_slots_of(e);
  return a;
}

OfaMbv3 mixed() {
  OfaMbv3 a;
  a.resolution = 176;
  a.depths = {2, 3, 4, 2, 4};
  a.kernels = {3, 5, 3, 3, 7, 5, 3, 3, 3, 5, 7, 3, 7, 3, 3, 3, 5, 5, 7, 3};
  a.expands = {3, 6, 6, 6, 4, 3, 6, 6, 6, 3, 4, 4, 6, 6, 6, 6, 3, 4, 6, 6};
  return a;
}

int count_ops(const Graph& g, OpKind op) {
  int n = 0;
  for (const auto& l : g.layers) n += l.op == op;
  return n;
}

using cimsim::testing::error_of;

// Text that `parse` refuses, and the whole message it must refuse it with.
struct TextCase {
  std::string text, message;
};
// A change to the default architecture that validate() and the builder refuse, and the message.
template <typename Arch>
struct ValueCase {
  void (*change)(Arch&);
  const char* message;
};
template <typename Arch, typename Build>
void expect_value_errors(Build build, const std::vector<ValueCase<Arch>>& cases) {
  for (const auto& c : cases) {
    Arch a;
    c.change(a);
    EXPECT_EQ(error_of([&] { validate(a); }), c.message);
    EXPECT_EQ(error_of([&] { build(a); }), c.message);
  }
}
template <typename Parse>
void expect_text_errors(Parse parse, const std::vector<TextCase>& cases) {
  for (const auto& c : cases) EXPECT_EQ(error_of([&] { parse(c.text); }), c.message) << c.text;
}

OfaMbv3 random_ofa(std::mt19937& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  OfaMbv3 a;
  a.resolution = kOfaMinResolution + kOfaResolutionStep * pick(0, 24);
  for (int& d : a.depths) d = pick(kOfaMinDepth, kOfaMaxDepth);
  for (int& k : a.kernels) k = kOfaKernels[size_t(pick(0, 2))];
  for (int& e : a.expands) e = kOfaExpands[size_t(pick(0, 2))];
  return a;
}

}  // namespace

// ---- OFA MobileNetV3 ------------------------------------------------------------------------------------

TEST(OfaMbv3, SmallestMatchesClosedForm) {
  const OfaMbv3 a = uniform(128, 2, 3, 3);
  const Graph g = build_ofa_mbv3(a);
  EXPECT_EQ(g.name, "ofa_mbv3");
  const Counts c = ofa_counts(a);
  EXPECT_EQ(g.weights(), c.weights);
  EXPECT_EQ(g.macs(), c.macs);
  EXPECT_EQ(c.weights, 3'395'856);  // the same sums worked out by hand once (a check of the helper)
  EXPECT_EQ(c.macs, 41'476'224);
  EXPECT_EQ(g.layers.back().out, (Shape{1000, 1, 1}));
}

TEST(OfaMbv3, LargestMatchesClosedForm) {
  const OfaMbv3 a = uniform(224, 4, 7, 6);
  const Graph g = build_ofa_mbv3(a);
  const Counts c = ofa_counts(a);
  EXPECT_EQ(g.weights(), c.weights);
  EXPECT_EQ(g.macs(), c.macs);
  EXPECT_EQ(c.weights, 7'613'280);
  EXPECT_EQ(c.macs, 566'170'656);
  // Not checked against a published figure: the OFA README lists only specialized sub-networks. With
  // the biases (SE convs, classifier: 9,656) and batch-norm scales and shifts (41,824) PyTorch would count
  // 7,664,760 parameters for this network.
  OfaMbv3 defaults;  // the defaults are the largest depths and expands, kernel 3
  EXPECT_EQ(build_ofa_mbv3(defaults).weights(), ofa_counts(uniform(224, 4, 3, 6)).weights);
}

TEST(OfaMbv3, MixedMatchesClosedFormAndStructure) {
  const OfaMbv3 a = mixed();
  const Graph g = build_ofa_mbv3(a, 10, "mixed");
  const Counts c = ofa_counts(a, 10);
  EXPECT_EQ(g.name, "mixed");
  EXPECT_EQ(g.weights(), c.weights);
  EXPECT_EQ(g.macs(), c.macs);
  // blocks.{1 + 4s + i}: the supernet's indices; the unused ones are absent
  EXPECT_GE(g.index_of("blocks.2.block.1.depthwise"), 0);
  EXPECT_LT(g.index_of("blocks.3.block.1.depthwise"), 0);
  EXPECT_GE(g.index_of("blocks.20.block.1.depthwise"), 0);
  const Layer& dw = g.layers[size_t(g.index_of("blocks.5.block.1.depthwise"))];  // stage 2, block 1: k7 e4
  EXPECT_EQ(dw.kernel_h, 7);
  EXPECT_EQ(dw.groups, 24 * 4);
  EXPECT_EQ(dw.stride, 2);
  EXPECT_EQ(dw.out, (Shape{96, 22, 22}));  // 176 -> 88 -> 44 -> 22
  // residual adds: blocks.0 and every block but a stage's first (stage 4 has stride 1 but 80 -> 112)
  EXPECT_EQ(count_ops(g, OpKind::add), 1 + (2 + 3 + 4 + 2 + 4 - 5));
  // SE in the 40, 112 and 160 stages: 3 + 2 + 4 blocks; hardswish in stages 3-5, stem, final layers
  EXPECT_EQ(count_ops(g, OpKind::hardsigmoid), 3 + 2 + 4);
  EXPECT_EQ(count_ops(g, OpKind::hardswish), 1 + 2 * (4 + 2 + 4) + 2);
  EXPECT_EQ(g.layers[size_t(g.index_of("global_avg_pool"))].in, (Shape{960, 6, 6}));  // 176/32 = 5.5 -> 6
}

TEST(OfaMbv3, EveryResolutionAndDepthBuilds) {
  for (int r = kOfaMinResolution; r <= kOfaMaxResolution; r += kOfaResolutionStep) {
    for (int d = kOfaMinDepth; d <= kOfaMaxDepth; ++d) {
      const OfaMbv3 a = uniform(r, d, 5, 4);
      const Graph g = build_ofa_mbv3(a);
      const Counts c = ofa_counts(a);
      EXPECT_EQ(g.weights(), c.weights) << to_string(a);
      EXPECT_EQ(g.macs(), c.macs) << to_string(a);
    }
  }
}

TEST(OfaMbv3, TextRoundTripsOnRandomArchitectures) {
  std::mt19937 rng(20240611);
  for (int n = 0; n < 300; ++n) {
    const OfaMbv3 a = random_ofa(rng);
    const std::string text = to_string(a);
    const OfaMbv3 back = parse_ofa_mbv3(text, "random");
    EXPECT_EQ(back, a) << text;
    EXPECT_EQ(to_string(back), text);
  }
}

TEST(OfaMbv3, TextFormAndItsFreedoms) {
  OfaMbv3 a = mixed();
  EXPECT_EQ(to_string(a),
            "ofa_mbv3(r=176, d=[2,3,4,2,4], k=[3,5,7,5,3,3,5,7,3,7,3,5,5,7,3], "
            "e=[3,6,4,3,6,6,3,4,4,6,6,3,4,6,6])");
  // unused slots do not count: not in the text, not in ==, defaults after parsing
  OfaMbv3 b = a;
  b.kernels[2] = 7;
  b.expands[15] = 3;
  EXPECT_EQ(a, b);
  EXPECT_EQ(to_string(a), to_string(b));
  const OfaMbv3 parsed = parse_ofa_mbv3(to_string(b), "x");
  EXPECT_EQ(parsed.kernels[2], 3);
  EXPECT_EQ(parsed.expands[15], 6);
  b.kernels[1] = 7;
  EXPECT_NE(a, b);
  // keys in any order, blanks and line breaks between tokens
  EXPECT_EQ(parse_ofa_mbv3("\n  ofa_mbv3 ( e = [3,6, 4,3,6,6,3,4,4,6,6,3,4,6,6] ,\n d=[ 2,3,4,2,4 ],"
                           "k=[3,5,7,5,3,3,5,7,3,7,3,5,5,7,3], r=176 )\n",
                           "x"),
            a);
}

TEST(OfaMbv3, BadValuesNameWhatIsAllowed) {
  expect_value_errors<OfaMbv3>(
      [](const OfaMbv3& a) { build_ofa_mbv3(a); },
      {
          {[](OfaMbv3& a) { a.resolution = 130; },
           "ofa_mbv3: resolution 130; allowed: 128 to 224 in steps of 4"},
          {[](OfaMbv3& a) { a.resolution = 228; },
           "ofa_mbv3: resolution 228; allowed: 128 to 224 in steps of 4"},
          {[](OfaMbv3& a) { a.depths[3] = 5; }, "ofa_mbv3: depth 5 of stage 4; allowed: 2, 3, 4"},
          {[](OfaMbv3& a) { a.kernels[5] = 9; },
           "ofa_mbv3: kernel 9 of slot 5 (stage 2, block 2); allowed: 3, 5, 7"},
          {[](OfaMbv3& a) {  // an unused slot is still checked
             a.depths[4] = 2;
             a.expands[19] = 5;
           },
           "ofa_mbv3: expand ratio 5 of slot 19 (stage 5, block 4); allowed: 3, 4, 6"},
      });
  EXPECT_EQ(error_of([&] { build_ofa_mbv3(OfaMbv3{}, 0); }), "ofa_mbv3: classes 0; allowed: 1 to 100000");
  EXPECT_NE(
      error_of([&] { build_ofa_mbv3(OfaMbv3{}, 10, ""); }).find("ofa_mbv3: network name: the name is empty"),
      std::string::npos);
}

TEST(OfaMbv3, MalformedTextSaysWhereAndWhat) {
  const auto err = [](const std::string& text) { return error_of([&] { parse_ofa_mbv3(text, "a.txt"); }); };
  const std::string k14 = "k=[3,3,3,3,3,3,3,3,3,3,3,3,3,3]";
  const std::string e14 = "e=[6,6,6,6,6,6,6,6,6,6,6,6,6,6]";
  expect_text_errors(
      [](const std::string& t) { parse_ofa_mbv3(t, "a.txt"); },
      {
          {"", "a.txt:1:1: expected 'ofa_mbv3(', got end of text"},
          {"vit(image=224)", "a.txt:1:1: expected 'ofa_mbv3(', got 'vit'"},
          {"ofa_mbv3 r=224", "a.txt:1:10: expected '(' after ofa_mbv3, got 'r'"},
          {"ofa_mbv3(r=224 d=[2,2,2,2,2])", "a.txt:1:16: expected ',' or ')', got 'd'"},
          {"ofa_mbv3(r=224, d=[2,2,2,2,2], k=[3], e=[6]) extra",
           "a.txt:1:46: expected end of text after ')', got 'extra'"},
          {"ofa_mbv3(r=224, x=1)", "a.txt:1:17: unknown key 'x'; allowed: r, d, k, e"},
          {"ofa_mbv3(r=224, r=224)", "a.txt:1:17: key 'r' given twice"},
          {"ofa_mbv3(r=224, d=[2,3,4,2,3])", "a.txt:1:30: missing key 'k' (required: r, d, k, e)"},
          {"ofa_mbv3(r=22.5, d=[2,3,4,2,3], " + k14 + ", " + e14 + ")",
           "a.txt:1:12: expected an integer for r, got '22.5'"},
          {"ofa_mbv3(r=[224], d=[2,3,4,2,3], " + k14 + ", " + e14 + ")",
           "a.txt:1:12: expected one number for r, got a list"},
          {"ofa_mbv3(r=96, d=[2,3,4,2,3], " + k14 + ", " + e14 + ")",
           "a.txt:1:12: resolution 96; allowed: 128 to 224 in steps of 4"},
          {"ofa_mbv3(r=-224, d=[2,3,4,2,3], " + k14 + ", " + e14 + ")",
           "a.txt:1:12: resolution -224; allowed: 128 to 224 in steps of 4"},
          {"ofa_mbv3(r=224, d=[2,3,4,2], " + k14 + ", " + e14 + ")",
           "a.txt:1:19: d has 4 values; expected 5 (blocks per stage)"},
          {"ofa_mbv3(r=224,\n d=[2,3,1,2,3], " + k14 + ", " + e14 + ")",
           "a.txt:2:9: depth 1 of stage 3; allowed: 2, 3, 4"},
          {"ofa_mbv3(r=224, d=[2,3,4,2,4], " + k14 + ", " + e14 + ")",
           "a.txt:1:34: k has 14 values; expected 15, one per block of d"},
          {"ofa_mbv3(r=224, d=[2,3,4,2,3], k=[3,3,9,3,3,3,3,3,3,3,3,3,3,3], " + e14 + ")",
           "a.txt:1:39: kernel 9 of block 3 (stage 2, block 1); allowed: 3, 5, 7"},
          {"ofa_mbv3(r=224, d=[2,3,4,2,3], " + k14 + ", e=[6,6,6,6,6,6,6,6,6,6,6,6,6,2])",
           "a.txt:1:94: expand ratio 2 of block 14 (stage 5, block 3); allowed: 3, 4, 6"},
          {"ofa_mbv3(r=224, d=[2,3,4,2,3], k=[3,,3])", "a.txt:1:37: expected a number, got ','"},
          {"ofa_mbv3(r=224, d=[2,3,4,2,3], k=[3,3", "a.txt:1:38: expected ',' or ']', got end of text"},
      });
  // user text in messages stays on one line and bounded
  const std::string e = err("ofa\n\x1b[2J" + std::string(10000, 'x'));
  EXPECT_EQ(e.find('\n'), std::string::npos);
  EXPECT_EQ(e.find('\x1b'), std::string::npos);
  EXPECT_LT(e.size(), 200u);
  const std::string source_with_newline = error_of([] { parse_ofa_mbv3("x", "a\nb"); });
  EXPECT_EQ(source_with_newline, "a\\nb:1:1: expected 'ofa_mbv3(', got 'x'");
  EXPECT_NE(err(std::string(70000, ' ')).find("above the bound 65536"), std::string::npos);
}

// ---- ViT --------------------------------------------------------------------------------------------------

TEST(VitArch, VitB16ValuesAreTheBuiltIn) {
  const Graph built = build_vit_arch(VitArch{}, "vit_b_16");
  const Graph reference = vit_b_16_network();
  EXPECT_EQ(built.weights(), reference.weights());
  EXPECT_EQ(built.macs(), reference.macs());
  ASSERT_EQ(built.layers.size(), reference.layers.size());
  for (size_t i = 0; i < built.layers.size(); ++i) {
    EXPECT_EQ(built.layers[i].name, reference.layers[i].name);
    EXPECT_EQ(built.layers[i].op, reference.layers[i].op);
    EXPECT_EQ(built.layers[i].out, reference.layers[i].out) << built.layers[i].name;
  }
  VitArch deit;
  deit.width = 192;
  deit.heads = 3;
  const Graph tiny = build_vit_arch(deit);
  EXPECT_EQ(tiny.weights(), deit_tiny_network().weights());
  EXPECT_EQ(tiny.macs(), deit_tiny_network().macs());
  EXPECT_EQ(tiny.name, "vit");
}

TEST(VitArch, SmallVitMatchesClosedForm) {
  VitArch a;
  a.image = 32;
  a.patch = 4;
  a.width = 64;
  a.depth = 3;
  a.heads = 2;
  a.mlp_ratio_x10 = 35;  // hidden 224
  a.classes = 10;
  const Graph g = build_vit_arch(a, "small");
  const int64_t w = 64, hidden = 224, tokens = 8 * 8 + 1, depth = 3;
  EXPECT_EQ(vit_mlp_hidden(a), hidden);
  // patch embedding 3*4*4 x 64, per layer Q, K, V, out (w^2 each) and fc1, fc2 (w*hidden each), head
  EXPECT_EQ(g.weights(), 3 * 4 * 4 * w + depth * (4 * w * w + 2 * w * hidden) + w * 10);
  // the projections once per token (the embedding per patch), two attention products per layer
  EXPECT_EQ(g.macs(), 64 * 3 * 4 * 4 * w + depth * tokens * (4 * w * w + 2 * w * hidden) +
                          depth * 2 * tokens * tokens * w + w * 10);
  EXPECT_EQ(g.layers.back().out, (Shape{10, 1, 1}));
}

TEST(VitArch, MlpHiddenRoundsHalvesUp) {
  VitArch a;
  a.width = 33;
  a.heads = 3;
  a.mlp_ratio_x10 = 25;  // 82.5
  EXPECT_EQ(vit_mlp_hidden(a), 83);
  a.mlp_ratio_x10 = 24;  // 79.2
  EXPECT_EQ(vit_mlp_hidden(a), 79);
  a.mlp_ratio_x10 = 27;  // 89.1
  EXPECT_EQ(vit_mlp_hidden(a), 89);
  const Graph g = build_vit_arch(a);
  EXPECT_EQ(g.layers[size_t(g.index_of("encoder.layer_0.mlp.fc1"))].out_channels, 89);
}

TEST(VitArch, TextRoundTrips) {
  EXPECT_EQ(to_string(VitArch{}), "vit(image=224, patch=16, width=768, depth=12, heads=12, mlp_ratio=4.0)");
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int n = 0; n < 300; ++n) {
    VitArch a;
    a.patch = pick(kVitMinPatch, kVitMaxPatch);
    a.image = a.patch * pick(1, kVitMaxGrid);
    if (a.image < kVitMinImage || a.image > kVitMaxImage)
      a.image = a.patch * ((kVitMinImage + a.patch - 1) / a.patch);
    a.heads = pick(kVitMinHeads, 16);
    a.width = a.heads * pick((kVitMinWidth + a.heads - 1) / a.heads, kVitMaxWidth / a.heads);
    a.depth = pick(kVitMinDepth, kVitMaxDepth);
    a.mlp_ratio_x10 = pick(kVitMinMlpX10, kVitMaxMlpX10);
    a.classes = pick(0, 1) ? 1000 : pick(1, kSearchMaxClasses);
    ASSERT_NO_THROW(validate(a)) << to_string(a);
    const std::string text = to_string(a);
    EXPECT_EQ(parse_vit_arch(text, "random"), a) << text;
  }
  // keys in any order; mlp_ratio as an integer or with trailing zeros
  VitArch b;
  b.classes = 10;
  b.mlp_ratio_x10 = 30;
  EXPECT_EQ(
      parse_vit_arch("vit(classes=10, mlp_ratio=3, heads=12, depth=12, width=768, patch=16, image=224)", "x"),
      b);
  EXPECT_EQ(
      parse_vit_arch("vit(image=224,patch=16,width=768,depth=12,heads=12,mlp_ratio=3.00,classes=10)", "x"),
      b);
}

TEST(VitArch, BadValuesAndTextNameWhatIsAllowed) {
  expect_value_errors<VitArch>(
      [](const VitArch& a) { build_vit_arch(a); },
      {
          {[](VitArch& a) { a.width = 100; }, "vit: width 100 is not divisible by heads 12"},
          {[](VitArch& a) { a.image = 225; }, "vit: image 225 is not divisible by patch 16"},
          {[](VitArch& a) { a.image = 1024; },
           "vit: image 1024 / patch 16 = 64 patches a side; allowed: 1 to 32"},
          {[](VitArch& a) { a.depth = 0; }, "vit: depth 0; allowed: 1 to 48"},
          {[](VitArch& a) { a.mlp_ratio_x10 = 85; },
           "vit: mlp_ratio 8.5; allowed: 1.0 to 8.0 in steps of 0.1"},
          {[](VitArch& a) { a.heads = 65; }, "vit: heads 65; allowed: 1 to 64"},
          {[](VitArch& a) { a.classes = 0; }, "vit: classes 0; allowed: 1 to 100000"},
      });

  const std::string rest = "patch=16, width=768, depth=12, heads=12";
  expect_text_errors(
      [](const std::string& t) { parse_vit_arch(t, "v"); },
      {
          {"vit(image=224, " + rest + ", mlp_ratio=3.25)",
           "v:1:67: mlp_ratio 3.25; allowed: 1.0 to 8.0 in steps of 0.1"},
          {"vit(image=224, " + rest + ", mlp_ratio=-0.5)",
           "v:1:67: mlp_ratio -0.5; allowed: 1.0 to 8.0 in steps of 0.1"},
          {"vit(image=224, " + rest + ")",
           "v:1:55: missing key 'mlp_ratio' (required: image, patch, width, depth, heads, mlp_ratio)"},
          {"vit(image=230, " + rest + ", mlp_ratio=4)", "v:1:11: image 230 is not divisible by patch 16"},
          {"vit(image=224, patch=16, width=770, depth=12, heads=12, mlp_ratio=4)",
           "v:1:32: width 770 is not divisible by heads 12"},
          {"vit(image=224, " + rest + ", mlp_ratio=4, classes=99999999999999999999)",
           "v:1:78: classes 99999999999999999999; allowed: 1 to 100000"},
          {"vit(image=224, " + rest + ", mlp_ratio=4, dropout=0.1)",
           "v:1:70: unknown key 'dropout'; allowed: image, patch, width, depth, heads, mlp_ratio, classes"},
          {"vit(image=224.0, " + rest + ", mlp_ratio=4)",
           "v:1:11: expected an integer for image, got '224.0'"},
          {"vit(image=224, " + rest + ", mlp_ratio=4.)", "v:1:67: expected a number, got '4.'"},
      });
}
