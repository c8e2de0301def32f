// cimsim sweep --mode analytical: the points run in the sweep's own process on --jobs threads and are
// recorded as the process sweep records them: each point's metrics are those of `cimsim run --mode
// analytical` on its config, every row names its evaluator, a failed point keeps its message, a killed
// sweep resumes where it stopped, and the thread count changes nothing but the wall times.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "run_util.hpp"
#include "sim/sweep.hpp"
#include "sim/sweep_spec.hpp"

extern char** environ;

using namespace cimsim;
using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using cimsim::testing::write_text;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// 8 points of VGG-8 on the default chip
const char* kVgg8 =
    "name: vgg8-analytical\nhw: default\nnets: [vgg8]\n"
    "axes:\n  adc.per_crossbar: [1, 2]\n  crossbar.rows: [64, 128]\n  dac.bits: [1, 2]\n";

// `cimsim ARGS`, its stdout and stderr in DIR/TAG.out and DIR/TAG.err; the exit code.
int run_cimsim(const std::string& args, const fs::path& dir, const std::string& tag) {
  const std::string cmd = std::string(CIMSIM_BINARY) + " " + args + " > " + (dir / (tag + ".out")).string() +
                          " 2> " + (dir / (tag + ".err")).string();
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Whether DIR/TAG.out, a sweep's stdout, holds `counts` in its summary line.
::testing::AssertionResult summary_is(const fs::path& dir, const std::string& tag,
                                      const std::string& counts) {
  const std::string out = read_text(dir / (tag + ".out"));
  if (out.find(counts) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no \"" << counts << "\" in the summary: " << out;
}

// results.jsonl: one object per point, in point order
std::vector<json> rows_of(const fs::path& out) {
  std::vector<json> rows;
  std::stringstream in(read_text(out / "results.jsonl"));
  for (std::string line; std::getline(in, line);) rows.push_back(json::parse(line));
  return rows;
}

// The rows without their wall times (the only column that differs between two runs of one sweep).
std::vector<json> without_wall(std::vector<json> rows) {
  for (auto& r : rows) r.erase("wall_s");
  return rows;
}

// The number of rows of results.sqlite (read while a sweep may be writing it: WAL mode).
int db_rows(const fs::path& db) {
  sqlite3* h = nullptr;
  int n = 0;
  if (sqlite3_open_v2(db.string().c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK)
    sqlite3_exec(
        h, "SELECT COUNT(*) FROM results",
        [](void* p, int, char** v, char**) {
          *static_cast<int*>(p) = std::atoi(v[0]);
          return 0;
        },
        &n, nullptr);
  sqlite3_close(h);
  return n;
}

void sql(const fs::path& db, const std::string& statement) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db.string().c_str(), &h), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(h, statement.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  ASSERT_EQ(rc, SQLITE_OK) << statement << ": " << msg;
}

}  // namespace

TEST(SweepAnalytical, EachPointIsWhatCimsimRunAnalyticalGivesForItsConfig) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "s.yaml", kVgg8);
  const auto out = dir / "out";
  ASSERT_EQ(
      run_cimsim("sweep " + spec + " --out " + out.string() + " --mode analytical --jobs 2", dir, "sweep"), 0)
      << read_text(dir / "sweep.err");
  EXPECT_TRUE(summary_is(dir, "sweep", "8 points: 8 ok, 0 failed (8 ran now, 0 already done, 0 retried)"));
  const auto rows = rows_of(out);
  const auto points = sim::sweep_points(sim::load_sweep_spec(spec));
  ASSERT_EQ(rows.size(), 8u);
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE("point " + std::to_string(i));
    EXPECT_EQ(rows[i]["status"], "ok") << rows[i]["error"];
    EXPECT_EQ(rows[i]["evaluator"], "analytical");
    EXPECT_EQ(rows[i]["point"].get<double>(), double(i));
    // the same point by hand: its config in a file, `cimsim run --mode analytical`
    const auto hw = write_text(dir / ("hw" + std::to_string(i) + ".yaml"), points[i].hw_yaml);
    const json j =
        cimsim::testing::run_json(dir, "p" + std::to_string(i), "--mode analytical --net vgg8 --hw " + hw);
    ASSERT_EQ(j["mode"], "analytical");
    // the sweep records 12 significant digits
    for (const auto& [column, value] : {std::pair<const char*, double>{"energy_pj", j["energy_pj"]["total"]},
                                        {"area_mm2", j["area_mm2"]["total"]},
                                        {"latency_ns", j["latency"]["ns"]},
                                        {"leakage_pj", j["energy_pj"]["leakage"]},
                                        {"tops_per_w", j["efficiency"]["achieved"]["tops_per_w"]}})
      EXPECT_NEAR(rows[i][column].get<double>(), value, 1e-11 * std::abs(value)) << column;
  }
  // the points differ (the axes move the numbers), and no point left a process's files behind
  EXPECT_NE(rows[0]["energy_pj"], rows[7]["energy_pj"]);
  EXPECT_FALSE(fs::exists(out / "points" / "0"));
  // the CSV export has the same rows, the evaluator last
  const std::string csv = read_text(out / "results.csv");
  EXPECT_NE(csv.substr(0, csv.find('\n')).rfind(",evaluator"), std::string::npos);
  EXPECT_EQ(cimsim::testing::lines_of(csv).size(), 9u);
}

TEST(SweepAnalytical, ThreadsChangeNothingButTheWallTimes) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "s.yaml", kVgg8);
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + (dir / "one").string() + " --mode analytical --jobs 1",
                       dir, "one"),
            0);
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + (dir / "two").string() + " --mode analytical --jobs 2",
                       dir, "two"),
            0);
  const auto one = without_wall(rows_of(dir / "one")), two = without_wall(rows_of(dir / "two"));
  ASSERT_EQ(one.size(), 8u);
  EXPECT_EQ(one, two);
}

TEST(SweepAnalytical, AFailedPointKeepsItsMessageAndTheOthersRun) {
  const auto dir = scratch_dir();
  // a 1 x 1 chip cannot hold vgg8: that point fails (a MappingError), the others run
  const auto spec = write_text(dir / "f.yaml",
                               "hw: default\nnets: [vgg8]\nmode: list\npoints:\n"
                               "  - {chip.tiles: auto}\n  - {chip.tiles: [1, 1]}\n"
                               "  - {crossbar.rows: 64}\n");
  const auto out = dir / "out";
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + out.string() + " --mode analytical", dir, "first"),
            sim::kSweepExitPointsFailed);
  EXPECT_TRUE(summary_is(dir, "first", "3 points: 2 ok, 1 failed (3 ran now, 0 already done, 0 retried)"));
  const auto rows = rows_of(out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["status"], "ok");
  EXPECT_EQ(rows[2]["status"], "ok");
  EXPECT_EQ(rows[1]["status"], "failed");
  EXPECT_EQ(rows[1]["evaluator"], "analytical");
  EXPECT_TRUE(rows[1]["energy_pj"].is_null());
  // its config is kept, and the message is the one `cimsim run` prints for it
  const auto hw = out / "points" / "1" / "hw.yaml";
  ASSERT_TRUE(fs::exists(hw));
  EXPECT_EQ(run_cimsim("run --mode analytical -q --net vgg8 --hw " + hw.string(), dir, "by-hand"), 2);
  const std::string err = read_text(dir / "by-hand.err");
  const std::string prefix = "cimsim: error: ";
  ASSERT_EQ(err.rfind(prefix, 0), 0u) << err;
  EXPECT_EQ(rows[1]["error"].get<std::string>() + "\n", err.substr(prefix.size()));
  EXPECT_NE(err.find("needs"), std::string::npos) << err;
  // --retry-failed runs it again, and only it
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + out.string() + " --mode analytical --retry-failed", dir,
                       "retry"),
            sim::kSweepExitPointsFailed);
  EXPECT_TRUE(summary_is(dir, "retry", "3 points: 2 ok, 1 failed (1 ran now, 2 already done, 0 retried)"));
}

TEST(SweepAnalytical, ASecondRunSkipsDonePointsAndKeepsItsEvaluator) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "s.yaml", kVgg8);
  const auto out = dir / "out";
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + out.string() + " --mode analytical", dir, "first"), 0);
  const auto first = without_wall(rows_of(out));
  // three points lost (as if the sweep was killed before writing them): only they run again
  sql(out / "results.sqlite", "DELETE FROM results WHERE point IN (1, 4, 6)");
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + out.string() + " --mode analytical", dir, "resume"), 0);
  EXPECT_TRUE(summary_is(dir, "resume", "8 points: 8 ok, 0 failed (3 ran now, 5 already done, 0 retried)"));
  EXPECT_EQ(without_wall(rows_of(out)), first);
  // the other evaluator on these results is refused, with the way out
  EXPECT_EQ(run_cimsim("sweep " + spec + " --out " + out.string(), dir, "systemc"), 2);
  EXPECT_NE(read_text(dir / "systemc.err")
                .find("holds this sweep's results by the analytical evaluator, not systemc; allowed: --mode "
                      "analytical to resume it, or another --out directory"),
            std::string::npos)
      << read_text(dir / "systemc.err");
}

TEST(SweepAnalytical, AKilledSweepResumesWhereItStopped) {
  const auto dir = scratch_dir();
  // DARTS-V2 points take tens of ms each: the sweep is killed with most of its 32 points to go
  const auto spec = write_text(dir / "d.yaml",
                               "hw: default\nnets: [darts_v2]\naxes:\n  adc.per_crossbar: [1, 2, 4, 8]\n"
                               "  crossbar.rows: [64, 128, 256, 512]\n  dac.bits: [1, 2]\n");
  const auto out = dir / "out";
  std::vector<std::string> args = {CIMSIM_BINARY, "sweep",      spec,     "--out", out.string(),
                                   "--mode",      "analytical", "--jobs", "2"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  // killed once the first points are in the database (or when it has finished: the checks hold either way)
  int status = 0;
  while (db_rows(out / "results.sqlite") < 2 && waitpid(pid, &status, WNOHANG) == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  const int done = db_rows(out / "results.sqlite");
  ASSERT_GE(done, 2);
  ASSERT_EQ(
      run_cimsim("sweep " + spec + " --out " + out.string() + " --mode analytical --jobs 2", dir, "resume"),
      0)
      << read_text(dir / "resume.err");
  EXPECT_TRUE(summary_is(dir, "resume",
                         "32 points: 32 ok, 0 failed (" + std::to_string(32 - done) + " ran now, " +
                             std::to_string(done) + " already done, 0 retried)"));
  const auto rows = rows_of(out);
  ASSERT_EQ(rows.size(), 32u);
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i]["point"].get<double>(), double(i));
}

TEST(SweepAnalytical, ShardsMergeToWhatALocalRunGivesAndSlurmPassesTheMode) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "s.yaml", kVgg8);
  ASSERT_EQ(
      run_cimsim("sweep " + spec + " --out " + (dir / "local").string() + " --mode analytical", dir, "local"),
      0);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + (dir / "sharded").string() +
                             " --mode analytical --shard " + std::to_string(i) + "/3",
                         dir, "shard" + std::to_string(i)),
              0);
  ASSERT_EQ(run_cimsim("sweep merge " + (dir / "sharded").string(), dir, "merge"), 0)
      << read_text(dir / "merge.err");
  EXPECT_EQ(without_wall(rows_of(dir / "sharded")), without_wall(rows_of(dir / "local")));
  // every array task runs its shard with the evaluator asked for
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + (dir / "slurm").string() +
                           " --mode analytical --slurm --shards 2 --jobs 4",
                       dir, "slurm"),
            0);
  EXPECT_NE(read_text(dir / "slurm" / "sweep.sbatch")
                .find("--shard \"${SLURM_ARRAY_TASK_ID}/2\" --jobs 4 --mode analytical\n"),
            std::string::npos);
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + (dir / "slurm2").string() + " --slurm --shards 2", dir,
                       "slurm2"),
            0);
  EXPECT_NE(read_text(dir / "slurm2" / "sweep.sbatch").find(" --mode systemc\n"), std::string::npos);
  // an evaluator that does not exist is a usage error
  EXPECT_EQ(run_cimsim("sweep " + spec + " --out " + (dir / "bad").string() + " --mode fast", dir, "bad"), 2);
  EXPECT_NE(read_text(dir / "bad.err").find("systemc"), std::string::npos) << read_text(dir / "bad.err");
}

TEST(SweepAnalytical, ResultsWrittenBeforeTheEvaluatorColumnResumeAsSystemc) {
  const auto dir = scratch_dir();
  const auto spec =
      write_text(dir / "tiny.yaml", "name: tiny\nhw: default\nnets: [" CIMSIM_SOURCE_DIR
                                    "/workloads/nets/tiny.yaml]\naxes:\n  crossbar.rows: [64, 128]\n");
  const auto out = dir / "out";
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + out.string() + " --jobs 2", dir, "first"), 0);
  // the table as an earlier cimsim wrote it: no evaluator column
  sql(out / "results.sqlite", "ALTER TABLE results DROP COLUMN evaluator");
  ASSERT_EQ(run_cimsim("sweep " + spec + " --out " + out.string(), dir, "resume"), 0)
      << read_text(dir / "resume.err");
  EXPECT_TRUE(summary_is(dir, "resume", "2 points: 2 ok, 0 failed (0 ran now, 2 already done, 0 retried)"));
  const auto rows = rows_of(out);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) EXPECT_EQ(r["evaluator"], "systemc");
}
