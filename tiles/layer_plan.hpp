// What one step of a weighted layer drives, per copy, tile and PE: built once per layer from the
// mapping, and shared by the SystemC controller (tiles::Controller::step_weighted) and the analytical
// evaluator (sim/analytical.hpp), so both count the same transactions. Plain C++.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "mapper/mapping.hpp"
#include "tiles/reduction.hpp"
#include "tiles/tile.hpp"
#include "workloads/graph.hpp"

namespace cimsim::tiles {

// A tile that receives a copy's input rows: tiles with the same share key keep the same part of each
// row (the same (group, row block) slices) and take one multicast; `fraction` of a row's bits.
struct RowDest {
  int tile, key;
  double fraction;
};

struct PePlan {
  int pe;
  std::vector<const mapper::CrossbarBlock*> blocks;
  uint64_t rows, outputs;  // distinct input rows it reads; partial sums it sends (row blocks added)
  std::set<std::pair<int, int>> slices;
};
struct TilePlan {
  int tile;
  std::vector<PePlan> pes;
  uint64_t rows;                         // distinct input rows the tile's PEs read
  std::set<std::pair<int, int>> slices;  // (group, row block) of the input rows it reads
  // (group, column block) -> outputs: the partial sums it holds once its PEs have added theirs
  Sums sums;
  uint64_t tile_adds = 0;  // per output vector: partial sums its accumulate units add across its PEs
};
struct CopyPlan {
  int home = 0;  // the tile of the copy's first block: its outputs are reduced and buffered there
  std::vector<TilePlan> tiles;
  std::vector<RowDest> dests;  // its tiles as input destinations (share key: the tile's slice set)
};
struct LayerPlan {
  std::vector<CopyPlan> copies;
};

// The digital work of one step (one output row) of a digital layer, in order: (tile unit, ops). The
// units are pool, activation, accumulate and matrix (tiles::Unit); a matmul with spare crossbars
// (tile.matrix.mode: crossbar) is not in it. Pooling k x k ops per output (borders too), global pooling
// one per input element, an activation one per element, softmax an exponential (log-softmax also a
// logarithm) and a sum and a division per element, layer norm six accumulate ops per element and a
// 1/sqrt per position, a matmul its MACs on the matrix engines (accumulate units without any), mul one
// multiply, scale-shift a multiply and an add, add (inputs - 1) adds per element; a fused activation after.
struct UnitOps {
  int unit;
  uint64_t ops;
};
std::vector<UnitOps> digital_ops(const workloads::Layer& l, const mapper::LayerMapping& lm, bool matrix_engine);

// The plan of weighted layer `layer` of `mapping` (its blocks must outlive the plan: PePlan points at them).
LayerPlan build_layer_plan(const mapper::Mapping& mapping, int layer);

// One step of weighted layer `l` (mapping `lm`) on copy `cp`, from when its input rows are in each tile's
// buffer (`in`, per tile of the copy), as a sequence of transactions on a fabric: per tile, the fetch into
// the PEs' input registers (buffer read and bus side by side; window_reuse), its PEs' MVMs, their partial sums over the bus and the
// tile's accumulate units (which add what several of its PEs hold); then across the copy's tiles the
// reduction tree `tree` (reduction_tree of the tiles' sums) for partial sums of `partial_sum_bits`, or
// whole outputs straight to the home; at the home the fused activation and the output register.
// The fabric does each transaction from a time and returns when it ends:
//   read(tile, bits, t)          the tile buffer
//   unit(tile, Unit, n, t)       bus (bits), accumulate, activation (ops), output register (bits)
//   mvm(k, vectors, reuse, t)    every PE of tile k of the copy
//   transfer(src, dst, bits, t)  over the NoC
// tiles::Controller runs it on the SystemC fabric, the analytical evaluator on its replay.
// A weighted step's input vectors (a conv row's output columns, else 1) and the sliding window's reuse:
// a row of v outputs reads kw + (v-1) x stride input columns, not v x kw (1 for an fc).
inline int step_vectors(const workloads::Layer& l) { return l.op == workloads::OpKind::conv ? l.out.w : 1; }
inline double window_reuse(const workloads::Layer& l) {
  const int v = step_vectors(l);
  return l.op == workloads::OpKind::conv ? (double(l.kernel_w) + double(v - 1) * l.stride) / double(l.kernel_w) : 1.0;
}

struct WeightedStep {
  double next;        // the earliest tile's fetch done: the layer's thread may move on
  double reads_done;  // every tile's fetch done
  double ready;       // the output row is formed at the home
  uint64_t store;     // the row's bits, written into the home's buffer
};
template <typename Read, typename UnitOp, typename Mvm, typename Transfer>
WeightedStep weighted_step(const workloads::Layer& l, const mapper::LayerMapping& lm, const CopyPlan& cp,
                           const std::vector<ReductionStep>& tree, int activation_bits, int partial_sum_bits,
                           const std::vector<double>& in, double t, Read&& read, UnitOp&& unit, Mvm&& mvm,
                           Transfer&& transfer) {
  const uint64_t vectors = uint64_t(step_vectors(l));
  const uint64_t act = uint64_t(activation_bits);
  const bool partial = lm.row_blocks > 1;
  const uint64_t out_value_bits = partial ? uint64_t(partial_sum_bits) : act;
  const double reuse = window_reuse(l);
  WeightedStep r{std::numeric_limits<double>::infinity(), t, t, 0};
  std::vector<double> done(cp.tiles.size(), t);  // per tile: its partial sums are ready to leave
  for (size_t k = 0; k < cp.tiles.size(); ++k) {
    const TilePlan& tp = cp.tiles[k];
    const uint64_t fetch = uint64_t(double(tp.rows) * double(act) * reuse);
    const double fetched = std::max(read(tp.tile, fetch, in[k]), unit(tp.tile, Unit::bus, fetch, in[k]));
    r.next = std::min(r.next, fetched);
    r.reads_done = std::max(r.reads_done, fetched);
    double computed = std::max(fetched, mvm(k, int(vectors), reuse, fetched));
    uint64_t outputs = 0;
    for (const PePlan& pp : tp.pes) outputs += pp.outputs;
    computed = unit(tp.tile, Unit::bus, outputs * vectors * out_value_bits, computed);
    done[k] = unit(tp.tile, Unit::accumulate, tp.tile_adds * vectors, computed);
  }
  const int home = cp.home;
  double h = done[0];
  if (partial) {
    for (const auto& step : tree) {
      const double at = transfer(cp.tiles[step.from].tile, cp.tiles[step.to].tile, step.sent * vectors * out_value_bits,
                                 done[step.from]);
      done[step.to] = unit(cp.tiles[step.to].tile, Unit::accumulate, step.adds * vectors, std::max(done[step.to], at));
    }
    h = done[0];
  } else {
    for (size_t k = 1; k < cp.tiles.size(); ++k) {
      uint64_t outs = 0;
      for (const auto& kv : cp.tiles[k].sums) outs += uint64_t(kv.second);
      h = std::max(h, transfer(cp.tiles[k].tile, home, outs * vectors * act, done[k]));
    }
  }
  const uint64_t values = uint64_t(l.out.c) * vectors;
  double out = std::max(t, h);
  if (lm.fused_activation >= 0) out = unit(home, Unit::activation, values, out);
  r.ready = unit(home, Unit::out_reg, values * act, out);
  r.store = values * act;
  return r;
}

}  // namespace cimsim::tiles
