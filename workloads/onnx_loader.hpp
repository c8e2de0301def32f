// Import of ONNX models (protobuf ModelProto, Debian's libonnx) into the network IR. The supported
// operators, how each maps to IR layers and what is refused: docs/workloads.md ("ONNX models").
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

// Reads `path` (a binary ModelProto). The graph is named after the file (without extension). Every
// error is a one-line NetworkError: "PATH: node 'NAME' (OpType): message" or "PATH: message".
Graph load_onnx(const std::string& path);

// The same for a model in memory; `source` stands for the file in names and messages.
Graph from_onnx(const onnx::ModelProto& model, const std::string& source);

}  // namespace cimsim::workloads
