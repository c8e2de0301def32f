#include "mapper/packing.hpp"

#include <algorithm>

namespace cimsim::mapper {

namespace {

struct Rect {
  int r = 0, c = 0, h = 0, w = 0;  // top row, left column, rows, columns
  bool contains(const Rect& o) const { return o.r >= r && o.c >= c && o.r + o.h <= r + h && o.c + o.w <= c + w; }
  bool intersects(const Rect& o) const {
    return o.r < r + h && r < o.r + o.h && o.c < c + w && c < o.c + o.w;
  }
};

struct Bin {
  std::vector<Rect> free;
  std::vector<int> keys;
  int max_free_h = 0, max_free_w = 0;  // quick rejection
  void refresh() {
    max_free_h = max_free_w = 0;
    for (const Rect& f : free) {
      max_free_h = std::max(max_free_h, f.h);
      max_free_w = std::max(max_free_w, f.w);
    }
  }
};

// Cuts the placed rectangle out of every free rectangle it overlaps, keeping the maximal remainders.
void place(Bin& bin, const Rect& p) {
  std::vector<Rect> next;
  for (const Rect& f : bin.free) {
    if (!f.intersects(p)) {
      next.push_back(f);
      continue;
    }
    if (p.c > f.c) next.push_back({f.r, f.c, f.h, p.c - f.c});                               // left
    if (p.c + p.w < f.c + f.w) next.push_back({f.r, p.c + p.w, f.h, f.c + f.w - (p.c + p.w)});  // right
    if (p.r > f.r) next.push_back({f.r, f.c, p.r - f.r, f.w});                               // above
    if (p.r + p.h < f.r + f.h) next.push_back({p.r + p.h, f.c, f.r + f.h - (p.r + p.h), f.w});  // below
  }
  // drop rectangles contained in another one
  std::vector<Rect> pruned;
  for (size_t i = 0; i < next.size(); ++i) {
    bool inside = false;
    for (size_t j = 0; j < next.size() && !inside; ++j)
      inside = j != i && next[j].contains(next[i]) && (!next[i].contains(next[j]) || j < i);
    if (!inside) pruned.push_back(next[i]);
  }
  bin.free = std::move(pruned);
  bin.refresh();
}

}  // namespace

std::vector<Placement> pack(const std::vector<PackItem>& items, int rows, int cols, int max_items,
                            const std::function<bool(const std::vector<int>&, const PackItem&)>& allowed,
                            int* bins_used) {
  std::vector<Placement> out(items.size());
  std::vector<Bin> bins;
  std::vector<int> open;  // bins that may still take an item
  for (size_t i = 0; i < items.size(); ++i) {
    const PackItem& it = items[i];
    int chosen = -1;
    Rect where;
    for (size_t k = 0; k < open.size() && chosen < 0; ++k) {
      Bin& b = bins[size_t(open[k])];
      if (b.max_free_h < it.rows || b.max_free_w < it.cols || !allowed(b.keys, it)) continue;
      const Rect* best = nullptr;
      for (const Rect& f : b.free)
        if (f.h >= it.rows && f.w >= it.cols && (!best || f.r < best->r || (f.r == best->r && f.c < best->c)))
          best = &f;
      if (best) {
        chosen = open[k];
        where = {best->r, best->c, it.rows, it.cols};
      }
    }
    if (chosen < 0) {
      bins.push_back({});
      bins.back().free.push_back({0, 0, rows, cols});
      bins.back().refresh();
      chosen = int(bins.size()) - 1;
      open.push_back(chosen);
      where = {0, 0, it.rows, it.cols};
    }
    Bin& b = bins[size_t(chosen)];
    place(b, where);
    b.keys.push_back(it.key);
    out[i] = {chosen, where.r, where.c};
    // a bin with no room left is closed
    if (b.free.empty() || int(b.keys.size()) >= max_items)
      open.erase(std::find(open.begin(), open.end(), chosen));
  }
  if (bins_used) *bins_used = int(bins.size());
  return out;
}

}  // namespace cimsim::mapper
