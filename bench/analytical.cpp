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

#include "bench/points.hpp"
#include "sim/analytical.hpp"

using namespace cimsim;
using bench::Point;

namespace {

void MapAndEvaluate(benchmark::State& state, const char* chip, const char* net) {
  const Point p(chip, net);
  for (auto _ : state) {
    const sim::Deployment d = p.deploy();
    const sim::RunResult r = sim::evaluate(d.graph, p.hw, d.mapping, tiles::RunOptions{});
    benchmark::DoNotOptimize(r.latency_ns);
  }
}

void Darts_v2Evaluate(benchmark::State& state) {
  const Point p("default", "darts_v2");
  const sim::Deployment d = p.deploy();
  for (auto _ : state) {
    const sim::RunResult r = sim::evaluate(d.graph, p.hw, d.mapping, tiles::RunOptions{});
    benchmark::DoNotOptimize(r.latency_ns);
  }
}

void HypernetBindAndEvaluate(benchmark::State& state) {
  bench::Hypernet h;
  for (auto _ : state) {
    const sim::Deployment d = h.bind_random();
    const sim::RunResult r = sim::evaluate(d.graph, h.hw, d.mapping, tiles::RunOptions{});
    benchmark::DoNotOptimize(r.latency_ns);
  }
}

}  // namespace

BENCHMARK_CAPTURE(MapAndEvaluate, Darts_v2MapAndEvaluate, "default", "darts_v2")->Unit(benchmark::kMillisecond);
BENCHMARK(Darts_v2Evaluate)->Unit(benchmark::kMillisecond);
BENCHMARK(HypernetBindAndEvaluate)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(MapAndEvaluate, Vgg8IsaacMapAndEvaluate, "isaac", "vgg8")->Unit(benchmark::kMillisecond);
