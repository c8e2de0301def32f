// The hostile network cases of issue 8 through the command line, each in its own process: exit code 2,
// one line on stderr naming the file (and line and column where there is one), the value and the bound,
// no report written; in well under a second where they used to take gigabytes.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "run_util.hpp"

using namespace cimsim::testing;

namespace {

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "message: " << (text)

// `cimsim map --net NET <extra> --json DIR/r.json`: refused with exit 2 and one line, nothing written.
std::string refused(const std::filesystem::path& dir, const std::string& net, const std::string& extra = "") {
  const auto json = dir / "r.json";
  const Result r = shell(dir, "cd " + quote(dir.string()) + " && " + std::string(CIMSIM_BINARY) + " map --net " +
                                  quote(net) + " " + extra + " --json " + quote(json.string()));
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_FALSE(std::filesystem::exists(json));
  EXPECT_EQ(r.err.rfind("cimsim: error: ", 0), 0u) << r.err;
  return r.err;
}

}  // namespace

TEST(LimitsNetCli, HostileNetworkFilesAreRefused) {
  const auto dir = scratch_dir();
  // case 09: fc 10^6 x 10^6
  write_text(dir / "09.yaml", "input: {channels: 1000000, height: 1, width: 1}\nlayers:\n  - {name: a, op: fc, out_channels: 1000000}\n");
  EXPECT_CONTAINS(refused(dir, "09.yaml"),
                  "09.yaml:3:5: layer 'a': weight count 1000000000000 is above the bound 2147483647 per layer");
  // case 11: 2^31 - 1 sizes in a NeuroSim CSV
  write_text(dir / "11.csv", "2147483647,2147483647,2147483647,3,3,2147483647,0,1\n");
  EXPECT_CONTAINS(refused(dir, "11.csv"), "11.csv:1:1: field IFM_H 2147483647 is above the bound 65536");
  // case 18: dilation and pad 2^31 - 1
  write_text(dir / "18.yaml", "input: {channels: 3, height: 8, width: 8}\nlayers:\n"
                              "  - {name: a, op: conv, out_channels: 4, kernel: 3, dilation: 2147483647, pad: 2147483647}\n");
  EXPECT_CONTAINS(refused(dir, "18.yaml"), "18.yaml:3:");
  // case 40: VGG-8 with a pad of 973
  write_text(dir / "40.yaml", "input: {channels: 512, height: 4, width: 4}\nlayers:\n"
                              "  - {name: conv6, op: conv, out_channels: 512, kernel: 3, pad: 973}\n");
  EXPECT_CONTAINS(refused(dir, "40.yaml"),
                  "40.yaml:3:5: layer 'conv6': output 512x1948x1948: elements 1942888448 is above the bound 1073741824 per layer");
  // case 21's kind on the network side: a layer name that is not UTF-8 (was exit 1, "internal error")
  write_text(dir / "21.yaml", "input: {channels: 3, height: 8, width: 8}\nlayers:\n  - {name: \xff\xfe" "conv, op: relu}\n");
  EXPECT_CONTAINS(refused(dir, "21.yaml"), "21.yaml:3:12: 'name': the name '\\xff\\xfeconv' is not valid UTF-8");
  // a second document, a NUL byte
  write_text(dir / "two.yaml", "input: {channels: 3, height: 8, width: 8}\nlayers:\n  - {op: relu}\n---\nname: x\n");
  EXPECT_CONTAINS(refused(dir, "two.yaml"), "two.yaml:4:1: a second YAML document");
  {
    std::ofstream f(dir / "nul.csv", std::ios::binary);
    f << std::string("8,8,3,3,3,16,0,1\n8,8,16,3,3,16,0\0,1\n", 36);
  }
  EXPECT_CONTAINS(refused(dir, "nul.csv"), "nul.csv:2:16: control character \\x00");
  std::filesystem::remove_all(dir);
}

TEST(LimitsNetCli, OnnxWeightDeclaredHugeWithoutData) {
  // case 12: Gemm weight declared 10^9 x 192, no data in the file
  const auto dir = scratch_dir();
  // the case itself, kept with the fuzz regressions
  std::filesystem::copy_file(std::filesystem::path(CIMSIM_SOURCE_DIR) / "fuzz/regressions/onnx/12-onnx-gemm-1e9-declared.onnx",
                             dir / "12.onnx");
  EXPECT_CONTAINS(refused(dir, "12.onnx"),
                  "12.onnx: node 'y' (Gemm): weight 'wg' declared [1000000000, 192]: elements 192000000000 is above the "
                  "bound 2147483647 per layer");
  std::filesystem::remove_all(dir);
}

TEST(LimitsNetCli, DartsOptionsInsideTheirRangesAreBounded) {
  const auto dir = scratch_dir();
  EXPECT_CONTAINS(refused(dir, "darts_v2", "--darts-c 4096"),
                  "DARTS options c 4096, layers 20, classes 10, input_size 32: layer 'cells.");
  EXPECT_CONTAINS(refused(dir, "darts_v2", "--darts-c 4096 --deploy hypernet"), "DARTS options c 4096");
  // a .genotype file: the file is named too
  write_text(dir / "v2.genotype", "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), "
                                  "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), "
                                  "('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), "
                                  "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
                                  "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])\n");
  EXPECT_CONTAINS(refused(dir, "v2.genotype", "--darts-c 4096"), "cimsim: error: v2.genotype: DARTS options c 4096");
  EXPECT_CONTAINS(refused(dir, "pdarts", "--input-size 4096"),
                  "layer 'stem': output 108x4096x4096: elements 1811939328 is above the bound 1073741824 per layer");
  std::filesystem::remove_all(dir);
}
