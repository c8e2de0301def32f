// Linear scale (issue 8 part 4): 10^5-layer networks (YAML, NeuroSim CSV, ONNX with one repeated node
// name) and a concat of 10^5 inputs load and map in-process (no simulation). Loading used to be quadratic
// (a linear name lookup per layer) and the packer scanned every open crossbar per block; the measured
// times are in bench/scale.sh. No absolute time is asserted (a slow, busy or sanitized machine must not
// fail these): each case is also run at an eighth of the size, and the work may grow at most 24x for 8x
// the layers (linear: 8x, n log n: under 10x, quadratic: 64x), the best of three runs at each size, in
// this process's CPU time (other processes on a busy machine do not count). (A quarter of the size with
// at most 8x was too narrow: ONNX with one repeated name measured 4.2-6.2x alone, more than 8x once
// under a parallel ctest, from cache and allocator effects, not from the algorithm.)
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
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
constexpr double kMaxGrowth = 24;  // for 8x the size

// CPU time this process has used (seconds): unlike wall time, not lengthened by other processes.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// The best of three timings of `f(n)`.
template <class F>
double best_seconds(F&& f, int n) {
  double best = 1e300;
  for (int k = 0; k < 3; ++k) {
    const double t0 = cpu_seconds();
    f(n);
    best = std::min(best, cpu_seconds() - t0);
  }
  return best;
}

// Work at kN against work at kN / 8: at most kMaxGrowth times (plus 20 ms for fixed costs and timer noise).
template <class F>
void expect_linear(F&& f) {
  const double small = best_seconds(f, kN / 8), large = best_seconds(f, kN);
  EXPECT_LT(large, kMaxGrowth * small + 0.02) << kN / 8 << ": " << small << " s, " << kN << ": " << large << " s";
  std::printf("%d: %.4f s, %d: %.4f s (%.2fx)\n", kN / 8, small, kN, large, large / small);
}

mapper::Mapping map_default(const Graph& g) { return mapper::map_network(g, models::load_hardware("default")); }

}  // namespace

std::string unnamed_yaml(int n) {
  std::string text = "input: {channels: 3, height: 8, width: 8}\nlayers:\n";
  for (int k = 0; k < n; ++k) text += "  - {op: relu}\n";
  return text;
}

TEST(LimitsNetScale, YamlOf100kLayers) {
  expect_linear([](int n) { map_default(workloads::parse_network_yaml(unnamed_yaml(n), "many.yaml", "many")); });
  const Graph g = workloads::parse_network_yaml(unnamed_yaml(kN), "many.yaml", "many");
  const auto m = map_default(g);
  ASSERT_EQ(g.layers.size(), size_t(kN) + 1);
  EXPECT_EQ(g.layers.back().name, "relu100000");
  EXPECT_EQ(g.layers.back().inputs, std::vector<int>{kN - 1});
  EXPECT_EQ(m.layers.size(), size_t(kN) + 1);
}

// every layer names the one before: n lookups by name
std::string named_yaml(int n) {
  std::string text = "input: {channels: 3, height: 8, width: 8}\nlayers:\n  - {name: l0, op: relu}\n";
  for (int k = 1; k < n; ++k)
    text += "  - {name: l" + std::to_string(k) + ", op: relu, inputs: [l" + std::to_string(k - 1) + "]}\n";
  return text;
}

TEST(LimitsNetScale, NamedYamlLayersReadByName) {
  expect_linear([](int n) { workloads::parse_network_yaml(named_yaml(n), "named.yaml", "named"); });
  const Graph g = workloads::parse_network_yaml(named_yaml(kN), "named.yaml", "named");
  ASSERT_EQ(g.layers.size(), size_t(kN) + 1);
  EXPECT_EQ(g.index_of("l99999"), kN);
  EXPECT_EQ(g.layers.back().inputs, std::vector<int>{kN - 1});
}

std::string conv_csv(int n) {
  std::string text;
  for (int k = 0; k < n; ++k) text += "32,32,16,3,3,16,0,1\n";
  return text;
}

TEST(LimitsNetScale, CsvOf100kRowsMapsAndPacks) {
  expect_linear([](int n) {
    const Graph g = workloads::parse_neurosim_csv(conv_csv(n), "many.csv", "many");
    mapper::work_lists(map_default(g), g);
  });
  const Graph g = workloads::parse_neurosim_csv(conv_csv(kN), "many.csv", "many");
  const auto m = map_default(g);
  const auto work = mapper::work_lists(m, g);
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

std::string concat_yaml(int n) {
  std::string text = "input: {channels: 3, height: 8, width: 8}\nlayers:\n  - {name: s, op: concat, inputs: [input";
  for (int k = 1; k < n; ++k) text += ", input";
  return text + "]}\n  - {name: f, op: fc, out_channels: 10}\n";
}

TEST(LimitsNetScale, ConcatOf100kInputs) {
  expect_linear([](int n) { map_default(workloads::parse_network_yaml(concat_yaml(n), "cat.yaml", "cat")); });
  const Graph g = workloads::parse_network_yaml(concat_yaml(kN), "cat.yaml", "cat");
  const auto m = map_default(g);
  ASSERT_EQ(g.layers.size(), 3u);
  EXPECT_EQ(g.layers[1].out.c, 3 * kN);
  EXPECT_EQ(g.layers[2].weights(), int64_t(10) * 3 * kN * 64);
  EXPECT_EQ(m.layers[2].row_blocks, (3 * kN * 64 + 127) / 128);
}

// n Relu nodes all named "r": names r, r_2, ..., r_n (each found in O(1), not by counting up from 2)
onnx::ModelProto relus_of_one_name(int n) {
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
  for (int k = 0; k < n; ++k) {
    auto* node = g->add_node();
    node->set_op_type("Relu");
    node->set_name("r");
    node->add_input(prev);
    prev = "t" + std::to_string(k);
    node->add_output(prev);
  }
  return model;
}

TEST(LimitsNetScale, OnnxOf100kNodesOfOneName) {
  expect_linear([](int n) { map_default(workloads::from_onnx(relus_of_one_name(n), "many.onnx")); });
  const Graph graph = workloads::from_onnx(relus_of_one_name(kN), "many.onnx");
  const auto m = map_default(graph);
  ASSERT_EQ(graph.layers.size(), size_t(kN) + 1);
  EXPECT_EQ(graph.layers[1].name, "r");
  EXPECT_EQ(graph.layers.back().name, "r_100000");
  EXPECT_EQ(m.layers.size(), graph.layers.size());
}
