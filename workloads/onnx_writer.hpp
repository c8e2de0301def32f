// Export of a Graph as an ONNX model (opset 14): every IR op as its natural ONNX node, with zero-filled
// (or constant) initializers of the right shapes. Used by tests to build models and for round trips
// through load_onnx(); see docs/workloads.md ("ONNX models").
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

// The graph must have its shapes inferred (Graph::infer_shapes()). Tensor and node names are the layer
// names; where a layer needs more than one node (fc: Flatten + Gemm; scale_shift: Mul + Add; zero:
// [MaxPool 1x1 stride s +] Mul by 0) the extra nodes get suffixed names and the layer's name stays on
// the node that load_onnx() turns into the layer.
onnx::ModelProto to_onnx(const Graph& graph);

// Writes to_onnx(graph) to `path` (protobuf binary). Throws NetworkError when the file cannot be written.
void save_onnx(const Graph& graph, const std::string& path);

}  // namespace cimsim::workloads
