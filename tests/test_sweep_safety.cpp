// Nothing a sweep spec or a path says becomes shell code or SQL text (issue 8, cases 06, 07, 08): the name
// is validated; the Slurm script quotes every path, and running it creates nothing but the sweep's files;
// merge works on a directory whose name holds quotes and SQL; bad input writes nothing and exits 2.
#include <gtest/gtest.h>

#include <filesystem>

#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "sim/sweep.hpp"
#include "sim/sweep_db.hpp"
#include "sim/sweep_spec.hpp"

using namespace cimsim;
using cimsim::testing::quote;
using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using cimsim::testing::shell;
using cimsim::testing::write_text;
namespace fs = std::filesystem;

namespace {

std::string parse_error(const std::string& text) {
  SCOPED_TRACE(text);
  return cimsim::testing::error_of<sim::SweepError>([&] { sim::parse_sweep_spec(text, "spec.yaml"); });
}

const std::string kBin = CIMSIM_BINARY;
const char* kTiny =
    "name: tiny\nhw: default\nnets: [" CIMSIM_SOURCE_DIR "/workloads/nets/tiny.yaml]\n"
    "axes:\n  adc.per_crossbar: [1, 2]\n";

// Every file under `dir` whose name is `name` (a file an injected command would create).
bool any_file_named(const fs::path& dir, const std::string& name) {
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename() == name) return true;
  return false;
}

}  // namespace

TEST(SweepSafety, ANameIsASafeIdentifierOrAnError) {
  const std::string allowed =
      "; allowed: 1 to 64 characters from A-Z a-z 0-9 . _ - (it names the Slurm job and the results)";
  EXPECT_EQ(parse_error("name: \"x\\ntouch /tmp/cimsim-PWNED #\"\n"),  // case 06
            "spec.yaml:1:7: name \"x\\ntouch /tmp/cimsim-PWNED #\" is not allowed" + allowed);
  EXPECT_EQ(parse_error("name: a$(touch pwned)\n"), "spec.yaml:1:7: name \"a$(touch pwned)\" is not allowed" + allowed);
  EXPECT_EQ(parse_error("name: \"it's\"\n"), "spec.yaml:1:7: name \"it's\" is not allowed" + allowed);
  EXPECT_EQ(parse_error("name: " + std::string(65, 'a') + "\n"),
            "spec.yaml:1:7: name \"" + std::string(65, 'a') + "\" is not allowed" + allowed);
  EXPECT_EQ(sim::parse_sweep_spec("name: adc-xbar_v2.1\n", "s.yaml").name, "adc-xbar_v2.1");
  // without a name, the file's stem made safe
  EXPECT_EQ(sim::parse_sweep_spec("hw: default\n", "/d/my sweep $(x).yaml").name, "my_sweep___x_");
}

TEST(SweepSafety, TheSlurmScriptQuotesEveryPathAndRunsNothingElse) {
  const auto dir = scratch_dir();
  // case 07: a directory name with $(...), backquotes, a quote, spaces and a newline
  const fs::path out = dir / "my sweep $(touch pwned) `touch pwned` it's\nx";
  const auto spec = write_text(dir / "tiny.yaml", kTiny);
  auto r = shell(dir, kBin + " sweep " + quote(spec) + " --out " + quote(out.string()) + " --slurm --shards 2 --jobs 1");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string script = read_text(out / "sweep.sbatch");
  // #SBATCH lines and comments hold no path (sbatch parses them itself; a newline would end a comment)
  for (const auto& line : cimsim::testing::lines_of(script))
    if (line.rfind("#", 0) == 0) {
      EXPECT_EQ(line.find("pwned"), std::string::npos) << line;
    }
  EXPECT_NE(script.find("#SBATCH --job-name=cimsim-tiny\n"), std::string::npos);
  EXPECT_EQ(shell(dir, "bash -n " + quote((out / "sweep.sbatch").string())).code, 0);
  // run both array tasks as Slurm would (the script's own commands, from another directory), then merge
  for (int task = 0; task < 2; ++task) {
    r = shell(dir, "cd / && SLURM_ARRAY_JOB_ID=7 SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " bash " +
                       quote((out / "sweep.sbatch").string()));
    ASSERT_EQ(r.code, 0) << r.err << read_text(out / "slurm" / ("7_" + std::to_string(task) + ".out"));
  }
  EXPECT_TRUE(fs::exists(out / "slurm" / "7_0.out"));
  EXPECT_TRUE(fs::exists(out / "shards" / "1-of-2.sqlite"));
  r = shell(dir, kBin + " sweep merge " + quote(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cimsim::testing::lines_of(read_text(out / "results.csv")).size(), 3u);
  EXPECT_FALSE(any_file_named(dir, "pwned"));
  EXPECT_FALSE(fs::exists("/pwned"));
}

TEST(SweepSafety, MergeBindsThePathWhateverTheDirectoryIsCalled) {
  const auto dir = scratch_dir();
  // case 08: an apostrophe, and SQL that would run if the path were pasted into the statement
  const fs::path out = dir / "bob's sweep'; DROP TABLE results; --";
  const auto spec = write_text(dir / "tiny.yaml", kTiny);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(shell(dir, kBin + " sweep " + quote(spec) + " --out " + quote(out.string()) + " --shard " +
                             std::to_string(i) + "/2").code, 0);
  auto r = shell(dir, kBin + " sweep merge " + quote(out.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(cimsim::testing::lines_of(read_text(out / "results.csv")).size(), 3u);
  // merging again replaces, never duplicates
  ASSERT_EQ(shell(dir, kBin + " sweep merge " + quote(out.string())).code, 0);
  EXPECT_EQ(cimsim::testing::lines_of(read_text(out / "results.csv")).size(), 3u);
  // a shard of another sweep is refused
  const auto other = write_text(dir / "other.yaml", std::string(kTiny) + "inputs: 2\n");
  ASSERT_EQ(shell(dir, kBin + " sweep " + quote(other) + " --out " + quote((dir / "o").string()) + " --shard 0/3").code, 0);
  fs::copy_file(dir / "o" / "shards" / "0-of-3.sqlite", out / "shards" / "0-of-3.sqlite");
  r = shell(dir, kBin + " sweep merge " + quote(out.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("0-of-3.sqlite: holds the results of a different sweep"), std::string::npos) << r.err;
}

TEST(SweepSafety, ColumnNamesAreCheckedIdentifiers) {
  for (const auto& k : models::hardware_schema()) EXPECT_EQ(sim::sql_identifier(k.key), "\"" + k.key + "\"");
  for (const std::string& bad :
       std::vector<std::string>{"a\"b", "x; DROP TABLE results", "", "a b", std::string(129, 'a')})
    EXPECT_THROW(sim::sql_identifier(bad), sim::SweepError) << bad;
}

TEST(SweepSafety, BadInputWritesNothingAndExitsTwo) {
  const auto dir = scratch_dir();
  const auto out = dir / "out";
  // a spec error: nothing is created
  auto r = shell(dir, kBin + " sweep " + quote(write_text(dir / "bad.yaml", "nets: [no-such-net.yaml]\n")) +
                          " --out " + quote(out.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "cimsim: error: " + (dir / "bad.yaml").string() + ":1:8: nets: cannot open no-such-net.yaml (No such file or directory)\n");
  EXPECT_FALSE(fs::exists(out));
  // --out on a file (today: exit 1, internal error): exit 2, the file untouched
  const auto file = write_text(dir / "afile", "keep me\n");
  const auto spec = write_text(dir / "tiny.yaml", kTiny);
  for (const std::string& extra : {std::string(), std::string(" --slurm")}) {
    r = shell(dir, kBin + " sweep " + quote(spec) + " --out " + quote(file) + extra);
    EXPECT_EQ(r.code, 2) << extra;
    EXPECT_EQ(r.err, "cimsim: error: --out " + file +
                         ": exists and is not a directory; allowed: a directory or a path that does not exist yet\n");
    EXPECT_EQ(read_text(file), "keep me\n");
  }
  // a spec that is not a regular file
  r = shell(dir, kBin + " sweep /dev/zero --out " + quote(out.string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, "cimsim: error: /dev/zero: cannot open (not a regular file); allowed: a sweep spec YAML file "
                   "(docs/sweeps.md)\n");
  EXPECT_FALSE(fs::exists(out));
}

TEST(SweepSafety, ShellQuoteIsOneWord) {
  const auto dir = scratch_dir();
  for (const std::string& s : std::vector<std::string>{"plain", "it's", "$(touch pwned)", "a\nb", "'", "''x'"}) {
    const auto r = shell(dir, "printf %s " + sim::shell_quote(s));
    EXPECT_EQ(r.out, s);
  }
  EXPECT_FALSE(any_file_named(dir, "pwned"));
}

TEST(SweepSafety, AShardIsTwoPlainNumbers) {
  EXPECT_EQ(sim::parse_shard("2/3"), std::make_pair(2, 3));
  for (const std::string& bad : std::vector<std::string>{"1/2x", "0/0", "3/2", "-1/2", "+1/2", "0/100001", "1", "",
                                                          "99999999999/2", "a\nb"})
    EXPECT_THROW(sim::parse_shard(bad), sim::SweepError) << bad;
  try {
    sim::parse_shard("a\nb");
  } catch (const sim::SweepError& e) {
    EXPECT_STREQ(e.what(), "--shard a\\nb: expected I/N; allowed: 0 <= I < N <= 100000");
  }
}

TEST(SweepSafety, AValueThatLooksLikeAnOptionStaysAValue) {
  // a worker gets --net=VALUE: a network file called "-tiny.yaml" is a network, not an option
  const auto dir = scratch_dir();
  fs::copy_file(CIMSIM_SOURCE_DIR "/workloads/nets/tiny.yaml", dir / "-tiny.yaml");
  write_text(dir / "s.yaml", "nets: [-tiny.yaml]\naxes:\n  adc.bits: [6]\n");
  const auto r = shell(dir, "cd " + quote(dir.string()) + " && " + kBin + " sweep s.yaml --out ./-out");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 point: 1 ok, 0 failed"), std::string::npos) << r.out;
}
