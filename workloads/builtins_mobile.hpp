// Built-in ImageNet mobile networks: torchvision's squeezenet1_1 and mobilenet_v3_small in inference form
// (batch norm folded into the conv before it, dropout dropped). See docs/workloads.md.
#pragma once

#include <string>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

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
