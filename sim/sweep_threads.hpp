// cimsim sweep --mode analytical: the points evaluated in this process on N threads (sim::evaluate builds
// no SystemC object and shares no state), not a process per point (docs/sweeps.md, "The analytical
// evaluator"). The threads hand finished points to the calling thread, the database's one writer.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/deploy.hpp"
#include "sim/sweep_spec.hpp"

namespace cimsim::sim {

// What became of one point: what its row in the results table records.
struct PointOutcome {
  const SweepPoint* point = nullptr;
  std::string status = "ok";  // ok | failed
  std::string error;          // failed: one line
  double wall_s = 0;
  std::map<std::string, std::string> metrics;  // ok: sweep_metrics() -> value
};

// The workloads one thread has resolved, by network name: the points of a sweep share a few networks.
class WorkloadCache {
 public:
  const Workload& get(const std::string& net);

 private:
  std::map<std::string, Workload> resolved_;
};

// One point as `cimsim run --mode analytical --hw FILE` runs it, FILE holding the point's config and
// named `config_label` in messages: the config decoded (models::parse_hardware, as load_hardware decodes
// a file), the workload resolved, deployed (sim::deploy) and evaluated (sim::evaluate). A user error
// (config, network, mapping, simulation) or any other exception is a failed outcome with its one-line
// message; nothing escapes.
PointOutcome evaluate_point(const SweepSpec& spec, const SweepPoint& point, const std::string& config_label,
                            WorkloadCache& cache);

// Evaluates `todo` on min(jobs, todo.size()) threads, each with its own WorkloadCache. `record` runs on the
// calling thread with each batch of outcomes (every point finished since its last call, at least one): the
// caller is the database's only writer. An exception from `record` stops the threads (each finishes its
// point), joins them and is rethrown. `label_of` names a point's config in its messages.
void run_points_in_threads(const SweepSpec& spec, const std::vector<const SweepPoint*>& todo, int jobs,
                           const std::function<std::string(const SweepPoint&)>& label_of,
                           const std::function<void(std::vector<PointOutcome>&)>& record);

}  // namespace cimsim::sim
