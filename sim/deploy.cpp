#include "sim/deploy.hpp"

#include "workloads/limits.hpp"

#include <fstream>
#include <sstream>

#include "models/limits.hpp"
#include "workloads/loader.hpp"

namespace cimsim::sim {

using workloads::NetworkError;

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
// The --crossbars budget makes a chip of ceil(budget / crossbars per tile) tiles: bounded before mapping.
void check_budget(const models::HardwareSpec& hw, int crossbars) {
  if (crossbars <= 0) return;
  if (crossbars > models::limits::kMaxChipCrossbars)
    throw mapper::MappingError("--crossbars " + std::to_string(crossbars) + ": allowed: at most " +
                               std::to_string(models::limits::kMaxChipCrossbars) + " crossbars per chip");
  const int64_t per_tile = int64_t(hw.tile.pes) * hw.pe.crossbars;
  const int64_t tiles = (int64_t(crossbars) + per_tile - 1) / per_tile;
  if (tiles > models::limits::kMaxChipTiles)
    throw mapper::MappingError("--crossbars " + std::to_string(crossbars) + " at " + std::to_string(per_tile) +
                               " crossbars per tile is a chip of " + std::to_string(tiles) +
                               " tiles; allowed: at most " + std::to_string(models::limits::kMaxChipTiles) +
                               " tiles (a budget of at most " +
                               std::to_string(models::limits::kMaxChipTiles * per_tile) + " crossbars here)");
}

// The chip a mapping makes (its tiles x crossbars per tile) is bounded like a config's chip. A budget
// was bounded itself (check_budget); its last tile may be partly outside it.
void check_chip(const models::HardwareSpec& hw, const mapper::Mapping& m) {
  const int64_t per_tile = int64_t(hw.tile.pes) * hw.pe.crossbars;
  const int64_t xbars = m.budget > 0 ? int64_t(m.budget) : int64_t(m.chip_tiles) * per_tile;
  if (m.chip_tiles > models::limits::kMaxChipTiles || xbars > models::limits::kMaxChipCrossbars)
    throw mapper::MappingError("network '" + m.network + "' makes a chip of " + std::to_string(m.chip_tiles) +
                               " tiles x " + std::to_string(per_tile) + " crossbars = " + std::to_string(xbars) +
                               " crossbars; allowed: at most " + std::to_string(models::limits::kMaxChipTiles) +
                               " tiles and " + std::to_string(models::limits::kMaxChipCrossbars) + " crossbars");
}

}  // namespace

Workload resolve_workload(const WorkloadRequest& r) {
  Workload w;
  if (!r.genotype_text.empty()) {
    workloads::Genotype g = workloads::parse_genotype(r.genotype_text, "--genotype");
    if (g.name.empty()) g.name = "genotype";
    w.graph = workloads::build_network_cifar(g, r.darts, g.name);
    w.genotype = g;
    return w;
  }
  for (const auto& b : workloads::builtin_genotypes()) {
    if (r.net != b.name) continue;
    workloads::Genotype g = workloads::builtin_genotype(b.name);
    g.name = b.name;
    w.graph = workloads::build_network_cifar(g, r.darts, b.name);
    w.genotype = g;
    return w;
  }
  if (ends_with(r.net, ".genotype")) {
    w.graph = workloads::load_genotype_file(r.net, r.darts);
    // the loader validated the file; parse it again for the genotype itself
    const std::string text = workloads::read_bounded_file(r.net, workloads::kMaxGenotypeBytes, "a genotype");
    workloads::Genotype g = workloads::parse_genotype(text, r.net);
    g.name = w.graph.name;
    w.genotype = g;
    return w;
  }
  w.graph = workloads::load_network(r.net);
  return w;
}

Deploy deploy_from_name(const std::string& name) {
  if (name == "individual") return Deploy::individual;
  if (name == "hypernet") return Deploy::hypernet;
  throw NetworkError("--deploy " + name + ": allowed: individual, hypernet");
}

Deployment deploy(const Workload& w, const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                  Deploy mode, const mapper::MapOptions& map) {
  check_budget(hw, map.crossbars);
  if (mode == Deploy::individual) {
    mapper::Mapping m = mapper::map_network(w.graph, hw, map);
    check_chip(hw, m);
    return {w.graph, std::move(m)};
  }
  if (!w.genotype)
    throw NetworkError("--deploy hypernet runs DARTS genotypes only (darts_v1, darts_v2, pdarts, a "
                       ".genotype file or --genotype); '" + w.graph.name + "' is not one");
  const bool shared = hw.hypernet.sharing == models::Sharing::shared;
  const workloads::Graph super = workloads::build_hypernet_cifar(darts, shared);
  const mapper::Mapping super_mapping = mapper::map_network(super, hw, map);
  check_chip(hw, super_mapping);
  workloads::Graph g = workloads::build_network_cifar_for_hypernet(*w.genotype, darts, shared, w.graph.name);
  const int selectors = workloads::edges_per_cell * darts.layers;  // one per edge of every cell
  mapper::Mapping m = mapper::bind_to_sites(g, super, super_mapping, selectors);
  return {std::move(g), std::move(m)};
}

}  // namespace cimsim::sim
