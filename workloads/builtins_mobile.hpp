// Built-in ImageNet mobile networks: torchvision's squeezenet1_1 and mobilenet_v3_small in inference form
// (batch norm folded into the conv before it, dropout dropped). See docs/workloads.md.
#pragma once

#include <string>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

class Builder;

// torchvision's _make_divisible(v, 8) (also OFA's make_divisible): the nearest multiple of `divisor`, at
// least `divisor`, not below 90% of v.
int make_divisible(int v, int divisor = 8);

// One MobileNetV3 inverted-residual block (torchvision's InvertedResidual, OFA's MBConvLayer with its
// ResidualBlock): a 1x1 expand conv to `expanded` channels unless expanded == in_channels, a depthwise
// kernel x kernel conv of `stride` (padding kernel / 2), each followed by ReLU or hardswish; then, with
// `se`, squeeze-and-excitation (global average pool, 1x1 conv to make_divisible(expanded / 4), ReLU, 1x1
// conv back, hardsigmoid, channel-wise product); a 1x1 project conv to `out`; the residual add when
// stride is 1 and in_channels == out. Batch norms are folded into the convs before them.
struct InvertedResidualConfig {
  int kernel, expanded, out;
  bool se, hardswish;
  int stride;
};
// Appends the block, fed by b.last() (which has `in_channels` channels), its layers named `prefix` +
// "block.N.{expand,depthwise,relu|hardswish,se.*,project}" and `prefix` + "add"; returns its last layer.
int inverted_residual(Builder& b, const std::string& prefix, const InvertedResidualConfig& c,
                      int in_channels);

// torchvision squeezenet1_1 on a square `input_size` x `input_size` x 3 image with `classes` outputs.
// ceil_mode max pools: a `pad` layer (bottom/right) before a pool wherever ceil and floor differ.
Graph build_squeezenet1_1(int input_size, int classes, const std::string& name);
// torchvision mobilenet_v3_small (width 1.0) on a square `input_size` x `input_size` x 3 image.
Graph build_mobilenet_v3_small(int input_size, int classes, const std::string& name);

Graph squeezenet1_1_network();          // 224x224x3, 1000 classes
Graph squeezenet1_1_64_network();       // 64x64x3, 1000 classes (the RNC setting)
Graph mobilenet_v3_small_network();     // 224x224x3, 1000 classes
Graph mobilenet_v3_small_64_network();  // 64x64x3, 1000 classes

}  // namespace cimsim::workloads
