// Two-dimensional bin packing of crossbar blocks into crossbars: maximal empty rectangles, first fit.
// Plain C++, no knowledge of layers: each item carries the load the sharing rule adds up.
#pragma once

#include <limits>
#include <vector>

namespace cimsim::mapper {

struct PackItem {
  int rows = 0, cols = 0;  // the block's extent in the crossbar
  int key = 0;             // caller's index (returned in Placement)
  double load = 0;         // what the item adds to its bin's busy time (the sharing rule)
};

struct Placement {
  int bin = 0;                 // crossbar
  int row = 0, col = 0;        // offset of the block's top-left cell
};

// Packs `items` (in the given order) into bins of `rows` x `cols`: each item goes into the first open bin
// that has an empty maximal rectangle holding it and whose loads stay within `capacity` with it
// (item.load + the loads already in the bin, summed in that order, <= capacity * (1 + 1e-9)), at the
// empty rectangle nearest the bin's origin (top-left: the farthest from the far corner); a new bin is
// opened when none fits. A bin holds at most `max_items` items. Returns one placement per item, in
// item order.
// Cost: the first fit is found through a segment tree over the bins (largest free height and width,
// smallest load: whole runs of bins that cannot take the item are skipped at once) and, per kind of
// item (extent and load), the first bin not yet known to refuse it; a bin's refusal of a kind is final
// (its room only shrinks and its load only grows). So n items of k kinds cost O(n log n + k * bins)
// instead of the O(n * bins) of a plain scan, with exactly the plain scan's result (tests/test_compiler).
std::vector<Placement> pack(const std::vector<PackItem>& items, int rows, int cols, int max_items,
                            double capacity = std::numeric_limits<double>::infinity(), int* bins_used = nullptr);

}  // namespace cimsim::mapper
