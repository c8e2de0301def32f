// The network limits (workloads/limits.hpp, docs/workloads.md#limits): every bound a network file can
// reach, a value just inside it loads and one just outside is refused with a message naming the value,
// the bound and where; names, control bytes, second YAML documents and byte order marks. In-process, no
// simulation.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <string>
#include <vector>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "workloads/darts.hpp"
#include "workloads/genotype.hpp"
#include "workloads/graph.hpp"
#include "workloads/limits.hpp"
#include "workloads/network_yaml.hpp"
#include "workloads/neurosim_csv.hpp"
#include "workloads/onnx_loader.hpp"
#include "workloads/onnx_writer.hpp"

using namespace cimsim::workloads;
using cimsim::testing::error_of;

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

namespace {

Graph yaml(const std::string& text) { return parse_network_yaml(text, "n.yaml", "n"); }
std::string yaml_error(const std::string& text) { return error_of([&] { yaml(text); }); }
std::string csv_error(const std::string& text) { return error_of([&] { parse_neurosim_csv(text, "n.csv", "n"); }); }

std::string input(int64_t c, int64_t h, int64_t w) {
  return "input: {channels: " + std::to_string(c) + ", height: " + std::to_string(h) + ", width: " + std::to_string(w) +
         "}\nlayers:\n";
}

std::string bound(int64_t value, int64_t b) {
  return std::to_string(value) + " is above the bound " + std::to_string(b);
}

// A graph of one input layer, for the Graph-level bounds.
Graph with_input(Shape s) {
  Graph g;
  g.name = "g";
  Layer in;
  in.name = "input";
  in.op = OpKind::input;
  in.out = s;
  g.infer_layer(g.add(std::move(in)));
  return g;
}

int add(Graph& g, const std::string& name, OpKind op, std::vector<int> inputs, int out_channels = 0, int kernel = 1,
        int pad = 0) {
  Layer l;
  l.name = name;
  l.op = op;
  l.inputs = std::move(inputs);
  l.out_channels = out_channels;
  l.kernel_h = l.kernel_w = kernel;
  l.pad = pad;
  const int i = g.add(std::move(l));
  g.infer_layer(i);
  return i;
}

}  // namespace

TEST(LimitsNet, InputShapeBounds) {
  EXPECT_EQ(yaml(input(kMaxChannels, 1, 1) + "  - {op: relu}").layers[0].out.c, kMaxChannels);
  EXPECT_EQ(yaml_error(input(kMaxChannels + 1, 1, 1) + "  - {op: relu}"),
            "n.yaml:1:19: 'channels' " + bound(kMaxChannels + 1, kMaxChannels) + " (docs/workloads.md#limits)");
  EXPECT_EQ(yaml(input(1, kMaxSpatial, 1) + "  - {op: relu}").layers[0].out.h, kMaxSpatial);
  EXPECT_CONTAINS(yaml_error(input(1, kMaxSpatial + 1, 1) + "  - {op: relu}"), "'height' " + bound(kMaxSpatial + 1, kMaxSpatial));
  EXPECT_CONTAINS(yaml_error(input(1, 1, kMaxSpatial + 1) + "  - {op: relu}"), "'width' " + bound(kMaxSpatial + 1, kMaxSpatial));
  // 2^31 - 1 and beyond 64 bits: out of range, not "not an integer"
  EXPECT_CONTAINS(yaml_error(input(1, 2147483647, 1) + "  - {op: relu}"), "'height' " + bound(2147483647, kMaxSpatial));
  EXPECT_CONTAINS(yaml_error(input(1, 1, 1) + "  - {op: conv, out_channels: 99999999999, kernel: 1}"),
                  "'out_channels' " + bound(99999999999, kMaxChannels));
}

TEST(LimitsNet, WindowParameterBounds) {
  const std::string tall = input(1, kMaxSpatial, 1);
  // kernel: the whole height is allowed, one more is refused at its position
  EXPECT_EQ(yaml(tall + "  - {op: conv, out_channels: 1, kernel: [65536, 1]}").layers[1].out.h, 1);
  EXPECT_EQ(yaml_error(tall + "  - {op: conv, out_channels: 1, kernel: [65537, 1]}"),
            "n.yaml:3:42: 'kernel' " + bound(65537, kMaxSpatial) + " (docs/workloads.md#limits)");
  // pad: 65536 with a stride that brings the output back into bounds; 65537 refused
  EXPECT_EQ(yaml(input(1, 1, 1) + "  - {op: conv, out_channels: 1, kernel: 1, pad: 65536, stride: 65536}").layers[1].out.h, 3);
  EXPECT_CONTAINS(yaml_error(input(1, 1, 1) + "  - {op: conv, out_channels: 1, kernel: 1, pad: 65537, stride: 65536}"),
                  "'pad' " + bound(65537, kMaxSpatial));
  // a pad within bounds whose output is not (case 40's pad 973 makes too many elements, below)
  EXPECT_EQ(yaml_error(input(1, 1, 1) + "  - {op: conv, out_channels: 1, kernel: 1, pad: 65536}"),
            "n.yaml:3:5: layer 'conv1': output height " + bound(131073, kMaxSpatial) + " (docs/workloads.md#limits)");
  EXPECT_CONTAINS(yaml_error(input(1, 1, 1) + "  - {op: conv, out_channels: 1, kernel: 1, stride: 65537}"),
                  "'stride' " + bound(65537, kMaxSpatial));
  // dilation: 65536 spans 65537 rows, which pad 1 makes fit; 65537 refused
  EXPECT_EQ(yaml(tall + "  - {op: conv, out_channels: 1, kernel: [2, 1], pad: 1, dilation: 65536}").layers[1].out.h, 2);
  EXPECT_CONTAINS(yaml_error(tall + "  - {op: conv, out_channels: 1, kernel: [2, 1], pad: 1, dilation: 65537}"),
                  "'dilation' " + bound(65537, kMaxSpatial));
  // case 18: dilation and pad 2^31 - 1
  EXPECT_CONTAINS(yaml_error(input(3, 8, 8) + "  - {name: a, op: conv, out_channels: 4, kernel: 3, dilation: 2147483647}"),
                  "'dilation' " + bound(2147483647, kMaxSpatial));
}

TEST(LimitsNet, ChannelAndGroupBounds) {
  const Graph g = yaml(input(kMaxChannels, 1, 1) + "  - {op: conv, out_channels: 1048576, kernel: 1, groups: 1048576}");
  EXPECT_EQ(g.layers[1].weights(), kMaxChannels);
  EXPECT_CONTAINS(yaml_error(input(1, 1, 1) + "  - {op: conv, out_channels: 1, kernel: 1, groups: 1048577}"),
                  "'groups' " + bound(1048577, kMaxChannels));
  EXPECT_EQ(yaml(input(1, 1, 1) + "  - {op: fc, out_channels: 1048576}").layers[1].weights(), kMaxChannels);
  EXPECT_CONTAINS(yaml_error(input(1, 1, 1) + "  - {op: fc, out_channels: 1048577}"),
                  "'out_channels' " + bound(1048577, kMaxChannels));
}

TEST(LimitsNet, LayerWeightsMacsAndElements) {
  // weights: 2^31 - 2 (inputs 3^2*7*11*31 x 151 x 331 = 2^30 - 1, two outputs) pass; 2^31 are refused
  EXPECT_EQ(yaml(input(21483, 151, 331) + "  - {op: fc, out_channels: 2}").layers[1].weights(), kMaxLayerWeights - 1);
  EXPECT_EQ(yaml_error(input(1024, 1024, 1024) + "  - {name: fc, op: fc, out_channels: 2}"),
            "n.yaml:3:5: layer 'fc': weight count " + bound(int64_t(1) << 31, kMaxLayerWeights) +
                " per layer (docs/workloads.md#limits)");
  // case 09: fc 10^6 x 10^6
  EXPECT_EQ(yaml_error("input: {channels: 1000000, height: 1, width: 1}\nlayers:\n  - {name: a, op: fc, out_channels: 1000000}"),
            "n.yaml:3:5: layer 'a': weight count " + bound(1000000000000, kMaxLayerWeights) +
                " per layer (docs/workloads.md#limits)");
  // MACs: 2^29 outputs x 2048 inputs each = 2^40 pass; a 3x3 kernel (9 x 2^40) is refused
  EXPECT_EQ(yaml(input(2048, 512, 1024) + "  - {op: conv, out_channels: 1024, kernel: 1}").layers[1].macs(), kMaxLayerMacs);
  EXPECT_CONTAINS(yaml_error(input(2048, 512, 1024) + "  - {op: conv, out_channels: 1024, kernel: 3, pad: 1}"),
                  "MAC count " + bound(9 * kMaxLayerMacs, kMaxLayerMacs) + " per layer");
  // output elements: 2^30 pass, 2^30 + 2^20 refused
  EXPECT_EQ(yaml(input(1024, 1024, 1024) + "  - {op: relu}").layers[1].out.elements(), kMaxLayerActivations);
  EXPECT_CONTAINS(yaml_error(input(1024, 1024, 1024) + "  - {op: conv, out_channels: 1025, kernel: 1}"),
                  "output 1025x1024x1024: elements " + bound(1025LL << 20, kMaxLayerActivations) + " per layer");
}

TEST(LimitsNet, NetworkTotals) {
  {  // weights: 8 layers of 2^31 - 2 = 2^34 - 16 pass, a 9th is refused at itself
    Graph g = with_input({21483, 151, 331});
    for (int k = 0; k < 8; ++k) add(g, "fc" + std::to_string(k), OpKind::fc, {0}, 2);
    EXPECT_EQ(g.weights(), kMaxNetworkWeights - 16);
    EXPECT_EQ(error_of([&] { add(g, "fc8", OpKind::fc, {0}, 2); }),
              "layer 'fc8': the network's weights up to this layer " + bound(9 * (kMaxLayerWeights - 1), kMaxNetworkWeights) +
                  " (docs/workloads.md#limits)");
  }
  {  // MACs: 16 layers of 2^40 = 2^44 pass, a 17th is refused
    Graph g = with_input({2048, 512, 1024});
    for (int k = 0; k < 16; ++k) add(g, "c" + std::to_string(k), OpKind::conv, {0}, 1024);
    EXPECT_EQ(g.macs(), kMaxNetworkMacs);
    EXPECT_CONTAINS(error_of([&] { add(g, "c16", OpKind::conv, {0}, 1024); }),
                    "layer 'c16': the network's MACs up to this layer " + bound(17 * kMaxLayerMacs, kMaxNetworkMacs));
  }
  {  // output elements: the input and 63 layers of 2^30 = 2^36 pass, a 64th is refused
    Graph g = with_input({1024, 1024, 1024});
    for (int k = 0; k < 63; ++k) add(g, "r" + std::to_string(k), OpKind::relu, {0});
    EXPECT_CONTAINS(error_of([&] { add(g, "r63", OpKind::relu, {0}); }),
                    "layer 'r63': the network's output elements up to this layer " +
                        bound(kMaxNetworkActivations + kMaxLayerActivations, kMaxNetworkActivations));
  }
  {  // a builder's final infer_shapes() recounts from scratch: nothing is counted twice
    Graph g = with_input({21483, 151, 331});
    for (int k = 0; k < 8; ++k) add(g, "fc" + std::to_string(k), OpKind::fc, {0}, 2);
    g.infer_shapes();
    g.infer_shapes();
  }
}

TEST(LimitsNet, LayerCountAndInputReferences) {
  Graph g = with_input({1, 1, 1});
  for (int64_t k = 1; k < kMaxLayers; ++k) add(g, "r" + std::to_string(k), OpKind::relu, {int(k - 1)});
  EXPECT_EQ(int64_t(g.layers.size()), kMaxLayers);
  EXPECT_EQ(error_of([&] { add(g, "one_more", OpKind::relu, {0}); }),
            "layer 'one_more': layer count " + bound(kMaxLayers + 1, kMaxLayers) + " (docs/workloads.md#limits)");

  Graph h = with_input({1, 1, 1});
  add(h, "cat", OpKind::concat, std::vector<int>(size_t(kMaxLayerInputs - 1), 0));
  add(h, "r", OpKind::relu, {1});  // exactly kMaxLayerInputs references
  EXPECT_EQ(error_of([&] { add(h, "r2", OpKind::relu, {1}); }),
            "layer 'r2': input references of the network " + bound(kMaxLayerInputs + 1, kMaxLayerInputs) +
                " (docs/workloads.md#limits)");
}

TEST(LimitsNet, SaturatingCountsNeverOverflow) {
  Layer l;
  l.op = OpKind::fc;
  l.out_channels = INT_MAX;
  l.in = Shape{INT_MAX, INT_MAX, INT_MAX};
  EXPECT_EQ(l.in.elements(), INT64_MAX);
  EXPECT_EQ(l.weights(), INT64_MAX);
  EXPECT_EQ(l.macs(), INT64_MAX);
  l.op = OpKind::conv;
  l.groups = 1;
  l.kernel_h = l.kernel_w = INT_MAX;
  l.out = l.in;
  EXPECT_EQ(l.weights(), INT64_MAX);
  EXPECT_EQ(l.macs(), INT64_MAX);
}

TEST(LimitsNet, Names) {
  const std::string longest(kMaxNameBytes, 'n');
  EXPECT_EQ(yaml(input(1, 1, 1) + "  - {name: " + longest + ", op: relu}").layers[1].name, longest);
  EXPECT_EQ(yaml_error(input(1, 1, 1) + "  - {name: " + longest + "x, op: relu}"),
            "n.yaml:3:12: 'name': the name '" + std::string(40, 'n') + "... (985 more bytes)' has 1025 bytes, above the bound 1024 (docs/workloads.md#limits)");
  // case 21's kind: a name that is not UTF-8 or holds control characters, refused at its position, escaped
  EXPECT_EQ(yaml_error(input(1, 1, 1) + "  - {name: a\xff" "b, op: relu}"),
            "n.yaml:3:12: 'name': the name 'a\\xffb' is not valid UTF-8 text without control characters (shown escaped); "
            "names appear in reports");
  EXPECT_CONTAINS(yaml_error("name: \"x\\x1b[2Jy\"\n" + input(1, 1, 1) + "  - {op: relu}"),
                  "n.yaml:1:7: 'name': the name 'x\\x1b[2Jy' is not valid UTF-8");
  EXPECT_EQ(yaml(input(1, 1, 1) + "  - {name: \"Faltung-\u00e4\u4e2d\", op: relu}").layers[1].name, "Faltung-\u00e4\u4e2d");
  // the graph name a file's stem gives is escaped, never refused
  EXPECT_EQ(parse_network_yaml(input(1, 1, 1) + "  - {op: relu}", "s.yaml", "a\xff").name, "a\\xff");
  // an unknown reference with a control character is quoted escaped, and the list of layers truncated
  std::string many = input(1, 1, 1);
  for (int k = 0; k < 30; ++k) many += "  - {op: relu}\n";
  many += "  - {op: relu, inputs: \"no\\nsuch\"}\n";
  const std::string e = yaml_error(many);
  EXPECT_CONTAINS(e, "unknown layer 'no\\nsuch'; allowed: input, relu1, ");
  EXPECT_CONTAINS(e, "... and 7 more");
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

TEST(LimitsNet, YamlDocumentsAndFileSize) {
  EXPECT_EQ(yaml_error(input(1, 1, 1) + "  - {op: relu}\n---\n" + input(1, 1, 1) + "  - {op: relu}\n"),
            "n.yaml:4:1: a second YAML document; a network file holds one (remove the '---' line and what follows)");
  EXPECT_CONTAINS(yaml_error(input(1, 1, 1) + "  - {op: relu}\n---\n"), "a second YAML document");
  EXPECT_EQ(yaml(input(1, 1, 1) + "  - {op: relu}\n...\n").layers.size(), 2u);  // an explicit end is one document
  std::string text = input(1, 1, 1) + "  - {op: relu}\n#";
  text += std::string(size_t(kMaxYamlNetworkBytes) - text.size(), 'x');
  EXPECT_EQ(yaml(text).layers.size(), 2u);
  EXPECT_EQ(yaml_error(text + "x"), "n.yaml: " + std::to_string(kMaxYamlNetworkBytes + 1) + " bytes is above the bound " +
                                        std::to_string(kMaxYamlNetworkBytes) + " bytes for a YAML network (docs/workloads.md#limits)");
}

TEST(LimitsNet, CsvFieldsControlBytesAndBom) {
  // case 11: 2^31 - 1 sizes, refused at the field's column
  EXPECT_EQ(csv_error("2147483647,2147483647,2147483647,3,3,2147483647,0,1\n"),
            "n.csv:1:1: field IFM_H " + bound(2147483647, kMaxSpatial) + " (docs/workloads.md#limits)");
  EXPECT_EQ(csv_error("8,8,1048577,3,3,16,0,1\n"), "n.csv:1:5: field IFM_C " + bound(1048577, kMaxChannels) + " (docs/workloads.md#limits)");
  EXPECT_EQ(csv_error("8,8,3,3,3,99999999999999999999999,0,1\n"),
            "n.csv:1:11: field OFM_C 99999999999999999999999 is above the bound 1048576 (docs/workloads.md#limits)");
  EXPECT_EQ(parse_neurosim_csv("65536,1,1,1,1,1048576,0,65536\n", "n.csv", "n").layers[1].out_channels, kMaxChannels);
  // a NUL or other control byte: its line and column
  using namespace std::string_literals;
  EXPECT_EQ(csv_error("8,8,3,3,3,16,0,1\n8,8,16,3,\0" "3,16,0,1\n"s),
            "n.csv:2:10: control character \\x00 (a NeuroSim CSV holds integers, commas and spaces)");
  EXPECT_EQ(csv_error("8,8,3,3,3,16,0,1\x1b[2J\n"), "n.csv:1:17: control character \\x1b (a NeuroSim CSV holds integers, commas and spaces)");
  EXPECT_EQ(csv_error("8,8,3,3,3,16,0,\xff\n"), "n.csv:1:16: field stride is not an integer: '\\xff'");
  // a UTF-8 byte order mark at the start is skipped (invisible; spreadsheets write it); elsewhere it is text
  const Graph g = parse_neurosim_csv("\xef\xbb\xbf" "8,8,3,3,3,16,0,1\n", "n.csv", "n");
  EXPECT_EQ(g.layers[0].out, (Shape{3, 8, 8}));
  EXPECT_EQ(csv_error("8,8,3,3,3,16,0,1\n\xef\xbb\xbf" "8,8,16,3,3,16,0,1\n"), "n.csv:2:1: field IFM_H is not an integer: '\xef\xbb\xbf" "8'");
  // the file size
  std::string text = "8,8,3,3,3,16,0,1\n";
  text += std::string(size_t(kMaxCsvNetworkBytes) - text.size(), '\n');
  EXPECT_EQ(parse_neurosim_csv(text, "n.csv", "n").layers.size(), 2u);
  EXPECT_EQ(csv_error(text + "\n"), "n.csv: " + std::to_string(kMaxCsvNetworkBytes + 1) + " bytes is above the bound " +
                                        std::to_string(kMaxCsvNetworkBytes) + " bytes for a NeuroSim CSV (docs/workloads.md#limits)");
}

TEST(LimitsNet, GenotypeTextSize) {
  const std::string genotype = builtin_genotypes()[0].text;
  std::string text = genotype + "\n#";
  text += std::string(size_t(kMaxGenotypeBytes) - text.size(), 'x');
  EXPECT_EQ(parse_genotype(text, "g").normal.size(), 8u);
  EXPECT_EQ(error_of([&] { parse_genotype(text + "x", "g"); }),
            "g: " + std::to_string(kMaxGenotypeBytes + 1) + " bytes is above the bound " + std::to_string(kMaxGenotypeBytes) +
                " bytes for a genotype (docs/workloads.md#limits)");
  EXPECT_CONTAINS(error_of([&] { parse_genotype("Genotype(normal=[('sep\x1b[2J', 0)", "g"); }),
                  "unknown primitive 'sep\\x1b[2J'");
}

namespace {

// An ONNX model: input x (1 x c x 1 x 1), one Gemm (transB) with an initializer `w` declared `dims` and
// holding no data at all.
onnx::ModelProto gemm_declared(int64_t c, const std::vector<int64_t>& dims, const std::string& node_name = "fc") {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(13);
  auto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  auto* t = in->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {int64_t(1), c, int64_t(1), int64_t(1)}) t->mutable_shape()->add_dim()->set_dim_value(d);
  auto* w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) w->add_dims(d);
  auto* f = g->add_node();
  f->set_op_type("Flatten");
  f->set_name("flat");
  f->add_input("x");
  f->add_output("f");
  auto* n = g->add_node();
  n->set_op_type("Gemm");
  n->set_name(node_name);
  n->add_input("f");
  n->add_input("w");
  n->add_output("y");
  auto* a = n->add_attribute();
  a->set_name("transB");
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(1);
  return m;
}

}  // namespace

TEST(LimitsNet, OnnxDeclaredWeightsAndNames) {
  // just inside: 2^20 outputs x 2047 inputs, declared without data
  EXPECT_EQ(from_onnx(gemm_declared(2047, {1048576, 2047}), "m.onnx").layers.back().weights(), 1048576LL * 2047);
  EXPECT_EQ(error_of([] { from_onnx(gemm_declared(2048, {1048576, 2048}), "m.onnx"); }),
            "m.onnx: node 'fc' (Gemm): weight 'w' declared [1048576, 2048]: elements " + bound(int64_t(1) << 31, kMaxLayerWeights) +
                " per layer (docs/workloads.md#limits)");
  // case 12: 10^9 x 192 declared, no data: refused from the dims alone
  EXPECT_CONTAINS(error_of([] { from_onnx(gemm_declared(192, {1000000000, 192}), "m.onnx"); }),
                  "weight 'w' declared [1000000000, 192]: elements " + bound(192000000000, kMaxLayerWeights));
  // a product that overflows 64 bits
  EXPECT_CONTAINS(error_of([] { from_onnx(gemm_declared(192, {INT64_MAX / 2, 192}), "m.onnx"); }),
                  "elements over 9223372036854775807 (2^63) is above the bound");
  EXPECT_CONTAINS(error_of([] { from_onnx(gemm_declared(192, {-5, 192}), "m.onnx"); }), "each must be positive");
  // a node name that is no UTF-8: refused naming the node's index, escaped
  EXPECT_EQ(error_of([] { from_onnx(gemm_declared(4, {2, 4}, "f\xc3\x28"), "m.onnx"); }),
            "m.onnx: node 1 (Gemm): the name 'f\\xc3(' is not valid UTF-8 text without control characters (shown "
            "escaped); names appear in reports");
  // the input's channels and sizes
  EXPECT_CONTAINS(error_of([] { from_onnx(gemm_declared(kMaxChannels + 1, {2, kMaxChannels + 1}), "m.onnx"); }),
                  "input 'x' dimension 1 (C) " + bound(kMaxChannels + 1, kMaxChannels));
}

TEST(LimitsNet, OnnxFileSizeIsCheckedBeforeParsing) {
  const auto dir = cimsim::testing::scratch_dir();
  const std::string path = (dir / "big.onnx").string();
  {  // sparse: nothing is written or read
    std::ofstream(path).close();
    std::filesystem::resize_file(path, uintmax_t(kMaxOnnxFileBytes) + 1);
  }
  EXPECT_EQ(error_of([&] { load_onnx(path); }),
            path + ": " + std::to_string(kMaxOnnxFileBytes + 1) + " bytes is above the bound " +
                std::to_string(kMaxOnnxFileBytes) +
                " bytes for an ONNX model (docs/workloads.md#limits; save larger models with external data: only the "
                "weights' shapes are read)");
  std::filesystem::resize_file(path, uintmax_t(kMaxOnnxFileBytes));  // at the bound: parsed (and not a model)
  EXPECT_EQ(error_of([&] { load_onnx(path); }),
            path + ": not an ONNX model (the file does not parse as a protobuf ModelProto)");
  std::filesystem::remove_all(dir);
}

TEST(LimitsNet, MapperBlockEstimateBeforeBuilding) {
  const auto hw = cimsim::models::load_hardware("default");
  const int64_t outs = hw.crossbar.cols / hw.cells_per_weight();  // outputs per crossbar
  // an fc of R rows (one row block) and 2^20 crossbars' worth of outputs: exactly the bound, counted only
  Graph inside = with_input({hw.crossbar.rows, 1, 1});
  add(inside, "fc", OpKind::fc, {0}, int(std::min<int64_t>(outs * cimsim::mapper::kMaxCrossbarBlocks, kMaxChannels)));
  const int64_t per_fc = cimsim::mapper::check_block_count(inside, hw);
  ASSERT_GT(per_fc, 0);
  Graph g = with_input({hw.crossbar.rows, 1, 1});
  int64_t blocks = 0;
  int k = 0;
  for (; blocks + per_fc <= cimsim::mapper::kMaxCrossbarBlocks; ++k, blocks += per_fc)
    add(g, "fc" + std::to_string(k), OpKind::fc, {0}, inside.layers[1].out_channels);
  EXPECT_EQ(cimsim::mapper::check_block_count(g, hw), blocks);
  add(g, "fc" + std::to_string(k), OpKind::fc, {0}, inside.layers[1].out_channels);
  const std::string e = [&] {
    try {
      cimsim::mapper::map_network(g, hw);
    } catch (const cimsim::mapper::MappingError& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  }();
  EXPECT_CONTAINS(e, "network 'g' needs " + std::to_string(blocks + per_fc) + " crossbar blocks on ");
  EXPECT_CONTAINS(e, "above the bound 1048576 (docs/mapping.md#limits)");
}

TEST(LimitsNet, DartsOptionsAreBoundedBeforeTheNetworkIsComplete) {
  const Genotype v2 = builtin_genotype("darts_v2");
  DartsOptions big;
  big.c = 4096;  // inside the CLI's range (1..4096): 2.3e10 weights
  const std::string e = error_of([&] { build_network_cifar(v2, big, "v2"); });
  EXPECT_CONTAINS(e, "DARTS options c 4096, layers 20, classes 10, input_size 32: layer 'cells.");
  EXPECT_CONTAINS(e, "the network's weights up to this layer");
  EXPECT_CONTAINS(e, "above the bound 17179869184 (docs/workloads.md#limits)");
  EXPECT_CONTAINS(error_of([&] { build_hypernet_cifar(big, true); }), "DARTS options c 4096");
  DartsOptions wide;
  wide.input_size = 4096;  // the stem's output 108 x 4096 x 4096 passes the per-layer elements
  EXPECT_CONTAINS(error_of([&] { build_network_cifar(v2, wide, "v2"); }),
                  "layer 'stem': output 108x4096x4096: elements 1811939328 is above the bound 1073741824 per layer");
  DartsOptions inside;
  inside.c = 1024;  // 1.4e9 weights: built
  EXPECT_GT(build_network_cifar(v2, inside, "v2").weights(), int64_t(1000000000));
}

TEST(LimitsNet, OnnxExportIsBoundedByWhatLoadsBack) {
  // 2^28 weights are exactly 1 GiB of zero initializers (allowed; not exported here: it would allocate
  // 1 GiB); one weight more is refused before anything is allocated
  Graph g = with_input({1024, 512, 512});
  add(g, "fc", OpKind::fc, {0}, 1);
  ASSERT_EQ(g.weights() * 4, kMaxOnnxFileBytes);
  Graph h = with_input({1, 1, 1});
  add(h, "fc", OpKind::fc, {0}, 1);
  EXPECT_EQ(to_onnx(h).graph().initializer(0).raw_data().size(), 4u);
  add(g, "fc2", OpKind::fc, {1}, 1);
  EXPECT_EQ(g.weights() * 4, kMaxOnnxFileBytes + 4);
  EXPECT_EQ(error_of([&] { to_onnx(g); }),
            "cannot export network 'g' as ONNX: its 268435457 weights take 1073741828 bytes as initializers, above "
            "the bound 1073741824 bytes of an ONNX model that cimsim reads back (docs/workloads.md#limits)");
}
