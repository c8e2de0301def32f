// What the in-process benchmarks (cimsim-bench-analytical, cimsim-bench-mapping) set up once, outside
// their timed loops: a config and a resolved network, and the hypernetwork chip mapped once with a
// seeded source of random DARTS genotypes to bind to it.
#pragma once

#include <random>
#include <string>

#include "models/config_loader.hpp"
#include "sim/deploy.hpp"
#include "workloads/genotype.hpp"

namespace cimsim::bench {

// A built-in config (models::load_hardware) and network (`cimsim run --net NET`), loaded once.
struct Point {
  models::HardwareSpec hw;
  sim::WorkloadRequest request;
  sim::Workload workload;
  Point(const std::string& chip, const std::string& net) : hw(models::load_hardware(chip)) {
    request.net = net;
    workload = sim::resolve_workload(request);
  }
  sim::Deployment deploy() const { return sim::deploy(workload, request.darts, hw, sim::Deploy::individual); }
};

// The default chip's hypernetwork (C = 36, 20 cells), mapped once, and genotypes to bind, seeded.
struct Hypernet {
  models::HardwareSpec hw = models::load_hardware("default");
  workloads::DartsOptions darts;
  sim::HypernetChip chip = sim::build_hypernet_chip(darts, hw);
  std::mt19937_64 rng{1};
  // a new random genotype bound to the chip (sim::bind_genotype: switch settings, no remapping)
  sim::Deployment bind_random() {
    return sim::bind_genotype(chip, workloads::random_genotype(rng), darts, hw, "random");
  }
};

}  // namespace cimsim::bench
