// The sbatch job-array script of a sweep, and its submission. Nothing a user wrote becomes shell code:
// paths are single-quoted shell words assigned to variables and used only as "$VAR"; #SBATCH lines and
// comments hold only numbers and the spec's validated name (sbatch parses #SBATCH lines itself, with its own
// quoting and %-patterns, and a newline in a comment would start a command line).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <sstream>

#include "common/text.hpp"
#include "sim/subprocess.hpp"
#include "sim/sweep.hpp"

extern char** environ;

namespace cimsim::sim {

namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurm_script(const SweepSpec& spec, const std::string& spec_path, const std::string& out_dir,
                         int shards, int jobs_per_task, const std::string& evaluator) {
  check_evaluator(evaluator);  // written into the script as it is: one of a fixed set of plain words
  const std::string self = self_executable();
  const std::string spec_abs = fs::absolute(spec_path).string(), out_abs = fs::absolute(out_dir).string();
  std::ostringstream s;
  // The task's own output goes to OUT/slurm/ by the redirection below, where the path is quoted; sbatch's
  // --output would take the path unquoted and expand % in it.
  s << "#!/bin/bash\n"
    << "# cimsim sweep " << spec.name << ": one array task per shard (docs/sweeps.md); when all are done:\n"
    << "#   \"$CIMSIM\" sweep merge \"$OUT\"   (the values below)\n"
    << "#SBATCH --job-name=cimsim-" << spec.name << "\n"
    << "#SBATCH --array=0-" << shards - 1 << "\n"
    << "#SBATCH --cpus-per-task=" << jobs_per_task << "\n"
    << "#SBATCH --output=/dev/null\n"
    << "set -euo pipefail\n"
    << "CIMSIM=" << shell_quote(self) << "\n"
    << "SPEC=" << shell_quote(spec_abs) << "\n"
    << "OUT=" << shell_quote(out_abs) << "\n"
    << "exec >>\"$OUT/slurm/${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out\" 2>&1\n"
    << "exec \"$CIMSIM\" sweep \"$SPEC\" --out \"$OUT\" --shard \"${SLURM_ARRAY_TASK_ID}/" << shards
    << "\" --jobs " << jobs_per_task << " --mode " << evaluator << "\n";
  return s.str();
}

void submit_slurm(const std::string& script) {
  std::vector<std::string> args = {"sbatch", "--parsable", fs::absolute(script).string()};  // never read as an option
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "sbatch", nullptr, nullptr, argv.data(), environ) != 0)
    throw SweepError("sbatch: cannot start it; allowed: a machine with Slurm's sbatch on the PATH");
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) throw SweepError("sbatch: lost track of it (waitpid failed)");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    throw SweepError("sbatch failed (" +
                     (WIFEXITED(st) ? "exit " + std::to_string(WEXITSTATUS(st))
                                    : "signal " + std::to_string(WTERMSIG(st))) +
                     ") on " + common::printable(script) + "; allowed: a running Slurm cluster (sinfo)");
}

}  // namespace cimsim::sim
