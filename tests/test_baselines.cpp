// The individual chips `cimsim compare` sets against the hypernetwork chip (docs/hypernet.md): the spread
// placement of the mapper, and the three baselines (iso-provisioning, iso-area, minimal) end to end, each
// simulation in its own process.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "models/cost_model.hpp"
#include "run_util.hpp"
#include "sim/compare.hpp"
#include "sim/deploy.hpp"
#include "workloads/builtins.hpp"

using namespace cimsim;
using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using cimsim::testing::shell;

namespace {

// A small NetworkCIFAR keeps the end-to-end runs quick; the mapper-level tests use the full C = 36.
const char* kSmallDarts = " --darts-c 8 --darts-layers 5";

sim::Workload darts(const std::string& name, const workloads::DartsOptions& o = {}) {
  sim::WorkloadRequest r;
  r.net = name;
  r.darts = o;
  return sim::resolve_workload(r);
}

mapper::MapOptions options(mapper::MappingMode mode, int spread_tiles) {
  mapper::MapOptions o;
  o.mode = mode;
  if (spread_tiles > 0) {
    o.placement = mapper::PlacementMode::spread;
    o.spread_tiles = spread_tiles;
  }
  return o;
}

// Spread over `tiles`: the packed mapping's crossbars and blocks, crossbar s of X on tile floor(s x tiles / X),
// runs of equal size filling their tile's PEs from the first; home tiles follow the blocks.
void check_spread(const workloads::Graph& g, const models::HardwareSpec& hw, mapper::MappingMode mode, int tiles) {
  const auto packed = mapper::map_network(g, hw, options(mode, 0));
  const auto spread = mapper::map_network(g, hw, options(mode, tiles));
  const int64_t x = packed.crossbars_used;
  EXPECT_EQ(packed.placement, "packed");
  EXPECT_EQ(spread.placement, "spread");
  EXPECT_EQ(spread.crossbars_used, x);
  EXPECT_EQ(spread.shared_crossbars, packed.shared_crossbars);
  EXPECT_EQ(spread.cells_used, packed.cells_used);
  EXPECT_EQ(spread.tiles_used, tiles);
  EXPECT_EQ(spread.chip_tiles, tiles);  // chip: auto
  EXPECT_EQ(mapper::tiles_with_blocks(spread), tiles);
  ASSERT_EQ(spread.blocks.size(), packed.blocks.size());
  std::map<int, std::set<int>> on_tile;  // tile -> crossbars
  std::map<int, std::pair<int, int>> slot_of;  // crossbar -> (pe, xbar)
  for (size_t i = 0; i < spread.blocks.size(); ++i) {
    const auto& s = spread.blocks[i];
    const auto& p = packed.blocks[i];
    ASSERT_EQ(std::tie(s.layer, s.copy, s.crossbar, s.row_offset, s.col_offset, s.rows_used, s.cols_used),
              std::tie(p.layer, p.copy, p.crossbar, p.row_offset, p.col_offset, p.rows_used, p.cols_used));
    EXPECT_EQ(s.tile, int(int64_t(s.crossbar) * tiles / x));
    on_tile[s.tile].insert(s.crossbar);
    const auto at = slot_of.emplace(s.crossbar, std::pair{s.pe, s.xbar});
    EXPECT_EQ(at.first->second, (std::pair{s.pe, s.xbar})) << "one crossbar, one slot";
  }
  ASSERT_EQ(int(on_tile.size()), tiles);
  size_t fewest = SIZE_MAX, most = 0;
  for (const auto& [t, xs] : on_tile) {
    fewest = std::min(fewest, xs.size());
    most = std::max(most, xs.size());
    EXPECT_LE(int(xs.size()), hw.crossbars_per_tile());
    int local = 0;  // the tile's run of crossbars fills its PEs from the first, in order
    for (int c : xs) {
      EXPECT_EQ(slot_of[c], (std::pair{local / hw.pe.crossbars, local % hw.pe.crossbars})) << "crossbar " << c;
      ++local;
    }
  }
  EXPECT_LE(most - fewest, 1u) << "runs of equal size";
  for (size_t i = 0; i < g.layers.size(); ++i) {
    const auto& lm = spread.layers[i];
    if (!lm.weighted) continue;
    std::set<int> tiles_of;
    for (int b : lm.blocks) tiles_of.insert(spread.blocks[b].tile);
    EXPECT_EQ(lm.tiles, std::vector<int>(tiles_of.begin(), tiles_of.end())) << g.layers[i].name;
    EXPECT_EQ(lm.home_tile, spread.blocks[lm.blocks.front()].tile) << g.layers[i].name;
  }
  // digital layers still live where their first input is
  for (size_t i = 1; i < g.layers.size(); ++i) {
    if (spread.layers[i].weighted) continue;
    EXPECT_EQ(spread.layers[i].home_tile, spread.layers[g.layers[i].inputs.front()].home_tile) << g.layers[i].name;
  }
}

struct Compare {
  nlohmann::json json;
  std::string csv, out, err;
  int code = -1;
};

Compare compare(const std::filesystem::path& dir, const std::string& args) {
  Compare c;
  const auto r = shell(dir, std::string(CIMSIM_BINARY) + " compare --nets darts_v1,darts_v2" + kSmallDarts +
                                " --json " + (dir / "c.json").string() + " --csv " + (dir / "c.csv").string() +
                                " " + args);
  c.code = r.code;
  c.out = r.out;
  c.err = r.err;
  EXPECT_EQ(r.code, 0) << args << "\n" << r.err;
  if (r.code == 0) {
    c.json = nlohmann::json::parse(read_text(dir / "c.json"));
    c.csv = read_text(dir / "c.csv");
  }
  return c;
}

void expect_baseline_reported(const Compare& c, const std::string& baseline) {
  EXPECT_EQ(c.json["baseline"], baseline);
  EXPECT_EQ(c.json["baseline_definition"].get<std::string>().rfind(baseline + ": ", 0), 0u);
  EXPECT_NE(c.out.find("\nbaseline " + baseline + ": "), std::string::npos) << c.out;
  const auto lines = cimsim::testing::lines_of(c.csv);
  ASSERT_EQ(lines.size(), 1u + 3 * 2);
  EXPECT_EQ(lines[0].substr(lines[0].rfind(',') + 1), "baseline");
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(lines[i].substr(lines[i].rfind(',') + 1), baseline) << lines[i];
}

}  // namespace

TEST(Placement, SpreadDealsTheCrossbarsEvenlyOverTheTilesInOrder) {
  const auto hw = models::load_hardware("default");
  const auto g = darts("darts_v2").graph;
  for (auto mode : {mapper::MappingMode::compiled, mapper::MappingMode::isaac}) {
    const auto packed = mapper::map_network(g, hw, options(mode, 0));
    for (int tiles : {packed.tiles_used, packed.tiles_used + 1, 51, 3 * packed.tiles_used, packed.crossbars_used}) {
      SCOPED_TRACE(std::string(mapper::mapping_mode_name(mode)) + ", " + std::to_string(tiles) + " tiles");
      check_spread(g, hw, mode, tiles);
    }
  }
  auto isaac = models::load_hardware("isaac");
  isaac.chip.auto_size = true;  // its 168 tiles would hold the spread too, but the check wants chip = spread
  check_spread(workloads::vgg8_network(), isaac, mapper::MappingMode::isaac, 100);
}

TEST(Placement, ADartsGenotypeIsSpreadOverTheTilesItOccupiesOnTheHypernetworkChip) {
  // On the hypernetwork chip the supergraph is placed like any network, packed: its sites share tiles, so
  // a genotype's layers share them too, several to a tile. Spread placement gives the individual chip that
  // many tiles, not a tile per layer.
  for (const char* config : {"default", "edge-rram"}) {
    for (auto mode : {mapper::MappingMode::compiled, mapper::MappingMode::isaac}) {
      SCOPED_TRACE(std::string(config) + ", " + mapper::mapping_mode_name(mode));
      auto hw = models::load_hardware(config);
      hw.chip.auto_size = true;  // as compare deploys both chips
      const workloads::DartsOptions o;
      const auto w = darts("darts_v2");
      const auto hyper = sim::deploy(w, o, hw, sim::Deploy::hypernet, options(mode, 0));
      const int occupied = mapper::tiles_with_blocks(hyper.mapping);
      EXPECT_EQ(sim::hypernet_tiles(w, o, hw, mode), occupied);
      mapper::MapOptions spread = options(mode, 0);
      spread.placement = mapper::PlacementMode::spread;  // no count: the hypernetwork's
      const auto ind = sim::deploy(w, o, hw, sim::Deploy::individual, spread);
      EXPECT_EQ(ind.mapping.tiles_used, occupied);
      EXPECT_EQ(ind.mapping.chip_tiles, occupied);
      EXPECT_LT(ind.mapping.chip_tiles, hyper.mapping.chip_tiles + 1);
      EXPECT_GT(ind.mapping.chip_tiles, sim::deploy(w, o, hw, sim::Deploy::individual, options(mode, 0)).mapping.chip_tiles);
      int weighted = 0;
      std::set<int> homes;
      for (const auto& lm : hyper.mapping.layers)
        if (lm.weighted) {
          ++weighted;
          homes.insert(lm.home_tile);
        }
      EXPECT_LT(int(homes.size()) * 2, weighted) << "several of the genotype's layers share a tile";
      // no copies: the iso-provisioning chip has the packed mapping's crossbars, spread
      EXPECT_EQ(ind.mapping.crossbars_used,
                sim::deploy(w, o, hw, sim::Deploy::individual, options(mode, 0)).mapping.crossbars_used);
      for (const auto& lm : ind.mapping.layers) EXPECT_EQ(lm.copies, 1);
    }
  }
}

TEST(Placement, SpreadOutsideItsRangeIsAnErrorNamingTheRange) {
  const auto hw = models::load_hardware("default");
  const auto g = workloads::vgg8_network();
  const auto packed = mapper::map_network(g, hw, options(mapper::MappingMode::isaac, 0));
  const std::string range = "allowed: " + std::to_string(packed.tiles_used) + " to " +
                            std::to_string(packed.crossbars_used) + " tiles";
  for (int tiles : {packed.tiles_used - 1, packed.crossbars_used + 1}) {
    const auto e = cimsim::testing::error_of<mapper::MappingError>(
        [&] { mapper::map_network(g, hw, options(mapper::MappingMode::isaac, tiles)); });
    EXPECT_NE(e.find("--spread-tiles " + std::to_string(tiles) + ": "), std::string::npos) << e;
    EXPECT_NE(e.find(range), std::string::npos) << e;
  }
  // a budget whose chip is smaller than the spread
  mapper::MapOptions o = options(mapper::MappingMode::isaac, packed.tiles_used + 5);
  o.crossbars = packed.crossbars_used;
  EXPECT_NE(cimsim::testing::error_of<mapper::MappingError>([&] { mapper::map_network(g, hw, o); })
                .find("allowed: --spread-tiles " + std::to_string(packed.tiles_used) + " or fewer"),
            std::string::npos);
  // a budget below the crossbars the mapping needs names the smallest that fits, as the flag and as the
  // key of a sweep or search spec (where the budget is set by crossbars:)
  mapper::MapOptions tight = options(mapper::MappingMode::isaac, 0);
  tight.crossbars = packed.crossbars_used - 1;
  EXPECT_EQ(cimsim::testing::error_of<mapper::MappingError>([&] { mapper::map_network(g, hw, tight); }),
            "network 'vgg8' needs " + std::to_string(packed.crossbars_used) +
                " crossbars with the isaac mapping, but the budget is " + std::to_string(packed.crossbars_used - 1) +
                "; allowed: a budget of " + std::to_string(packed.crossbars_used) +
                " or more (--crossbars, or crossbars: in a sweep or search spec)");
  // the command line: a network that is no genotype needs the count; a count needs spread; the
  // hypernetwork chip is never spread
  const auto dir = scratch_dir();
  for (const auto& [args, what] :
       std::vector<std::pair<std::string, std::string>>{
           {"map --net vgg8 --placement spread", "--placement spread: give --spread-tiles N for 'vgg8'"},
           {"map --net vgg8 --spread-tiles 40", "--spread-tiles 40: allowed with --placement spread only"},
           {"map --net darts_v2 --deploy hypernet --placement spread", "allowed with --deploy individual only"},
           {"run --net vgg8 --placement wide", "--placement: wide not in {packed,spread}"}}) {
    const auto r = shell(dir, std::string(CIMSIM_BINARY) + " " + args);
    EXPECT_EQ(r.code, 2) << args;
    EXPECT_EQ(cimsim::testing::lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  }
}

TEST(Placement, ASpreadRunSaysSoInItsReport) {
  const auto dir = scratch_dir();
  const auto j = cimsim::testing::run_json(dir, "spread", std::string("--net darts_v2 --placement spread") + kSmallDarts);
  EXPECT_EQ(j["mapping"]["placement"], "spread");
  EXPECT_EQ(j["mapping"]["spread_tiles"], j["utilization"]["chip_tiles"]);
  const auto p = cimsim::testing::run_json(dir, "packed", std::string("--net darts_v2") + kSmallDarts);
  EXPECT_FALSE(p["mapping"].contains("placement")) << "packed: the report as before";
  EXPECT_LT(p["utilization"]["chip_tiles"].get<int>(), j["utilization"]["chip_tiles"].get<int>());
}

TEST(Baselines, TheDefaultIsIsoProvisioningAndEveryOutputSaysSo) {
  const auto dir = scratch_dir();
  const auto c = compare(dir, "");
  ASSERT_EQ(c.code, 0);
  expect_baseline_reported(c, "iso-provisioning");
  workloads::DartsOptions o;
  o.c = 8;
  o.layers = 5;
  const auto hw = models::load_hardware("default");
  ASSERT_EQ(c.json["rows"].size(), 2u);
  for (const auto& r : c.json["rows"]) {
    // the individual chip has the tiles the architecture occupies on the hypernetwork chip, and its run
    // keeps them all busy, as the hypernetwork's run does those tiles
    const int occupied = sim::hypernet_tiles(darts(r["net"].get<std::string>(), o), o, hw, mapper::MappingMode::compiled);
    EXPECT_EQ(r["individual"]["tiles"], occupied) << r["net"];
    EXPECT_EQ(r["individual"]["tiles_busy"], occupied) << r["net"];
    EXPECT_EQ(r["hypernet"]["tiles_busy"], occupied) << r["net"];
    EXPECT_TRUE(r["individual"]["budget"].is_null());
    EXPECT_LE(double(r["individual"]["area_mm2"]), double(r["hypernet"]["area_mm2"]));
  }
  const auto explicit_default = compare(dir, "--baseline iso-provisioning");
  EXPECT_EQ(explicit_default.json["rows"], c.json["rows"]);
}

TEST(Baselines, IsoAreaGivesTheIndividualChipTheHypernetworksCrossbars) {
  const auto dir = scratch_dir();
  const auto c = compare(dir, "--baseline iso-area");
  ASSERT_EQ(c.code, 0);
  expect_baseline_reported(c, "iso-area");
  const auto hw = models::load_hardware("default");
  for (const auto& r : c.json["rows"]) {
    const auto& ind = r["individual"];
    const auto& hyp = r["hypernet"];
    EXPECT_EQ(ind["budget"], hyp["crossbars"]) << r["net"];
    EXPECT_LE(ind["crossbars"].get<int>(), hyp["crossbars"].get<int>());
    // the same crossbar count makes the same tiles: the areas differ by exactly the selectors (14 per cell)
    ASSERT_EQ(ind["tiles"], hyp["tiles"]) << r["net"];
    const int tiles = hyp["tiles"];
    const double selectors = models::area(hw, tiles, 14 * 5).total_mm2 - models::area(hw, tiles, 0).total_mm2;
    EXPECT_GT(selectors, 0.0);
    EXPECT_NEAR(double(hyp["area_mm2"]) - double(ind["area_mm2"]), selectors, 1e-9 * double(hyp["area_mm2"]))
        << r["net"];
  }
  EXPECT_NE(c.json["baseline_definition"].get<std::string>().find(
                "--crossbars " + std::to_string(c.json["rows"][0]["hypernet"]["crossbars"].get<int>())),
            std::string::npos);
}

TEST(Baselines, MinimalIsTheIndividualChipAsBefore) {
  // minimal: the individual run is `run --deploy individual --chip-auto` and nothing more: the chip of
  // the fewest tiles (what compare did before the baselines)
  const auto dir = scratch_dir();
  const auto c = compare(dir, "--baseline minimal");
  ASSERT_EQ(c.code, 0);
  expect_baseline_reported(c, "minimal");
  for (const auto& r : c.json["rows"]) {
    const std::string net = r["net"];
    const auto j = cimsim::testing::run_json(dir, net, "--net " + net + " --deploy individual --chip-auto" + kSmallDarts);
    const auto& ind = r["individual"];
    EXPECT_EQ(ind["latency_ns"].get<double>(), j["latency"]["ns"].get<double>()) << r["net"];
    EXPECT_EQ(ind["energy_pj"].get<double>(), j["energy_pj"]["total"].get<double>()) << r["net"];
    EXPECT_EQ(ind["area_mm2"].get<double>(), j["area_mm2"]["total"].get<double>()) << r["net"];
    EXPECT_EQ(ind["tiles"], j["utilization"]["chip_tiles"]);
    EXPECT_EQ(ind["tiles"], j["utilization"]["tiles_used"]);
    EXPECT_TRUE(ind["budget"].is_null());
    EXPECT_FALSE(j["mapping"].contains("placement"));
  }
}

TEST(Baselines, ABadBaselineIsOneLineNamingTheAllowedValuesExitTwo) {
  const auto dir = scratch_dir();
  const auto r = shell(dir, std::string(CIMSIM_BINARY) + " compare --baseline iso-power --nets darts_v2 --json " +
                                (dir / "c.json").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  ASSERT_EQ(cimsim::testing::lines_of(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("cimsim: error: --baseline: iso-power", 0), 0u) << r.err;
  for (const auto& b : sim::compare_baselines()) EXPECT_NE(r.err.find(b), std::string::npos) << b;
  EXPECT_FALSE(std::filesystem::exists(dir / "c.json"));
}
