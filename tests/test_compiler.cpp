// The compiled mapping: packing never overlaps nor leaves a crossbar, duplication stays in the budget and
// solves its integer program exactly, the ISAAC-style baseline's utilization has its closed form, and a
// network that cannot fit says how many crossbars it needs.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>

#include "mapper/compiler.hpp"
#include "mapper/mapping.hpp"
#include "mapper/packing.hpp"
#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "workloads/builtins.hpp"
#include "workloads/loader.hpp"

using namespace cimsim;

namespace {

mapper::MapOptions options(mapper::MappingMode mode, int crossbars) { return {mode, crossbars}; }

void expect_valid_packing(const mapper::Mapping& m, const models::HardwareSpec& hw) {
  std::map<int, std::vector<const mapper::CrossbarBlock*>> per_xbar;
  for (const auto& b : m.blocks) {
    ASSERT_GE(b.row_offset, 0);
    ASSERT_GE(b.col_offset, 0);
    ASSERT_LE(b.row_offset + b.rows_used, hw.crossbar.rows) << "block leaves its crossbar";
    ASSERT_LE(b.col_offset + b.cols_used, hw.crossbar.cols) << "block leaves its crossbar";
    per_xbar[b.crossbar].push_back(&b);
  }
  EXPECT_EQ(int(per_xbar.size()), m.crossbars_used);
  for (const auto& [x, blocks] : per_xbar) {
    for (size_t i = 0; i < blocks.size(); ++i)
      for (size_t j = i + 1; j < blocks.size(); ++j) {
        const auto& a = *blocks[i];
        const auto& b = *blocks[j];
        const bool apart = a.row_offset + a.rows_used <= b.row_offset || b.row_offset + b.rows_used <= a.row_offset ||
                           a.col_offset + a.cols_used <= b.col_offset || b.col_offset + b.cols_used <= a.col_offset;
        ASSERT_TRUE(apart) << "blocks overlap in crossbar " << x;
      }
    // one crossbar: one place on the chip
    for (const auto* b : blocks) {
      EXPECT_EQ(b->tile, blocks.front()->tile);
      EXPECT_EQ(b->pe, blocks.front()->pe);
      EXPECT_EQ(b->xbar, blocks.front()->xbar);
    }
  }
}

// every copy of a duplicated layer holds the layer's whole weight matrix
void expect_whole_copies(const workloads::Graph& g, const models::HardwareSpec& hw, const mapper::Mapping& m) {
  for (size_t i = 1; i < g.layers.size(); ++i) {
    const auto& lm = m.layers[i];
    if (!lm.weighted) continue;
    std::map<int, int64_t> cells;
    for (int b : lm.blocks) cells[m.blocks[size_t(b)].copy] += m.blocks[size_t(b)].cells();
    ASSERT_EQ(int(cells.size()), lm.copies) << g.layers[i].name;
    for (const auto& [copy, c] : cells) EXPECT_EQ(c, g.layers[i].weights() * hw.cells_per_weight()) << g.layers[i].name;
  }
}

}  // namespace

TEST(Packing, MaximalRectanglesNeverOverlap) {
  std::mt19937 rng(3);
  std::vector<mapper::PackItem> items;
  for (int k = 0; k < 300; ++k) items.push_back({1 + int(rng() % 128), 1 + int(rng() % 128), k});
  int bins = 0;
  const auto placed = mapper::pack(items, 128, 128, 64, std::numeric_limits<double>::infinity(), &bins);
  std::map<int, std::vector<size_t>> per_bin;
  int64_t area = 0;
  for (size_t k = 0; k < items.size(); ++k) {
    ASSERT_LE(placed[k].row + items[k].rows, 128);
    ASSERT_LE(placed[k].col + items[k].cols, 128);
    per_bin[placed[k].bin].push_back(k);
    area += int64_t(items[k].rows) * items[k].cols;
  }
  for (const auto& [bin, ks] : per_bin)
    for (size_t i = 0; i < ks.size(); ++i)
      for (size_t j = i + 1; j < ks.size(); ++j) {
        const auto &a = placed[ks[i]], &b = placed[ks[j]];
        const auto &x = items[ks[i]], &y = items[ks[j]];
        ASSERT_TRUE(a.row + x.rows <= b.row || b.row + y.rows <= a.row || a.col + x.cols <= b.col ||
                    b.col + y.cols <= a.col);
      }
  EXPECT_GE(int64_t(bins) * 128 * 128, area);
  EXPECT_LT(bins, int(items.size()));  // it does share
}

namespace {

// The packer as it was before the segment tree: a plain scan of the open bins in order, each tested with
// the sharing rule and then for an empty rectangle. mapper::pack must give exactly its placements.
struct RefRect {
  int r = 0, c = 0, h = 0, w = 0;
  bool contains(const RefRect& o) const { return o.r >= r && o.c >= c && o.r + o.h <= r + h && o.c + o.w <= c + w; }
  bool intersects(const RefRect& o) const { return o.r < r + h && r < o.r + o.h && o.c < c + w && c < o.c + o.w; }
};

std::vector<mapper::Placement> reference_pack(const std::vector<mapper::PackItem>& items, int rows, int cols,
                                              int max_items, double capacity, int* bins_used) {
  struct Bin {
    std::vector<RefRect> free;
    std::vector<double> loads;
  };
  std::vector<mapper::Placement> out(items.size());
  std::vector<Bin> bins;
  std::vector<int> open;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& it = items[i];
    int chosen = -1;
    RefRect where;
    for (size_t k = 0; k < open.size() && chosen < 0; ++k) {
      const Bin& b = bins[size_t(open[k])];
      double busy = it.load;
      for (double l : b.loads) busy += l;
      if (!(busy <= capacity * (1 + 1e-9))) continue;
      const RefRect* best = nullptr;
      for (const auto& f : b.free)
        if (f.h >= it.rows && f.w >= it.cols && (!best || f.r < best->r || (f.r == best->r && f.c < best->c)))
          best = &f;
      if (best) {
        chosen = open[k];
        where = {best->r, best->c, it.rows, it.cols};
      }
    }
    if (chosen < 0) {
      bins.push_back({{{0, 0, rows, cols}}, {}});
      chosen = int(bins.size()) - 1;
      open.push_back(chosen);
      where = {0, 0, it.rows, it.cols};
    }
    Bin& b = bins[size_t(chosen)];
    std::vector<RefRect> next;
    for (const auto& f : b.free) {
      if (!f.intersects(where)) {
        next.push_back(f);
        continue;
      }
      const RefRect& p = where;
      if (p.c > f.c) next.push_back({f.r, f.c, f.h, p.c - f.c});
      if (p.c + p.w < f.c + f.w) next.push_back({f.r, p.c + p.w, f.h, f.c + f.w - (p.c + p.w)});
      if (p.r > f.r) next.push_back({f.r, f.c, p.r - f.r, f.w});
      if (p.r + p.h < f.r + f.h) next.push_back({p.r + p.h, f.c, f.r + f.h - (p.r + p.h), f.w});
    }
    std::vector<RefRect> pruned;
    for (size_t x = 0; x < next.size(); ++x) {
      bool inside = false;
      for (size_t y = 0; y < next.size() && !inside; ++y)
        inside = y != x && next[y].contains(next[x]) && (!next[x].contains(next[y]) || y < x);
      if (!inside) pruned.push_back(next[x]);
    }
    b.free = std::move(pruned);
    b.loads.push_back(it.load);
    out[i] = {chosen, where.r, where.c};
    if (b.free.empty() || int(b.loads.size()) >= max_items) open.erase(std::find(open.begin(), open.end(), chosen));
  }
  *bins_used = int(bins.size());
  return out;
}

}  // namespace

// The segment tree and the per-kind memo only skip bins the plain first fit would refuse: on random
// instances (few and many kinds of block, loads that make the sharing rule bind or not, small item limits)
// every placement equals the plain scan's.
TEST(Packing, EqualsThePlainFirstFitScan) {
  std::mt19937 rng(11);
  for (int instance = 0; instance < 300; ++instance) {
    const int kinds = 1 + int(rng() % 40);
    std::vector<mapper::PackItem> shapes;
    for (int k = 0; k < kinds; ++k) {
      shapes.push_back({1 + int(rng() % 128), 1 + int(rng() % 128), 0, double(1 + rng() % 8)});
    }
    std::vector<mapper::PackItem> items;
    const int n = 1 + int(rng() % 400);
    for (int k = 0; k < n; ++k) {
      mapper::PackItem it = shapes[rng() % shapes.size()];
      it.key = k;
      items.push_back(it);
    }
    const double capacity = instance % 3 == 0 ? std::numeric_limits<double>::infinity() : double(4 + rng() % 20);
    const int max_items = instance % 4 == 0 ? 2 + int(rng() % 5) : 64;
    int bins = 0, ref_bins = 0;
    const auto got = mapper::pack(items, 128, 128, max_items, capacity, &bins);
    const auto want = reference_pack(items, 128, 128, max_items, capacity, &ref_bins);
    ASSERT_EQ(bins, ref_bins) << "instance " << instance;
    for (size_t k = 0; k < items.size(); ++k) {
      ASSERT_EQ(got[k].bin, want[k].bin) << "instance " << instance << " item " << k;
      ASSERT_EQ(got[k].row, want[k].row) << "instance " << instance << " item " << k;
      ASSERT_EQ(got[k].col, want[k].col) << "instance " << instance << " item " << k;
    }
  }
}

TEST(Compiler, SmallNetworksPackValidlyWithinEveryBudget) {
  for (const char* cfg : {"rnc-box", "default"}) {
    const auto hw = models::load_hardware(cfg);
    for (const char* net : {"squeezenet1_1_64", "mobilenet_v3_small_64"}) {
      const auto g = workloads::load_network(net);
      const auto base = mapper::map_network(g, hw, options(mapper::MappingMode::compiled, 0));
      expect_valid_packing(base, hw);
      for (int extra : {0, 40, 85}) {  // at the minimum, and with room to duplicate
        const int budget = base.crossbars_used + extra;
        const auto m = mapper::map_network(g, hw, options(mapper::MappingMode::compiled, budget));
        SCOPED_TRACE(std::string(cfg) + " " + net + " budget " + std::to_string(budget));
        EXPECT_LE(m.crossbars_used, budget);
        EXPECT_EQ(m.budget, budget);
        expect_valid_packing(m, hw);
        expect_whole_copies(g, hw, m);
        EXPECT_LE(m.bottleneck_ns, base.bottleneck_ns * (1 + 1e-9));  // more room never hurts the crossbars
        EXPECT_NEAR(m.crossbar_utilization(hw), double(m.cells_used) / (double(budget) * hw.crossbar.rows * hw.crossbar.cols), 1e-12);
      }
    }
  }
}

TEST(Compiler, PackingBeatsTheBaselineOnSmallBlocks) {
  const auto hw = models::load_hardware("rnc-box");
  const auto g = workloads::load_network("mobilenet_v3_small_64");
  const auto isaac = mapper::map_network(g, hw, options(mapper::MappingMode::isaac, 0));
  const auto compiled = mapper::map_network(g, hw, options(mapper::MappingMode::compiled, 0));
  EXPECT_EQ(compiled.cells_used, isaac.cells_used);  // the same weights, fewer crossbars
  EXPECT_LT(compiled.crossbars_used, isaac.crossbars_used / 3);
  EXPECT_GT(compiled.shared_crossbars, 0);
  EXPECT_EQ(isaac.shared_crossbars, 0);
}

TEST(Compiler, BaselineUtilizationIsItsClosedForm) {
  // isaac: every weight occupies cells_per_weight cells and nothing is duplicated, so the utilization of
  // a budget of N crossbars is weights x cells_per_weight / (N x rows x cols)
  for (const char* cfg : {"rnc-box", "default", "isaac"}) {
    const auto hw = models::load_hardware(cfg);
    for (const char* net : {"squeezenet1_1_64", "mobilenet_v3_small_64", "vgg8"}) {
      const auto g = workloads::load_network(net);
      const int need = mapper::map_network(g, hw, options(mapper::MappingMode::isaac, 0)).crossbars_used;
      const int budget = need + 17;
      const auto m = mapper::map_network(g, hw, options(mapper::MappingMode::isaac, budget));
      const double expect = double(g.weights()) * hw.cells_per_weight() /
                            (double(budget) * hw.crossbar.rows * hw.crossbar.cols);
      EXPECT_NEAR(m.crossbar_utilization(hw), expect, 1e-12) << cfg << " " << net;
      for (const auto& lm : m.layers) EXPECT_EQ(lm.copies, 1);
    }
  }
}

TEST(Compiler, ANetworkThatCannotFitSaysHowManyCrossbarsItNeeds) {
  const auto hw = models::load_hardware("rnc-box");
  const auto g = workloads::load_network("mobilenet_v3_small_64");
  for (auto mode : {mapper::MappingMode::compiled, mapper::MappingMode::isaac}) {
    const int need = mapper::map_network(g, hw, options(mode, 0)).crossbars_used;
    try {
      mapper::map_network(g, hw, options(mode, need - 1));
      FAIL() << "expected MappingError";
    } catch (const mapper::MappingError& e) {
      EXPECT_NE(std::string(e.what()).find("needs " + std::to_string(need) + " crossbars"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("allowed: a budget of " + std::to_string(need) +
                                           " or more (--crossbars, or crossbars: in a sweep or search spec)"),
                std::string::npos)
          << e.what();
    }
    EXPECT_NO_THROW(mapper::map_network(g, hw, options(mode, need)));
  }
}

TEST(Duplication, SolvesTheIntegerProgramExactly) {
  // brute force over all copy vectors of small instances: the bisection finds the optimum bottleneck
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<mapper::LayerCost> layers(1 + rng() % 4);
    for (auto& l : layers) {
      l.time_ns = 1 + double(rng() % 1000);
      l.area_cells = 1 + double(rng() % 50);
      l.max_copies = 1 + int(rng() % 6);
    }
    double min_area = 0;
    for (const auto& l : layers) min_area += l.area_cells;
    const double area = min_area * (1 + double(rng() % 400) / 100.0);
    double best = 1e300;
    std::vector<int> x(layers.size(), 1);
    std::function<void(size_t, double)> rec = [&](size_t i, double used) {
      if (used > area) return;
      if (i == layers.size()) {
        best = std::min(best, mapper::bottleneck_ns(layers, x));
        return;
      }
      for (int k = 1; k <= layers[i].max_copies; ++k) {
        x[i] = k;
        rec(i + 1, used + k * layers[i].area_cells);
      }
      x[i] = 1;
    };
    rec(0, 0);
    const auto got = mapper::duplicate(layers, area);
    double used = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      ASSERT_GE(got[i], 1);
      ASSERT_LE(got[i], layers[i].max_copies);
      used += got[i] * layers[i].area_cells;
    }
    ASSERT_LE(used, area + 1e-9);
    ASSERT_NEAR(mapper::bottleneck_ns(layers, got), best, 1e-9 * best) << "trial " << trial;
  }
}

TEST(Compiler, DuplicatedLayersDoTheSameWork) {
  // each output vector is computed by exactly one copy: the action counts equal the baseline's
  const auto dir = cimsim::testing::scratch_dir();
  const auto a = cimsim::testing::run_json(dir, "isaac", "--hw rnc-box --net squeezenet1_1_64 --mapping isaac --crossbars 211 --inputs 2");
  const auto b = cimsim::testing::run_json(dir, "compiled", "--hw rnc-box --net squeezenet1_1_64 --mapping compiled --crossbars 211 --inputs 2");
  for (const char* k : {"crossbar_read", "dac_drive", "adc_conversion", "shift_add", "crossbar_cell_read"})
    EXPECT_EQ(a["counts"][k], b["counts"][k]) << k;
  EXPECT_EQ(b["mapping"]["mode"], "compiled");
  EXPECT_EQ(b["mapping"]["budget"], 211);
  EXPECT_LE(int(b["utilization"]["crossbars_used"]), 211);
}
