// Outputs never destroy anything (sim/output_file): a device node or FIFO is written through, never
// replaced; a symbolic link target is refused and neither the link nor what it points to changes; the
// temporary is created exclusively under a random name, so a planted `PATH.tmp` link is never followed; a
// full device is an error; no command writes over one of its inputs. Cases: ../shared/cases/hostile/01-05.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "run_util.hpp"
#include "sim/output_file.hpp"

namespace fs = std::filesystem;
using cimsim::sim::OutputError;
using cimsim::sim::OutputPlan;
using cimsim::sim::write_output;
using cimsim::testing::quote;
using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using cimsim::testing::shell;
using cimsim::testing::write_text;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const OutputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an OutputError";
  return "";
}

// Every entry of `dir` (names only), to see that nothing but the target was left behind.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) v.push_back(e.path().filename().string());
  std::sort(v.begin(), v.end());
  return v;
}

bool is_root() { return ::geteuid() == 0; }

}  // namespace

TEST(OutputFile, NewAndExistingRegularFilesAreReplacedWholeKeepingTheirMode) {
  const fs::path d = scratch_dir();
  write_output((d / "a.json").string(), "first\n");
  EXPECT_EQ(read_text(d / "a.json"), "first\n");
  ::chmod((d / "a.json").c_str(), 0640);
  write_output((d / "a.json").string(), "second\n");
  EXPECT_EQ(read_text(d / "a.json"), "second\n");
  struct stat st {};
  ASSERT_EQ(::stat((d / "a.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(entries(d), std::vector<std::string>{"a.json"}) << "a temporary was left behind";
}

TEST(OutputFile, SymlinkTargetIsRefusedAndNothingChanges) {
  const fs::path d = scratch_dir();
  write_text(d / "precious", "precious\n");
  fs::create_symlink("precious", d / "r.json");
  const std::string e = error_of([&] { write_output((d / "r.json").string(), "x"); });
  EXPECT_NE(e.find("symbolic link"), std::string::npos) << e;
  EXPECT_TRUE(fs::is_symlink(d / "r.json"));
  EXPECT_EQ(read_text(d / "precious"), "precious\n");
  fs::create_symlink("nowhere", d / "dangling.json");
  EXPECT_NE(error_of([&] { write_output((d / "dangling.json").string(), "x"); }).find("symbolic link"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(d / "nowhere")) << "a dangling link was followed";
}

TEST(OutputFile, PlantedTemporaryNamesAreNeverFollowedOrDestroyed) {
  const fs::path d = scratch_dir();
  write_text(d / "precious", "precious\n");
  fs::create_symlink("precious", d / "r.json.tmp");          // the old fixed temporary name
  fs::create_symlink("precious", d / ".r.json.cimsim-tmp");  // a name in the new scheme
  write_text(d / "OUT.tmp", "an input called OUT.tmp\n");
  write_output((d / "r.json").string(), "report\n");
  write_output((d / "OUT").string(), "report\n");
  EXPECT_EQ(read_text(d / "precious"), "precious\n");
  EXPECT_TRUE(fs::is_symlink(d / "r.json.tmp"));
  EXPECT_EQ(read_text(d / "OUT.tmp"), "an input called OUT.tmp\n");
  EXPECT_EQ(read_text(d / "r.json"), "report\n");
  EXPECT_EQ(entries(d).size(), 6u);
}

TEST(OutputFile, DirectoriesAndMissingParentsAreRefused) {
  const fs::path d = scratch_dir();
  EXPECT_NE(error_of([&] { write_output(d.string(), "x"); }).find("is a directory"), std::string::npos);
  EXPECT_NE(error_of([&] { write_output((d / "no" / "r.json").string(), "x"); }).find("No such file"),
            std::string::npos);
}

TEST(OutputFile, FifoIsWrittenThroughNotReplaced) {
  const fs::path d = scratch_dir();
  const fs::path fifo = d / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = read_text(fifo); });
  write_output(fifo.string(), "through the pipe\n");
  reader.join();
  EXPECT_EQ(got, "through the pipe\n");
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced";
  EXPECT_EQ(entries(d), std::vector<std::string>{"pipe"});
}

// Private copies of /dev/null and /dev/full (mknod needs root; CI runs as root): the system's own nodes
// are never put at risk by a test.
TEST(OutputFile, CharacterDevicesAreWrittenThroughAndAFullDeviceIsAnError) {
  if (!is_root()) GTEST_SKIP() << "mknod needs root";
  const fs::path d = scratch_dir();
  const fs::path null_dev = d / "mynull", full_dev = d / "myfull";
  ASSERT_EQ(::mknod(null_dev.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::mknod(full_dev.c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);
  write_output(null_dev.string(), "discarded\n");
  const std::string e = error_of([&] { write_output(full_dev.string(), "no room\n"); });
  EXPECT_NE(e.find("No space left on device"), std::string::npos) << e;
  for (const auto& p : {null_dev, full_dev}) {
    struct stat st {};
    ASSERT_EQ(::lstat(p.c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << p << " was replaced by a regular file";
  }
}

TEST(OutputPlan, AnOutputThatIsAnInputByPathOrHardLinkIsRefused) {
  const fs::path d = scratch_dir();
  const std::string net = write_text(d / "net.csv", "32,32,3,3,3,128,0,1\n");
  fs::create_hard_link(d / "net.csv", d / "alias.csv");
  OutputPlan plan;
  plan.input(net);
  plan.input("vgg8");  // a built-in name: not a file, ignored
  EXPECT_NE(error_of([&] { plan.output(net, "--json"); }).find("is an input of this command"), std::string::npos);
  EXPECT_NE(error_of([&] { plan.output((d / "alias.csv").string(), "--csv"); }).find("is an input"),
            std::string::npos);
  EXPECT_NE(error_of([&] { plan.output((d / "." / "net.csv").string(), "--vcd"); }).find("is an input"),
            std::string::npos);
}

TEST(OutputPlan, TheSameOutputTwiceIsRefusedAndPlannedDirectoriesCount) {
  const fs::path d = scratch_dir();
  OutputPlan plan;
  plan.output((d / "r.json").string(), "--json");
  const std::string e = error_of([&] { plan.output((d / "." / "r.json").string(), "--vcd"); });
  EXPECT_NE(e.find("given for both --json and --vcd"), std::string::npos) << e;
  EXPECT_NE(error_of([&] { plan.output((d / "missing" / "l.csv").string(), "--csv"); }).find("does not exist"),
            std::string::npos);
  plan.output_dir((d / "csv").string(), "--csv");
  plan.output((d / "csv" / "layers.csv").string(), "--csv (layers.csv)");  // the directory will be created
  plan.output_dir((d / "csv2").string() + "/", "--csv");                   // a trailing slash is the same
  plan.output((d / "csv2" / "layers.csv").string(), "--csv (layers.csv)");
  write_text(d / "file", "x");
  EXPECT_NE(error_of([&] { plan.output_dir((d / "file").string(), "--csv"); }).find("exists and is not a directory"),
            std::string::npos);
}

// ---- every command, as a user runs it ---------------------------------------------------------------

class OutputCli : public ::testing::Test {
 protected:
  fs::path dir = scratch_dir();
  cimsim::testing::Result run(const std::string& args) {
    return shell(dir, "cd " + quote(dir.string()) + " && " + quote(CIMSIM_BINARY) + " " + args);
  }
  void expect_refused(const cimsim::testing::Result& r, const std::string& fragment) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
};

TEST_F(OutputCli, RunCsvDirectoryNeverOverwritesAnInputInsideIt) {
  fs::create_directories(dir / "d");
  const std::string net = "32,32,3,3,3,128,0,1\n32,32,128,3,3,10,1,1\n";
  write_text(dir / "d" / "layers.csv", net);
  expect_refused(run("run --hw isaac --net d/layers.csv -q --csv d"), "is an input of this command");
  EXPECT_EQ(read_text(dir / "d" / "layers.csv"), net);
  EXPECT_FALSE(fs::exists(dir / "d" / "components.csv"));
}

TEST_F(OutputCli, CompareNeverOverwritesAGenotypeFileItReads) {
  const std::string g = read_text(fs::path(CIMSIM_SOURCE_DIR) / "workloads/genotypes/darts_v2.genotype");
  ASSERT_FALSE(g.empty());
  write_text(dir / "g.genotype", g);
  expect_refused(run("compare --nets g.genotype --json g.genotype"), "is an input of this command");
  expect_refused(run("compare --nets darts_v1,g.genotype --csv g.genotype"), "is an input of this command");
  EXPECT_EQ(read_text(dir / "g.genotype"), g);
}

TEST_F(OutputCli, MapAndExportRefuseTheirInputsAndLinks) {
  const std::string hw = read_text(fs::path(CIMSIM_SOURCE_DIR) / "configs/isaac.yaml");
  write_text(dir / "hw.yaml", hw);
  expect_refused(run("map --hw hw.yaml --net vgg8 --json hw.yaml"), "is an input of this command");
  write_text(dir / "net.csv", "32,32,3,3,3,16,0,1\n");
  expect_refused(run("export --net net.csv --onnx net.csv"), "is an input of this command");
  fs::create_symlink("hw.yaml", dir / "m.onnx");
  expect_refused(run("export --net vgg8 --onnx m.onnx"), "symbolic link");
  EXPECT_EQ(read_text(dir / "hw.yaml"), hw);
  EXPECT_EQ(read_text(dir / "net.csv"), "32,32,3,3,3,16,0,1\n");
}

// A sweep neither writes its results over its own spec or network nor follows a link planted where its
// results database or CSV will go.
TEST_F(OutputCli, SweepResultsNeverReplaceInputsOrFollowLinks) {
  write_text(dir / "net.yaml", read_text(fs::path(CIMSIM_SOURCE_DIR) / "workloads/nets/tiny.yaml"));
  write_text(dir / "s.yaml", "name: s\nhw: default\nnets: [net.yaml]\naxes:\n  adc.bits: [8]\n");
  fs::create_directories(dir / "out");
  write_text(dir / "precious", "precious\n");
  for (const char* f : {"results.sqlite", "results.csv"}) {
    SCOPED_TRACE(f);
    fs::create_symlink(dir / "precious", dir / "out" / f);
    expect_refused(run("sweep s.yaml --out out --jobs 1"), "symbolic link");
    EXPECT_EQ(read_text(dir / "precious"), "precious\n");
    fs::remove(dir / "out" / f);
  }
  fs::create_hard_link(dir / "s.yaml", dir / "out" / "results.jsonl");
  expect_refused(run("sweep s.yaml --out out --jobs 1"), "is an input of this command");
  fs::remove(dir / "out" / "results.jsonl");
  const auto ok = run("sweep s.yaml --out out --jobs 1");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(read_text(dir / "s.yaml"), "name: s\nhw: default\nnets: [net.yaml]\naxes:\n  adc.bits: [8]\n");
}

// The README's example: `--csv r/` names a directory that does not exist yet; cimsim creates it.
TEST_F(OutputCli, CsvDirectoryWithATrailingSlashIsCreated) {
  const auto r = run("run --hw edge-rram --net " + quote(std::string(CIMSIM_SOURCE_DIR) + "/workloads/nets/tiny.yaml") +
                     " -q --json r.json --csv r/ --vcd r.vcd");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* f : {"r.json", "r/layers.csv", "r/components.csv", "r.vcd"}) EXPECT_TRUE(fs::is_regular_file(dir / f)) << f;
}

TEST_F(OutputCli, AnInputNamedLikeAnOldTemporaryIsUntouched) {
  write_text(dir / "chip.json.tmp", read_text(fs::path(CIMSIM_SOURCE_DIR) / "configs/isaac.yaml"));
  const auto r = run("run --hw chip.json.tmp --net vgg8 -q --json chip.json");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "chip.json"));
  EXPECT_EQ(read_text(dir / "chip.json.tmp"), read_text(fs::path(CIMSIM_SOURCE_DIR) / "configs/isaac.yaml"));
}
