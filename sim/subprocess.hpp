// Running simulations as child processes: SystemC elaborates once per process, so every simulation
// point of a comparison or a sweep is its own process.
#pragma once

#include <cstddef>
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

// What run_command saw.
struct CommandResult {
  int exit_code = -1;      // the exit status; 128 + signal when killed by a signal (a timeout: 128 + SIGKILL)
  bool timed_out = false;  // killed because it ran past the timeout
  std::string out, err;    // the last `max_output` bytes of its stdout and of its stderr
};

// Runs `argv` (argv[0]: a path, or a name searched in PATH; never a shell: every argument reaches the program
// as it is) with `stdin_text` as its whole standard input (at most 1 MiB: it is put in the pipe before the
// program starts), the environment unchanged, and waits for it at most `timeout_s` seconds. The program runs
// in a process group of its own and dies with the calling thread (PR_SET_PDEATHSIG); on a timeout the whole
// group is killed (SIGKILL), and so is whatever the program left behind in it when it exits. Throws
// std::runtime_error when the program cannot be started (not found, not executable). Thread-safe, but a
// concurrent waitpid(-1) (run_jobs) could reap the child: then exit_code is -1.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text,
                          double timeout_s, size_t max_output = 64 * 1024);

// This executable's path (to run itself as a child).
std::string self_executable();

// The whole text of a file ("" when it cannot be read): a child's report or output.
std::string read_file(const std::string& path);

// What a failed cimsim child said: the last line of its stderr (read from the file's last 64 KiB), without
// the "cimsim: error: " prefix.
std::string child_error(const std::string& stderr_path);

}  // namespace cimsim::sim
