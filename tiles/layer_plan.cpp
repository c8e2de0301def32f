#include "tiles/layer_plan.hpp"

#include <algorithm>
#include <map>

#include "tiles/tile.hpp"

namespace cimsim::tiles {

LayerPlan build_layer_plan(const mapper::Mapping& mapping, int layer) {
  const auto& lm = mapping.layers[size_t(layer)];
  LayerPlan plan;
  plan.copies.resize(size_t(lm.copies));
  for (int b : lm.blocks) {
    const auto& blk = mapping.blocks[size_t(b)];
    auto& tiles = plan.copies[size_t(blk.copy)].tiles;
    if (tiles.empty()) plan.copies[size_t(blk.copy)].home = blk.tile;
    auto t = std::find_if(tiles.begin(), tiles.end(), [&](const TilePlan& x) { return x.tile == blk.tile; });
    if (t == tiles.end()) {
      tiles.push_back({blk.tile, {}, 0, {}, {}, 0});
      t = tiles.end() - 1;
    }
    auto p = std::find_if(t->pes.begin(), t->pes.end(), [&](const PePlan& x) { return x.pe == blk.pe; });
    if (p == t->pes.end()) {
      t->pes.push_back({blk.pe, {}, 0, 0, {}});
      p = t->pes.end() - 1;
    }
    p->blocks.push_back(&blk);
    // a PE sends one partial sum per output of each (group, column block) it holds (Pe::b_transport)
    if (std::none_of(p->blocks.begin(), p->blocks.end() - 1, [&](const mapper::CrossbarBlock* o) {
          return o->group_first == blk.group_first && o->col_block == blk.col_block;
        }))
      p->outputs += uint64_t(blk.outputs);
    if (p->slices.insert({blk.group_first, blk.row_block}).second) p->rows += uint64_t(blk.rows_driven);
    if (t->slices.insert({blk.group_first, blk.row_block}).second) t->rows += uint64_t(blk.rows_driven);
  }
  // the tile stage of the reduction: partial sums of the same outputs from several of its PEs
  for (auto& copy : plan.copies)
    for (auto& tp : copy.tiles)
      for (const auto& pp : tp.pes) {
        std::set<std::pair<int, int>> mine;
        for (const auto* b : pp.blocks)
          if (mine.insert({b->group_first, b->col_block}).second) {
            auto [at, added] = tp.sums.try_emplace({b->group_first, b->col_block}, b->outputs);
            if (!added) tp.tile_adds += uint64_t(b->outputs);
          }
      }
  const double total_rows = double(lm.rows_per_group) * lm.groups;
  for (auto& copy : plan.copies) {
    std::map<std::set<std::pair<int, int>>, int> keys;  // tiles reading the same slices share a key
    for (const auto& tp : copy.tiles) {
      const int key = keys.emplace(tp.slices, int(keys.size())).first->second;
      copy.dests.push_back({tp.tile, key, std::min(1.0, double(tp.rows) / total_rows)});
    }
  }
  return plan;
}

std::vector<UnitOps> digital_ops(const workloads::Layer& l, const mapper::LayerMapping& lm, bool matrix_engine) {
  using workloads::OpKind;
  const uint64_t values = uint64_t(l.out.c) * uint64_t(l.out.w);
  switch (l.op) {
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return {{Unit::pool, values * uint64_t(l.kernel_h) * uint64_t(l.kernel_w)}};
    case OpKind::global_avg_pool:
      return {{Unit::pool, uint64_t(l.in.elements())}};
    case OpKind::relu:
    case OpKind::hardswish:
    case OpKind::hardsigmoid:
    case OpKind::sigmoid:
    case OpKind::gelu:
    case OpKind::tanh:
    case OpKind::erf:
      return {{Unit::activation, values}};
    case OpKind::softmax:  // an exponential per element, then the group's sum and a division per element
    case OpKind::log_softmax:  // and a logarithm per element
      return {{Unit::activation, (l.op == OpKind::softmax ? 1 : 2) * values}, {Unit::accumulate, 2 * values}};
    case OpKind::layer_norm:  // per element: the mean's add, the variance's multiply and add, subtract,
                              // scale by 1/std, the affine multiply and add; per position one 1/sqrt
      return {{Unit::accumulate, 6 * values}, {Unit::activation, uint64_t(l.out.w)}};
    case OpKind::matmul:  // a row of A against all of B: on the matrix engines, else the accumulate units
      return {{matrix_engine ? Unit::matrix : Unit::accumulate, uint64_t(l.macs() / std::max(1, l.out.h))}};
    case OpKind::mul:  // one multiply per element (the accumulate unit's datapath)
    case OpKind::add: {
      const uint64_t adds = l.op == OpKind::mul ? values : uint64_t(l.inputs.size() - 1) * values;
      if (lm.fused_activation >= 0) return {{Unit::accumulate, adds}, {Unit::activation, values}};
      return {{Unit::accumulate, adds}};
    }
    case OpKind::scale_shift:  // a multiply and an add per element
      return {{Unit::accumulate, 2 * values}};
    default:  // a reshape's elements move through the buffer (read by the step); nothing is computed
      return {};
  }
}

}  // namespace cimsim::tiles
