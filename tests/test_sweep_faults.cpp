// Sweep faults (issue 8 part 6, case 41): a worker killed from outside is run once more, then recorded
// as failed with the signal named; killing the parent with SIGKILL leaves no worker behind; a resume reruns
// exactly the points that had not finished and counts truthfully. No test here depends on how fast the
// machine is: each waits (bounded) for a state, then acts on it.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <thread>

#include "run_util.hpp"
#include "sim/sweep.hpp"

using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using cimsim::testing::write_text;
namespace fs = std::filesystem;

extern char** environ;

namespace {

// A slow point (about a second or more of simulation), so that a worker is there to be killed.
const char* kSlow = "name: slow\nhw: isaac\nnets: [resnet18_imagenet]\ninputs: 16\naxes:\n  adc.bits: [6, 7, 8]\n";

// Starts `cimsim sweep SPEC --out OUT --jobs 1`, its stdout and stderr to files in `dir`.
pid_t start_sweep(const fs::path& dir, const std::string& spec, const fs::path& out, const std::string& tag) {
  const std::string cmd = std::string("exec ") + CIMSIM_BINARY + " sweep " + spec + " --out " + out.string() +
                          " --jobs 1 >" + (dir / (tag + ".out")).string() + " 2>" + (dir / (tag + ".err")).string();
  std::vector<std::string> args = {"/bin/sh", "-c", cmd};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv.data(), environ), 0);
  return pid;
}

// The processes whose parent is `parent`, and the point each works on (from its --hw points/N/hw.yaml).
std::map<pid_t, int> workers_of(pid_t parent) {
  std::map<pid_t, int> w;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = read_text(e.path() / "stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != parent || state == 'Z') continue;
    std::string cmdline = read_text(e.path() / "cmdline");
    const size_t at = cmdline.find("/points/");
    if (at == std::string::npos) continue;
    w[pid_t(std::stoi(name))] = std::atoi(cmdline.c_str() + at + 8);
  }
  return w;
}

// Alive and not a zombie.
bool running(pid_t pid) {
  const std::string stat = read_text(fs::path("/proc") / std::to_string(pid) / "stat");
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] != 'Z';
}

// Waits (at most 120 s, polling) until `ready` holds; false if it never does.
bool wait_for(const std::function<bool()>& ready) {
  for (int i = 0; i < 12000; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

int exit_code(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// point -> (status, error, wall_s) from the results database
std::map<int, std::vector<std::string>> results(const fs::path& db_path) {
  std::map<int, std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_exec(
      db, "SELECT point, status, error, wall_s FROM results",
      [](void* p, int, char** v, char**) {
        (*static_cast<std::map<int, std::vector<std::string>>*>(p))[std::atoi(v[0])] = {v[1], v[2] ? v[2] : "",
                                                                                         v[3] ? v[3] : ""};
        return 0;
      },
      &rows, nullptr);
  sqlite3_close(db);
  return rows;
}

}  // namespace

TEST(SweepFaults, AWorkerKilledFromOutsideRunsOnceMore) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "slow.yaml", kSlow);
  const auto out = dir / "out";
  const pid_t sweep = start_sweep(dir, spec, out, "run");
  std::map<pid_t, int> w;
  ASSERT_TRUE(wait_for([&] { return !(w = workers_of(sweep)).empty(); }));
  ASSERT_EQ(w.begin()->second, 0);
  ::kill(w.begin()->first, SIGKILL);
  EXPECT_EQ(exit_code(sweep), 0) << read_text(dir / "run.err");
  EXPECT_NE(read_text(dir / "run.out").find("3 points: 3 ok, 0 failed (3 ran now, 0 already done, 1 retried)"),
            std::string::npos) << read_text(dir / "run.out");
  EXPECT_NE(read_text(dir / "run.err").find("point 0: worker killed by SIGKILL (signal 9); running it once more"),
            std::string::npos) << read_text(dir / "run.err");
}

TEST(SweepFaults, AWorkerKilledTwiceIsRecordedWithItsSignal) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "slow.yaml", kSlow);
  const auto out = dir / "out";
  const pid_t sweep = start_sweep(dir, spec, out, "run");
  std::map<pid_t, int> w;
  ASSERT_TRUE(wait_for([&] { return !(w = workers_of(sweep)).empty(); }));
  const pid_t first = w.begin()->first;
  ::kill(first, SIGTERM);
  ASSERT_TRUE(wait_for([&] {
    w = workers_of(sweep);
    return !w.empty() && w.begin()->first != first;
  }));
  ASSERT_EQ(w.begin()->second, 0);  // the retry of point 0 comes first
  ::kill(w.begin()->first, SIGKILL);
  EXPECT_EQ(exit_code(sweep), cimsim::sim::kSweepExitPointsFailed) << read_text(dir / "run.err");
  EXPECT_NE(read_text(dir / "run.out").find("3 points: 2 ok, 1 failed (3 ran now, 0 already done, 1 retried)"),
            std::string::npos) << read_text(dir / "run.out");
  const auto rows = results(out / "results.sqlite");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at(0)[0], "failed");
  EXPECT_EQ(rows.at(0)[1], "worker killed by SIGKILL (signal 9), also on its retry");
  // the resume counts it (case 41 said "0 failed"), and --retry-failed runs it again
  ASSERT_EQ(cimsim::testing::shell(dir, std::string(CIMSIM_BINARY) + " sweep " + spec + " --out " + out.string()).code,
            cimsim::sim::kSweepExitPointsFailed);
  const auto again = cimsim::testing::shell(dir, std::string(CIMSIM_BINARY) + " sweep " + spec + " --out " +
                                                     out.string() + " --retry-failed");
  EXPECT_EQ(again.code, 0);
  EXPECT_NE(again.out.find("3 points: 3 ok, 0 failed (1 ran now, 2 already done, 0 retried)"), std::string::npos)
      << again.out;
}

TEST(SweepFaults, KillingTheParentLeavesNoWorkerAndAResumeRerunsOnlyWhatWasInFlight) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "slow.yaml", kSlow);
  const auto out = dir / "out";
  const pid_t sweep = start_sweep(dir, spec, out, "run");
  // point 0 recorded, point 1's worker running: kill the parent with SIGKILL
  std::map<pid_t, int> w;
  ASSERT_TRUE(wait_for([&] {
    w = workers_of(sweep);
    return results(out / "results.sqlite").size() == 1 && !w.empty() && w.begin()->second == 1;
  }));
  const auto before = results(out / "results.sqlite");
  ::kill(sweep, SIGKILL);
  EXPECT_EQ(exit_code(sweep), -1);
  const pid_t orphan = w.begin()->first;
  EXPECT_TRUE(wait_for([&] { return !running(orphan); })) << "the worker outlived its parent";
  // the resume runs points 1 and 2 only; point 0 is not rerun (its row is unchanged)
  const auto r = cimsim::testing::shell(dir, std::string(CIMSIM_BINARY) + " sweep " + spec + " --out " + out.string());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("3 points: 3 ok, 0 failed (2 ran now, 1 already done, 0 retried)"), std::string::npos) << r.out;
  const auto after = results(out / "results.sqlite");
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after.at(0), before.at(0));
}

TEST(SweepFaults, ASecondSweepOnTheSameDirectoryIsRefusedWhileTheFirstRuns) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "slow.yaml", kSlow);
  const auto out = dir / "out";
  const pid_t sweep = start_sweep(dir, spec, out, "run");
  ASSERT_TRUE(wait_for([&] { return !workers_of(sweep).empty(); }));
  const auto second = cimsim::testing::shell(dir, std::string(CIMSIM_BINARY) + " sweep " + spec + " --out " + out.string());
  EXPECT_EQ(second.code, 2);
  EXPECT_EQ(second.err, "cimsim: error: " + (out / "results.sqlite").string() +
                            ": another cimsim sweep is running on it; allowed: one sweep per directory (or shard) at a "
                            "time: wait for it, or stop it\n");
  EXPECT_EQ(exit_code(sweep), 0) << read_text(dir / "run.err");
  EXPECT_NE(read_text(dir / "run.out").find("3 points: 3 ok, 0 failed (3 ran now, 0 already done, 0 retried)"),
            std::string::npos);
}
