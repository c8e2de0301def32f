// Search spaces for co-design search (`cimsim search`), as network builders: an architecture is a small
// struct with a canonical one-line text form; every value is range-checked before anything is built and a
// bad value or text throws NetworkError with one line naming where, what and what is allowed.
//
//  - OfaMbv3: the once-for-all MobileNetV3 space (Cai et al., "Once-for-All: Train One Network and
//    Specialize it for Efficient Deployment", ICLR 2020; github.com/mit-han-lab/once-for-all,
//    ofa/imagenet_classification/elastic_nn/networks/ofa_mbv3.py, width multiplier 1.0), the space RNC
//    searches: elastic resolution, depth per stage, and kernel and expand ratio per block.
//  - VitArch: vision-transformer sub-networks (depth, heads, MLP ratio, embedding width; the dimensions
//    CiMNet searches), built by build_vit (workloads/builtins.hpp).
#pragma once

#include <array>
#include <string>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

// ---- OFA MobileNetV3 ------------------------------------------------------------------------------------
// The network on a resolution x resolution x 3 image (batch norms folded into the convs before them, as
// the built-in mobilenet_v3_small; dropout dropped):
//   first_conv     3x3 conv stride 2 (pad 1), 3 -> 16, hardswish
//   blocks.0       MBConv k3, expand 1 (depthwise 3x3 16, ReLU, project 16 -> 16), residual
//   5 stages       widths 24, 40, 80, 112, 160; strides 2, 2, 2, 1, 2; ReLU, ReLU, hardswish x 3;
//                  squeeze-and-excitation in the 40, 112 and 160 stages. Block i of stage s is
//                  blocks.{1 + 4s + i} (its index in the OFA supernet, whatever the depths): an MBConv of
//                  kernel k, expanded = make_divisible(in x e, 8) channels (in: the previous block's
//                  width), the stage's stride on its first block only, the residual add when stride 1 and
//                  in == out; SE squeeze make_divisible(expanded / 4, 8).
//   final_expand_layer  1x1 conv -> 960, hardswish; global average pool
//   feature_mix_layer   1x1 conv 960 -> 1280 (no BN, no bias), hardswish
//   classifier.linear   fc 1280 -> classes
// With the largest choices (r=224, d=4, k=7, e=6): 7,613,280 crossbar weights and 566,170,656 MACs.
constexpr int kOfaStages = 5;
constexpr int kOfaMaxDepth = 4;  // blocks per stage: kOfaMinDepth to kOfaMaxDepth
constexpr int kOfaMinDepth = 2;
constexpr int kOfaSlots = kOfaStages * kOfaMaxDepth;  // slot 4 * stage + block
constexpr int kOfaMinResolution = 128, kOfaMaxResolution = 224, kOfaResolutionStep = 4;  // OFA's sizes
constexpr std::array<int, 3> kOfaKernels{3, 5, 7};
constexpr std::array<int, 3> kOfaExpands{3, 4, 6};
constexpr int kSearchMaxClasses = 100000;  // classes: 1 to this, in both spaces

constexpr std::array<int, kOfaSlots> ofa_slots_of(int value) {
  std::array<int, kOfaSlots> slots{};
  for (int& s : slots) s = value;
  return slots;
}

struct OfaMbv3 {
  int resolution = 224;                                  // 128 to 224, a multiple of 4
  std::array<int, kOfaStages> depths{4, 4, 4, 4, 4};     // blocks per stage, each 2 to 4
  std::array<int, kOfaSlots> kernels = ofa_slots_of(3);  // slot 4 * stage + i: 3, 5 or 7
  std::array<int, kOfaSlots> expands = ofa_slots_of(6);  // 3, 4 or 6
};
// The same network: equal resolution and depths, and equal kernels and expands in the used slots (slots
// past a stage's depth are ignored).
bool operator==(const OfaMbv3& a, const OfaMbv3& b);
inline bool operator!=(const OfaMbv3& a, const OfaMbv3& b) { return !(a == b); }

// Throws NetworkError ("ofa_mbv3: kernel 9 of slot 5 (stage 2, block 2); allowed: 3, 5, 7") unless every
// value, the unused slots included, is one of the allowed ones.
void validate(const OfaMbv3& arch);
// validate(arch), classes (1 to kSearchMaxClasses) and the name (workloads/limits.hpp), then the graph.
Graph build_ofa_mbv3(const OfaMbv3& arch, int classes = 1000, const std::string& name = "ofa_mbv3");

// Canonical one-line text of the used blocks, stage by stage:
//   "ofa_mbv3(r=224, d=[2,3,4,2,4], k=[3,5,7,...], e=[3,4,6,...])"  (k and e: sum(d) values each)
std::string to_string(const OfaMbv3& arch);
// Reads that text back (keys in any order, each once; blanks and newlines between tokens; unused slots
// get the defaults 3 and 6). Throws NetworkError, one line: "SOURCE:LINE:COL: expected ..., got ..." or
// "SOURCE:LINE:COL: kernel 9 of block 3 (stage 1, block 3); allowed: 3, 5, 7".
OfaMbv3 parse_ofa_mbv3(const std::string& text, const std::string& source);

// ---- ViT --------------------------------------------------------------------------------------------------
// build_vit's ViT (torchvision's VisionTransformer): patch x patch embedding conv, class token, positional
// embedding, `depth` pre-norm encoder layers (Q, K, V, output width x width; MLP width -> hidden -> width
// with hidden = round(width x mlp_ratio), halves up), head on the class token. Crossbar weights:
//   3 patch^2 width + depth (4 width^2 + 2 width hidden) + width classes.
// Ranges (the text is checked against the same):
constexpr int kVitMinImage = 32, kVitMaxImage = 1024;  // divisible by patch
constexpr int kVitMinPatch = 2, kVitMaxPatch = 64;
constexpr int kVitMaxGrid = 32;                        // image / patch: up to 32 x 32 + 1 tokens
constexpr int kVitMinWidth = 32, kVitMaxWidth = 2048;  // divisible by heads
constexpr int kVitMinDepth = 1, kVitMaxDepth = 48;
constexpr int kVitMinHeads = 1, kVitMaxHeads = 64;
constexpr int kVitMinMlpX10 = 10, kVitMaxMlpX10 = 80;  // mlp_ratio 1.0 to 8.0 in steps of 0.1

struct VitArch {  // defaults: ViT-B/16
  int image = 224, patch = 16, width = 768, depth = 12, heads = 12;
  int mlp_ratio_x10 = 40;  // the MLP ratio times 10 (4.0 -> 40)
  int classes = 1000;
};
bool operator==(const VitArch& a, const VitArch& b);
inline bool operator!=(const VitArch& a, const VitArch& b) { return !(a == b); }

// Throws NetworkError ("vit: width 100 is not divisible by heads 12") unless every value is in range.
void validate(const VitArch& a);
// The MLP hidden width: width x mlp_ratio_x10 / 10 rounded, halves up.
int vit_mlp_hidden(const VitArch& a);
// validate(a) and the name, then build_vit.
Graph build_vit_arch(const VitArch& a, const std::string& name = "vit");

// "vit(image=224, patch=16, width=768, depth=12, heads=12, mlp_ratio=4.0)", with ", classes=N" appended
// when classes is not 1000.
std::string to_string(const VitArch& a);
// Reads that text back: image, patch, width, depth, heads and mlp_ratio required (mlp_ratio a decimal with
// at most one significant decimal), classes optional (1000); keys in any order. Errors as parse_ofa_mbv3.
VitArch parse_vit_arch(const std::string& text, const std::string& source);

}  // namespace cimsim::workloads
