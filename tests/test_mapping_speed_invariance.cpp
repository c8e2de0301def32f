// The mapper's speed-ups change no decision: every field of every mapping (blocks, offsets, copies, tiles,
// fusion, the bottleneck figures to the last bit) and every bound graph (names, sites, shapes) of a set of
// networks x configs x mapping modes x budgets x crossbar sizes, and of DARTS genotypes bound to the
// hypernetwork chip, digested (FNV-1a over a text dump, doubles as hexfloats) and compared with
// tests/golden/mapping-digests.txt, recorded before the speed-ups. A deliberate change of the mapper's
// decisions is recorded again with CIMSIM_UPDATE_MAPPING_DIGESTS=1 (the file is rewritten) and shows as a
// diff of that file. Also: a genotype bound to a hypernetwork chip built once (sim::bind_genotype) is the
// same deployment as --deploy hypernet builds from scratch, and mapping twice gives the same mapping.
#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "sim/deploy.hpp"
#include "workloads/genotype.hpp"

using namespace cimsim;

namespace {

std::string hex(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

std::string dump(const mapper::Mapping& m) {
  std::ostringstream o;
  o << m.network << '|' << m.mode << '|' << m.placement << '|' << m.budget << '|' << m.deployment << '|'
    << m.selectors << '|' << m.chip_tiles << '|' << m.tiles_used << '|' << m.pes_used << '|' << m.crossbars_used << '|'
    << m.shared_crossbars << '|' << hex(m.bottleneck_ns) << '|' << hex(m.bottleneck_bound_ns) << '|' << m.cells_used
    << '\n';
  for (const auto& b : m.blocks)
    o << 'b' << b.layer << ',' << b.tile << ',' << b.pe << ',' << b.xbar << ',' << b.group_first << ',' << b.groups << ','
      << b.row_block << ',' << b.col_block << ',' << b.copy << ',' << b.crossbar << ',' << b.row_offset << ','
      << b.col_offset << ',' << b.rows_used << ',' << b.rows_driven << ',' << b.outputs << ',' << b.cols_used << '\n';
  for (const auto& l : m.layers) {
    o << 'l' << l.layer << ',' << l.weighted << ',' << l.rows_per_group << ',' << l.outputs_per_group << ',' << l.groups
      << ',' << l.groups_per_crossbar << ',' << l.row_blocks << ',' << l.col_blocks << ',' << l.home_tile << ','
      << l.fused_into << ',' << l.fused_activation << ',' << l.selectors << ',' << l.copies << ":";
    for (int b : l.blocks) o << ' ' << b;
    o << " :";
    for (int t : l.tiles) o << ' ' << t;
    o << '\n';
  }
  return o.str();
}

std::string dump(const workloads::Graph& g) {
  std::ostringstream o;
  o << g.name << '\n';
  for (const auto& l : g.layers) {
    o << l.name << '@' << l.site << ',' << workloads::op_name(l.op) << ',' << l.out_channels << ',' << l.kernel_h
      << ',' << l.stride << ',' << l.groups << ',' << l.in.c << 'x' << l.in.h << 'x' << l.in.w << ',' << l.out.c << 'x'
      << l.out.h << 'x' << l.out.w << ':';
    for (int i : l.inputs) o << ' ' << i;
    o << '\n';
  }
  return o.str();
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string digest(const sim::Deployment& d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, fnv1a(dump(d.graph) + dump(d.mapping)));
  return buf;
}

// One case: its name -> the digest of what it deploys, or the error it throws.
std::map<std::string, std::string> all_cases() {
  std::map<std::string, std::string> out;
  auto run = [&](const std::string& key, const std::function<sim::Deployment()>& f) {
    try {
      out[key] = digest(f());
    } catch (const std::exception& e) {
      out[key] = std::string("error ") + std::to_string(fnv1a(e.what()));
    }
  };
  const std::vector<std::string> nets = {"vgg8", "resnet18", "squeezenet1_1_64", "mobilenet_v3_small_64",
                                         "deit_tiny", "darts_v1", "darts_v2", "pdarts"};
  const std::vector<std::string> chips = {"default", "isaac", "rnc-box", "neurosim-rram", "edge-rram"};
  for (const auto& chip : chips) {
    const models::HardwareSpec hw = models::load_hardware(chip);
    for (const auto& net : nets) {
      sim::WorkloadRequest r;
      r.net = net;
      const sim::Workload w = sim::resolve_workload(r);
      const std::string k = chip + "/" + net;
      int used = 0;
      run(k + "/compiled", [&] {
        sim::Deployment d = sim::deploy(w, r.darts, hw, sim::Deploy::individual);
        used = d.mapping.crossbars_used;
        return d;
      });
      mapper::MapOptions isaac;
      isaac.mode = mapper::MappingMode::isaac;
      run(k + "/isaac", [&] { return sim::deploy(w, r.darts, hw, sim::Deploy::individual, isaac); });
      if (used > 0 && chip == "default") {
        for (int percent : {130, 200}) {
          mapper::MapOptions budget;
          budget.crossbars = used * percent / 100;
          run(k + "/budget" + std::to_string(percent),
              [&] { return sim::deploy(w, r.darts, hw, sim::Deploy::individual, budget); });
        }
      }
      if (w.genotype) run(k + "/hypernet", [&] { return sim::deploy(w, r.darts, hw, sim::Deploy::hypernet); });
    }
  }
  // crossbar sizes, and the hypernetwork without sharing
  for (int rows : {64, 512}) {
    models::HardwareSpec hw = models::load_hardware("default");
    hw.crossbar.rows = rows;
    for (const std::string net : {"darts_v2", "resnet18"}) {
      sim::WorkloadRequest r;
      r.net = net;
      const sim::Workload w = sim::resolve_workload(r);
      run("rows" + std::to_string(rows) + "/" + net, [&] { return sim::deploy(w, r.darts, hw, sim::Deploy::individual); });
    }
  }
  for (const auto sharing : {models::Sharing::shared, models::Sharing::none}) {
    models::HardwareSpec hw = models::load_hardware("default");
    hw.hypernet.sharing = sharing;
    const workloads::DartsOptions darts;
    const sim::HypernetChip chip = sim::build_hypernet_chip(darts, hw);
    std::mt19937_64 rng(7);
    for (int k = 0; k < 8; ++k) {
      const workloads::Genotype g = workloads::random_genotype(rng);
      run(std::string("bind/") + (sharing == models::Sharing::shared ? "shared/" : "none/") + std::to_string(k),
          [&] { return sim::bind_genotype(chip, g, darts, hw, "random"); });
    }
  }
  return out;
}

const std::string kGolden = std::string(CIMSIM_SOURCE_DIR) + "/tests/golden/mapping-digests.txt";

TEST(MappingSpeedInvariance, EveryMappingMatchesItsRecordedDigest) {
  const auto got = all_cases();
  if (std::getenv("CIMSIM_UPDATE_MAPPING_DIGESTS")) {
    std::ofstream f(kGolden);
    for (const auto& [k, v] : got) f << k << ' ' << v << '\n';
    GTEST_SKIP() << "recorded " << got.size() << " digests in " << kGolden;
  }
  std::ifstream f(kGolden);
  ASSERT_TRUE(f) << "no " << kGolden << " (record it with CIMSIM_UPDATE_MAPPING_DIGESTS=1)";
  std::map<std::string, std::string> want;
  for (std::string k, v; f >> k && std::getline(f >> std::ws, v);) want[k] = v;
  EXPECT_EQ(want.size(), got.size());
  for (const auto& [k, v] : want) {
    const auto it = got.find(k);
    ASSERT_NE(it, got.end()) << k;
    EXPECT_EQ(it->second, v) << k;
  }
}

TEST(MappingSpeedInvariance, BindingToAChipBuiltOnceIsTheFreshHypernetDeployment) {
  const models::HardwareSpec hw = models::load_hardware("default");
  const workloads::DartsOptions darts;
  const sim::HypernetChip chip = sim::build_hypernet_chip(darts, hw);
  std::mt19937_64 rng(11);
  for (int k = 0; k < 4; ++k) {
    sim::Workload w;
    w.genotype = workloads::random_genotype(rng);
    w.graph.name = "g" + std::to_string(k);
    const sim::Deployment fresh = sim::deploy(w, darts, hw, sim::Deploy::hypernet);
    const sim::Deployment bound = sim::bind_genotype(chip, *w.genotype, darts, hw, w.graph.name);
    EXPECT_EQ(dump(fresh.graph), dump(bound.graph));
    EXPECT_EQ(dump(fresh.mapping), dump(bound.mapping));
  }
}

TEST(MappingSpeedInvariance, MappingTwiceGivesTheSameMapping) {
  const models::HardwareSpec hw = models::load_hardware("default");
  sim::WorkloadRequest r;
  r.net = "darts_v2";
  const sim::Workload w = sim::resolve_workload(r);
  mapper::MapOptions budget;
  budget.crossbars = 3000;
  const auto a = sim::deploy(w, r.darts, hw, sim::Deploy::individual, budget);
  const auto b = sim::deploy(w, r.darts, hw, sim::Deploy::individual, budget);
  EXPECT_EQ(dump(a.mapping), dump(b.mapping));
}

}  // namespace
