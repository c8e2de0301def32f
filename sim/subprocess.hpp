// Running simulations as child processes: SystemC elaborates once per process, so every simulation
// point of a comparison or a sweep is its own process.
#pragma once

#include <string>
#include <vector>

namespace cimsim::sim {

struct Job {
  std::vector<std::string> argv;  // argv[0]: the program
  std::string stdout_path, stderr_path;
  int exit_code = -1;             // filled by run_jobs; 128 + signal when killed by a signal
};

// Starts one job (its stdout/stderr redirected to files opened here, never through a symlink; an error
// opening them is an exception); returns its pid. The child dies with this process (PR_SET_PDEATHSIG):
// no worker outlives a parent killed by any signal, SIGKILL included.
int start_job(const Job& job);

// Runs every job, at most `parallel` at a time; returns when all have finished.
void run_jobs(std::vector<Job>& jobs, int parallel);

// This executable's path (to run itself as a child).
std::string self_executable();

// The whole text of a file ("" when it cannot be read): a child's report or output.
std::string read_file(const std::string& path);

// What a failed cimsim child said: the last line of its stderr (read from the file's last 64 KiB), without
// the "cimsim: error: " prefix.
std::string child_error(const std::string& stderr_path);

}  // namespace cimsim::sim
