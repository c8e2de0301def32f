// Accuracy sources of cimsim search (search/accuracy.hpp): a table of known accuracies, or an external
// command run once per architecture with its answers cached. Nothing invents an accuracy: a missing row is
// nullopt, a bad table or a failing command an AccuracyError that says where and why.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "common/text.hpp"
#include "run_util.hpp"
#include "search/accuracy.hpp"
#include "sim/subprocess.hpp"
#include "workloads/genotype.hpp"

using namespace cimsim;
using cimsim::search::AccuracyError;
using cimsim::search::AccuracySource;
using cimsim::search::Architecture;
using cimsim::testing::error_of;
using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using cimsim::testing::write_text;
namespace fs = std::filesystem;

namespace {

// `s` as one CSV field.
std::string csv(const std::string& s) {
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// The canonical text of a built-in genotype, without its name (as the search hands it over).
std::string genotype_text(const std::string& name) {
  workloads::Genotype g = workloads::builtin_genotype(name);
  g.name.clear();
  return workloads::to_string(g);
}

const char* published(const std::string& name) {
  for (const auto& b : workloads::builtin_genotypes())
    if (name == b.name) return b.text;
  return "";
}

Architecture darts(const std::string& name, const std::string& label = "") {
  return {"darts", genotype_text(name), label};
}

// An executable /bin/sh script.
std::string script(const fs::path& path, const std::string& body) {
  write_text(path, "#!/bin/sh\n" + body);
  fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  return path.string();
}

std::string table_error(const std::string& path) {
  return error_of<AccuracyError>([&] { AccuracySource::table(path); });
}

std::string lookup_error(AccuracySource& source, const Architecture& a) {
  return error_of<AccuracyError>([&] { source.lookup(a); });
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST(AccuracyTable, MatchesByNameAndByGenotypeText) {
  const auto dir = scratch_dir();
  // DARTS-V1's text with double quotes (doubled inside the CSV field), P-DARTS as published (range(2, 6),
  // odd spacing, a NAME = prefix), an OFA text with other spacing, and DARTS-V2 by its name
  std::string v1 = published("darts_v1");
  std::replace(v1.begin(), v1.end(), '\'', '"');
  const std::string path = write_text(dir / "acc.csv",
                                      "architecture,accuracy,source\n"
                                      "darts_v2,97.24,paper\n" +
                                          csv(v1) + ",97.0,paper\n" + csv(published("pdarts")) +
                                          " , 97.5 \r\n"
                                          "\n"
                                          "\"ks=[3,5]\n   e=[4, 6]\",76.1,ofa\n");
  auto table = AccuracySource::table(path);
  EXPECT_TRUE(table.available());
  EXPECT_EQ(table.describe(), "table " + path + " (4 architectures)");
  EXPECT_EQ(table.lookup(darts("darts_v2", "darts_v2")), 97.24);
  EXPECT_EQ(table.lookup(darts("darts_v1")), 97.0);
  EXPECT_EQ(table.lookup(darts("pdarts")), 97.5);
  EXPECT_EQ(table.lookup({"ofa_mbv3", "ks=[3,5] e=[4, 6]", ""}), 76.1);
  // no row: nullopt, never a made-up number
  EXPECT_EQ(table.lookup(darts("darts_v2")), std::nullopt);  // the text alone: no row holds it
  std::mt19937_64 rng(7);
  EXPECT_EQ(table.lookup({"darts_full", workloads::to_string(workloads::random_genotype(rng)), "random"}),
            std::nullopt);
  EXPECT_EQ(table.lookup({"ofa_mbv3", "ks=[3,5] e=[4,6]", ""}), std::nullopt);
  EXPECT_EQ(table.command_runs(), 0u);
  // a copy asks the same table
  auto copy = table;
  EXPECT_EQ(copy.lookup(darts("darts_v1")), 97.0);

  auto none = AccuracySource::none();
  EXPECT_FALSE(none.available());
  EXPECT_EQ(none.describe(), "none");
  EXPECT_EQ(none.lookup(darts("darts_v2", "darts_v2")), std::nullopt);
}

TEST(AccuracyTable, ABadTableIsAnErrorNamingFileLineAndColumn) {
  const auto dir = scratch_dir();
  const auto bad = [&](const std::string& text) { return table_error(write_text(dir / "t.csv", text)); };
  const std::string f = (dir / "t.csv").string();
  const std::string range = "; expected top-1 accuracy in % (0 < a <= 100)";
  EXPECT_EQ(
      bad("arch,acc\nx,90\n"),
      f + ":1:1: expected the header architecture,accuracy (more columns may follow), got \"arch,acc\"");
  EXPECT_EQ(bad("accuracy,architecture\n"),
            f + ":1:1: expected the header architecture,accuracy (more columns "
                "may follow), got \"accuracy,architecture\"");
  EXPECT_EQ(
      bad(""),
      f + ":1:1: expected the header architecture,accuracy (more columns may follow), got an empty file");
  EXPECT_EQ(bad("architecture,accuracy\n"), f + ": no rows after the header architecture,accuracy");
  EXPECT_EQ(bad("architecture,accuracy\nx,97\ny,abc\n"),
            f + ":3:3: accuracy \"abc\" is not a number" + range);
  EXPECT_EQ(bad("architecture,accuracy\ny,0\n"), f + ":2:3: accuracy \"0\" is out of range" + range);
  EXPECT_EQ(bad("architecture,accuracy\ny,100.5\n"), f + ":2:3: accuracy \"100.5\" is out of range" + range);
  EXPECT_EQ(bad("architecture,accuracy\ny,-3\n"), f + ":2:3: accuracy \"-3\" is out of range" + range);
  EXPECT_EQ(bad("architecture,accuracy\ny,nan\n"), f + ":2:3: accuracy \"nan\" is not a number" + range);
  EXPECT_EQ(bad("architecture,accuracy\ny,\n"), f + ":2:3: accuracy \"\" is empty" + range);
  EXPECT_EQ(bad("architecture,accuracy\ny\n"), f + ":2:1: expected 2 columns (architecture,accuracy), got 1");
  EXPECT_EQ(bad("architecture,accuracy\n,97\n"), f + ":2:1: an empty architecture");
  EXPECT_EQ(bad("architecture,accuracy\nx,97\n\"Genotype(normal=[,90\n"),
            f + ":3:1: this quoted field is never closed (a quote inside a quoted field is written \"\")");
  EXPECT_EQ(bad("architecture,accuracy\n\"x\"y,97\n"),
            f + ":2:4: expected ',' or the end of the line after a quoted field, got 'y'");
  EXPECT_EQ(bad("architecture,accuracy\nab\"c,97\n"),
            f + ":2:3: a quote inside an unquoted field: quote the whole field (\"...\") and double each "
                "quote in it");
  // a genotype text left unquoted: its commas split it
  EXPECT_EQ(bad("architecture,accuracy\nGenotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1)],97\n"),
            f + ":2:35: accuracy \"0)\" is not a number" + range +
                " (a text holding commas must be CSV-quoted: \"...\")");
  EXPECT_EQ(bad("architecture,accuracy\n" + csv("Genotype(normal=[('sep_conv_9x9', 0)])") + ",97\n")
                .rfind(f + ":2:1: not a valid DARTS genotype: architecture:1:19: unknown primitive", 0),
            0u);
  // the same architecture twice: fine with the same accuracy (here two spellings of P-DARTS), else an error
  EXPECT_EQ(AccuracySource::table(write_text(dir / "same.csv", "architecture,accuracy\n" +
                                                                   csv(published("pdarts")) + ",97.5\n" +
                                                                   csv(genotype_text("pdarts")) + ",97.5\n"))
                .describe(),
            "table " + (dir / "same.csv").string() + " (1 architecture)");
  // fractions where percent is expected: every value at most 1
  EXPECT_NE(bad("architecture,accuracy\nx,0.97\ny,0.972\n").find(": every accuracy is at most 1 (a fraction?); allowed: "),
            std::string::npos);
  EXPECT_EQ(bad("architecture,accuracy\nx,97\ny,96\nx,95\n"),
            f + ":4:1: architecture \"x\" has accuracy 95 here but 97 on line 2");
  EXPECT_EQ(bad("architecture,accuracy\n" + std::string(70000, 'a') + ",97\n"),
            f + ":2:1: a field longer than 64 KiB");
  EXPECT_EQ(table_error((dir / "missing.csv").string()),
            (dir / "missing.csv").string() + ": cannot read the accuracy table (No such file or directory)");
  EXPECT_EQ(table_error(dir.string()), dir.string() + ": the accuracy table is a directory");
}

TEST(AccuracyCommand, RunsOncePerArchitectureWithOneLineOfJsonOnStdin) {
  const auto dir = scratch_dir();
  const auto request = dir / "request.json";
  // prints a log line, then the accuracy; the request must have arrived as JSON naming the space
  const std::string prog = script(dir / "acc.sh",
                                  "cat > \"$1\"\n"
                                  "grep -q '\"space\":\"darts\"' \"$1\" || { echo 'no space' >&2; exit 4; }\n"
                                  "echo 'epoch 600: done'\n"
                                  "grep -q DARTS_V2 \"$1\" && echo 97.24 || echo '  93.5  '\n"
                                  "echo\n");
  auto source = AccuracySource::command({prog, request.string()}, 60, "");
  EXPECT_TRUE(source.available());
  EXPECT_EQ(source.describe(), "command '" + prog + " " + request.string() + "' (timeout 60 s)");
  EXPECT_EQ(source.lookup(darts("darts_v1", "darts_v1")), 93.5);
  const auto json = nlohmann::json::parse(read_text(request));
  EXPECT_EQ(json,
            nlohmann::json({{"space", "darts"}, {"text", genotype_text("darts_v1")}, {"name", "darts_v1"}}));
  EXPECT_EQ(cimsim::testing::lines_of(read_text(request)).size(), 1u);
  EXPECT_EQ(source.command_runs(), 1u);
  // asked again, by another spelling of the same genotype: no second run
  EXPECT_EQ(source.lookup({"darts", published("darts_v1"), ""}), 93.5);
  EXPECT_EQ(source.command_runs(), 1u);
  EXPECT_EQ(source.lookup({"darts", published("darts_v2"), "darts_v2"}), 97.24);
  EXPECT_EQ(source.command_runs(), 2u);
  // the script checks the space it was sent
  EXPECT_NE(lookup_error(source, {"vit", "depth=12 heads=6", ""})
                .find("exited with code 4; its stderr ends: no space"),
            std::string::npos);
  EXPECT_EQ(source.command_runs(), 3u);
}

TEST(AccuracyCommand, AFailureNamesTheArchitectureTheCommandAndItsLastStderrLine) {
  const auto dir = scratch_dir();
  const auto run = [&](const std::string& body, double timeout = 60) {
    auto source = AccuracySource::command({script(dir / "acc.sh", body)}, timeout, "");
    return lookup_error(source, darts("darts_v2", "darts_v2"));
  };
  const std::string who = "accuracy command '" + (dir / "acc.sh").string() +
                          "' for darts architecture darts_v2 \"" +
                          common::printable(genotype_text("darts_v2"), 60) + "\" ";
  EXPECT_EQ(run("cat >/dev/null; echo training >&2; echo 'boom: CUDA out of memory' >&2; echo; exit 3\n"),
            who + "exited with code 3; its stderr ends: boom: CUDA out of memory");
  EXPECT_EQ(run("echo 'accuracy: high'\n"),
            who +
                "printed \"accuracy: high\" on its last line: not a number; expected top-1 accuracy in % "
                "(0 < a <= 100); nothing on stderr");
  EXPECT_EQ(
      run("echo 0.97; echo 150\n"),
      who +
          "printed \"150\" on its last line: out of range; expected top-1 accuracy in % (0 < a <= 100); "
          "nothing on stderr");
  EXPECT_EQ(
      run("echo 'only this' >&2\n"),
      who +
          "printed nothing on stdout; expected top-1 accuracy in % (0 < a <= 100) on its last line; its "
          "stderr ends: only this");
  EXPECT_EQ(run("kill -9 $$\n"), who + "exited with code 137; nothing on stderr");
  // a timeout kills the whole process group, promptly
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(
      run("echo started >&2; sleep 30 & echo $! > \"" + (dir / "bg.pid").string() + "\"; sleep 30; echo 97\n",
          0.5),
      who + "timed out after 0.5 s (killed); its stderr ends: started");
  EXPECT_LT(seconds_since(start), 2.0);
  const std::string bg = "/proc/" + cimsim::testing::lines_of(read_text(dir / "bg.pid")).at(0) + "/stat";
  for (int i = 0; i < 100 && fs::exists(bg) && read_text(bg).find(") Z ") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(!fs::exists(bg) || read_text(bg).find(") Z ") != std::string::npos)
      << "the background sleep survived";

  auto missing = AccuracySource::command({"cimsim-no-such-accuracy-program", "x"}, 60, "");
  EXPECT_EQ(missing.describe(), "command 'cimsim-no-such-accuracy-program x' (timeout 60 s)");
  EXPECT_NE(lookup_error(missing, darts("pdarts"))
                .find(": cannot run cimsim-no-such-accuracy-program: no such "
                      "program in PATH"),
            std::string::npos);
  EXPECT_EQ(missing.command_runs(), 0u);
  EXPECT_EQ(error_of<AccuracyError>([] { AccuracySource::command({}, 60, ""); }),
            "the accuracy command is empty");
  EXPECT_EQ(error_of<AccuracyError>([] { AccuracySource::command({"true"}, 0, ""); }),
            "the accuracy command's timeout must be a positive number of seconds, got 0");
}

TEST(AccuracyCommand, ArgumentsReachTheProgramLiterally) {
  const auto dir = scratch_dir();
  const std::string prog =
      script(dir / "acc.sh", "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/args.txt\"; echo 90\n");
  const std::vector<std::string> args = {"$(touch " + (dir / "x").string() + ")",
                                         "`touch " + (dir / "y").string() + "`",
                                         "; touch " + (dir / "z").string(), "it's \"quoted\" | cat"};
  std::vector<std::string> argv = {prog};
  argv.insert(argv.end(), args.begin(), args.end());
  auto source = AccuracySource::command(argv, 60, "");
  EXPECT_EQ(source.lookup({"vit", "depth=12 $(touch x) heads=6", ""}), 90.0);
  EXPECT_EQ(cimsim::testing::lines_of(read_text(dir / "args.txt")), args);
  EXPECT_FALSE(fs::exists(dir / "x"));
  EXPECT_FALSE(fs::exists(dir / "y"));
  EXPECT_FALSE(fs::exists(dir / "z"));
  EXPECT_FALSE(fs::exists("x"));
}

TEST(AccuracyCommand, TheCacheIsReadBackAndConcurrentRequestsRunOnce) {
  const auto dir = scratch_dir();
  const auto cache = dir / "cache.csv";
  const std::string prog =
      script(dir / "acc.sh",
             "cat >/dev/null; echo run >> \"" + (dir / "runs.txt").string() + "\"; sleep 0.3; echo 94.25\n");
  {
    auto source = AccuracySource::command({prog}, 60, cache.string());
    EXPECT_EQ(source.describe(),
              "command '" + prog + "' (timeout 60 s; cache " + cache.string() + ", 0 architectures)");
    std::vector<std::optional<double>> got(8);
    std::vector<std::thread> threads;
    for (auto& g : got)
      threads.emplace_back([&source, &g] { g = source.lookup(darts("darts_v2", "darts_v2")); });
    for (auto& t : threads) t.join();
    for (const auto& g : got) EXPECT_EQ(g, 94.25);
    EXPECT_EQ(source.command_runs(), 1u);
    EXPECT_EQ(source.lookup({"vit", "depth=12, \"heads\"=6", "vit_s"}), 94.25);
    EXPECT_EQ(source.command_runs(), 2u);
  }
  EXPECT_EQ(cimsim::testing::lines_of(read_text(dir / "runs.txt")).size(), 2u);
  EXPECT_EQ(read_text(cache),
            "architecture,accuracy,space,name\n" + csv(genotype_text("darts_v2")) +
                ",94.25,\"darts\",\"darts_v2\"\n\"depth=12, \"\"heads\"\"=6\",94.25,\"vit\",\"vit_s\"\n");
  struct stat st {};
  ASSERT_EQ(::stat(cache.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777 & ~0644u, 0u);
  // a second source (a resumed search) reads the cache back and runs nothing
  auto again = AccuracySource::command({prog}, 60, cache.string());
  EXPECT_EQ(again.describe(),
            "command '" + prog + "' (timeout 60 s; cache " + cache.string() + ", 2 architectures)");
  EXPECT_EQ(again.lookup({"darts", published("darts_v2"), ""}), 94.25);
  EXPECT_EQ(again.lookup({"vit", "depth=12,  \"heads\"=6", ""}), 94.25);
  EXPECT_EQ(again.command_runs(), 0u);
  // a table is a cache too: a row by name answers without a run
  write_text(dir / "seed.csv", "architecture,accuracy\nmine,91\n");
  EXPECT_EQ(
      AccuracySource::command({prog}, 60, (dir / "seed.csv").string()).lookup({"vit", "depth=4", "mine"}),
      91.0);
  // a corrupt cache names FILE:LINE:COL; a link is refused
  write_text(dir / "bad.csv", "architecture,accuracy\nx,97\n\"y,9\n");
  EXPECT_EQ(error_of<AccuracyError>([&] { AccuracySource::command({prog}, 60, (dir / "bad.csv").string()); }),
            (dir / "bad.csv").string() +
                ":3:1: this quoted field is never closed (a quote inside a quoted field is "
                "written \"\")");
  fs::create_symlink(cache, dir / "link.csv");
  EXPECT_EQ(
      error_of<AccuracyError>([&] { AccuracySource::command({prog}, 60, (dir / "link.csv").string()); }),
      (dir / "link.csv").string() + ": cannot write the accuracy cache (a symbolic link: refused)");
  EXPECT_NE(error_of<AccuracyError>([&] {
              AccuracySource::command({prog}, 60, (dir / "no/dir.csv").string());
            }).find(": cannot write the accuracy cache (No such file or directory)"),
            std::string::npos);
}

TEST(RunCommand, CapturesBoundedOutputAndPassesStdin) {
  const auto r =
      sim::run_command({"sh", "-c", "cat; head -c 200000 /dev/zero | tr '\\0' x; echo; echo last; exit 5"},
                       "hello\n", 10, 1000);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out.size(), 1000u);
  EXPECT_EQ(r.out.substr(r.out.size() - 6), "\nlast\n");
  const auto echo = sim::run_command({"cat"}, std::string(300000, 'y'), 10);
  EXPECT_EQ(echo.exit_code, 0);
  EXPECT_EQ(echo.out, std::string(64 * 1024, 'y'));
  // a program that exits without reading its stdin is no SIGPIPE here
  EXPECT_EQ(sim::run_command({"true"}, std::string(200000, 'z'), 10).exit_code, 0);
}
