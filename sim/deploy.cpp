#include "sim/deploy.hpp"

#include <fstream>
#include <sstream>

#include "workloads/loader.hpp"

namespace cimsim::sim {

using workloads::NetworkError;

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
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
    std::ifstream f(r.net);
    std::stringstream text;
    text << f.rdbuf();
    workloads::Genotype g = workloads::parse_genotype(text.str(), r.net);
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
  if (mode == Deploy::individual) return {w.graph, mapper::map_network(w.graph, hw, map)};
  if (!w.genotype)
    throw NetworkError("--deploy hypernet runs DARTS genotypes only (darts_v1, darts_v2, pdarts, a "
                       ".genotype file or --genotype); '" + w.graph.name + "' is not one");
  const bool shared = hw.hypernet.sharing == models::Sharing::shared;
  const workloads::Graph super = workloads::build_hypernet_cifar(darts, shared);
  const mapper::Mapping super_mapping = mapper::map_network(super, hw, map);
  workloads::Graph g = workloads::build_network_cifar_for_hypernet(*w.genotype, darts, shared, w.graph.name);
  const int selectors = workloads::edges_per_cell * darts.layers;  // one per edge of every cell
  mapper::Mapping m = mapper::bind_to_sites(g, super, super_mapping, selectors);
  return {std::move(g), std::move(m)};
}

}  // namespace cimsim::sim
