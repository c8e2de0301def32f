#include "sim/sweep_threads.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <iterator>
#include <mutex>
#include <new>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/text.hpp"
#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "sim/analytical.hpp"
#include "sim/report.hpp"
#include "sim/simulate.hpp"
#include "sim/sweep.hpp"
#include "workloads/graph.hpp"

namespace cimsim::sim {

namespace {

// A failed point's error: one line of at most this many characters, as a worker's last stderr line.
constexpr std::size_t kMaxErrorChars = 2000;

}  // namespace

const Workload& WorkloadCache::get(const std::string& net) {
  auto it = resolved_.find(net);
  if (it == resolved_.end()) {
    WorkloadRequest r;  // as `cimsim run --net NET` with no other workload option: what a worker is given
    r.net = net;
    it = resolved_.emplace(net, resolve_workload(r)).first;
  }
  return it->second;
}

PointOutcome evaluate_point(const SweepSpec& spec, const SweepPoint& point, const std::string& config_label,
                            WorkloadCache& cache) {
  const auto t0 = std::chrono::steady_clock::now();
  PointOutcome o;
  o.point = &point;
  const auto fail = [&o](const std::string& what) {
    o.status = "failed";
    o.error = common::printable(what, kMaxErrorChars);
  };
  try {
    models::HardwareSpec hw = models::parse_hardware(point.hw_yaml, config_label);
    hw.file = config_label;
    mapper::MapOptions map;
    map.mode = spec.mapping == "isaac" ? mapper::MappingMode::isaac : mapper::MappingMode::compiled;
    map.crossbars = spec.crossbars;
    const Deployment d =
        deploy(cache.get(point.net), workloads::DartsOptions{}, hw, deploy_from_name(point.deploy), map);
    tiles::RunOptions opt;
    opt.dataflow =
        spec.dataflow == "pipelined" ? tiles::Dataflow::pipelined : tiles::Dataflow::layer_by_layer;
    opt.inputs = spec.inputs;
    RunResult r = evaluate(d.graph, hw, d.mapping, opt);
    // The metrics through the run's JSON report, as a worker's --json gives them to the process sweep, but
    // without its per-layer part: no metric reads it, and it is most of to_json's time (about 5 of 5.3 ms
    // for DARTS-V2's 738 layers).
    r.layer_results.clear();
    o.metrics = sweep_metrics_of(to_json(r));
  } catch (const models::ConfigError& e) {
    fail(e.what());
  } catch (const workloads::NetworkError& e) {
    fail(e.what());
  } catch (const mapper::MappingError& e) {
    fail(e.what());
  } catch (const SimulationError& e) {
    fail(e.what());
  } catch (const std::bad_alloc&) {
    fail("out of memory: this machine has too little memory for the point (or for --jobs of them at once)");
  } catch (const std::exception& e) {
    fail(std::string("internal error: ") + e.what() + " (a bug: please report it with the point's config)");
  } catch (...) {
    fail("internal error: an unknown exception (a bug: please report it with the point's config)");
  }
  o.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

void run_points_in_threads(const SweepSpec& spec, const std::vector<const SweepPoint*>& todo, int jobs,
                           const std::function<std::string(const SweepPoint&)>& label_of,
                           const std::function<void(std::vector<PointOutcome>&)>& record) {
  const std::size_t n_threads = std::min(todo.size(), std::size_t(std::max(1, jobs)));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex m;
  std::condition_variable cv;
  std::deque<PointOutcome> finished;  // guarded by m
  std::size_t running = n_threads;    // guarded by m: threads not yet done
  const auto work = [&] {
    WorkloadCache cache;
    for (std::size_t i = next++; i < todo.size() && !stop; i = next++) {
      PointOutcome o = evaluate_point(spec, *todo[i], label_of(*todo[i]), cache);
      const std::lock_guard<std::mutex> lock(m);
      finished.push_back(std::move(o));
      cv.notify_one();
    }
    const std::lock_guard<std::mutex> lock(m);
    --running;
    cv.notify_one();
  };
  std::vector<std::thread> threads;
  // joined however this function ends: a thread outliving it would use its locals
  struct Join {
    std::vector<std::thread>& threads;
    std::atomic<bool>& stop;
    ~Join() {
      stop = true;
      for (auto& t : threads) t.join();
    }
  } join{threads, stop};
  for (std::size_t t = 0; t < n_threads; ++t) threads.emplace_back(work);
  std::vector<PointOutcome> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(m);
      cv.wait(lock, [&] { return !finished.empty() || running == 0; });
      if (finished.empty()) break;  // and every thread is done
      batch.assign(std::make_move_iterator(finished.begin()), std::make_move_iterator(finished.end()));
      finished.clear();
    }
    record(batch);  // outside the lock: the threads go on while the batch is written
  }
}

}  // namespace cimsim::sim
