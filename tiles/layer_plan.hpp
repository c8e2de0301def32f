// What one step of a weighted layer drives, per copy, tile and PE: built once per layer from the
// mapping, and shared by the SystemC controller (tiles::Controller::step_weighted) and the analytical
// evaluator (sim/analytical.hpp), so both count the same transactions. Plain C++.
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "mapper/mapping.hpp"
#include "tiles/reduction.hpp"

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

}  // namespace cimsim::tiles
