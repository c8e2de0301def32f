// Fuzz target: an ONNX model (protobuf bytes) through workloads::from_onnx, then the mapper. Bytes that are
// not a ModelProto are refused by protobuf before cimsim sees them; libFuzzer's mutations of the seed
// models (tiny exports, the cases) reach the loader's shape and attribute checks.
#include <onnx/onnx_pb.h>

#include <climits>

#include "fuzz/fuzz_target.hpp"
#include "workloads/onnx_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size > INT_MAX) return 0;
  onnx::ModelProto model;
  if (!model.ParseFromArray(data, static_cast<int>(size))) return 0;
  cimsim::fuzz::expect_parse_or_error([&] {
    const auto g = cimsim::workloads::from_onnx(model, "fuzz.onnx");
    cimsim::fuzz::map_if_small(g);
  });
  return 0;
}
