// Two-dimensional bin packing of crossbar blocks into crossbars: maximal empty rectangles, first fit.
// Plain C++, no knowledge of layers beyond the constraint callback.
#pragma once

#include <functional>
#include <vector>

namespace cimsim::mapper {

struct PackItem {
  int rows = 0, cols = 0;  // the block's extent in the crossbar
  int key = 0;             // caller's index (returned in Placement)
};

struct Placement {
  int bin = 0;                 // crossbar
  int row = 0, col = 0;        // offset of the block's top-left cell
};

// Packs `items` (in the given order) into bins of `rows` x `cols`: each item goes into the first open bin
// that has an empty maximal rectangle holding it and that `allowed(bin_items, item)` accepts (bin_items:
// the keys already in that bin), at the empty rectangle nearest the bin's origin (top-left: the farthest
// from the far corner); a new bin is opened when none fits. A bin holds at most `max_items` items.
// Returns one placement per item, in item order.
std::vector<Placement> pack(const std::vector<PackItem>& items, int rows, int cols, int max_items,
                            const std::function<bool(const std::vector<int>&, const PackItem&)>& allowed,
                            int* bins_used);

}  // namespace cimsim::mapper
