// The cimsim command line as users meet it: the binary runs as a subprocess in a per-test temporary
// directory. Every class of bad input must end with exit code 2, exactly one line on stderr
// ("cimsim: error: ..." naming the file:line:col, the offending key or value and what is allowed), and
// no output file. A good run writes every output and its JSON honours the contract of DESIGN.md.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "run_util.hpp"

namespace fs = std::filesystem;

namespace {

using cimsim::testing::lines_of;
using cimsim::testing::quote;
using cimsim::testing::read_text;
using cimsim::testing::Result;
using cimsim::testing::write_text;

class CliTest : public ::testing::Test {
 protected:
  fs::path dir;

  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    std::replace(name.begin(), name.end(), '/', '_');
    dir = fs::temp_directory_path() / ("cimsim-test-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir);  // kept for inspection when a test fails
  }

  fs::path file(const std::string& name, const std::string& text) {
    const fs::path p = dir / name;
    write_text(p, text);
    return p;
  }

  // Runs `cimsim <args>` (args are passed to the shell as they are) with the temp dir as working dir.
  Result run(const std::string& args) {
    // Users do not set SYSTEMC_DISABLE_COPYRIGHT_MESSAGE (the test main does): the banner must not show.
    return cimsim::testing::shell(dir, "unset SYSTEMC_DISABLE_COPYRIGHT_MESSAGE; cd " + quote(dir.string()) +
                                           " && " + quote(CIMSIM_BINARY) + " " + args);
  }

  // Exit code 2, one stderr line "cimsim: error: ..." holding every fragment (a fragment "re:..." is a
  // regular expression), and none of `outputs` (relative to the temp dir) created.
  void expect_usage_error(const Result& r, std::initializer_list<std::string> fragments,
                          std::initializer_list<std::string> outputs = {"out.json"}) {
    EXPECT_EQ(r.code, 2) << "stderr: " << r.err;
    const auto lines = lines_of(r.err);
    EXPECT_EQ(lines.size(), 1u) << "stderr must be exactly one line, got:\n" << r.err;
    EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << "stderr must end with a newline: " << r.err;
    const std::string line = lines.empty() ? "" : lines.back();
    EXPECT_EQ(line.rfind("cimsim: error: ", 0), 0u) << "stderr must start with 'cimsim: error: ': " << r.err;
    for (const auto& f : fragments) {
      if (f.rfind("re:", 0) == 0)
        EXPECT_TRUE(std::regex_search(line, std::regex(f.substr(3))))
            << "no match for /" << f.substr(3) << "/ in: " << line;
      else
        EXPECT_NE(line.find(f), std::string::npos) << "missing '" << f << "' in: " << line;
    }
    for (const auto& o : outputs) EXPECT_FALSE(fs::exists(dir / o)) << o << " was written although the run failed";
    EXPECT_EQ(cimsim::testing::leftover_temporaries(dir), std::vector<std::string>{}) << "temporaries left behind";
  }
};

// ---- hardware config -------------------------------------------------------------------------------

using CliHardwareConfig = CliTest;

TEST_F(CliHardwareConfig, UnknownNestedKey) {
  file("hw.yaml", "name: x\nadc:\n  bitz: 8\n");
  expect_usage_error(run("run --hw hw.yaml --net vgg8 --json out.json"),
                     {"hw.yaml:3:3:", "adc.bitz", "allowed:", "bits", "sample_rate_gsps"});
}

TEST_F(CliHardwareConfig, UnknownTopLevelKey) {
  file("hw.yaml", "name: x\ncrossbars:\n  rows: 64\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"),
                     {"hw.yaml:2:1:", "crossbars", "allowed:", "crossbar"});
}

TEST_F(CliHardwareConfig, WrongType) {
  file("hw.yaml", "name: x\nadc:\n  bits: eight\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"),
                     {"hw.yaml:3:9:", "adc.bits", "eight", "allowed: auto, or an integer"});
}

TEST_F(CliHardwareConfig, WrongTypeMapForNumber) {
  file("hw.yaml", "name: x\ncrossbar:\n  rows: {a: 1}\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"), {"hw.yaml:3:", "crossbar.rows", "allowed:"});
}

TEST_F(CliHardwareConfig, OutOfRange) {
  file("hw.yaml", "name: x\nadc:\n  bits: 0\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"),
                     {"hw.yaml:3:9:", "adc.bits", "0", "re:allowed: auto, or an integer in \\[1, [0-9]+\\]"});
}

TEST_F(CliHardwareConfig, NegativeNumber) {
  file("hw.yaml", "name: x\ntechnology:\n  clock_ghz: -1\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"),
                     {"hw.yaml:3:14:", "technology.clock_ghz", "-1", "allowed: number >= 0.001 and <= 100"});
}

TEST_F(CliHardwareConfig, BadEnum) {
  file("hw.yaml", "name: x\ntile:\n  buffer:\n    kind: flash\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"),
                     {"hw.yaml:4:11:", "tile.buffer.kind", "flash", "allowed:", "edram", "sram"});
}

TEST_F(CliHardwareConfig, BadTiles) {
  file("hw.yaml", "name: x\nchip:\n  tiles: [0, 1]\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"),
                     {"hw.yaml:3:", "chip.tiles", "allowed:", "auto"});
}

TEST_F(CliHardwareConfig, SyntaxError) {
  file("hw.yaml", "name: x\nadc:\n  bits: 8\n bad: 1\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"), {"hw.yaml:4:", "YAML"});
}

TEST_F(CliHardwareConfig, DuplicateKey) {
  file("hw.yaml", "name: x\nadc:\n  bits: 8\n  bits: 9\n");
  expect_usage_error(run("run --hw hw.yaml --json out.json"), {"hw.yaml:4:3:", "duplicate", "adc.bits"});
}

TEST_F(CliHardwareConfig, EmptyFile) {
  file("hw.yaml", "");
  expect_usage_error(run("run --hw hw.yaml --json out.json"), {"hw.yaml", "allowed:", "crossbar", "adc"});
}

TEST_F(CliHardwareConfig, MissingFile) {
  expect_usage_error(run("run --hw missing.yaml --json out.json"),
                     {"missing.yaml", "cannot open", "isaac", "edge-rram", "default"});
}

TEST_F(CliHardwareConfig, MapCommandToo) {
  file("hw.yaml", "name: x\nadc:\n  bitz: 8\n");
  expect_usage_error(run("map --hw hw.yaml --net vgg8 --json out.json"), {"hw.yaml:3:3:", "adc.bitz"});
}

// ---- network ---------------------------------------------------------------------------------------

using CliNetwork = CliTest;

TEST_F(CliNetwork, UnknownOp) {
  file("net.yaml",
       "name: n\n"
       "input: {channels: 3, height: 8, width: 8}\n"
       "layers:\n"
       "  - {name: c1, op: conv, out_channels: 4, kernel: 3, pad: 1}\n"
       "  - {name: s, op: softmaxx}\n");
  expect_usage_error(run("run --net net.yaml --json out.json"),
                     {"net.yaml:5:", "softmaxx", "allowed:", "conv", "relu", "add"});
}

TEST_F(CliNetwork, UnknownInputReference) {
  file("net.yaml",
       "name: n\n"
       "input: {channels: 3, height: 8, width: 8}\n"
       "layers:\n"
       "  - {name: c1, op: conv, out_channels: 4, kernel: 3, pad: 1}\n"
       "  - {name: a, op: add, inputs: [c1, nosuch]}\n");
  expect_usage_error(run("run --net net.yaml --json out.json"),
                     {"net.yaml:5:", "nosuch", "allowed:", "input", "c1"});
}

TEST_F(CliNetwork, ShapeMismatch) {
  file("net.yaml",
       "name: n\n"
       "input: {channels: 3, height: 8, width: 8}\n"
       "layers:\n"
       "  - {name: c1, op: conv, out_channels: 4, kernel: 3, pad: 1}\n"
       "  - {name: c2, op: conv, out_channels: 8, kernel: 3, pad: 1, inputs: [input]}\n"
       "  - {name: a, op: add, inputs: [c1, c2]}\n");
  expect_usage_error(run("run --net net.yaml --json out.json"),
                     {"net.yaml:6:", "'a'", "c1", "c2", "4x8x8", "8x8x8"});
}

TEST_F(CliNetwork, DuplicateLayerName) {
  file("net.yaml",
       "name: n\n"
       "input: {channels: 3, height: 8, width: 8}\n"
       "layers:\n"
       "  - {name: c1, op: conv, out_channels: 4, kernel: 3, pad: 1}\n"
       "  - {name: c1, op: relu}\n");
  expect_usage_error(run("run --net net.yaml --json out.json"), {"net.yaml:5:", "duplicate", "'c1'"});
}

TEST_F(CliNetwork, KernelLargerThanInput) {
  file("net.yaml",
       "name: n\n"
       "input: {channels: 3, height: 4, width: 4}\n"
       "layers:\n"
       "  - {name: c1, op: conv, out_channels: 4, kernel: 7}\n");
  expect_usage_error(run("run --net net.yaml --json out.json"), {"net.yaml:4:", "'c1'", "7x7"});
}

TEST_F(CliNetwork, CsvNonNumericField) {
  file("net.csv", "32,32,3,3,3,128,0,1\n32,32,128,3,x3,128,1,1\n");
  expect_usage_error(run("run --net net.csv --json out.json"), {"net.csv:2:", "'x3'", "integer"});
}

TEST_F(CliNetwork, CsvWrongFieldCount) {
  file("net.csv", "32,32,3,3,3,128,0,1\n32,32,128,3,3\n");
  expect_usage_error(run("run --net net.csv --json out.json"), {"net.csv:2", "expected 8"});
}

TEST_F(CliNetwork, CsvIfmMismatch) {
  file("net.csv", "32,32,3,3,3,128,0,1\n16,16,128,3,3,128,1,1\n");
  expect_usage_error(run("run --net net.csv --json out.json"), {"net.csv:2", "16x16x128", "32x32x128"});
}

TEST_F(CliNetwork, UnknownBuiltin) {
  expect_usage_error(run("run --net vgg9 --json out.json"), {"'vgg9'", "vgg8", "resnet18", ".yaml", ".csv"});
}

TEST_F(CliNetwork, UnsupportedExtension) {
  file("net.pt", "a PyTorch checkpoint");
  expect_usage_error(run("run --net net.pt --json out.json"), {"net.pt", ".yaml", ".csv", ".onnx"});
}

TEST_F(CliNetwork, MissingYamlFile) {
  expect_usage_error(run("run --net missing.yaml --json out.json"), {"missing.yaml", "cannot open"});
}

TEST_F(CliNetwork, MissingCsvFile) {
  expect_usage_error(run("run --net missing.csv --json out.json"), {"missing.csv", "cannot open"});
}

// ---- mapping ---------------------------------------------------------------------------------------

using CliMapping = CliTest;

TEST_F(CliMapping, NetworkDoesNotFitFixedChip) {
  file("small.yaml", "name: small\nchip:\n  tiles: [1, 1]\n");
  for (const std::string cmd : {"run", "map"}) {
    SCOPED_TRACE(cmd);
    expect_usage_error(run(cmd + " --hw small.yaml --net vgg8 --json out.json"),
                       {"vgg8", "small", "re:needs [0-9]+ crossbars", "re:[0-9]+ tiles"});
  }
}

// ---- command line ----------------------------------------------------------------------------------

using CliOptions = CliTest;

TEST_F(CliOptions, UnknownOption) { expect_usage_error(run("run --bogus --json out.json"), {"--bogus"}); }

TEST_F(CliOptions, MissingSubcommand) {
  const Result r = run("");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
}

TEST_F(CliOptions, BadDataflow) {
  expect_usage_error(run("run --dataflow diagonal --json out.json"),
                     {"--dataflow", "diagonal", "layer_by_layer", "pipelined"});
}

TEST_F(CliOptions, ZeroInputs) {
  expect_usage_error(run("run --inputs 0 --json out.json"), {"--inputs", "0", "1"});
}

TEST_F(CliOptions, NonNumericInputs) {
  expect_usage_error(run("run --inputs many --json out.json"), {"--inputs", "many"});
}

TEST_F(CliOptions, JsonIntoMissingDirectory) {
  expect_usage_error(run("run --json nodir/out.json"), {"nodir/out.json", "nodir", "does not exist"},
                     {"nodir/out.json"});
  EXPECT_FALSE(fs::exists(dir / "nodir"));
}

TEST_F(CliOptions, VcdIntoMissingDirectory) {
  expect_usage_error(run("run --json out.json --vcd nodir/w.vcd"), {"nodir/w.vcd", "does not exist"});
}

TEST_F(CliOptions, CsvIsAFile) {
  file("taken", "x\n");
  expect_usage_error(run("run --json out.json --csv taken"), {"taken", "--csv", "directory"});
  EXPECT_EQ(read_text(dir / "taken"), "x\n");
}

// An existing directory is no place for a file: a usage error found before the run, not after it.
TEST_F(CliOptions, JsonIsADirectory) {
  fs::create_directories(dir / "adir");
  for (const std::string cmd : {"run", "map"}) {
    SCOPED_TRACE(cmd);
    expect_usage_error(run(cmd + " --json adir"), {"adir"}, {});
    EXPECT_TRUE(fs::is_directory(dir / "adir"));
  }
}

// Two outputs on one path would overwrite each other.
TEST_F(CliOptions, TwoOutputsOnOnePath) {
  expect_usage_error(run("run --json out.json --vcd out.json"), {"out.json"});
  expect_usage_error(run("run --json out.json --vcd ./out.json"), {"out.json"});
}

TEST_F(CliOptions, ZeroQuantum) {
  const Result r = run("run --quantum-ns 0 --json out.json");
  expect_usage_error(r, {"--quantum-ns", "0"});
  EXPECT_LT(r.err.size(), 200u) << "the message should state the allowed range readably: " << r.err;
}

TEST_F(CliOptions, JsonEqualToHwInputIsNotOverwritten) {
  const std::string yaml = read_text(fs::path(CIMSIM_SOURCE_DIR) / "configs" / "isaac.yaml");
  ASSERT_FALSE(yaml.empty());
  file("hw.yaml", yaml);
  const std::string abs = (dir / "hw.yaml").string();
  for (const std::string& out : std::vector<std::string>{"hw.yaml", "./hw.yaml", abs}) {
    SCOPED_TRACE(out);
    expect_usage_error(run("run --hw hw.yaml --net vgg8 --json " + quote(out)), {out, "input"},
                       {});
    EXPECT_EQ(read_text(dir / "hw.yaml"), yaml) << "the --hw input was modified";
  }
  expect_usage_error(run("run --hw hw.yaml --net vgg8 --vcd hw.yaml"), {"hw.yaml", "input"}, {});
  EXPECT_EQ(read_text(dir / "hw.yaml"), yaml) << "the --hw input was modified by --vcd";
  expect_usage_error(run("map --hw hw.yaml --net vgg8 --json hw.yaml"), {"hw.yaml", "input"}, {});
  EXPECT_EQ(read_text(dir / "hw.yaml"), yaml) << "the --hw input was modified by map --json";
}

TEST_F(CliOptions, JsonEqualToNetInputIsNotOverwritten) {
  const std::string csv = "32,32,3,3,3,16,0,1\n32,32,16,3,3,16,1,1\n";
  file("net.csv", csv);
  expect_usage_error(run("run --hw default --net net.csv --json net.csv"), {"net.csv", "input"}, {});
  EXPECT_EQ(read_text(dir / "net.csv"), csv);
}

// ---- a good run ------------------------------------------------------------------------------------

using CliRun = CliTest;

void expect_keys(const nlohmann::json& j, const std::string& where, std::initializer_list<const char*> keys) {
  ASSERT_TRUE(j.is_object()) << where << " is not an object";
  for (const char* k : keys) EXPECT_TRUE(j.contains(k)) << where << "." << k << " is missing";
}

void expect_sums_to_total(const nlohmann::json& j, const std::string& where) {
  ASSERT_TRUE(j.contains("total") && j["total"].is_number()) << where << ".total";
  ASSERT_TRUE(j.contains("breakdown") && j["breakdown"].is_object()) << where << ".breakdown";
  ASSERT_FALSE(j["breakdown"].empty()) << where << ".breakdown is empty";
  double sum = 0;
  for (const auto& [k, v] : j["breakdown"].items()) {
    EXPECT_TRUE(v.is_number()) << where << ".breakdown." << k;
    if (v.is_number()) {
      EXPECT_GE(v.get<double>(), 0.0) << where << ".breakdown." << k;
      sum += v.get<double>();
    }
  }
  const double total = j["total"].get<double>();
  EXPECT_GT(total, 0.0) << where;
  EXPECT_LE(std::abs(sum - total), 1e-9 * std::abs(total))
      << where << ": breakdown sums to " << sum << ", total is " << total;
}

TEST_F(CliRun, WritesJsonCsvAndVcd) {
  const Result r = run("run --hw isaac --net vgg8 --json out.json --csv csv --vcd wave.vcd");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "a good run prints nothing on stderr";
  EXPECT_NE(r.out.find("vgg8"), std::string::npos) << r.out;
  for (const char* f : {"out.json", "csv/layers.csv", "csv/components.csv", "wave.vcd"}) {
    EXPECT_TRUE(fs::is_regular_file(dir / f)) << f << " not written";
  }
  EXPECT_EQ(cimsim::testing::leftover_temporaries(dir), std::vector<std::string>{}) << "temporaries left behind";

  // JSON: the contract of DESIGN.md, plus peak power and throughput.
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(read_text(dir / "out.json")));
  expect_keys(j, "$",
              {"workload", "deployment", "latency", "energy_pj", "power_mw", "area_mm2", "utilization",
               "layers", "peak_power_mw", "throughput_per_s"});
  expect_keys(j["workload"], "workload", {"name", "layers", "weights", "macs"});
  expect_keys(j["latency"], "latency", {"cycles", "ns"});
  expect_keys(j["energy_pj"], "energy_pj", {"total", "breakdown"});
  expect_keys(j["area_mm2"], "area_mm2", {"total", "breakdown"});
  expect_keys(j["utilization"], "utilization", {"crossbar_cells"});
  EXPECT_EQ(j["workload"]["name"], "vgg8");
  for (const char* k : {"layers", "weights", "macs"})
    EXPECT_TRUE(j["workload"][k].is_number_integer() && j["workload"][k].get<int64_t>() > 0)
        << "workload." << k;
  EXPECT_TRUE(j["deployment"] == "individual" || j["deployment"] == "hypernet") << j["deployment"];
  for (const auto* p :
       {"/latency/cycles", "/latency/ns", "/power_mw", "/peak_power_mw", "/throughput_per_s"}) {
    const auto& v = j[nlohmann::json::json_pointer(p)];
    EXPECT_TRUE(v.is_number() && v.get<double>() > 0) << p << " = " << v;
  }
  EXPECT_GE(j["peak_power_mw"].get<double>(), j["power_mw"].get<double>());
  const double util = j["utilization"]["crossbar_cells"].get<double>();
  EXPECT_TRUE(util > 0 && util <= 1) << "utilization.crossbar_cells = " << util;
  expect_sums_to_total(j["energy_pj"], "energy_pj");
  expect_sums_to_total(j["area_mm2"], "area_mm2");

  ASSERT_TRUE(j["layers"].is_array());
  ASSERT_FALSE(j["layers"].empty());
  int64_t crossbars = 0;
  for (size_t i = 0; i < j["layers"].size(); ++i) {
    const auto& l = j["layers"][i];
    const std::string where = "layers[" + std::to_string(i) + "]";
    expect_keys(l, where, {"name", "op", "start_cycle", "end_cycle", "energy_pj", "crossbars"});
    if (!l.contains("start_cycle") || !l.contains("end_cycle")) continue;
    EXPECT_TRUE(l["name"].is_string() && l["op"].is_string()) << where;
    EXPECT_GE(l["start_cycle"].get<double>(), 0.0) << where;
    EXPECT_LE(l["start_cycle"].get<double>(), l["end_cycle"].get<double>()) << where;
    EXPECT_LE(l["end_cycle"].get<double>(), j["latency"]["cycles"].get<double>() * (1 + 1e-9)) << where;
    EXPECT_GE(l["energy_pj"].get<double>(), 0.0) << where;
    crossbars += l["crossbars"].get<int64_t>();
  }
  EXPECT_GT(crossbars, 0);

  // layers.csv: a header and one row per layer of the JSON, in the same order.
  const auto csv = lines_of(read_text(dir / "csv" / "layers.csv"));
  ASSERT_EQ(csv.size(), j["layers"].size() + 1) << "layers.csv must have a header and one row per layer";
  EXPECT_EQ(csv[0].rfind("name,op,", 0), 0u) << csv[0];
  const size_t columns = size_t(std::count(csv[0].begin(), csv[0].end(), ',')) + 1;
  for (size_t i = 1; i < csv.size(); ++i) {
    EXPECT_EQ(size_t(std::count(csv[i].begin(), csv[i].end(), ',')) + 1, columns)
        << "row " << i << ": " << csv[i];
    EXPECT_EQ(csv[i].substr(0, csv[i].find(',')), j["layers"][i - 1]["name"].get<std::string>())
        << "row " << i;
  }
  EXPECT_GE(lines_of(read_text(dir / "csv" / "components.csv")).size(), 2u);

  // VCD: declarations closed by $enddefinitions, strictly increasing timestamps, only declared ids.
  const auto vcd = lines_of(read_text(dir / "wave.vcd"));
  std::set<std::string> ids;
  bool body = false;
  long long last = -1;
  int stamps = 0, changes = 0;
  for (size_t i = 0; i < vcd.size(); ++i) {
    std::istringstream is(vcd[i]);
    std::vector<std::string> tok;
    for (std::string t; is >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    const std::string at = "wave.vcd:" + std::to_string(i + 1) + ": " + vcd[i];
    if (!body) {
      if (tok[0] == "$var") {
        ASSERT_GE(tok.size(), 6u) << at;
        ids.insert(tok[3]);
      }
      if (tok[0] == "$enddefinitions") body = true;
      continue;
    }
    if (tok[0][0] == '#') {
      const long long t = std::stoll(tok[0].substr(1));
      EXPECT_GT(t, last) << at << ": timestamps must increase strictly";
      last = t;
      ++stamps;
    } else if (tok[0][0] == '$') {
      continue;  // $dumpvars, $end, ...
    } else if (tok[0][0] == 'b' || tok[0][0] == 'B' || tok[0][0] == 'r' || tok[0][0] == 'R') {
      ASSERT_EQ(tok.size(), 2u) << at;
      EXPECT_TRUE(ids.count(tok[1])) << at << ": undeclared identifier";
      ++changes;
    } else {
      EXPECT_NE(std::string("01xXzZ").find(tok[0][0]), std::string::npos) << at;
      EXPECT_TRUE(ids.count(tok[0].substr(1))) << at << ": undeclared identifier";
      ++changes;
    }
  }
  EXPECT_TRUE(body) << "wave.vcd has no $enddefinitions";
  EXPECT_FALSE(ids.empty()) << "wave.vcd declares no variables";
  EXPECT_GT(stamps, 1);
  EXPECT_GT(changes, 0);
}

TEST_F(CliRun, MapWritesJson) {
  const Result r = run("map --hw default --net resnet18 --json map.json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(read_text(dir / "map.json")));
  expect_keys(j, "$", {"workload", "crossbars", "tiles", "utilization", "layers"});
  EXPECT_EQ(j["workload"]["name"], "resnet18");
}

TEST_F(CliRun, List) {
  const Result r = run("list");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* n : {"vgg8", "resnet18", "isaac", "edge-rram", "default"})
    EXPECT_NE(r.out.find(n), std::string::npos) << n << " not listed:\n" << r.out;
}

}  // namespace
