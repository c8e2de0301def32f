// cimsim search: multi-objective hardware/software co-design with NSGA-II (pagmo2; Deb et al., IEEE TEC
// 2002) over a network space and chip knobs (docs/search.md).
//
// A candidate is a vector of integer genes: the network's (the space's encoding, or an index into the
// spec's `networks`) then one per knob (an index into its values). Each is decoded to a network and a
// config, mapped and evaluated in process with the analytical evaluator (sim::evaluate), on `jobs` threads;
// accuracy comes from the user's source (search/accuracy.hpp) and from nowhere else. Constraints: a
// candidate that violates one (or fails to map, or lacks an accuracy the spec asks for) is infeasible; its
// objectives are all kInfeasible x (1 + its violation), so any feasible candidate dominates it and a smaller
// violation dominates a larger (constraint domination by penalty: pagmo's NSGA-II is unconstrained).
// After the last generation the feasible non-dominated candidates are the front; up to `resimulate` of them
// (spread over the first objective) are re-run with the SystemC model, each in its own process.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "search/search_spec.hpp"

namespace cimsim::search {

inline constexpr double kInfeasible = 1e30;

struct SearchOptions {
  std::string out;          // the search directory (made if absent)
  int jobs = 2;             // threads evaluating candidates
  int population = 0;       // > 0: overrides the spec's
  int generations = 0;      // > 0: overrides the spec's
  bool resume = false;      // continue from DIR/checkpoint.json
  std::string spec_path;    // for the checkpoint's check that the spec is the same
  std::string self;         // this executable (the SystemC re-simulations); "" = sim::self_executable()
  int island = 0;           // island I of a multi-start run (Slurm): the spec's seed + I
};

// What a candidate evaluated to.
struct Outcome {
  bool ok = false;            // evaluated (mapping and evaluation succeeded)
  std::string error;          // !ok: one line
  std::string space, arch, name;  // the architecture: its canonical text and a short name ("" if none)
  std::vector<std::string> knob_values;  // per spec knob, the value picked
  std::map<std::string, double> metrics;  // latency_us, throughput_per_s, energy_uj, area_mm2, power_mw
  std::optional<double> accuracy;         // % top-1, from the user's source
  double violation = 0;                   // 0: feasible
  std::vector<double> f;                  // the objectives as NSGA-II minimizes them
};

struct FrontPoint {
  std::vector<double> x;
  Outcome analytical;
  bool simulated = false;
  std::string systemc_error;                   // the SystemC run failed: why
  std::map<std::string, double> systemc;       // the same metrics from the SystemC run
  std::string dir;                             // DIR/front/N: its config, network and report
};

struct SearchSummary {
  int generations = 0;          // generations evolved (all, resumed ones included)
  long evaluations = 0;         // distinct candidates evaluated (this process)
  double wall_s = 0;            // this process
  double eval_s = 0;            // of which evaluating candidates
  std::vector<FrontPoint> front;
  std::string accuracy_source;  // "none" or what it is
};

// Runs the search; progress to `log` (one line per generation). Throws sim::SweepError (a bad spec
// value found while building: a knob value the config refuses, a network that does not load; a spec that
// does not match the checkpoint; a search directory that is not one) and search::AccuracyError (the
// accuracy command failed): exit 2 in the CLI.
SearchSummary run_search(const SearchSpec& spec, const SearchOptions& options, std::ostream& log);

// Merges the fronts of DIR/islands/*/front.json (the array tasks of a Slurm search) into DIR/front.json
// and DIR/front.csv: the non-dominated points of their union, each once. Returns the islands merged.
// Throws sim::SweepError when there is none or one is unreadable or from another search.
int merge_search(const std::string& dir);

// The sbatch job-array script of a search spread over Slurm: array task I runs the search as island I
// (`cimsim search SPEC --out DIR/islands/I --island I`, resuming its checkpoint when it has one); then
// `cimsim search merge DIR`. Paths enter the script only as single-quoted words (sim::shell_quote).
std::string search_slurm_script(const std::string& spec_path, const std::string& out_dir, int islands,
                                int jobs_per_task, int population, int generations);

// The decision-vector size and the per-gene upper bounds (inclusive; lower bounds are 0) of `spec`
// (tests, docs).
std::vector<int> gene_bounds(const SearchSpec& spec);
// One candidate evaluated as the search evaluates it, without NSGA-II (tests: the decoding and the
// objectives). `x` must be within gene_bounds.
Outcome evaluate_candidate(const SearchSpec& spec, const std::vector<double>& x);

}  // namespace cimsim::search
