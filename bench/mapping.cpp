// cimsim-bench-mapping: the mapper's speed in process (Google Benchmark, the pattern of bench/analytical.cpp).
// No SystemC object is built; the config and the network are loaded once, outside the timed loop.
//   Darts_v2Default       sim::deploy (compiled mapping) of darts_v2 on the default chip
//   Vgg8Isaac             sim::deploy of vgg8 on isaac
//   Darts_v2Rows64/512    darts_v2 on the default chip with crossbar.rows 64 and 512
//   HypernetChip          sim::build_hypernet_chip on the default chip
//   BindGenotype          a random DARTS genotype (seeded; a new one each iteration) bound to the
//                         hypernetwork chip built once (sim::bind_genotype), without evaluation
#include <benchmark/benchmark.h>

#include "bench/points.hpp"

using namespace cimsim;

namespace {

// A config (crossbar.rows changed when `rows` > 0) and a network, loaded once; then deploys timed.
void Deploy(benchmark::State& state, const char* chip, const char* net, int rows) {
  bench::Point p(chip, net);
  if (rows > 0) p.hw.crossbar.rows = rows;
  for (auto _ : state) {
    const sim::Deployment d = p.deploy();
    benchmark::DoNotOptimize(d.mapping.crossbars_used);
  }
}

void HypernetChip(benchmark::State& state) {
  const models::HardwareSpec hw = models::load_hardware("default");
  const workloads::DartsOptions darts;
  for (auto _ : state) {
    const sim::HypernetChip chip = sim::build_hypernet_chip(darts, hw);
    benchmark::DoNotOptimize(chip.mapping.crossbars_used);
  }
}

void BindGenotype(benchmark::State& state) {
  bench::Hypernet h;
  for (auto _ : state) {
    const sim::Deployment d = h.bind_random();
    benchmark::DoNotOptimize(d.mapping.blocks.size());
  }
}

}  // namespace

BENCHMARK_CAPTURE(Deploy, Darts_v2Default, "default", "darts_v2", 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Deploy, Vgg8Isaac, "isaac", "vgg8", 0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Deploy, Darts_v2Rows64, "default", "darts_v2", 64)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Deploy, Darts_v2Rows512, "default", "darts_v2", 512)->Unit(benchmark::kMicrosecond);
BENCHMARK(HypernetChip)->Unit(benchmark::kMicrosecond);
BENCHMARK(BindGenotype)->Unit(benchmark::kMicrosecond);
