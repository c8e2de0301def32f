// From what the user named (a network or a genotype, a deployment mode) to a graph and its mapping:
// an individual deployment maps the network itself; a hypernetwork deployment maps the all-inclusive
// DARTS supergraph and runs the genotype on it by switch settings (docs/hypernet.md).
#pragma once

#include <optional>
#include <string>

#include "mapper/mapping.hpp"
#include "models/hardware_spec.hpp"
#include "workloads/darts.hpp"
#include "workloads/genotype.hpp"
#include "workloads/graph.hpp"

namespace cimsim::sim {

struct WorkloadRequest {
  std::string net = "vgg8";   // a built-in, .yaml, .csv or .genotype
  std::string genotype_text;  // --genotype "Genotype(...)": used instead of `net` when given
  workloads::DartsOptions darts;
};

struct Workload {
  workloads::Graph graph;                       // the network as an individual chip runs it
  std::optional<workloads::Genotype> genotype;  // DARTS networks only
};

// Throws workloads::NetworkError for a bad network or genotype.
Workload resolve_workload(const WorkloadRequest& request);

enum class Deploy { individual, hypernet };
Deploy deploy_from_name(const std::string& name);  // "individual" | "hypernet"

struct Deployment {
  workloads::Graph graph;   // what runs: for a hypernetwork, the genotype with every layer's site
  mapper::Mapping mapping;
};

// Individual: the network mapped on `hw`. Hypernet: the supergraph for `hw.hypernet.sharing` mapped
// on `hw`, the genotype bound to it; needs a DARTS workload (NetworkError otherwise).
Deployment deploy(const Workload& workload, const workloads::DartsOptions& darts,
                  const models::HardwareSpec& hw, Deploy mode, const mapper::MapOptions& map = {});

}  // namespace cimsim::sim
