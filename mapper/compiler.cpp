// The compiled mapping (docs/mapping.md): duplication to balance the pipeline within a crossbar budget,
// packing of small blocks into shared crossbars, placement in pipeline order.
#include "mapper/compiler.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "mapper/internal.hpp"
#include "mapper/packing.hpp"

namespace cimsim::mapper {

using workloads::Graph;
using workloads::Layer;
using workloads::OpKind;

namespace {

constexpr int kMaxCopies = 256;
constexpr int kMaxBlocksPerCrossbar = 64;  // a bound on the packer's work; the time rule decides

}  // namespace

std::vector<int> duplicate(const std::vector<LayerCost>& layers, double area_cells) {
  std::vector<int> copies(layers.size(), 1);
  auto cost = [&](double t, std::vector<int>* x) {
    double a = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      const int k = std::clamp(int(std::ceil(layers[i].time_ns / t - 1e-9)), 1, layers[i].max_copies);
      a += double(k) * layers[i].area_cells;
      if (x) (*x)[i] = k;
    }
    return a;
  };
  double hi = 0, lo = 0;  // the bottleneck with one copy each, and with the most copies each
  for (const auto& l : layers) {
    hi = std::max(hi, l.time_ns);
    lo = std::max(lo, l.time_ns / l.max_copies);
  }
  if (layers.empty() || cost(hi, nullptr) > area_cells) return copies;
  if (cost(lo, nullptr) <= area_cells) {  // enough area for the maximum everywhere
    cost(lo, &copies);
    return copies;
  }
  // cost(t) falls as t grows: the smallest feasible bottleneck time by bisection; x_i = ceil(time_i / t)
  // is then the cheapest assignment reaching it, so this solves the integer program exactly
  for (int it = 0; it < 100 && hi - lo > 1e-9 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    (cost(mid, nullptr) <= area_cells ? hi : lo) = mid;
  }
  cost(hi, &copies);
  return copies;
}

double bottleneck_ns(const std::vector<LayerCost>& layers, const std::vector<int>& copies) {
  double t = 0;
  for (size_t i = 0; i < layers.size(); ++i) t = std::max(t, layers[i].time_ns / copies[i]);
  return t;
}

double copy_input_rows(const Layer& l, int copies) {
  const double h_in = std::max(1, l.in.h), h_out = std::max(1, l.out.h);
  auto need = [&](double band) {
    if (l.op != OpKind::conv) return h_in;  // a fully connected layer reads every row
    const double span = (band - 1) * l.stride + (double(l.kernel_h) - 1) * l.dilation + 1;
    return std::min(h_in, span);
  };
  if (copies <= 1) return h_in;
  if (copies <= h_out) return need(std::ceil(h_out / copies));
  return h_out * need(1) / copies;
}

double tile_load_ns(const Graph& graph, const models::HardwareSpec& hw, const Mapping& m) {
  const size_t n = size_t(std::max(1, m.tiles_used)) + 1;
  std::vector<double> eject(n), inject(n), buffer(n), act(n), acc(n), pool(n);
  const double abits = hw.precision.activation_bits;
  auto tile = [&](int t) { return size_t(std::clamp(t, 0, int(n) - 1)); };
  // mesh links, by (router, direction): the XY routes of tiles::Chip's NoC (hw::Mesh), without the
  // detour around the partly empty last row
  const int per_router = std::max(1, hw.chip.tiles_per_router);
  const RouterGrid grid = router_grid(std::max(m.chip_tiles, m.tiles_used), per_router);
  std::map<std::pair<int64_t, int>, double> links;  // ((row << 32) | column of the router, direction)
  auto route = [&](int from_tile, int to_tile, const std::function<void(std::pair<int64_t, int>)>& each) {
    int r, c, dr, dc;
    grid.position(from_tile / per_router, r, c);
    grid.position(to_tile / per_router, dr, dc);
    while (c != dc) {
      each({int64_t(r) << 32 | int64_t(c), dc > c ? 0 : 1});
      c += dc > c ? 1 : -1;
    }
    while (r != dr) {
      each({int64_t(r) << 32 | int64_t(c), dr > r ? 2 : 3});
      r += dr > r ? 1 : -1;
    }
  };
  auto unicast = [&](int from_tile, int to_tile, double bits) {
    if (from_tile == to_tile || bits <= 0) return;
    inject[tile(from_tile)] += bits;
    eject[tile(to_tile)] += bits;
    route(from_tile, to_tile, [&](std::pair<int64_t, int> l) { links[l] += bits; });
  };
  // where each layer's output rows are buffered: the home tiles of its copies (each a share)
  std::vector<std::vector<int>> homes(graph.layers.size());
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const LayerMapping& lm = m.layers[i];
    homes[i].assign(size_t(std::max(1, lm.copies)), -1);
    for (int b : lm.blocks) {
      int& h = homes[i][size_t(m.blocks[size_t(b)].copy)];
      if (h < 0) h = m.blocks[size_t(b)].tile;
    }
    for (int& h : homes[i])
      if (h < 0) h = lm.home_tile;
  }
  auto source = [&](int layer) {  // fused activations are buffered where their producer is
    const int f = m.layers[size_t(layer)].fused_into;
    return f >= 0 ? f : layer;
  };
  // `bits` of `from`'s output to tile `to`: injected at each of its copies' homes for their share
  // `bits` of `from`'s output to the tiles `to` (each keeping `share` of them), for part `part` of
  // `parts` of the rows (a consumer copy's band): they come from the producer copies whose bands
  // overlap it, each a share
  auto send = [&](int from, const std::vector<int>& to, double bits, const std::vector<double>& share, size_t part,
                  size_t parts) {
    const auto& all = homes[size_t(source(from))];
    const size_t first = part * all.size() / parts;
    const size_t last = std::max(first, ((part + 1) * all.size() + parts - 1) / parts - 1);
    const std::vector<int> h(all.begin() + std::ptrdiff_t(first), all.begin() + std::ptrdiff_t(std::min(last, all.size() - 1)) + 1);
    for (int src : h) {
      bool sent = false;
      std::map<std::pair<int64_t, int>, double> tree;  // link -> the largest share it carries
      for (size_t k = 0; k < to.size(); ++k) {
        if (to[k] == src || bits <= 0) continue;
        const double b = bits * share[k] / double(h.size());
        eject[tile(to[k])] += b;
        buffer[tile(to[k])] += b;  // written on arrival
        route(src, to[k], [&](std::pair<int64_t, int> l) { tree[l] = std::max(tree[l], share[k]); });
        sent = true;
      }
      if (sent) inject[tile(src)] += bits / double(h.size());  // multicast: once per source
      for (const auto& [l, s] : tree) links[l] += bits * s / double(h.size());
    }
  };
  for (size_t i = 1; i < graph.layers.size(); ++i) {
    const Layer& l = graph.layers[i];
    const LayerMapping& lm = m.layers[i];
    if (lm.fused_into >= 0 || l.op == OpKind::zero) continue;
    const double out_elems = double(l.out.elements());
    if (lm.weighted) {
      const double total_rows = double(lm.rows_per_group) * lm.groups;
      const double in_bits = double(l.in.w) * l.in.c * abits * copy_input_rows(l, lm.copies);
      const double out_bits = out_elems * (lm.row_blocks > 1 ? hw.precision.partial_sum_bits : abits) / lm.copies;
      std::vector<std::map<int, double>> rows(size_t(lm.copies));  // per copy: tile -> input rows it reads
      std::vector<std::set<std::tuple<int, int, int>>> seen(size_t(lm.copies));  // (tile, group, row block)
      // the reduction (tiles::Controller::step_weighted): per copy and output slice (group, column
      // block), the PEs and the tiles holding it; a PE adds its own row blocks in its shift-and-add
      // stage, a tile's accumulate units add across its PEs, the tree across tiles
      std::vector<std::map<std::pair<int, int>, std::map<int, std::set<int>>>> holders(size_t(lm.copies));
      std::map<std::pair<int, int>, int> outs_of;
      for (int b : lm.blocks) {
        const auto& blk = m.blocks[size_t(b)];
        rows[size_t(blk.copy)][blk.tile] += 0;
        if (seen[size_t(blk.copy)].insert({blk.tile, blk.group_first, blk.row_block}).second)
          rows[size_t(blk.copy)][blk.tile] += blk.rows_driven;
        holders[size_t(blk.copy)][{blk.group_first, blk.col_block}][blk.tile].insert(blk.pe);
        outs_of[{blk.group_first, blk.col_block}] = blk.outputs;
      }
      const double vectors = l.op == OpKind::conv ? double(l.out.h) * l.out.w : 1.0;
      for (size_t c = 0; c < holders.size(); ++c)
        for (const auto& [key, tiles_of_key] : holders[c]) {
          const double per = double(outs_of[key]) * vectors / lm.copies;
          for (const auto& [t, pes] : tiles_of_key)
            acc[tile(t)] += per * (double(pes.size() - 1) + double(tiles_of_key.size() - 1) / double(tiles_of_key.size()));
        }
      for (size_t c = 0; c < rows.size(); ++c) {
        std::vector<int> to;
        std::vector<double> share;
        for (const auto& [t, r] : rows[c]) {
          to.push_back(t);
          share.push_back(std::min(1.0, r / total_rows));
          buffer[tile(t)] += in_bits * share.back();  // read into the PEs
          if (t != homes[i][c]) unicast(t, homes[i][c], out_bits / double(rows[c].size()));  // results
        }
        send(l.inputs.front(), to, in_bits, share, c, rows.size());
        const int h = homes[i][c];
        buffer[tile(h)] += out_elems * abits / lm.copies;
        if (lm.fused_activation >= 0) act[tile(h)] += out_elems / lm.copies;
      }
      continue;
    }
    // a digital layer works where its first input's rows are (tiles::Controller::step_digital): on the
    // home tiles of that input's copies, each a share
    if (!l.inputs.empty()) homes[i] = homes[size_t(source(l.inputs.front()))];
    const double shares = double(homes[i].size());
    double in_bits = 0;
    for (size_t k = 0; k < l.inputs.size(); ++k) {
      const int p = l.inputs[k];
      const double bits = double(graph.layers[size_t(p)].out.elements()) * abits;
      in_bits += bits;
      if (k == 0) continue;  // the first input's rows are where the layer works
      for (size_t h = 0; h < homes[i].size(); ++h) send(p, {homes[i][h]}, bits / shares, {1.0}, h, homes[i].size());
    }
    double work_pool = 0, work_acc = 0, work_act = 0;
    switch (l.op) {
      case OpKind::concat: case OpKind::identity: case OpKind::pad: case OpKind::slice: case OpKind::flatten:
        continue;  // addressing
      case OpKind::max_pool: case OpKind::avg_pool:
        work_pool = out_elems * l.kernel_h * l.kernel_w;
        break;
      case OpKind::global_avg_pool:
        work_pool = double(l.in.elements());
        break;
      case OpKind::add: case OpKind::mul: case OpKind::scale_shift:
        work_acc = out_elems * (l.op == OpKind::scale_shift ? 2 : double(l.inputs.size() - 1));
        if (lm.fused_activation >= 0) work_act = out_elems;
        break;
      default:
        if (workloads::is_activation(l.op)) work_act = out_elems;
        break;
    }
    for (int h : homes[i]) {
      pool[tile(h)] += work_pool / shares;
      acc[tile(h)] += work_acc / shares;
      act[tile(h)] += work_act / shares;
      buffer[tile(h)] += (in_bits + out_elems * abits) / shares;
    }
  }
  const double clock = hw.technology.clock_ghz;  // per ns
  const double link = hw.noc.link_bandwidth_gbps, mem = double(hw.tile.buffer.banks) * hw.tile.buffer.bus_bits * clock;
  auto rate = [clock](const models::DigitalUnitSpec& u) { return double(u.count) * u.ops_per_cycle * clock; };
  double worst = 0;
  for (size_t t = 0; t < n; ++t)
    worst = std::max({worst, eject[t] / link, inject[t] / link, buffer[t] / mem, act[t] / rate(hw.tile.activation),
                      acc[t] / rate(hw.tile.accumulate), pool[t] / rate(hw.tile.pool)});
  for (const auto& [l, bits] : links) worst = std::max(worst, bits / link);
  return worst;
}

double crossbar_bottleneck_ns(const Graph& graph, const models::HardwareSpec& hw, const Mapping& m) {
  std::vector<int> widest(graph.layers.size(), 0);
  for (const auto& b : m.blocks) widest[size_t(b.layer)] = std::max(widest[size_t(b.layer)], b.cols_used);
  // each layer's share of a crossbar's time, once per layer (the same figure for each of its blocks)
  std::vector<double> per_block(graph.layers.size(), 0.0);
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const Layer& l = graph.layers[i];
    const double vectors = l.op == OpKind::conv ? double(l.out.h) * l.out.w : 1.0;
    const double t = vectors * hw.input_phases() * hw.phase_period_ns(widest[i]);
    per_block[i] = t / m.layers[i].copies;
  }
  std::vector<double> busy(size_t(m.crossbars_used) + 1, 0.0);
  for (const auto& b : m.blocks) {
    if (size_t(b.crossbar) >= busy.size()) busy.resize(size_t(b.crossbar) + 1, 0.0);
    busy[size_t(b.crossbar)] += per_block[size_t(b.layer)];
  }
  return busy.empty() ? 0.0 : *std::max_element(busy.begin(), busy.end());
}

Mapping compile(const Graph& graph, const models::HardwareSpec& hw, const MapOptions& options) {
  Mapping m;
  m.network = graph.name;
  m.mode = mapping_mode_name(MappingMode::compiled);
  m.budget = options.crossbars;
  m.layers.resize(graph.layers.size());
  const int R = hw.crossbar.rows, C = hw.crossbar.cols;

  // 1. partition every weighted layer once; its cost for the duplication
  std::vector<std::vector<CrossbarBlock>> parts(graph.layers.size());
  std::vector<int> weighted;
  std::vector<LayerCost> costs;
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    LayerMapping& lm = m.layers[i];
    lm.layer = int(i);
    lm.weighted = workloads::is_weighted(graph.layers[i].op);
    if (!lm.weighted) continue;
    parts[i] = partition(graph.layers[i], int(i), hw, lm);
    const Layer& l = graph.layers[i];
    LayerCost c;
    c.layer = int(i);
    int widest = 0;
    for (const auto& b : parts[i]) {
      c.area_cells += double(b.rows_used) * b.cols_used;
      widest = std::max(widest, b.cols_used);
    }
    const double vectors = l.op == OpKind::conv ? double(l.out.h) * l.out.w : 1.0;  // per inference
    c.time_ns = vectors * hw.input_phases() * hw.phase_period_ns(widest);
    // copies share a row's output vectors and then take turns on rows: up to one copy per output vector
    c.max_copies = int(std::clamp<int64_t>(int64_t(vectors), 1, kMaxCopies));
    weighted.push_back(int(i));
    costs.push_back(c);
  }

  // 2. + 3. duplicate within a margin of the budget, pack; back off the margin until the packing fits
  struct Item {
    int64_t area;  // the block's cells (rows_used x cols_used): the packing order
    int layer, copy, part;
  };
  std::vector<Item> items;
  std::vector<Placement> placed;
  std::vector<PackItem> pi;
  int bins = 0;
  std::vector<int> index_of(graph.layers.size(), -1);
  for (size_t k = 0; k < weighted.size(); ++k) index_of[size_t(weighted[k])] = int(k);
  // blocks of all copies: a duplication whose blocks would pass the bound is not built
  auto block_count = [&](const std::vector<int>& copies) {
    int64_t n = 0;
    for (size_t k = 0; k < weighted.size(); ++k) n += int64_t(copies[k]) * int64_t(parts[size_t(weighted[k])].size());
    return n;
  };
  auto try_pack = [&](const std::vector<int>& copies, double target) {
    items.clear();
    items.reserve(size_t(block_count(copies)));
    for (size_t k = 0; k < weighted.size(); ++k) {
      const auto& layer_parts = parts[size_t(weighted[k])];
      for (int c = 0; c < copies[k]; ++c)
        for (size_t p = 0; p < layer_parts.size(); ++p)
          items.push_back({int64_t(layer_parts[p].rows_used) * layer_parts[p].cols_used, weighted[k], c, int(p)});
    }
    // large blocks first; ties in pipeline order
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.area > b.area; });
    std::vector<double> load(weighted.size());
    double bottleneck = target;
    for (size_t k = 0; k < weighted.size(); ++k) {
      load[k] = costs[k].time_ns / copies[k];
      bottleneck = std::max(bottleneck, load[k]);
    }
    pi.clear();
    pi.reserve(items.size());
    for (size_t k = 0; k < items.size(); ++k) {
      const auto& b = parts[size_t(items[k].layer)][size_t(items[k].part)];
      pi.push_back({b.rows_used, b.cols_used, int(k), load[size_t(index_of[size_t(items[k].layer)])]});
    }
    // The sharing rule: a crossbar is read once per activation for each block it holds (blocks of one
    // layer too: those reads take turns), so its busy time per inference is the sum of its blocks' layer
    // times; it must not exceed the pipeline's bottleneck layer, so sharing never makes a new bottleneck.
    placed = pack(pi, R, C, kMaxBlocksPerCrossbar, bottleneck, &bins);
  };

  // 4. placement: crossbars in pipeline order (the earliest layer they hold), filling PEs and tiles in
  // index order, so that consecutive layers sit on the same or neighbouring tiles
  const int xbars_per_pe = hw.pe.crossbars, pes_per_tile = hw.tile.pes;
  const auto consumers = graph.consumers();
  // A layer's blocks are listed by (copy, group, column block, row block): partition() makes a layer's
  // parts in that order, so each block goes to slot copy x parts + part (checked, sorted if not).
  auto build = [&](const std::vector<int>& copies, double target) {
    try_pack(copies, target);
    Mapping c = m;
    std::vector<std::pair<int, int>> order(size_t(bins), {INT32_MAX, 0});
    for (int b = 0; b < bins; ++b) order[size_t(b)].second = b;
    for (size_t k = 0; k < items.size(); ++k) {
      auto& o = order[size_t(placed[k].bin)];
      o.first = std::min(o.first, items[k].layer * kMaxCopies + items[k].copy);
    }
    std::sort(order.begin(), order.end());  // the pairs are distinct: as a stable sort would order them
    std::vector<int> slot(static_cast<size_t>(bins));
    for (int s = 0; s < bins; ++s) slot[size_t(order[size_t(s)].second)] = s;
    for (size_t k = 0; k < weighted.size(); ++k)
      c.layers[size_t(weighted[k])].blocks.assign(size_t(copies[k]) * parts[size_t(weighted[k])].size(), -1);
    c.blocks.reserve(items.size());
    for (size_t k = 0; k < items.size(); ++k) {
      CrossbarBlock b = parts[size_t(items[k].layer)][size_t(items[k].part)];
      const int s = slot[size_t(placed[k].bin)];
      b.copy = items[k].copy;
      b.crossbar = s;
      b.row_offset = placed[k].row;
      b.col_offset = placed[k].col;
      b.xbar = s % xbars_per_pe;
      b.pe = (s / xbars_per_pe) % pes_per_tile;
      b.tile = s / (xbars_per_pe * pes_per_tile);
      c.cells_used += b.cells();
      const size_t n_parts = parts[size_t(b.layer)].size();
      c.layers[size_t(b.layer)].blocks[size_t(b.copy) * n_parts + size_t(items[k].part)] = int(c.blocks.size());
      c.blocks.push_back(b);
    }
    for (size_t k = 0; k < weighted.size(); ++k) {
      LayerMapping& lm = c.layers[size_t(weighted[k])];
      lm.copies = copies[k];
      auto before = [&](int a, int b) {
        const auto& x = c.blocks[size_t(a)];
        const auto& y = c.blocks[size_t(b)];
        return std::tie(x.copy, x.group_first, x.col_block, x.row_block) <
               std::tie(y.copy, y.group_first, y.col_block, y.row_block);
      };
      if (!std::is_sorted(lm.blocks.begin(), lm.blocks.end(), before))  // a partition in another order
        std::sort(lm.blocks.begin(), lm.blocks.end(), before);
      lm.tiles.clear();
      for (int b : lm.blocks) lm.tiles.push_back(c.blocks[size_t(b)].tile);
      std::sort(lm.tiles.begin(), lm.tiles.end());
      lm.tiles.erase(std::unique(lm.tiles.begin(), lm.tiles.end()), lm.tiles.end());
      lm.home_tile = c.blocks[size_t(lm.blocks.front())].tile;
    }
    c.crossbars_used = bins;
    c.pes_used = (bins + xbars_per_pe - 1) / xbars_per_pe;
    c.tiles_used = std::max(1, (c.pes_used + pes_per_tile - 1) / pes_per_tile);
    place_digital(graph, consumers, c);
    return c;
  };

  // Duplication and packing together. For a target bottleneck T the cheapest copies are
  // ceil(time_i / T) (at most one per output vector), and packing may share a crossbar among blocks whose
  // summed layer times stay within T. Candidates T from the most duplicated to none are built and placed;
  // among those that fit the budget the compiler keeps the one whose estimated bottleneck is smallest:
  // the busiest crossbar, or the busiest tile buffer, digital unit or NoC endpoint link (tile_load_ns),
  // since copies spread over more tiles move more data.
  auto copies_for = [&](double t) {
    std::vector<int> x(weighted.size());
    for (size_t k = 0; k < weighted.size(); ++k)
      x[k] = std::clamp(int(std::ceil(costs[k].time_ns / t - 1e-9)), 1, costs[k].max_copies);
    return x;
  };
  double t_hi = 0, t_lo = 0;
  for (const auto& c : costs) {
    t_hi = std::max(t_hi, c.time_ns);
    t_lo = std::max(t_lo, c.time_ns / c.max_copies);
  }
  std::vector<int> copies(weighted.size(), 1);
  Mapping best = build(copies, t_hi);
  if (options.crossbars > 0 && best.crossbars_used <= options.crossbars && t_lo < t_hi) {
    auto score = [&](const Mapping& c) {
      return std::max(crossbar_bottleneck_ns(graph, hw, c), tile_load_ns(graph, hw, c));
    };
    double best_score = score(best);
    constexpr int kCandidates = 32;
    for (int k = 0; k < kCandidates; ++k) {  // geometric from t_lo to t_hi
      const double t = t_lo * std::pow(t_hi / t_lo, double(k) / kCandidates);
      const auto x = copies_for(t);
      if (block_count(x) > kMaxCrossbarBlocks) continue;  // more copies than the mapper may hold
      Mapping c = build(x, t);
      if (c.crossbars_used > options.crossbars) continue;
      const double sc = score(c);
      // the smallest estimated bottleneck; on a tie, the mapping with fewer crossbars (less to move)
      if (sc < best_score * (1 - 1e-9) || (sc <= best_score * (1 + 1e-9) && c.crossbars_used < best.crossbars_used)) {
        best_score = sc;
        best = std::move(c);
        copies = x;
      }
    }
    // what a perfect packing would allow: the area-only optimum (docs/mapping.md: the gap)
    best.bottleneck_bound_ns = bottleneck_ns(costs, duplicate(costs, double(options.crossbars) * R * C));
  }
  m = std::move(best);

  // sharing: crossbars holding blocks of more than one layer (per crossbar: its first layer, -2 once shared)
  std::vector<int> first_layer(static_cast<size_t>(m.crossbars_used), -1);
  for (const auto& b : m.blocks) {
    int& f = first_layer[size_t(b.crossbar)];
    if (f == -1) f = b.layer;
    else if (f >= 0 && f != b.layer) f = -2;
  }
  m.shared_crossbars += int(std::count(first_layer.begin(), first_layer.end(), -2));
  return m;
}

}  // namespace cimsim::mapper
