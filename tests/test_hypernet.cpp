// The all-inclusive hypernetwork against individual deployments: area and mapping do not depend on the
// genotype; an individual chip is never larger; the comparison's ratios are the quotients of its rows.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "models/cost_model.hpp"
#include "run_util.hpp"
#include "sim/deploy.hpp"
#include "sim/subprocess.hpp"
#include "workloads/genotype.hpp"

using namespace cimsim;
using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;

namespace {

double area_of(const models::HardwareSpec& hw, const mapper::Mapping& m) {
  return models::area(hw, m.chip_tiles, m.selectors).total_mm2;
}

sim::Workload workload_of(const workloads::Genotype& g, const workloads::DartsOptions& o) {
  sim::Workload w;
  w.genotype = g;
  w.graph = workloads::build_network_cifar(g, o, "random");
  return w;
}

void check_random_genotypes(models::Sharing sharing) {
  auto hw = models::load_hardware("default");
  hw.hypernet.sharing = sharing;
  const workloads::DartsOptions o;
  std::mt19937_64 rng(2024);
  double hyper_area = -1;
  int hyper_xbars = -1;
  // the supergraph is mapped once (what sim::deploy does for each run), each genotype bound to it
  const bool shared = sharing == models::Sharing::shared;
  const auto super = workloads::build_hypernet_cifar(o, shared);
  const auto super_mapping = mapper::map_network(super, hw);
  EXPECT_EQ(sim::deploy(workload_of(workloads::builtin_genotype("darts_v2"), o), o, hw, sim::Deploy::hypernet)
                .mapping.crossbars_used,
            super_mapping.crossbars_used);
  for (int i = 0; i < 200; ++i) {
    const auto g = workloads::random_genotype(rng);
    const auto w = workload_of(g, o);
    const mapper::Mapping hyper = mapper::bind_to_sites(
        workloads::build_network_cifar_for_hypernet(g, o, shared, "random"), super, super_mapping,
        workloads::edges_per_cell * o.layers);
    const auto indiv = sim::deploy(w, o, hw, sim::Deploy::individual);
    const double a = area_of(hw, hyper);
    if (i == 0) {
      hyper_area = a;
      hyper_xbars = hyper.crossbars_used;
    }
    ASSERT_DOUBLE_EQ(a, hyper_area) << workloads::to_string(g);
    ASSERT_EQ(hyper.crossbars_used, hyper_xbars);
    ASSERT_EQ(hyper.selectors, 14 * o.layers);
    ASSERT_LE(area_of(hw, indiv.mapping), a) << workloads::to_string(g);
    ASSERT_LE(indiv.mapping.crossbars_used, hyper_xbars);
    // every crossbar an active layer uses is one of the hypernetwork's: same tile, PE and slot
    std::set<std::tuple<int, int, int>> slots;
    for (const auto& b : hyper.blocks) slots.insert({b.tile, b.pe, b.xbar});
    for (const auto& b : hyper.blocks) ASSERT_LT(b.tile, hyper.chip_tiles);
    ASSERT_LE(slots.size(), size_t(hyper_xbars));
  }
}

}  // namespace

TEST(Hypernet, TwoHundredRandomGenotypesShareOneChipShared) { check_random_genotypes(models::Sharing::shared); }

TEST(Hypernet, TwoHundredRandomGenotypesShareOneChipUnshared) { check_random_genotypes(models::Sharing::none); }

TEST(Hypernet, SharingMakesTheChipSmaller) {
  auto hw = models::load_hardware("default");
  const workloads::DartsOptions o;
  const auto w = workload_of(workloads::builtin_genotype("darts_v2"), o);
  hw.hypernet.sharing = models::Sharing::shared;
  const double shared = area_of(hw, sim::deploy(w, o, hw, sim::Deploy::hypernet).mapping);
  hw.hypernet.sharing = models::Sharing::none;
  const double none = area_of(hw, sim::deploy(w, o, hw, sim::Deploy::hypernet).mapping);
  EXPECT_LT(shared, none);
}

TEST(Hypernet, SmallerKernelsOnSharedArraysDriveOnlyTheirRows) {
  auto hw = models::load_hardware("default");
  const workloads::DartsOptions o;
  const auto w = workload_of(workloads::builtin_genotype("darts_v2"), o);
  const auto d = sim::deploy(w, o, hw, sim::Deploy::hypernet);
  int checked = 0;
  for (size_t i = 0; i < d.graph.layers.size(); ++i) {
    const auto& l = d.graph.layers[i];
    if (l.op != workloads::OpKind::conv || l.groups == 1) continue;
    for (int b : d.mapping.layers[i].blocks) {
      const auto& blk = d.mapping.blocks[b];
      // a depthwise kxk on a 5x5 array: 25 rows per group hold it, k*k of them are driven
      EXPECT_EQ(blk.rows_used, 25 * blk.groups) << l.name;
      EXPECT_EQ(blk.rows_driven, l.kernel_h * l.kernel_w * blk.groups) << l.name;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(Hypernet, ANonDartsNetworkCannotRunOnTheHypernetwork) {
  const auto dir = scratch_dir();
  const std::string cmd = std::string(CIMSIM_BINARY) + " run --net vgg8 --deploy hypernet -q 2> " +
                          (dir / "err").string();
  EXPECT_EQ(std::system(cmd.c_str()) >> 8, 2);
  EXPECT_NE(read_text(dir / "err").find("runs DARTS genotypes only"), std::string::npos);
}

TEST(Compare, RatiosAreTheQuotientsOfTheRows) {
  const auto dir = scratch_dir();
  const auto json_path = dir / "c.json";
  const auto csv_path = dir / "c.csv";
  const std::string cmd = std::string(CIMSIM_BINARY) + " compare --hw default --nets darts_v1,darts_v2,pdarts --json " +
                          json_path.string() + " --csv " + csv_path.string() + " > " + (dir / "out").string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(dir / "out");
  const auto j = nlohmann::json::parse(read_text(json_path));
  ASSERT_EQ(j["rows"].size(), 3u);
  double hyper_area = -1;
  for (const auto& r : j["rows"]) {
    for (const auto& [key, field] : {std::pair{"latency", "latency_ns"}, std::pair{"energy", "energy_pj"},
                                     std::pair{"power", "power_mw"}, std::pair{"area", "area_mm2"}}) {
      const double q = double(r["hypernet"][field]) / double(r["individual"][field]);
      EXPECT_NEAR(double(r["ratio"][key]), q, 1e-12 * q) << r["net"] << " " << key;
    }
    // power is energy over time in both rows
    for (const char* d : {"individual", "hypernet"}) {
      const auto& m = r[d];
      EXPECT_NEAR(double(m["power_mw"]), double(m["energy_pj"]) / double(m["latency_ns"]),
                  1e-9 * double(m["power_mw"]));
    }
    if (hyper_area < 0) hyper_area = r["hypernet"]["area_mm2"];
    EXPECT_DOUBLE_EQ(double(r["hypernet"]["area_mm2"]), hyper_area);  // one chip for all
    EXPECT_LE(double(r["individual"]["area_mm2"]), hyper_area);
  }
  EXPECT_EQ(j["rows"][0]["net"], "darts_v1");
  // the CSV holds the same rows: 3 lines per architecture plus the header
  const std::string csv = read_text(csv_path);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 3 * 3);
}

TEST(Compare, RandomGenotypesSimulateOnTheHypernetwork) {
  // 200 random genotypes of the full space (none edges and none-only nodes included), each simulated
  // on the hypernetwork and on its own chip, each in its own process; a small NetworkCIFAR keeps it quick
  const auto dir = scratch_dir();
  std::mt19937_64 rng(7);
  std::string nets;
  for (int i = 0; i < 200; ++i) {
    const auto path = dir / ("g" + std::to_string(i) + ".genotype");
    cimsim::testing::write_text(path, workloads::to_string(workloads::random_genotype(rng)) + "\n");
    nets += (i ? "," : "") + path.string();
  }
  const auto json_path = dir / "c.json";
  const std::string cmd = std::string(CIMSIM_BINARY) + " compare --hw default --darts-c 8 --darts-layers 5 --nets " +
                          nets + " --json " + json_path.string() + " > " + (dir / "out").string() + " 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(dir / "out");
  const auto j = nlohmann::json::parse(read_text(json_path));
  ASSERT_EQ(j["rows"].size(), 200u);
  const double area = j["rows"][0]["hypernet"]["area_mm2"];
  for (const auto& r : j["rows"]) {
    EXPECT_DOUBLE_EQ(double(r["hypernet"]["area_mm2"]), area);
    EXPECT_LE(double(r["individual"]["area_mm2"]), area);
    EXPECT_GT(double(r["hypernet"]["latency_ns"]), 0.0);
    EXPECT_GT(double(r["individual"]["latency_ns"]), 0.0);
  }
}

TEST(Genotype, MalformedGenotypesOnTheCommandLineExitTwoWithTheParsersMessage) {
  // each: exit 2, exactly one line on stderr naming the column and what was expected, no output file
  const auto dir = scratch_dir();
  const std::vector<std::string> bad = {
      "Genotype()",
      "DARTS = Genotyp(normal=[])",
      "Genotype[normal=[])",
      "Genotype(normal=[('sep_conv_7x7', 0)",
      "Genotype(normal=[(sep_conv_3x3, 0)",
      "Genotype(normal=[('sep_conv_3x3' 0)",
      "Genotype(normal=[('sep_conv_3x3', -1)",
      "Genotype(normal=[('sep_conv_3x3', 0]",
      "Genotype(normal=[('sep_conv_3x3', 0) ('none', 1)]",
      "Genotype(normal=[('sep_conv_3x3, 0)]",
      "Genotype(normals=[])",
      "Genotype(normal:[])",
      "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0)], normal_concat=[2])",
      "X = Genotype(\n  normal=[('sep_conv_3x3', 0),\n  ('sep_conv_3x9', 1)",
  };
  std::vector<sim::Job> jobs;
  for (size_t i = 0; i < bad.size(); ++i) {
    sim::Job j;
    j.argv = {CIMSIM_BINARY, "run", "--genotype", bad[i], "-q", "--json", (dir / ("o" + std::to_string(i) + ".json")).string()};
    j.stdout_path = (dir / ("o" + std::to_string(i) + ".out")).string();
    j.stderr_path = (dir / ("o" + std::to_string(i) + ".err")).string();
    jobs.push_back(j);
  }
  sim::run_jobs(jobs, 2);
  for (size_t i = 0; i < bad.size(); ++i) {
    std::string expected;
    try {
      workloads::parse_genotype(bad[i], "--genotype");
      ADD_FAILURE() << "parsed: " << bad[i];
    } catch (const workloads::NetworkError& e) {
      expected = std::string("cimsim: error: ") + e.what() + "\n";
    }
    EXPECT_EQ(jobs[i].exit_code, 2) << bad[i];
    EXPECT_EQ(read_text(jobs[i].stderr_path), expected) << bad[i];
    EXPECT_NE(expected.find("--genotype:"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir / ("o" + std::to_string(i) + ".json"))) << bad[i];
  }
}
