// Every error a user can cause is one short line (docs/errors.md): whatever a message quotes (a key with
// newlines, 5,000 layer names, bytes that are not UTF-8, terminal escape sequences), stderr gets exactly one
// line of at most a few hundred bytes, control characters escaped, and the exit code is 2.
// Cases: ../shared/cases/hostile/30 and 36.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/text.hpp"
#include "run_util.hpp"

namespace fs = std::filesystem;
using cimsim::testing::lines_of;
using cimsim::testing::quote;
using cimsim::testing::Result;
using cimsim::testing::scratch_dir;
using cimsim::testing::shell;
using cimsim::testing::write_text;

namespace {

class ErrorLine : public ::testing::Test {
 protected:
  fs::path dir = scratch_dir();
  Result run(const std::string& args) {
    return shell(dir, "cd " + quote(dir.string()) + " && " + quote(CIMSIM_BINARY) + " " + args);
  }
  // exit 2, one line starting "cimsim: error: ", at most 700 bytes, no control byte but the final newline
  void expect_one_line(const Result& r, const std::string& fragment) {
    EXPECT_EQ(r.code, 2) << r.err;
    ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err.substr(0, 2000);
    EXPECT_EQ(r.err.rfind("cimsim: error: ", 0), 0u) << r.err;
    EXPECT_LE(r.err.size(), 700u) << r.err.substr(0, 2000);
    for (size_t i = 0; i + 1 < r.err.size(); ++i) {
      const auto c = static_cast<unsigned char>(r.err[i]);
      EXPECT_FALSE(c < 0x20 || c == 0x7f) << "control byte " << int(c) << " at " << i << ": " << r.err;
    }
    EXPECT_TRUE(cimsim::common::is_clean_utf8(r.err.substr(0, r.err.size() - 1))) << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  }
};

TEST_F(ErrorLine, AKeyWithNewlinesStaysOnOneLine) {
  write_text(dir / "hw.yaml", "crossbar: {\"x\\ny\\nz\": 1}\n");
  expect_one_line(run("run --hw hw.yaml -q"), "x\\ny\\nz");
}

TEST_F(ErrorLine, AnErrorListingThousandsOfNamesIsCut) {
  std::string net = "input: {channels: 3, height: 8, width: 8}\nlayers:\n";
  for (int i = 0; i < 5000; ++i) net += "  - {name: layer_with_a_long_name_" + std::to_string(i) + ", op: relu}\n";
  net += "  - {op: relu, inputs: [typo]}\n";
  write_text(dir / "typo.yaml", net);
  expect_one_line(run("run --net typo.yaml -q"), "typo");
}

TEST_F(ErrorLine, BytesThatAreNotUtf8AndEscapeSequencesAreEscaped) {
  const std::string name = std::string("bad\xff\xfe") + "\x1b[31mred";
  const Result r = run("run --hw " + quote(name + ".yaml") + " -q");
  expect_one_line(r, "\\xff\\xfe\\x1b[31mred");
  const Result opt = run("run --dataflow " + quote("x\x1b]0;title\x07") + " -q");
  expect_one_line(opt, "--dataflow");
}

// yaml-cpp's LoadAll never returns on ",(," (fuzz/regressions/network_yaml): every loader counts documents
// with the event parser instead, and a second document is an error in each of them.
TEST_F(ErrorLine, ASecondYamlDocumentIsRefusedAndMalformedTextEnds) {
  write_text(dir / "endless.yaml", ",(,");
  expect_one_line(run("run --net endless.yaml -q"), "endless.yaml");
  write_text(dir / "two.yaml", "name: s\nhw: default\n---\nname: t\n");
  expect_one_line(run("sweep two.yaml --out o"), "two.yaml:3:1: a second YAML document");
  EXPECT_FALSE(fs::exists(dir / "o"));
  write_text(dir / "net2.yaml", "input: {channels: 3, height: 8, width: 8}\nlayers:\n  - {op: relu}\n---\nx: 1\n");
  expect_one_line(run("run --net net2.yaml -q"), "net2.yaml:4:1: a second YAML document");
}

// A chip named with bytes that are not UTF-8 (hostile case 21) was an internal error when the JSON report
// was written: now the config refuses the name at its position, and nothing is written.
TEST_F(ErrorLine, AChipNameThatIsNotUtf8IsRefusedWhereItIsWritten) {
  write_text(dir / "hw.yaml", "name: \xff\xfe\xc0\x80" "chip\n");
  expect_one_line(run("run --hw hw.yaml -q --json r.json"), "hw.yaml:1:7: name:");
  EXPECT_FALSE(fs::exists(dir / "r.json"));
  write_text(dir / "hw2.yaml", "name: \"bell\\a\"\n");
  expect_one_line(run("run --hw hw2.yaml -q --json r.json"), "\\x07");
}

TEST_F(ErrorLine, PrintableKeepsValidUtf8AndCountsWhatItCuts) {
  using cimsim::common::printable;
  EXPECT_EQ(printable("µJ, mm² \xe2\x82\xac"), "µJ, mm² €");
  EXPECT_EQ(printable("a\tb\r\n"), "a\\tb\\r\\n");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");           // an overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a UTF-16 surrogate
  EXPECT_EQ(printable(std::string(50, 'x'), 10), "xxxxxxxxxx... (40 more bytes)");
  EXPECT_EQ(cimsim::common::joined({"a", "b", "c"}, 2), "a, b ... and 1 more");
  EXPECT_EQ(cimsim::common::count_of(1, "tile"), "1 tile");
  EXPECT_EQ(cimsim::common::count_of(0, "PE"), "0 PEs");
}

}  // namespace
