// Linear scale (issue 8 part 4): 10^5-layer networks (YAML, NeuroSim CSV, ONNX with one repeated node
// name) and a concat of 10^5 inputs load and map in-process (no simulation). Loading used to be quadratic
// (a linear name lookup per layer) and the packer scanned every open crossbar per block; the measured
// times are in bench/scale.sh (under 1.2 s of CPU each). The bound asserted here, 20 s, only catches a
// return to quadratic work (which took minutes at this size), so a slow or busy machine does not fail it.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <chrono>
#include <string>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "workloads/network_yaml.hpp"
#include "workloads/neurosim_csv.hpp"
#include "workloads/onnx_loader.hpp"

using namespace cimsim;
using workloads::Graph;

namespace {

constexpr int kN = 100000;
constexpr double kGenerousSeconds = 20;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

mapper::Mapping map_default(const Graph& g) { return mapper::map_network(g, models::load_hardware("default")); }

}  // namespace

TEST(LimitsNetScale, YamlOf100kLayers) {
  std::string text = "input: {channels: 3, height: 8, width: 8}\nlayers:\n";
  for (int k = 0; k < kN; ++k) text += "  - {op: relu}\n";
  const auto t0 = std::chrono::steady_clock::now();
  const Graph g = workloads::parse_network_yaml(text, "many.yaml", "many");
  const auto m = map_default(g);
  EXPECT_LT(seconds_since(t0), kGenerousSeconds);
  ASSERT_EQ(g.layers.size(), size_t(kN) + 1);
  EXPECT_EQ(g.layers.back().name, "relu100000");
  EXPECT_EQ(g.layers.back().inputs, std::vector<int>{kN - 1});
  EXPECT_EQ(m.layers.size(), size_t(kN) + 1);
}

TEST(LimitsNetScale, NamedYamlLayersReadByName) {
  // every layer names the one before: 10^5 lookups by name
  std::string text = "input: {channels: 3, height: 8, width: 8}\nlayers:\n  - {name: l0, op: relu}\n";
  for (int k = 1; k < kN; ++k) {
    text += "  - {name: l" + std::to_string(k) + ", op: relu, inputs: [l" + std::to_string(k - 1) + "]}\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Graph g = workloads::parse_network_yaml(text, "named.yaml", "named");
  EXPECT_LT(seconds_since(t0), kGenerousSeconds);
  ASSERT_EQ(g.layers.size(), size_t(kN) + 1);
  EXPECT_EQ(g.index_of("l99999"), kN);
  EXPECT_EQ(g.layers.back().inputs, std::vector<int>{kN - 1});
}

TEST(LimitsNetScale, CsvOf100kRowsMapsAndPacks) {
  std::string text;
  for (int k = 0; k < kN; ++k) text += "32,32,16,3,3,16,0,1\n";
  const auto t0 = std::chrono::steady_clock::now();
  const Graph g = workloads::parse_neurosim_csv(text, "many.csv", "many");
  const auto m = map_default(g);
  const auto work = mapper::work_lists(m, g);
  EXPECT_LT(seconds_since(t0), kGenerousSeconds);
  ASSERT_EQ(g.layers.size(), size_t(2 * kN));  // a conv and a relu per row, none after the last conv
  // each conv: 144 rows x 16 outputs, two row blocks; all layers equally busy, so the sharing rule (a
  // crossbar's summed layer times within the bottleneck) gives every block its own crossbar
  EXPECT_EQ(m.blocks.size(), size_t(2 * kN));
  EXPECT_EQ(m.crossbars_used, 2 * kN);
  EXPECT_EQ(m.shared_crossbars, 0);
  size_t items = 0;
  for (const auto& w : work) items += w.items.size();
  EXPECT_EQ(items, size_t(kN) + 1);  // the input and one per conv (both blocks on one tile); relus are fused

}

TEST(LimitsNetScale, ConcatOf100kInputs) {
  std::string text = "input: {channels: 3, height: 8, width: 8}\nlayers:\n  - {name: s, op: concat, inputs: [input";
  for (int k = 1; k < kN; ++k) text += ", input";
  text += "]}\n  - {name: f, op: fc, out_channels: 10}\n";
  const auto t0 = std::chrono::steady_clock::now();
  const Graph g = workloads::parse_network_yaml(text, "cat.yaml", "cat");
  const auto m = map_default(g);
  EXPECT_LT(seconds_since(t0), kGenerousSeconds);
  ASSERT_EQ(g.layers.size(), 3u);
  EXPECT_EQ(g.layers[1].out.c, 3 * kN);
  EXPECT_EQ(g.layers[2].weights(), int64_t(10) * 3 * kN * 64);
  EXPECT_EQ(m.layers[2].row_blocks, (3 * kN * 64 + 127) / 128);
}

TEST(LimitsNetScale, OnnxOf100kNodesOfOneName) {
  // every node named "r": names r, r_2, ..., r_100000 (each found in O(1), not by counting up from 2)
  onnx::ModelProto model;
  model.set_ir_version(7);
  model.add_opset_import()->set_version(13);
  auto* g = model.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  auto* t = in->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int d : {1, 3, 8, 8}) t->mutable_shape()->add_dim()->set_dim_value(d);
  std::string prev = "x";
  for (int k = 0; k < kN; ++k) {
    auto* n = g->add_node();
    n->set_op_type("Relu");
    n->set_name("r");
    n->add_input(prev);
    prev = "t" + std::to_string(k);
    n->add_output(prev);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Graph graph = workloads::from_onnx(model, "many.onnx");
  const auto m = map_default(graph);
  EXPECT_LT(seconds_since(t0), kGenerousSeconds);
  ASSERT_EQ(graph.layers.size(), size_t(kN) + 1);
  EXPECT_EQ(graph.layers[1].name, "r");
  EXPECT_EQ(graph.layers.back().name, "r_100000");
  EXPECT_EQ(m.layers.size(), graph.layers.size());
}
