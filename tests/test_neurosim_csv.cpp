// NeuroSim network CSVs as NeuroSim writes them (issue 11, part 3): projection shortcuts that read an
// earlier row's input, DenseNet units whose OFM_C counts the concatenation, a 1x1xC classifier after a
// pooled map, a byte order mark and trailing commas. NeuroSim's own files (neurosim/DNN_NeuroSim_V1.4,
// CC BY-NC 4.0, so not copied here) are written by generators following their conventions, and every
// count is a closed form computed here from the same architecture.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "run_util.hpp"
#include "workloads/neurosim_csv.hpp"

using namespace cimsim::workloads;
using cimsim::testing::error_of;

namespace {

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

Graph csv(const std::string& text) { return parse_neurosim_csv(text, "net.csv", "net"); }
std::string csv_error(const std::string& text) {
  return error_of([&] { csv(text); });
}

// One NeuroSim row and its counts: weights kH*kW*C*OFM_C (OFM_C the conv's own channels), MACs those
// weights at every output position.
struct Row {
  int h, w, c, k, ofm, pool, stride;
  int out_channels;  // of the convolution; a dense unit's row writes the concatenation as OFM_C
  std::string text() const {
    return std::to_string(h) + "," + std::to_string(w) + "," + std::to_string(c) + "," + std::to_string(k) + "," +
           std::to_string(k) + "," + std::to_string(ofm) + "," + std::to_string(pool) + "," + std::to_string(stride) +
           "\r\n";  // NeuroSim's files end lines with CRLF
  }
  int64_t weights() const { return int64_t(k) * k * c * out_channels; }
  int64_t macs() const {
    const int64_t oh = (h + 2 * ((k - 1) / 2) - k) / stride + 1, ow = (w + 2 * ((k - 1) / 2) - k) / stride + 1;
    return h == 1 && w == 1 ? weights() : oh * ow * weights();
  }
};

std::string text_of(const std::vector<Row>& rows) {
  std::string t;
  for (const Row& r : rows) t += r.text();
  return t;
}
int64_t weights_of(const std::vector<Row>& rows) {
  int64_t n = 0;
  for (const Row& r : rows) n += r.weights();
  return n;
}
int64_t macs_of(const std::vector<Row>& rows) {
  int64_t n = 0;
  for (const Row& r : rows) n += r.macs();
  return n;
}

// NetWork_ResNet18.csv's convention: the ImageNet ResNet-18 stem (7x7/2 conv, pooled to 56x56), two
// basic blocks per stage; a stage's first block strides in its first conv and is followed by its 1x1/2
// projection shortcut row, reading the block's input; the last conv is pooled; then 1x1x512 -> 1000.
std::vector<Row> resnet18_rows() {
  std::vector<Row> rows = {{224, 224, 3, 7, 64, 1, 2, 64}};
  int hw = 56, c = 64;
  for (int width : {64, 128, 256, 512}) {
    for (int block = 0; block < 2; ++block) {
      const int stride = block == 0 && width != 64 ? 2 : 1, out = hw / stride;
      rows.push_back({hw, hw, c, 3, width, 0, stride, width});
      rows.push_back({out, out, width, 3, width, width == 512 && block == 1 ? 1 : 0, 1, width});
      if (stride == 2) rows.push_back({hw, hw, c, 1, width, 0, 2, width});
      hw = out;
      c = width;
    }
  }
  rows.push_back({1, 1, 512, 1, 1000, 0, 1, 1000});
  return rows;
}

// NetWork_DenseNet40.csv's convention: DenseNet-BC-40, growth 12, on 32x32: a 3x3 stem to 24 channels,
// three blocks of six units (a 1x1 to 48, then a 3x3 to 12 written with OFM_C = its input's channels + 12,
// the concatenation), transitions halving the channels (pooled), the last unit pooled, then 1x1x132 -> 10.
std::vector<Row> densenet40_rows() {
  std::vector<Row> rows = {{32, 32, 3, 3, 24, 0, 1, 24}};
  int hw = 32, c = 24;
  for (int block = 0; block < 3; ++block) {
    for (int unit = 0; unit < 6; ++unit) {
      rows.push_back({hw, hw, c, 1, 48, 0, 1, 48});
      rows.push_back({hw, hw, 48, 3, c + 12, block == 2 && unit == 5 ? 1 : 0, 1, 12});
      c += 12;
    }
    if (block < 2) {
      rows.push_back({hw, hw, c, 1, c / 2, 1, 1, c / 2});
      c /= 2;
      hw /= 2;
    }
  }
  rows.push_back({1, 1, c, 1, 10, 0, 1, 10});
  return rows;
}

const Layer& layer(const Graph& g, const std::string& name) {
  const int i = g.index_of(name);
  EXPECT_GE(i, 0) << name;
  return g.layers.at(size_t(i < 0 ? 0 : i));
}
std::string input_name(const Graph& g, const std::string& name, size_t k = 0) {
  return g.layers[size_t(layer(g, name).inputs.at(k))].name;
}
int count_of(const Graph& g, OpKind op) {
  int n = 0;
  for (const Layer& l : g.layers) n += l.op == op;
  return n;
}

}  // namespace

TEST(NeuroSimCsv, ResNet18LoadsWithProjectionShortcutsAddedToTheBlock) {
  const auto rows = resnet18_rows();
  ASSERT_EQ(rows.size(), 21u);  // as NetWork_ResNet18.csv
  const Graph g = csv(text_of(rows));
  EXPECT_EQ(g.weights(), 11678912);
  EXPECT_EQ(g.weights(), weights_of(rows));
  EXPECT_EQ(g.macs(), macs_of(rows));  // 1,814,073,344: torchvision's ResNet-18 convolutions and fc
  EXPECT_EQ(g.macs(), 1814073344);
  // the first projection: row 8 (conv8, 1x1/2) reads what row 6 (conv6) reads, the output of row 5;
  // its output is added to row 7's before the ReLU; row 9 reads the sum
  EXPECT_EQ(count_of(g, OpKind::add), 3);
  EXPECT_EQ(input_name(g, "conv8"), input_name(g, "conv6"));
  EXPECT_EQ(input_name(g, "conv6"), "relu5");
  EXPECT_EQ(input_name(g, "add1", 0), "conv7");
  EXPECT_EQ(input_name(g, "add1", 1), "conv8");
  EXPECT_EQ(layer(g, "add1").out, (Shape{128, 28, 28}));
  EXPECT_EQ(input_name(g, "relu7"), "add1");
  EXPECT_EQ(input_name(g, "conv9"), "relu7");
  EXPECT_EQ(input_name(g, "conv13"), input_name(g, "conv11"));
  EXPECT_EQ(input_name(g, "conv18"), input_name(g, "conv16"));
  // the pooled 3x3x512 map, then global average pooling and the classifier
  EXPECT_EQ(input_name(g, "fc1"), "gap1");
  EXPECT_EQ(layer(g, "gap1").in, (Shape{512, 3, 3}));
  EXPECT_EQ(g.layers.back().name, "fc1");
}

TEST(NeuroSimCsv, DenseNet40LoadsWithConcatenatingUnits) {
  const auto rows = densenet40_rows();
  ASSERT_EQ(rows.size(), 40u);  // as NetWork_DenseNet40.csv
  const Graph g = csv(text_of(rows));
  // DenseNet-BC-40 (k = 12): the stem, 18 units of 1x1 (C -> 48) and 3x3 (48 -> 12), two transitions, fc
  int64_t expected = 3 * 9 * 24 + 132 * 10 + 96 * 48 + 120 * 60;
  for (int first : {24, 48, 60})
    for (int unit = 0; unit < 6; ++unit) expected += (first + 12 * unit) * 48 + 9 * 48 * 12;
  EXPECT_EQ(g.weights(), expected);
  EXPECT_EQ(g.weights(), 171024);
  EXPECT_EQ(g.weights(), weights_of(rows));
  EXPECT_EQ(g.macs(), macs_of(rows));
  EXPECT_EQ(g.macs(), 72365352);
  EXPECT_EQ(count_of(g, OpKind::concat), 18);
  // unit 1: conv2 (1x1) reads the stem's map; conv3 makes 12 channels, joined with that map: 36
  EXPECT_EQ(layer(g, "conv3").out_channels, 12);
  EXPECT_EQ(input_name(g, "concat1", 0), "relu3");
  EXPECT_EQ(input_name(g, "concat1", 1), input_name(g, "conv2"));
  EXPECT_EQ(layer(g, "concat1").out, (Shape{36, 32, 32}));
  EXPECT_EQ(input_name(g, "conv4"), "concat1");
  // the last unit is pooled after its concatenation (8x8x132 -> 4x4x132), then 1x1x132: pooling, fc
  EXPECT_EQ(layer(g, "gap1").in, (Shape{132, 4, 4}));
  EXPECT_EQ(input_name(g, "fc1"), "gap1");
}

TEST(NeuroSimCsv, Vgg8LoadsAsWritten) {
  const Graph g = load_neurosim_csv(std::string(CIMSIM_SOURCE_DIR) + "/workloads/nets/vgg8.csv");
  EXPECT_EQ(g.weights(), 12973440);
  EXPECT_EQ(g.macs(), 615917568);
  EXPECT_EQ(count_of(g, OpKind::add) + count_of(g, OpKind::concat) + count_of(g, OpKind::global_avg_pool), 0);
}

// ../shared/cases/02-resnet-shortcut.csv: row 4 is a 1x1 stride-2 projection reading row 1's output
TEST(NeuroSimCsv, HandedCaseResNetShortcut) {
  const Graph g = csv("32,32,3,3,3,16,0,1\n32,32,16,3,3,32,0,2\n16,16,32,3,3,32,0,1\n32,32,16,1,1,32,0,2\n"
                      "16,16,32,3,3,32,0,1\n");
  EXPECT_EQ(g.weights(), 432 + 4608 + 9216 + 512 + 9216);
  EXPECT_EQ(g.weights(), 23984);
  EXPECT_EQ(g.macs(), 32 * 32 * 432 + 16 * 16 * (4608 + 9216 + 512 + 9216));
  const std::vector<std::string> names = {"input", "conv1", "relu1", "conv2", "relu2", "conv3",
                                          "conv4", "add1",  "relu3", "conv5"};
  ASSERT_EQ(g.layers.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(g.layers[i].name, names[i]);
  EXPECT_EQ(input_name(g, "conv4"), "relu1");
  EXPECT_EQ(layer(g, "conv4").stride, 2);
  EXPECT_EQ(layer(g, "conv4").pad, 0);
  EXPECT_EQ(input_name(g, "add1", 0), "conv3");
  EXPECT_EQ(input_name(g, "add1", 1), "conv4");
  EXPECT_EQ(input_name(g, "conv5"), "relu3");
}

// ../shared/cases/03-spreadsheet-bom.csv: a byte order mark and CRLF; 1x1x2048 flattens the 8x8x32 map
TEST(NeuroSimCsv, HandedCaseSpreadsheetWithByteOrderMark) {
  const Graph g = csv("\xef\xbb\xbf" "32,32,3,3,3,16,0,1\r\n32,32,16,3,3,32,0,2\r\n16,16,32,3,3,32,1,1\r\n"
                      "1,1,2048,1,1,10,0,1\r\n");
  EXPECT_EQ(g.weights(), 34736);
  EXPECT_EQ(g.macs(), 4001792);
  EXPECT_EQ(g.macs(), 32 * 32 * 432 + 16 * 16 * (4608 + 9216) + 2048 * 10);
  EXPECT_EQ(input_name(g, "fc1"), "pool1");
  // a mark anywhere else is a character in a field, reported at its column
  EXPECT_EQ(csv_error("32,32,3,3,3,16,0,1\n\xef\xbb\xbf" "32,32,16,3,3,32,0,1\n"),
            "net.csv:2:1: field IFM_H is not an integer: '\xef\xbb\xbf" "32'");
}

TEST(NeuroSimCsv, TrailingCommaAsNeuroSimReadsIt) {
  const Graph plain = csv("8,8,3,3,3,16,1,1\n1,1,256,1,1,10,0,1\n");
  const Graph comma = csv("8,8,3,3,3,16,1,1,\r\n1,1,256,1,1,10,0,1, \n");
  ASSERT_EQ(comma.layers.size(), plain.layers.size());
  EXPECT_EQ(comma.weights(), plain.weights());
  EXPECT_EQ(comma.macs(), plain.macs());
  // only one empty field after a final comma is dropped; others are still errors at their column
  EXPECT_EQ(csv_error("8,8,3,3,3,16,1,\n"),
            "net.csv:1: expected 8 fields (IFM_H, IFM_W, IFM_C, kH, kW, OFM_C, followedByPool, stride), found 7");
  EXPECT_EQ(csv_error("8,8,3,3,3,16,1,1,,\n"),
            "net.csv:1: expected 8 fields (IFM_H, IFM_W, IFM_C, kH, kW, OFM_C, followedByPool, stride), found more");
  EXPECT_EQ(csv_error("8,8,3,,3,16,1,1,\n"), "net.csv:1:7: field kH is not an integer: ''");
}

TEST(NeuroSimCsv, ClassifierAfterAMapPoolsOrFlattens) {
  // 1x1xC with C the map's channels: global average pooling, then fc
  const Graph pooled = csv("8,8,3,3,3,16,1,1\n1,1,16,1,1,10,0,1\n");
  EXPECT_EQ(input_name(pooled, "fc1"), "gap1");
  EXPECT_EQ(layer(pooled, "fc1").weights(), 16 * 10);
  // 1x1xC with C the map's element count: fc over the flattened map
  const Graph flat = csv("8,8,3,3,3,16,1,1\n1,1,256,1,1,10,0,1\n");
  EXPECT_EQ(input_name(flat, "fc1"), "pool1");
  EXPECT_EQ(layer(flat, "fc1").weights(), 256 * 10);
}

TEST(NeuroSimCsv, ALoneDenseShapedPairIsTwoConvolutions) {
  const Graph g = csv("8,8,16,1,1,32,0,1\n8,8,32,3,3,24,0,1\n");
  EXPECT_EQ(count_of(g, OpKind::concat), 0);
  EXPECT_EQ(layer(g, "conv2").out_channels, 24);
  EXPECT_EQ(g.weights(), 16 * 32 + 9 * 32 * 24);
}

TEST(NeuroSimCsv, RowsThatFitNoReadingAreErrorsNamingThem) {
  // matches nothing: what was expected and what is allowed
  EXPECT_EQ(csv_error("32,32,3,3,3,16,0,1\n16,16,8,3,3,16,0,1\n"),
            "net.csv:2: IFM 16x16x8 does not match the previous layer's output 32x32x16; allowed: that output or "
            "the IFM of an earlier row (a shortcut from that row's input), or a classifier 1x1x16 (global average "
            "pooling) or 1x1x16384 (flattened) with a 1x1 kernel");
  // ResNet-50's first block keeps 56x56x64 through two rows: where its shortcut starts is ambiguous
  EXPECT_EQ(csv_error("56,56,64,1,1,64,0,1\n56,56,64,3,3,64,0,1\n56,56,64,1,1,256,0,1\n56,56,64,1,1,256,0,1\n"),
            "net.csv:4: IFM 56x56x64 is ambiguous: not the previous layer's output 56x56x256, and both line 2 and "
            "line 3 read 56x56x64 maps, so the block this shortcut skips may start at either; allowed: a shortcut "
            "row after its block of two or more rows, the nearest earlier row reading its IFM being the block's "
            "first");
  // a shortcut's output is added to the previous row's: it must have its shape
  EXPECT_EQ(csv_error("16,16,8,3,3,16,0,1\n16,16,16,3,3,32,0,2\n8,8,32,3,3,32,0,1\n16,16,16,1,1,32,0,1\n"),
            "net.csv:4: the shortcut from the input of line 2 gives 16x16x32, which cannot be added to the output "
            "8x8x32 of line 3 (allowed: a shortcut whose output equals the previous row's)");
  // a shortcut after the classifier has no convolution to be added to
  EXPECT_EQ(csv_error("4,4,8,3,3,8,0,1\n1,1,128,1,1,10,0,1\n4,4,8,1,1,10,0,1\n"),
            "net.csv:3: IFM 4x4x8 is not the previous layer's output 1x1x10 but the map line 2 reads (a shortcut); a "
            "shortcut row must follow a convolution row, whose output it is added to, not line 2");
}

TEST(NeuroSimCsv, CliRefusesAnAmbiguousRowWithExitTwo) {
  using namespace cimsim::testing;
  const auto dir = scratch_dir();
  write_text(dir / "r50.csv", "56,56,64,1,1,64,0,1\n56,56,64,3,3,64,0,1\n56,56,64,1,1,256,0,1\n56,56,64,1,1,256,0,1\n");
  write_text(dir / "none.csv", "32,32,3,3,3,16,0,1\n16,16,8,3,3,16,0,1\n");
  for (const char* name : {"r50.csv", "none.csv"}) {
    const Result r = shell(dir, "cd " + quote(dir.string()) + " && " + CIMSIM_BINARY + " map --net " + name);
    EXPECT_EQ(r.code, 2) << r.err;
    ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_CONTAINS(r.err, std::string("cimsim: error: ") + name + (name[0] == 'r' ? ":4: IFM 56x56x64 is ambiguous"
                                                                                      : ":2: IFM 16x16x8 does not match"));
  }
}
