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
  std::string net = "vgg8";   // a built-in, .yaml, .csv, .onnx or .genotype, or a search-space architecture
                              // as cimsim search writes it: "ofa_mbv3(r=..., ...)", "vit(image=..., ...)"
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
// A spread placement (individual only) without a tile count takes, for a DARTS workload, the tiles the
// genotype occupies on the hypernetwork chip of the same `hw` and mapping mode (hypernet_tiles), within
// what the individual mapping allows (its packed tile count to one crossbar per tile); other networks
// must name the count (MappingError).
Deployment deploy(const Workload& workload, const workloads::DartsOptions& darts,
                  const models::HardwareSpec& hw, Deploy mode, const mapper::MapOptions& map = {});

// The all-inclusive hypernetwork chip, mapped once (the supergraph for `hw.hypernet.sharing`, packed), and
// genotypes bound to it by switch settings without remapping: what --deploy hypernet does in two steps,
// for loops that evaluate many genotypes on one chip (sim::evaluate, cimsim search).
struct HypernetChip {
  workloads::Graph super;
  mapper::Mapping mapping;
};
HypernetChip build_hypernet_chip(const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                                 const mapper::MapOptions& map = {});
// `genotype` on `chip` (built for the same `darts` and `hw`); the graph's name is `name`.
Deployment bind_genotype(const HypernetChip& chip, const workloads::Genotype& genotype,
                         const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                         const std::string& name);

// The all-inclusive hypernetwork chip's mapping (the supergraph for `hw.hypernet.sharing`, packed).
mapper::Mapping map_hypernet(const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                             const mapper::MapOptions& map = {});

// The tiles a DARTS workload's genotype occupies (holds crossbar blocks on) on the hypernetwork chip
// that `compare` deploys: `hw` sized to the supergraph's `mode` mapping, no budget, packed.
int hypernet_tiles(const Workload& workload, const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                   mapper::MappingMode mode);

}  // namespace cimsim::sim
