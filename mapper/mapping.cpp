#include "mapper/mapping.hpp"

#include "mapper/compiler.hpp"
#include "mapper/internal.hpp"
#include "mapper/operand_crossbars.hpp"

#include <algorithm>
#include <stdexcept>
#include <cmath>
#include <set>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "models/limits.hpp"

namespace cimsim::mapper {

using workloads::Graph;
using workloads::Layer;
using workloads::OpKind;

namespace {
int ceil_div(int64_t a, int64_t b) { return int((a + b - 1) / b); }
}  // namespace

namespace {

// The blocks partition() makes of one weighted layer, counted: the same cases, no allocation.
int64_t blocks_of(const Layer& l, const models::HardwareSpec& hw) {
  const int64_t rows = hw.crossbar.rows, cpw = hw.cells_per_weight();
  if (cpw > hw.crossbar.cols || rows <= 0) return 0;  // partition() refuses it with its own message
  const int64_t outs_per_xbar = hw.crossbar.cols / cpw;
  const int64_t G = l.op == OpKind::conv ? std::max(1, l.groups) : 1;
  const int64_t rows_g = l.op == OpKind::conv ? int64_t(l.kernel_h) * l.kernel_w * (l.in.c / G) : l.in.elements();
  const int64_t outs_g = l.out_channels / G;
  if (G > 1 && rows_g <= rows && outs_g <= outs_per_xbar && rows_g > 0 && outs_g > 0) {
    const int64_t gpx = std::min(rows / rows_g, outs_per_xbar / outs_g);
    return (G + gpx - 1) / gpx;
  }
  return common::checked_product({G, (rows_g + rows - 1) / rows, (outs_g + outs_per_xbar - 1) / outs_per_xbar})
      .value_or(INT64_MAX);
}

}  // namespace

std::vector<CrossbarBlock> partition(const Layer& l, int index, const models::HardwareSpec& hw,
                                     LayerMapping& lm) {
  const int rows = hw.crossbar.rows, cols = hw.crossbar.cols, cpw = hw.cells_per_weight();
  if (cpw > cols) {
    throw MappingError("layer '" + common::printable(l.name) + "': one weight needs " + std::to_string(cpw) +
                       " columns (" + std::to_string(hw.precision.weight_bits) + " bits / " +
                       std::to_string(hw.crossbar.bits_per_cell) +
                       " bits per cell) but a crossbar has " + std::to_string(cols));
  }
  const int G = l.op == OpKind::conv ? l.groups : 1;
  const int64_t rows_g = l.op == OpKind::conv ? int64_t(l.kernel_h) * l.kernel_w * (l.in.c / G)
                                              : l.in.elements();
  const int outs_g = l.out_channels / G;
  lm.rows_per_group = int(rows_g);
  lm.outputs_per_group = outs_g;
  lm.groups = G;
  const int outs_per_xbar = cols / cpw;

  std::vector<CrossbarBlock> out;
  out.reserve(size_t(std::max<int64_t>(0, std::min<int64_t>(blocks_of(l, hw), kMaxCrossbarBlocks))));
  auto block = [&](int g0, int ng, int rb, int cb, int64_t r, int o) {
    CrossbarBlock b;
    b.layer = index;
    b.group_first = g0;
    b.groups = ng;
    b.row_block = rb;
    b.col_block = cb;
    b.rows_used = int(r);
    b.rows_driven = int(r);
    b.outputs = o;
    b.cols_used = o * cpw;
    out.push_back(b);
  };
  if (G > 1 && rows_g <= rows && outs_g <= outs_per_xbar) {
    // Diagonal packing: several whole groups on one crossbar, each on its own rows and columns, all
    // driven in the same read.
    const int gpx = std::min(int(rows / rows_g), outs_per_xbar / outs_g);
    lm.groups_per_crossbar = gpx;
    for (int g = 0; g < G; g += gpx) {
      const int ng = std::min(gpx, G - g);
      block(g, ng, 0, 0, rows_g * ng, outs_g * ng);
    }
    return out;
  }
  lm.row_blocks = ceil_div(rows_g, rows);
  lm.col_blocks = ceil_div(outs_g, outs_per_xbar);
  for (int g = 0; g < G; ++g) {
    for (int cb = 0; cb < lm.col_blocks; ++cb) {
      for (int rb = 0; rb < lm.row_blocks; ++rb) {
        const int64_t r = std::min<int64_t>(rows, rows_g - int64_t(rb) * rows);
        const int o = std::min(outs_per_xbar, outs_g - cb * outs_per_xbar);
        block(g, 1, rb, cb, r, o);
      }
    }
  }
  return out;
}


int64_t check_block_count(const Graph& graph, const models::HardwareSpec& hw) {
  int64_t total = 0, largest = 0;
  int largest_layer = -1;
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    if (!workloads::is_weighted(graph.layers[i].op)) continue;
    const int64_t n = blocks_of(graph.layers[i], hw);
    total = common::checked_add(total, n).value_or(INT64_MAX);
    if (n > largest) {
      largest = n;
      largest_layer = int(i);
    }
  }
  if (total > kMaxCrossbarBlocks) {
    throw MappingError(
        "network '" + common::printable(graph.name) + "' needs " + std::to_string(total) + " crossbar blocks on " +
        std::to_string(hw.crossbar.rows) + "x" + std::to_string(hw.crossbar.cols) + " crossbars with " +
        std::to_string(hw.cells_per_weight()) + " cells per weight (layer '" +
        common::printable(graph.layers[size_t(largest_layer)].name) + "' alone " + std::to_string(largest) +
        "), above the bound " + std::to_string(kMaxCrossbarBlocks) + " (docs/mapping.md#limits)");
  }
  return total;
}

bool is_node_layer(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot != std::string::npos && name.compare(dot + 1, 4, "node") == 0;
}

void place_digital(const Graph& graph, const std::vector<std::vector<int>>& consumers, Mapping& m) {
  for (int c : consumers[0])
    if (m.layers[c].weighted) {
      m.layers[0].home_tile = m.layers[c].home_tile;
      break;
    }
  for (size_t i = 1; i < graph.layers.size(); ++i) {
    const Layer& l = graph.layers[i];
    LayerMapping& lm = m.layers[i];
    if (lm.weighted) continue;
    if (l.inputs.empty()) {  // a constant: held on the tile the network has reached (the layer before it)
      lm.home_tile = m.layers[i - 1].home_tile;
      continue;
    }
    const int p = l.inputs.front();
    lm.home_tile = m.layers[p].home_tile;
    const OpKind pop = graph.layers[p].op;
    if (workloads::is_activation(l.op) && consumers[p].size() == 1 &&
        (pop == OpKind::conv || pop == OpKind::fc || pop == OpKind::add || pop == OpKind::mul) &&
        m.layers[p].fused_activation < 0) {
      lm.fused_into = p;
      m.layers[p].fused_activation = int(i);
    }
  }
}

double Mapping::crossbar_utilization(const models::HardwareSpec& hw) const {
  const double cells = double(budget > 0 ? budget : crossbars_used) * hw.crossbar.rows * hw.crossbar.cols;
  return cells > 0 ? double(cells_used) / cells : 0.0;
}

double Mapping::chip_utilization(const models::HardwareSpec& hw) const {
  const double cells =
      double(chip_tiles) * hw.crossbars_per_tile() * hw.crossbar.rows * hw.crossbar.cols;
  return cells > 0 ? double(cells_used) / cells : 0.0;
}

std::vector<int> Mapping::blocks_on(int layer, int tile) const {
  std::vector<int> r;
  for (int b : layers[layer].blocks)
    if (blocks[b].tile == tile) r.push_back(b);
  return r;
}


const char* mapping_mode_name(MappingMode m) { return m == MappingMode::compiled ? "compiled" : "isaac"; }

const char* placement_name(PlacementMode p) { return p == PlacementMode::spread ? "spread" : "packed"; }

int tiles_with_blocks(const Mapping& m) {
  std::set<int> tiles;
  for (const auto& b : m.blocks) tiles.insert(b.tile);
  return int(tiles.size());
}

namespace {

// ISAAC-style: each layer on its own crossbars, no packing, no duplication; crossbars in topological order,
// filling PEs and tiles (a PE may hold the last crossbars of one layer and the first of the next).
Mapping map_isaac(const Graph& graph, const models::HardwareSpec& hw) {
  Mapping m;
  m.network = graph.name;
  m.mode = mapping_mode_name(MappingMode::isaac);
  m.layers.resize(graph.layers.size());
  const int pes_per_tile = hw.tile.pes, xbars_per_pe = hw.pe.crossbars;
  int next = 0;  // global crossbar index
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const Layer& l = graph.layers[i];
    LayerMapping& lm = m.layers[i];
    lm.layer = int(i);
    lm.weighted = workloads::is_weighted(l.op);
    if (!lm.weighted) continue;
    for (auto& b : partition(l, int(i), hw, lm)) {
      b.crossbar = next++;
      b.xbar = b.crossbar % xbars_per_pe;
      b.pe = (b.crossbar / xbars_per_pe) % pes_per_tile;
      b.tile = b.crossbar / (xbars_per_pe * pes_per_tile);
      lm.blocks.push_back(int(m.blocks.size()));
      m.cells_used += b.cells();
      m.blocks.push_back(b);
    }
    std::set<int> tiles;
    for (int b : lm.blocks) tiles.insert(m.blocks[b].tile);
    lm.tiles.assign(tiles.begin(), tiles.end());
    lm.home_tile = lm.tiles.front();
  }
  m.crossbars_used = next;
  m.pes_used = ceil_div(next, xbars_per_pe);
  m.tiles_used = std::max(1, ceil_div(m.pes_used, pes_per_tile));
  return m;
}

// Spread placement: the mapping's X crossbars, in their order, dealt over `tiles` tiles in contiguous
// runs of equal size (crossbar s on tile floor(s x tiles / X), the run filling its tile's PEs from the
// first). Blocks, crossbars and their sharing stay as they are; tiles, PEs and home tiles follow.
void spread(Mapping& m, const models::HardwareSpec& hw, int tiles, const std::string& network) {
  const int64_t x = m.crossbars_used, per_pe = hw.pe.crossbars;
  const int needed = std::max(1, ceil_div(x, hw.crossbars_per_tile()));
  const int most = int(std::max<int64_t>(1, x));
  if (tiles < needed || tiles > most)
    throw MappingError("--spread-tiles " + std::to_string(tiles) + ": network '" + common::printable(network) +
                       "' has " + std::to_string(x) + " crossbars with the " + m.mode + " mapping, " +
                       std::to_string(hw.crossbars_per_tile()) + " per tile; allowed: " + std::to_string(needed) +
                       " to " + std::to_string(most) + " tiles (at least one crossbar on each)");
  const auto first = [&](int64_t t) { return (t * x + tiles - 1) / tiles; };  // first crossbar of tile t
  for (auto& b : m.blocks) {
    const int t = int(int64_t(b.crossbar) * tiles / x);
    const int64_t local = b.crossbar - first(t);
    b.tile = t;
    b.pe = int(local / per_pe);
    b.xbar = int(local % per_pe);
  }
  m.pes_used = 0;
  for (int t = 0; t < tiles; ++t) m.pes_used += int((first(t + 1) - first(t) + per_pe - 1) / per_pe);
  for (auto& lm : m.layers) {
    if (!lm.weighted || lm.blocks.empty()) continue;
    std::set<int> on;
    for (int b : lm.blocks) on.insert(m.blocks[size_t(b)].tile);
    lm.tiles.assign(on.begin(), on.end());
    lm.home_tile = m.blocks[size_t(lm.blocks.front())].tile;  // both mappings: the tile of its first block
  }
  m.tiles_used = tiles;
  m.placement = placement_name(PlacementMode::spread);
}

}  // namespace

Mapping map_network(const Graph& graph, const models::HardwareSpec& hw, const MapOptions& options) {
  check_block_count(graph, hw);  // the memory estimate, before any block is built
  Mapping m = options.mode == MappingMode::isaac ? map_isaac(graph, hw) : compile(graph, hw, options);
  if (options.placement == PlacementMode::spread) spread(m, hw, options.spread_tiles, graph.name);
  m.budget = options.crossbars;
  const int per_tile = hw.crossbars_per_tile();
  const int slots = m.crossbars_used;
  if (options.crossbars > 0) {
    // where a user sets the budget, for the errors below
    static constexpr const char* kBudgetSetBy = "(--crossbars, or crossbars: in a sweep or search spec)";
    m.chip_tiles = ceil_div(options.crossbars, per_tile);
    if (slots > options.crossbars)
      throw MappingError("network '" + common::printable(graph.name) + "' needs " + std::to_string(slots) + " crossbars with the " +
                         m.mode + " mapping, but the budget is " + std::to_string(options.crossbars) +
                         "; allowed: a budget of " + std::to_string(slots) + " or more " + kBudgetSetBy);
    if (m.tiles_used > m.chip_tiles)  // a spread placement over more tiles than the budget makes
      throw MappingError("network '" + common::printable(graph.name) + "' is spread over " +
                         std::to_string(m.tiles_used) + " tiles, but --crossbars " + std::to_string(options.crossbars) +
                         " makes a chip of " + std::to_string(m.chip_tiles) + " tiles; allowed: --spread-tiles " +
                         std::to_string(m.chip_tiles) + " or fewer, or a larger budget " + kBudgetSetBy);
  } else {
    m.chip_tiles = hw.chip.auto_size ? m.tiles_used : hw.chip.tiles();
    if (hw.chip.auto_size && hw.tile.matrix_mode == models::MatrixMode::crossbar) {
      // attention's operands are written into spare crossbars: an auto-sized chip has room for the largest
      const int64_t short_by = operand_crossbars_needed(graph, hw) - spare_crossbars(m, hw);
      if (short_by > 0 && m.chip_tiles + (short_by + per_tile - 1) / per_tile <= models::limits::kMaxChipTiles)
        m.chip_tiles += int((short_by + per_tile - 1) / per_tile);
    }
    if (m.tiles_used > m.chip_tiles)
      throw MappingError(
          "network '" + common::printable(graph.name) + "' needs " + std::to_string(m.crossbars_used) + " crossbars on " +
          std::to_string(m.pes_used) + " PEs" + (m.placement == "spread" ? " spread over " : " = ") +
          std::to_string(m.tiles_used) + " tiles, but chip '" +
          common::printable(hw.name) + "' has " + std::to_string(m.chip_tiles) + " tiles (" +
          std::to_string(int64_t(m.chip_tiles) * per_tile) + " crossbars); use a larger chip.tiles or chip: {tiles: auto}");
  }
  place_digital(graph, graph.consumers(), m);
  m.bottleneck_ns = crossbar_bottleneck_ns(graph, hw, m);
  return m;
}

Mapping bind_to_sites(const Graph& graph, const Graph& super, const Mapping& super_mapping,
                      int selectors) {
  Mapping m;
  m.network = graph.name;
  m.deployment = "hypernet";
  m.mode = super_mapping.mode;
  m.placement = super_mapping.placement;
  m.budget = super_mapping.budget;
  m.shared_crossbars = super_mapping.shared_crossbars;
  m.selectors = selectors;
  m.chip_tiles = super_mapping.chip_tiles;
  m.tiles_used = super_mapping.tiles_used;
  m.pes_used = super_mapping.pes_used;
  m.crossbars_used = super_mapping.crossbars_used;
  m.cells_used = super_mapping.cells_used;
  m.layers.resize(graph.layers.size());
  // each weighted layer's site, found once: the blocks are counted first so that they are stored at once
  std::vector<int> site(graph.layers.size(), -1);
  size_t n_blocks = 0;
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    if (!workloads::is_weighted(graph.layers[i].op)) continue;
    site[i] = super.index_of(graph.layers[i].site_of());
    if (site[i] >= 0) n_blocks += super_mapping.layers[size_t(site[i])].blocks.size();
  }
  m.blocks.reserve(n_blocks);
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const Layer& l = graph.layers[i];
    LayerMapping& lm = m.layers[i];
    lm.layer = int(i);
    lm.weighted = workloads::is_weighted(l.op);
    const std::string& name = l.name;
    if (is_node_layer(name) && (l.op == OpKind::add || l.op == OpKind::identity))
      lm.selectors = int(l.inputs.size());
    if (!lm.weighted) continue;
    const int s = site[i];
    if (s < 0)
      throw MappingError("layer '" + common::printable(name) + "': its site '" + common::printable(l.site_of()) +
                         "' is not in the hypernetwork '" + common::printable(super.name) + "'");
    const Layer& sl = super.layers[s];
    const LayerMapping& sm = super_mapping.layers[s];
    if (sl.op != l.op || sl.out_channels != l.out_channels || sl.groups != l.groups ||
        sl.stride != l.stride || sl.in.c != l.in.c || sl.kernel_h < l.kernel_h)
      throw MappingError("layer '" + common::printable(name) + "' does not fit its site '" + common::printable(sl.name) + "'");
    lm.rows_per_group = sm.rows_per_group;
    lm.outputs_per_group = sm.outputs_per_group;
    lm.groups = sm.groups;
    lm.groups_per_crossbar = sm.groups_per_crossbar;
    lm.row_blocks = sm.row_blocks;
    lm.col_blocks = sm.col_blocks;
    lm.copies = sm.copies;
    lm.tiles = sm.tiles;
    lm.home_tile = sm.home_tile;
    // a kernel smaller than its site's array drives only its own rows
    const int64_t own_rows = l.op == OpKind::conv ? int64_t(l.kernel_h) * l.kernel_w * (l.in.c / l.groups)
                                                  : l.in.elements();
    lm.blocks.reserve(sm.blocks.size());
    for (int b : sm.blocks) {
      CrossbarBlock blk = super_mapping.blocks[b];
      blk.layer = int(i);
      blk.rows_driven = int(int64_t(blk.rows_used) * own_rows / sm.rows_per_group);
      lm.blocks.push_back(int(m.blocks.size()));
      m.blocks.push_back(blk);
    }
  }
  place_digital(graph, graph.consumers(), m);
  return m;
}

std::vector<TileWork> work_lists(const Mapping& mapping, const Graph& graph) {
  std::vector<TileWork> work(mapping.chip_tiles);
  for (int t = 0; t < mapping.chip_tiles; ++t) work[t].tile = t;
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const LayerMapping& lm = mapping.layers[i];
    if (lm.fused_into >= 0) continue;
    if (!lm.weighted) {
      work[lm.home_tile].items.push_back({int(i), true, {}});
      continue;
    }
    // the layer's blocks by tile in one pass (blocks_on per tile would be O(tiles x blocks))
    std::vector<WorkItem> items(lm.tiles.size());
    for (size_t k = 0; k < lm.tiles.size(); ++k) items[k] = {int(i), lm.tiles[k] == lm.home_tile, {}};
    for (int b : lm.blocks) {
      const int tile = mapping.blocks[size_t(b)].tile;
      const auto at = std::lower_bound(lm.tiles.begin(), lm.tiles.end(), tile);
      if (at != lm.tiles.end() && *at == tile) items[size_t(at - lm.tiles.begin())].blocks.push_back(b);
    }
    for (size_t k = 0; k < lm.tiles.size(); ++k) work[size_t(lm.tiles[k])].items.push_back(std::move(items[k]));
  }
  return work;
}

RouterGrid router_grid(int tiles, int tiles_per_router) {
  RouterGrid g;
  g.routers = ceil_div(tiles, tiles_per_router);
  g.cols = int(std::ceil(std::sqrt(double(g.routers))));
  g.rows = ceil_div(g.routers, g.cols);
  return g;
}

void RouterGrid::position(int router, int& row, int& col) const {
  row = router / cols;
  const int c = router % cols;
  col = (row % 2 == 0) ? c : cols - 1 - c;  // snake: consecutive routers are neighbours
}

int RouterGrid::hops(int a, int b) const {
  int ra, ca, rb, cb;
  position(a, ra, ca);
  position(b, rb, cb);
  return std::abs(ra - rb) + std::abs(ca - cb);
}

int RouterGrid::router_at(int row, int col) const {
  if (row < 0 || col < 0 || row >= rows || col >= cols) return -1;
  const int r = row * cols + (row % 2 == 0 ? col : cols - 1 - col);  // snake order
  return r < routers ? r : -1;
}

std::vector<std::pair<int, int>> RouterGrid::path(int from, int to) const {
  std::vector<std::pair<int, int>> hops;
  int row, col, drow, dcol;
  position(from, row, col);
  position(to, drow, dcol);
  auto walk = [&](bool x_first) {
    hops.clear();
    int r = row, c = col;
    auto step_x = [&] {
      while (c != dcol) {
        if (router_at(r, c) < 0) return false;
        hops.push_back({router_at(r, c), dcol > c ? 0 : 1});
        c += dcol > c ? 1 : -1;
      }
      return true;
    };
    auto step_y = [&] {
      while (r != drow) {
        if (router_at(r, c) < 0) return false;
        hops.push_back({router_at(r, c), drow > r ? 3 : 2});
        r += drow > r ? 1 : -1;
      }
      return true;
    };
    const bool ok = x_first ? (step_x() && step_y()) : (step_y() && step_x());
    return ok && router_at(r, c) >= 0;
  };
  if (!walk(true) && !walk(false)) throw std::logic_error("no XY or YX route between two routers (a mesh bug)");
  return hops;
}

}  // namespace cimsim::mapper
