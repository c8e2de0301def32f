// The YAML and NeuroSim CSV network loaders and load_network(): what they build, and that every
// mistake in a file is reported with its position.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "workloads/builtins.hpp"
#include "workloads/loader.hpp"
#include "workloads/network_yaml.hpp"
#include "workloads/neurosim_csv.hpp"
#include "run_util.hpp"

using namespace cimsim::workloads;

namespace {

const std::string nets = std::string(CIMSIM_SOURCE_DIR) + "/workloads/nets/";

using cimsim::testing::error_of;

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

Graph yaml(const std::string& text) { return parse_network_yaml(text, "net.yaml", "net"); }
std::string yaml_error(const std::string& text) {
  return error_of([&] { yaml(text); });
}
Graph csv(const std::string& text) { return parse_neurosim_csv(text, "net.csv", "net"); }
std::string csv_error(const std::string& text) {
  return error_of([&] { csv(text); });
}

const std::string head = "name: t\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n";

void expect_same_layers(const Graph& a, const Graph& b) {
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const Layer& x = a.layers[i];
    const Layer& y = b.layers[i];
    SCOPED_TRACE("layer " + std::to_string(i) + " " + x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.op, y.op);
    EXPECT_EQ(x.inputs, y.inputs);
    EXPECT_EQ(x.out_channels, y.out_channels);
    EXPECT_EQ(x.kernel_h, y.kernel_h);
    EXPECT_EQ(x.kernel_w, y.kernel_w);
    EXPECT_EQ(x.stride, y.stride);
    EXPECT_EQ(x.pad, y.pad);
    EXPECT_EQ(x.dilation, y.dilation);
    EXPECT_EQ(x.groups, y.groups);
    EXPECT_EQ(x.in, y.in);
    EXPECT_EQ(x.out, y.out);
  }
}

std::string write_temp(const std::string& file, const std::string& text) {
  const std::string path = ::testing::TempDir() + file;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(YamlNetworkLoader, TinyExample) {
  const Graph g = load_network_yaml(nets + "tiny.yaml");
  EXPECT_EQ(g.name, "tiny");
  // conv1 16x3x3x3, conv2 16x16x3x3, branch_a 8x16x1x1, branch_b depthwise 16x1x3x3, fc 10x24
  const int64_t w[] = {16 * 3 * 9, 16 * 16 * 9, 8 * 16, 16 * 9, 10 * 24};
  const int64_t hw[] = {32 * 32, 32 * 32, 16 * 16, 16 * 16, 1};
  int64_t weights = 0, macs = 0;
  for (int i = 0; i < 5; ++i) {
    weights += w[i];
    macs += hw[i] * w[i];
  }
  EXPECT_EQ(g.weights(), weights);
  EXPECT_EQ(g.macs(), macs);
  EXPECT_EQ(g.layers[g.index_of("conv1")].inputs, (std::vector<int>{0}));  // defaults to `input`
  EXPECT_EQ(g.layers[g.index_of("res")].out, (Shape{16, 32, 32}));
  EXPECT_EQ(g.layers[g.index_of("pool1")].stride, 2);                      // defaults to the kernel
  EXPECT_EQ(g.layers[g.index_of("pool1")].out, (Shape{16, 16, 16}));
  EXPECT_EQ(g.layers[g.index_of("branch_b")].groups, 16);
  EXPECT_EQ(g.layers[g.index_of("cat")].out, (Shape{24, 16, 16}));
  EXPECT_EQ(g.layers[g.index_of("gap")].out, (Shape{24, 1, 1}));
  EXPECT_EQ(g.layers.back().out, (Shape{10, 1, 1}));
}

TEST(YamlNetworkLoader, Vgg8YamlEqualsBuiltin) {
  expect_same_layers(load_network_yaml(nets + "vgg8.yaml"), vgg8_network());
}

TEST(YamlNetworkLoader, DefaultsAndForms) {
  const Graph g = yaml(
      "input: {channels: 4, height: 9, width: 9}\n"
      "layers:\n"
      "  - {op: conv, out_channels: 8, kernel: [3, 1], stride: 2, dilation: 2}\n"
      "  - {op: relu}\n"
      "  - {op: relu, inputs: conv1}\n"
      "  - {op: avg_pool, kernel: 3, pad: 1}\n"
      "  - {name: s, op: add, inputs: [relu1, relu2]}\n");
  EXPECT_EQ(g.name, "net");  // no name: key
  const Layer& c = g.layers[1];
  EXPECT_EQ(c.name, "conv1");
  EXPECT_EQ(c.kernel_h, 3);
  EXPECT_EQ(c.kernel_w, 1);
  EXPECT_EQ(c.pad, 0);
  EXPECT_EQ(c.groups, 1);
  EXPECT_EQ(c.out, (Shape{8, 3, 5}));  // h: (9-2*2-1)/2+1 = 3; w: (9-0-1)/2+1 = 5
  EXPECT_EQ(g.layers[2].name, "relu1");
  EXPECT_EQ(g.layers[3].name, "relu2");
  EXPECT_EQ(g.layers[3].inputs, (std::vector<int>{1}));
  EXPECT_EQ(g.layers[4].stride, 3);
  EXPECT_EQ(g.layers[4].out, (Shape{8, 1, 2}));  // h: (3+2-3)/3+1 = 1; w: (5+2-3)/3+1 = 2
}

TEST(YamlNetworkLoader, UnknownKeyReportsLineAndColumn) {
  const auto msg = yaml_error(head + "  - {name: c1, op: conv, out_channels: 4, kernel: 3, padd: 1}\n");
  EXPECT_EQ(msg,
            "net.yaml:4:54: unknown key 'padd' for op 'conv'; "
            "allowed: name, op, inputs, out_channels, kernel, stride, pad, dilation, groups");
  EXPECT_EQ(yaml_error(head + "  - {op: relu, groups: 2}\n"),
            "net.yaml:4:16: unknown key 'groups' for op 'relu'; allowed: name, op, inputs");
  EXPECT_EQ(yaml_error("nmae: t\n"), "net.yaml:1:1: unknown key 'nmae'; allowed: name, input, layers");
  EXPECT_CONTAINS(yaml_error("input: {channels: 3, height: 8, widht: 8}\nlayers: []\n"),
                  "net.yaml:1:33: unknown key 'widht'; allowed: channels, height, width");
  EXPECT_CONTAINS(yaml_error(head + "  - {op: relu, op: relu}\n"), "net.yaml:4:16: duplicate key 'op'");
}

TEST(YamlNetworkLoader, WrongTypesAndValues) {
  EXPECT_EQ(yaml_error(head + "  - name: c\n    op: conv\n    out_channels: 4\n    kernel: x\n"),
            "net.yaml:7:13: 'kernel' must be an integer, got 'x'");
  EXPECT_CONTAINS(yaml_error(head + "  - {op: conv, out_channels: 4, kernel: [1, 2, 3]}\n"),
                  "net.yaml:4:41: 'kernel' must be an integer or [kh, kw]");
  EXPECT_CONTAINS(yaml_error(head + "  - {op: conv, out_channels: 2.5, kernel: 1}\n"),
                  "net.yaml:4:30: 'out_channels' must be an integer, got '2.5'");
  EXPECT_CONTAINS(yaml_error(head + "  - {op: conv, out_channels: 4, kernel: 1, stride: 0}\n"),
                  "net.yaml:4:52: 'stride' must be positive, got 0");
  EXPECT_CONTAINS(yaml_error(head + "  - {op: conv, out_channels: 4, kernel: 1, pad: -1}\n"),
                  "'pad' must be non-negative, got -1");
  EXPECT_CONTAINS(yaml_error(head + "  - {op: conv, out_channels: 4, kernel: 1, inputs: {a: 1}}\n"),
                  "'inputs' must be a layer name or a list of layer names");
  EXPECT_CONTAINS(yaml_error(head + "  - {op: conv, kernel: 1}\n"),
                  "net.yaml:4:5: missing key 'out_channels' for op 'conv'");
  EXPECT_CONTAINS(yaml_error(head + "  - {name: r}\n"), "net.yaml:4:5: missing key 'op'; allowed ops: conv, fc");
  EXPECT_CONTAINS(yaml_error(head + "  - relu\n"), "net.yaml:4:5: a layer must be a mapping");
  EXPECT_CONTAINS(yaml_error("name: t\nlayers: []\n"), "missing key 'input'");
  EXPECT_CONTAINS(yaml_error("input: {channels: 3, height: 8}\nlayers: []\n"),
                  "missing key 'width' in 'input'");
  EXPECT_CONTAINS(yaml_error("input: {channels: 3, height: 8, width: 8}\nlayers: []\n"),
                  "net.yaml:2:9: 'layers' must be a non-empty list");
}

TEST(YamlNetworkLoader, UnknownOps) {
  EXPECT_EQ(yaml_error(head + "  - {op: convolution}\n"),
            "net.yaml:4:10: unknown op 'convolution'; allowed: conv, fc, max_pool, avg_pool, "
            "global_avg_pool, relu, add, concat, identity, softmax, log_softmax, layer_norm, gelu, tanh, erf, matmul, "
            "reshape, constant");
  EXPECT_CONTAINS(yaml_error(head + "  - {op: input}\n"), "the input is given by the top-level 'input' key");
}

TEST(YamlNetworkLoader, References) {
  EXPECT_EQ(yaml_error(head + "  - {name: r1, op: relu}\n  - {name: r2, op: relu, inputs: [r1, nope]}\n"),
            "net.yaml:5:39: unknown layer 'nope'; allowed: input, r1");
  EXPECT_EQ(yaml_error(head + "  - {name: r1, op: relu, inputs: [r2]}\n  - {name: r2, op: relu}\n"),
            "net.yaml:4:35: input 'r2' is defined later; a layer may only read earlier layers");
  EXPECT_CONTAINS(yaml_error(head + "  - {name: r1, op: relu, inputs: [r1]}\n"), "input 'r1' is defined later");
  EXPECT_EQ(yaml_error(head + "  - {name: r1, op: relu}\n  - {name: r1, op: relu}\n"),
            "net.yaml:5:12: duplicate layer name 'r1' (first defined at net.yaml:4:12)");
  EXPECT_CONTAINS(yaml_error(head + "  - {name: input, op: relu}\n"), "duplicate layer name 'input'");
}

TEST(YamlNetworkLoader, ShapeErrorsCarryTheLayerPosition) {
  EXPECT_EQ(yaml_error(head + "  - {name: r, op: relu}\n  - {name: conv3, op: conv, out_channels: 8, kernel: 3, groups: 2}\n"),
            "net.yaml:5:5: layer 'conv3': in_channels 3 not divisible by groups 2");
  EXPECT_CONTAINS(yaml_error(head + "  - {name: big, op: max_pool, kernel: 9}\n"), "net.yaml:4:5: layer 'big': kernel 9x9");
  EXPECT_CONTAINS(yaml_error(head + "  - {name: s, op: add}\n"),
                  "net.yaml:4:5: layer 's': add needs at least 2 inputs, has 1");
  EXPECT_CONTAINS(yaml_error(head + "  - {name: c, op: concat, inputs: []}\n"),
                  "layer 'c': concat needs at least 1 input, has 0");
}

TEST(YamlNetworkLoader, SyntaxErrorsAndMissingFiles) {
  const auto msg = yaml_error(head + "  - {name: c1, op: conv\n");
  EXPECT_EQ(msg.rfind("net.yaml:", 0), 0u) << msg;
  EXPECT_CONTAINS(msg, "YAML error");
  EXPECT_EQ(yaml_error("input: [1, 2\nlayers: []\n").find("net.yaml:"), 0u);
  EXPECT_CONTAINS(yaml_error(""), "net.yaml: empty network file");
  EXPECT_EQ(error_of([] { load_network_yaml("/nonexistent/x.yaml"); }), "cannot open /nonexistent/x.yaml (No such file or directory)");
}

TEST(CsvNetworkLoader, Vgg8CsvEqualsBuiltin) {
  const Graph g = load_neurosim_csv(nets + "vgg8.csv");
  EXPECT_EQ(g.name, "vgg8");
  expect_same_layers(g, vgg8_network());
  EXPECT_EQ(g.weights(), 12973440);
  EXPECT_EQ(g.macs(), 615917568);
}

TEST(CsvNetworkLoader, InterpretsRows) {
  // a strided 5x5 conv, then a pooled 1x1 conv, then an fc over the flattened 2x2x6 = 24
  const Graph g = csv("9,9,2,5,5,4,0,2\r\n\n5,5,4,1,1,6,1,1\r\n1,1,24,1,1,3,0,1\r\n");
  const std::vector<std::string> names = {"input", "conv1", "relu1", "conv2", "relu2", "pool1", "fc1"};
  ASSERT_EQ(g.layers.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(g.layers[i].name, names[i]);
  EXPECT_EQ(g.layers[1].pad, 2);                   // (5-1)/2, "same"
  EXPECT_EQ(g.layers[1].out, (Shape{4, 5, 5}));    // (9+4-5)/2+1
  EXPECT_EQ(g.layers[5].out, (Shape{6, 2, 2}));    // (5-2)/2+1
  EXPECT_EQ(g.layers[6].op, OpKind::fc);
  EXPECT_EQ(g.layers[6].weights(), 24 * 3);
}

TEST(CsvNetworkLoader, ReportsMismatchesWithLine) {
  // what is allowed follows (tests/test_neurosim_csv.cpp)
  EXPECT_CONTAINS(csv_error("32,32,3,3,3,128,0,1\n16,16,128,3,3,128,1,1\n"),
                  "net.csv:2: IFM 16x16x128 does not match the previous layer's output 32x32x128; allowed: ");
  EXPECT_CONTAINS(csv_error("32,32,3,3,3,128,1,1\n32,32,128,3,3,128,1,1\n"),
                  "net.csv:2: IFM 32x32x128 does not match the previous layer's output 16x16x128; allowed: ");
  // 1x1 IFM whose channels are neither the previous output's channels nor its element count
  EXPECT_CONTAINS(csv_error("4,4,8,3,3,8,0,1\n1,1,100,1,1,10,0,1\n"),
                  "net.csv:2: IFM 1x1x100 does not match the previous layer's output 4x4x8; allowed: ");
  EXPECT_CONTAINS(csv_error("8,8,3,3,1,8,0,1\n"), "net.csv:1: kernel 3x1 is not square");
  EXPECT_CONTAINS(csv_error("1,1,3,2,2,8,0,1\n"), "net.csv:1: layer 'conv1': kernel 2x2");
}

TEST(CsvNetworkLoader, ReportsBadFieldsWithColumn) {
  EXPECT_EQ(csv_error("32,32,3,3,3,128,0,1\n32,32,128,3, x,128,1,1\n"),
            "net.csv:2:14: field kW is not an integer: 'x'");
  EXPECT_EQ(csv_error("32,32,3,3,3,128,0\n"),
            "net.csv:1: expected 8 fields (IFM_H, IFM_W, IFM_C, kH, kW, OFM_C, followedByPool, stride), found 7");
  EXPECT_CONTAINS(csv_error("32,32,3,3,3,128,0,1,9\n"), "net.csv:1: expected 8 fields");
  EXPECT_EQ(csv_error("32,32,3,3,3,128,2,1\n"), "net.csv:1:17: field followedByPool 2 must be 0 or 1");
  EXPECT_EQ(csv_error("32,32,3,3,3,,0,1\n"), "net.csv:1:13: field OFM_C is not an integer: ''");
  EXPECT_EQ(csv_error("32,32,3,0,3,8,0,1\n"), "net.csv:1:9: field kH 0 must be positive");
  EXPECT_EQ(csv_error("\n\n"), "net.csv: no layers");
  EXPECT_EQ(error_of([] { load_neurosim_csv("/nonexistent/n.csv"); }), "cannot open /nonexistent/n.csv (No such file or directory)");
}

TEST(NetworkLoader, ByNameOrExtension) {
  EXPECT_EQ(builtin_network_names(),
            (std::vector<std::string>{"vgg8", "resnet18", "resnet18_imagenet", "darts_v1", "darts_v2", "pdarts", "squeezenet1_1",
                                      "squeezenet1_1_64", "mobilenet_v3_small", "mobilenet_v3_small_64", "vit_b_16",
                                      "deit_tiny"}));
  EXPECT_EQ(load_network("resnet18").weights(), resnet18_network().weights());
  expect_same_layers(load_network("vgg8"), vgg8_network());
  expect_same_layers(load_network(nets + "vgg8.csv"), vgg8_network());
  expect_same_layers(load_network(nets + "vgg8.yaml"), vgg8_network());
  std::ifstream tiny(nets + "tiny.yaml");
  const std::string text((std::istreambuf_iterator<char>(tiny)), std::istreambuf_iterator<char>());
  const std::string yml = write_temp("tiny_copy.YML", text);
  EXPECT_EQ(load_network(yml).weights(), load_network(nets + "tiny.yaml").weights());
  EXPECT_EQ(error_of([] { load_network("vgg9"); }),
            "unknown network 'vgg9': expected a built-in name (vgg8, resnet18, resnet18_imagenet, darts_v1, darts_v2, "
            "pdarts, squeezenet1_1, squeezenet1_1_64, mobilenet_v3_small, mobilenet_v3_small_64, vit_b_16, deit_tiny) or a file ending "
            ".yaml, .yml (YAML network), .csv (NeuroSim network CSV), .genotype (DARTS genotype) or .onnx "
            "(ONNX model)");
  EXPECT_EQ(error_of([] { load_network("/nonexistent/net.yml"); }), "cannot open /nonexistent/net.yml (No such file or directory)");
}
