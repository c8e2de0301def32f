// Networks built into cimsim, constructed in code (no data files needed).
#pragma once

#include <string>
#include <vector>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

// NeuroSim's VGG-8 for CIFAR-10, exactly as its NetWork_VGG8.csv describes (see docs/workloads.md).
Graph vgg8_network();
// The common CIFAR ResNet-18 (32x32 input, 3x3 stem, no max pool, projection shortcuts, fc 512->10).
Graph resnet18_network();
// torchvision's ImageNet ResNet-18 (7x7/2 stem, 3x3/2 max pool, 224x224, fc 512->1000).
Graph resnet18_imagenet_network();
// torchvision's ViT-B/16 (224x224, patch 16, 768 wide, 12 layers, 12 heads, MLP 3072, 1000 classes) and
// DeiT-Tiny (192 wide, 3 heads, MLP 768): builtins_transformer.cpp.
Graph vit_b_16_network();
Graph deit_tiny_network();

// A vision transformer (torchvision's VisionTransformer; timm's DeiT has the same encoder) on a square
// image x image x 3 input: a patch x patch embedding conv of stride patch to `dim`, a class token and
// positional embedding, `depth` pre-norm encoder layers (Q, K, V and output 1x1 convs, `heads`-head
// attention, MLP dim -> mlp -> dim with GELU), the head on the class token. No checks of its own beyond
// the graph's (workloads/search_space.hpp validates a ViT architecture first).
struct VitConfig {
  const char* name;
  int image, patch, dim, depth, heads, mlp, classes;
};
Graph build_vit(const VitConfig& c);

struct BuiltinNetwork {
  const char* name;
  const char* description;
  Graph (*make)();
};
const std::vector<BuiltinNetwork>& builtin_networks();

}  // namespace cimsim::workloads
