// The last stage of a weighted layer's partial-sum reduction (tiles::Controller::step_weighted,
// docs/architecture.md#hierarchical-reduction): across the tiles of one copy. After the PEs' shift-and-add
// stages and each tile's accumulate units, tile k holds partial sums of some (group, column block)s of
// the layer's outputs; they meet in a binary tree rooted at tile 0 (the copy's home): in round r
// (stride 2^r), tile i + stride sends what it holds to tile i, which adds the outputs both hold. Tiles that
// hold none of the same outputs as their partner have nothing to add there and send straight to tile 0
// at the end. With m tiles all holding the same outputs the tree is ceil(log2 m) transfers deep and adds
// (m - 1) x outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace cimsim::tiles {

// (group, column block) -> outputs whose partial sums a tile holds
using Sums = std::map<std::pair<int, int>, int>;

struct ReductionStep {
  std::size_t from, to;  // tile indices within the copy (0: its home)
  uint64_t sent;         // outputs whose partial sums `from` sends (per output vector)
  uint64_t adds;         // additions `to` makes with them (per output vector)
};

// The transfers of the tree, in the order they happen (a step's `to` has received all it will add
// before it sends on). Every tile but 0 sends exactly once; the adds sum to what the tiles held twice.
std::vector<ReductionStep> reduction_tree(std::vector<Sums> holds);

// The rounds the tree takes: merges in order, each after both tiles' earlier merges (a tile adds what it
// receives one transfer after another), the count of those ending at tile 0.
int reduction_depth(const std::vector<ReductionStep>& steps, std::size_t tiles);

}  // namespace cimsim::tiles
