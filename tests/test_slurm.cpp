// A real one-node Slurm cluster on localhost runs a sweep as a job array; the merged results equal a
// local run. The daemons are started for the test and stopped by their pids. Skipped, saying why, only
// where Slurm cannot run (not root, or the packages scripts/setup.sh installs are missing).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "run_util.hpp"

using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using cimsim::testing::write_text;
namespace fs = std::filesystem;

namespace {

int sh(const std::string& cmd) {
  const int rc = std::system(("bash -c '" + cmd + "'").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool have(const char* tool) { return sh(std::string("command -v ") + tool + " >/dev/null 2>&1") == 0; }

// Stops a daemon by the pid in its pid file: SIGTERM, then SIGKILL if it is still there after 5 s.
void stop(const fs::path& pid_file) {
  if (!fs::exists(pid_file)) return;
  const int pid = std::atoi(read_text(pid_file).c_str());
  if (pid <= 1) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 50 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
}

std::string csv_without_wall(const fs::path& p) {  // results.csv minus its wall_s column
  std::string out, line;
  std::stringstream in(read_text(p));
  while (std::getline(in, line)) {
    std::stringstream f(line);
    std::string field;
    for (int i = 0; std::getline(f, field, ','); ++i)
      if (i != 3) out += field + ",";
    out += "\n";
  }
  return out;
}

class SlurmCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "Slurm test skipped: it starts slurmctld/slurmd as root, and this is not root";
    for (const char* t : {"slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "munged", "munge", "unmunge"})
      if (!have(t)) GTEST_SKIP() << "Slurm test skipped: " << t << " is missing (scripts/setup.sh installs slurm-wlm and munge)";
    dir_ = scratch_dir();
    // munge: reuse a running one, else start ours
    if (sh("munge -n | unmunge >/dev/null 2>&1") != 0) {
      // munged runs as munge: its pid file goes where munge may write
      munge_pid_ = "/run/munge/cimsim-test-" + std::to_string(getpid()) + ".pid";
      ASSERT_EQ(sh("mkdir -p /run/munge && chown munge:munge /run/munge && su munge -s /bin/sh -c \"munged --pid-file=" +
                   munge_pid_.string() + "\""), 0);
      for (int i = 0; i < 50 && sh("munge -n | unmunge >/dev/null 2>&1") != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      ASSERT_EQ(sh("munge -n | unmunge >/dev/null 2>&1"), 0) << "munged did not start";
      own_munge_ = true;
    }
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::string h = host;
    h = h.substr(0, h.find('.'));
    const std::string d = dir_.string();
    fs::create_directories(dir_ / "state");
    fs::create_directories(dir_ / "spool");
    conf_ = write_text(dir_ / "slurm.conf",
                       "ClusterName=cimsim\nSlurmctldHost=" + h + "\nSlurmUser=root\nSlurmdUser=root\n"
                       "AuthType=auth/munge\nStateSaveLocation=" + d + "/state\nSlurmdSpoolDir=" + d + "/spool\n"
                       "SlurmctldPidFile=" + d + "/slurmctld.pid\nSlurmdPidFile=" + d + "/slurmd.pid\n"
                       "SlurmctldLogFile=" + d + "/slurmctld.log\nSlurmdLogFile=" + d + "/slurmd.log\n"
                       "SlurmctldPort=16817\nSlurmdPort=16818\n"
                       "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/none\n"
                       "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\nReturnToService=2\n"
                       "NodeName=" + h + " CPUs=" + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) +
                       " RealMemory=4000 State=UNKNOWN\nPartitionName=debug Nodes=" + h +
                       " Default=YES MaxTime=INFINITE State=UP\n");
    setenv("SLURM_CONF", conf_.c_str(), 1);
    ASSERT_EQ(sh("slurmctld -f " + conf_), 0) << read_text(dir_ / "slurmctld.log");
    ASSERT_EQ(sh("slurmd -f " + conf_), 0) << read_text(dir_ / "slurmd.log");
    for (int i = 0; i < 100 && sh("sinfo -h -o %t | grep -q idle") != 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_EQ(sh("sinfo -h -o %t | grep -q idle"), 0) << "the node did not come up: " << read_text(dir_ / "slurmd.log");
  }
  void TearDown() override {
    if (dir_.empty()) return;
    stop(dir_ / "slurmd.pid");
    stop(dir_ / "slurmctld.pid");
    if (own_munge_) stop(munge_pid_);
    unsetenv("SLURM_CONF");
  }
  fs::path dir_;
  std::string conf_;
  bool own_munge_ = false;
  fs::path munge_pid_;
};

}  // namespace

TEST_F(SlurmCluster, AJobArraySweepMergesToTheLocalResults) {
  const auto spec = write_text(dir_ / "tiny.yaml",
                               "name: tiny\nhw: default\nnets: [" CIMSIM_SOURCE_DIR "/workloads/nets/tiny.yaml]\n"
                               "axes:\n  adc.per_crossbar: [1, 2]\n  crossbar.rows: [64, 128]\n");
  const std::string bin = CIMSIM_BINARY;
  ASSERT_EQ(sh(bin + " sweep " + spec + " --out " + (dir_ / "local").string() + " >/dev/null 2>&1"), 0);
  const auto out = dir_ / "slurm";
  ASSERT_EQ(sh(bin + " sweep " + spec + " --out " + out.string() + " --slurm --shards 3 --submit > " +
               (dir_ / "submit.txt").string() + " 2>&1"), 0) << read_text(dir_ / "submit.txt");
  // wait for the array to finish (bounded)
  bool done = false;
  for (int i = 0; i < 600 && !done; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    done = sh("test -z \"$(squeue -h)\"") == 0 && fs::exists(out / "shards" / "0-of-3.sqlite") &&
           fs::exists(out / "shards" / "1-of-3.sqlite") && fs::exists(out / "shards" / "2-of-3.sqlite");
  }
  ASSERT_TRUE(done) << "the job array did not finish in 120 s: " << read_text(dir_ / "slurmctld.log");
  ASSERT_EQ(sh(bin + " sweep merge " + out.string() + " >/dev/null"), 0);
  EXPECT_EQ(csv_without_wall(out / "results.csv"), csv_without_wall(dir_ / "local" / "results.csv"));
  EXPECT_EQ(std::count_if(fs::directory_iterator(out / "slurm"), fs::directory_iterator{}, [](const auto&) { return true; }), 3);
}

TEST_F(SlurmCluster, AJobArraySearchMergesToTheLocalIslands) {
  const auto spec = write_text(dir_ / "search.yaml",
                               "space: ofa_mbv3\nregime: fixed_chip\nhw: rnc-box\nobjectives: [latency, energy]\n"
                               "population: 8\ngenerations: 2\nresimulate: 1\n");
  const std::string bin = CIMSIM_BINARY;
  // the islands run here, one by one, then merged
  const auto local = dir_ / "local";
  fs::create_directories(local / "islands");
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(sh(bin + " search " + spec + " --out " + (local / "islands" / std::to_string(i)).string() + " --island " +
                 std::to_string(i) + " --jobs 1 >/dev/null 2>&1"), 0);
  ASSERT_EQ(sh(bin + " search merge " + local.string() + " >/dev/null"), 0);
  // the same islands as a Slurm job array
  const auto out = dir_ / "slurm-search";
  ASSERT_EQ(sh(bin + " search " + spec + " --out " + out.string() + " --slurm --islands 2 --jobs 1 --submit > " +
               (dir_ / "submit.txt").string() + " 2>&1"), 0) << read_text(dir_ / "submit.txt");
  bool done = false;
  for (int i = 0; i < 600 && !done; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    done = sh("test -z \"$(squeue -h)\"") == 0 && fs::exists(out / "islands" / "0" / "front.json") &&
           fs::exists(out / "islands" / "1" / "front.json");
  }
  ASSERT_TRUE(done) << "the job array did not finish in 120 s: " << read_text(dir_ / "slurmctld.log");
  ASSERT_EQ(sh(bin + " search merge " + out.string() + " >/dev/null"), 0);
  EXPECT_EQ(read_text(out / "front.csv"), read_text(local / "front.csv"));
  EXPECT_FALSE(read_text(out / "front.csv").empty());
}
