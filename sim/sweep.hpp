// Running a sweep: every point in its own process, N at a time; results into SQLite (one transaction per
// finished point), exported as CSV and JSON lines; resumable; sharded for Slurm job arrays.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "sim/sweep_spec.hpp"

namespace cimsim::sim {

struct SweepOptions {
  std::string out;          // the sweep directory
  int jobs = 1;             // worker processes
  int shard = 0, shards = 1;  // run the points with index % shards == shard
  bool retry_failed = false;
  bool tty = false;         // progress bar (else plain progress lines)
};

struct SweepSummary {
  int points = 0, ran = 0, skipped = 0, ok = 0, failed = 0;
};

// The metrics of a run report that a sweep records (columns of results.csv).
const std::vector<std::string>& sweep_metrics();

SweepSummary run_sweep(const SweepSpec& spec, const std::vector<SweepPoint>& points, const SweepOptions& options,
                       std::ostream& log);

// The shard databases under DIR/shards merged into DIR/results.sqlite, and the exports rewritten.
// Returns the number of rows.
int merge_sweep(const std::string& dir);

// DIR/results.csv and DIR/results.jsonl from DIR/results.sqlite (atomic).
void export_sweep(const std::string& dir);

// An sbatch job-array script: one array task per shard, each `cimsim sweep SPEC --out DIR --shard I/N`.
std::string slurm_script(const SweepSpec& spec, const std::string& spec_path, const std::string& out_dir,
                         int shards, int jobs_per_task);

}  // namespace cimsim::sim
