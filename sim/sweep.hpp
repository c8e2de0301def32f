// Running a sweep: with the SystemC evaluator every point in its own process, N at a time; with the
// analytical one in this process on N threads (sim/sweep_threads.cpp). Results into SQLite (one
// transaction per finished point, or per batch of points finished together), exported as CSV and JSON
// lines; resumable; sharded for Slurm job arrays.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "sim/sweep_spec.hpp"

namespace cimsim::sim {

// How each point is evaluated (cimsim sweep --mode): "systemc" (sim::simulate, a `cimsim run` process
// per point) or "analytical" (sim::evaluate, in this process on `jobs` threads).
inline constexpr const char* kSweepEvaluators[] = {"systemc", "analytical"};
// A SweepError naming the allowed ones unless `evaluator` is one of kSweepEvaluators.
void check_evaluator(const std::string& evaluator);

struct SweepOptions {
  std::string out;          // the sweep directory
  int jobs = 1;             // worker processes (systemc) or threads (analytical)
  std::string evaluator = "systemc";  // kSweepEvaluators
  int shard = 0, shards = 1;  // run the points with index % shards == shard
  bool retry_failed = false;
  bool tty = false;         // progress bar (else plain progress lines)
};

// What a run did. `ok` and `failed` count every point of this shard as recorded after the run (those run
// now and those already done), so a resume reports earlier failures too.
struct SweepSummary {
  int points = 0;          // this shard's points
  int ran = 0;             // points run to an outcome now
  int skipped = 0;         // points already done (not rerun)
  int ok = 0, failed = 0;  // recorded status of all this shard's points
  int retried = 0;         // workers killed by a signal from outside and run once more
};

// The exit code of `cimsim sweep` when it ran but some points failed (docs/sweeps.md).
inline constexpr int kSweepExitPointsFailed = 3;

// --shard I/N: 0 <= I < N <= kMaxShards, plain decimal numbers; a SweepError otherwise.
inline constexpr int kMaxShards = 100000;
std::pair<int, int> parse_shard(const std::string& text);

// The sweep directory made ready: a SweepError when OUT exists and is not a directory, or cannot be made.
void prepare_sweep_dir(const std::string& out);

// The metrics of a run report that a sweep records (columns of results.csv).
const std::vector<std::string>& sweep_metrics();
// Those metrics read from a run's JSON report (sim::to_json), as text: metric -> value.
std::map<std::string, std::string> sweep_metrics_of(const nlohmann::json& report);

SweepSummary run_sweep(const SweepSpec& spec, const std::vector<SweepPoint>& points, const SweepOptions& options,
                       std::ostream& log);

// The shard databases under DIR/shards merged into DIR/results.sqlite, and the exports rewritten.
// Returns the number of rows.
int merge_sweep(const std::string& dir);

// DIR/results.csv and DIR/results.jsonl from DIR/results.sqlite (atomic).
void export_sweep(const std::string& dir);

// An sbatch job-array script: one array task per shard, each `cimsim sweep SPEC --out DIR --shard I/N
// --mode EVALUATOR`. Every path is a single-quoted shell word in the script's body (never in an #SBATCH
// line or a comment); the name is the spec's validated [A-Za-z0-9._-] name, the evaluator one of
// kSweepEvaluators (sim/sweep_slurm.cpp).
std::string slurm_script(const SweepSpec& spec, const std::string& spec_path, const std::string& out_dir,
                         int shards, int jobs_per_task, const std::string& evaluator);

// `s` as one POSIX shell word: single-quoted, each ' written as '\''.
std::string shell_quote(const std::string& s);

// Runs `sbatch --parsable SCRIPT` (no shell: the path is one argument); a SweepError when it fails.
void submit_slurm(const std::string& script);

}  // namespace cimsim::sim
