#include "sim/deploy.hpp"

#include "workloads/limits.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/text.hpp"
#include "models/limits.hpp"
#include "workloads/loader.hpp"
#include "workloads/search_space.hpp"

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
  // an architecture of a search space as `cimsim search` writes it in front.csv
  if (r.net.rfind("ofa_mbv3(", 0) == 0) {
    w.graph = workloads::build_ofa_mbv3(workloads::parse_ofa_mbv3(r.net, "--net"), 1000, "ofa_mbv3");
    return w;
  }
  if (r.net.rfind("vit(", 0) == 0) {
    w.graph = workloads::build_vit_arch(workloads::parse_vit_arch(r.net, "--net"), "vit");
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

namespace {

void need_genotype(const Workload& w, const std::string& what) {
  if (!w.genotype)
    throw NetworkError(what + " runs DARTS genotypes only (darts_v1, darts_v2, pdarts, a .genotype file or "
                       "--genotype); '" + w.graph.name + "' is not one");
}

using Hypernet = HypernetChip;

Hypernet build_hypernet(const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                        const mapper::MapOptions& map) {
  check_budget(hw, map.crossbars);
  if (map.placement != mapper::PlacementMode::packed)
    throw mapper::MappingError(std::string("--placement ") + mapper::placement_name(map.placement) +
                               ": allowed with --deploy individual only (the hypernetwork chip is placed packed)");
  Hypernet h;
  h.super = workloads::build_hypernet_cifar(darts, hw.hypernet.sharing == models::Sharing::shared);
  h.mapping = mapper::map_network(h.super, hw, map);
  check_chip(hw, h.mapping);
  return h;
}

// The genotype of `w` run on the hypernetwork chip `h`; `graph` receives what runs (every layer naming
// its site).
mapper::Mapping bind_hypernet(const Workload& w, const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                              const Hypernet& h, workloads::Graph& graph) {
  graph = workloads::build_network_cifar_for_hypernet(*w.genotype, darts,
                                                      hw.hypernet.sharing == models::Sharing::shared, w.graph.name);
  const int selectors = workloads::edges_per_cell * darts.layers;  // one per edge of every cell
  return mapper::bind_to_sites(graph, h.super, h.mapping, selectors);
}

mapper::MapOptions packed(mapper::MapOptions map) {
  map.placement = mapper::PlacementMode::packed;
  map.spread_tiles = 0;
  return map;
}

}  // namespace

HypernetChip build_hypernet_chip(const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                                 const mapper::MapOptions& map) {
  return build_hypernet(darts, hw, map);
}

Deployment bind_genotype(const HypernetChip& chip, const workloads::Genotype& genotype,
                         const workloads::DartsOptions& darts, const models::HardwareSpec& hw, const std::string& name) {
  Workload w;
  w.genotype = genotype;
  w.graph.name = name;
  Deployment d;
  d.mapping = bind_hypernet(w, darts, hw, chip, d.graph);
  return d;
}

mapper::Mapping map_hypernet(const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                             const mapper::MapOptions& map) {
  return build_hypernet(darts, hw, map).mapping;
}

int hypernet_tiles(const Workload& w, const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                   mapper::MappingMode mode) {
  need_genotype(w, "the hypernetwork chip");
  models::HardwareSpec sized = hw;  // the chip compare deploys: sized to the supergraph's mapping
  sized.chip.auto_size = true;
  mapper::MapOptions map;
  map.mode = mode;
  workloads::Graph g;
  return mapper::tiles_with_blocks(bind_hypernet(w, darts, sized, build_hypernet(darts, sized, map), g));
}

Deployment deploy(const Workload& w, const workloads::DartsOptions& darts, const models::HardwareSpec& hw,
                  Deploy mode, const mapper::MapOptions& map) {
  check_budget(hw, map.crossbars);
  if (mode == Deploy::individual) {
    mapper::MapOptions opt = map;
    if (opt.placement == mapper::PlacementMode::spread && opt.spread_tiles <= 0) {
      if (!w.genotype)
        throw mapper::MappingError("--placement spread: give --spread-tiles N for '" + common::printable(w.graph.name) +
                                   "' (only a DARTS genotype takes its tile count from the hypernetwork chip)");
      const mapper::Mapping own = mapper::map_network(w.graph, hw, packed(map));
      const int64_t per_tile = hw.crossbars_per_tile();
      const int64_t least = std::max<int64_t>(1, (own.crossbars_used + per_tile - 1) / per_tile);
      const int64_t most = std::max(1, own.crossbars_used);
      opt.spread_tiles = int(std::clamp<int64_t>(hypernet_tiles(w, darts, hw, map.mode), least, most));
    }
    mapper::Mapping m = mapper::map_network(w.graph, hw, opt);
    check_chip(hw, m);
    return {w.graph, std::move(m)};
  }
  need_genotype(w, "--deploy hypernet");
  Deployment d;
  d.mapping = bind_hypernet(w, darts, hw, build_hypernet(darts, hw, map), d.graph);
  return d;
}

}  // namespace cimsim::sim
