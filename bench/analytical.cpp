// cimsim-bench-analytical: the analytical evaluator's speed (Google Benchmark; bench/run.sh runs it and
// docs/performance.md has the figures). No SystemC object is built: every iteration is in this process.
//   Darts_v2MapAndEvaluate   darts_v2 on the default chip: sim::deploy (the compiled mapping) then
//                            sim::evaluate; the config and the network are loaded once, outside the loop
//   Darts_v2Evaluate         sim::evaluate alone on a mapping made once
//   HypernetBindAndEvaluate  a random DARTS genotype (a new one each iteration, seeded) bound to the
//                            hypernetwork chip mapped once (sim::bind_genotype) and evaluated
//   Vgg8IsaacMapAndEvaluate  vgg8 on isaac, mapping included
// The SystemC run of the same point is timed by bench/run.sh (cimsim-split) for the ratio.
#include <benchmark/benchmark.h>

#include <random>
#include <systemc>

#include "models/config_loader.hpp"
#include "sim/analytical.hpp"
#include "sim/deploy.hpp"
#include "workloads/genotype.hpp"

using namespace cimsim;

namespace {

struct Point {
  models::HardwareSpec hw;
  sim::WorkloadRequest request;
  sim::Workload workload;
  Point(const std::string& chip, const std::string& net) : hw(models::load_hardware(chip)) {
    request.net = net;
    workload = sim::resolve_workload(request);
  }
};

void MapAndEvaluate(benchmark::State& state, const char* chip, const char* net) {
  const Point p(chip, net);
  for (auto _ : state) {
    const sim::Deployment d = sim::deploy(p.workload, p.request.darts, p.hw, sim::Deploy::individual);
    const sim::RunResult r = sim::evaluate(d.graph, p.hw, d.mapping, tiles::RunOptions{});
    benchmark::DoNotOptimize(r.latency_ns);
  }
}

void Darts_v2Evaluate(benchmark::State& state) {
  const Point p("default", "darts_v2");
  const sim::Deployment d = sim::deploy(p.workload, p.request.darts, p.hw, sim::Deploy::individual);
  for (auto _ : state) {
    const sim::RunResult r = sim::evaluate(d.graph, p.hw, d.mapping, tiles::RunOptions{});
    benchmark::DoNotOptimize(r.latency_ns);
  }
}

void HypernetBindAndEvaluate(benchmark::State& state) {
  const models::HardwareSpec hw = models::load_hardware("default");
  const workloads::DartsOptions darts;
  const sim::HypernetChip chip = sim::build_hypernet_chip(darts, hw);
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    const workloads::Genotype g = workloads::random_genotype(rng);
    const sim::Deployment d = sim::bind_genotype(chip, g, darts, hw, "random");
    const sim::RunResult r = sim::evaluate(d.graph, hw, d.mapping, tiles::RunOptions{});
    benchmark::DoNotOptimize(r.latency_ns);
  }
}

}  // namespace

BENCHMARK_CAPTURE(MapAndEvaluate, Darts_v2MapAndEvaluate, "default", "darts_v2")->Unit(benchmark::kMillisecond);
BENCHMARK(Darts_v2Evaluate)->Unit(benchmark::kMillisecond);
BENCHMARK(HypernetBindAndEvaluate)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(MapAndEvaluate, Vgg8IsaacMapAndEvaluate, "isaac", "vgg8")->Unit(benchmark::kMillisecond);

// libsystemc provides main() and calls sc_main(); no SystemC object is made here
int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
