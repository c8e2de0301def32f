#include "mapper/packing.hpp"

#include <algorithm>
#include <map>
#include <tuple>

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
  std::vector<double> loads;  // of its items, in the order they came
  double load_sum = 0;        // the same summed (for pruning only: the rule sums `loads` in order)
  int max_free_h = 0, max_free_w = 0;  // quick rejection
  bool open = true;
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

// The bins as leaves of a segment tree: per node the largest free height and width and the smallest
// load of an open bin below it (closed bins: -1, -1, +inf), so a subtree that cannot hold an item is
// skipped whole. These are necessary conditions only; a leaf that passes is checked exactly.
class BinTree {
 public:
  explicit BinTree(std::vector<Bin>& bins) : bins_(bins) {}

  void update(int bin) {
    if (size_t(bin) >= size_t(leaves_)) grow();
    int node = leaves_ + bin;
    set_leaf(node, bins_[size_t(bin)]);
    for (node /= 2; node >= 1; node /= 2) pull(node);
  }

  // The first bin at or after `start` that passes `exact`, or -1.
  template <typename Exact>
  int first(int start, const PackItem& it, double limit, const Exact& exact) const {
    if (bins_.empty()) return -1;
    return descend(1, 0, leaves_, start, it, limit, exact);
  }

 private:
  template <typename Exact>
  int descend(int node, int lo, int hi, int start, const PackItem& it, double limit, const Exact& exact) const {
    if (hi <= start || lo >= int(bins_.size())) return -1;
    if (max_h_[size_t(node)] < it.rows || max_w_[size_t(node)] < it.cols) return -1;
    // sums of at most max_items loads in another order differ by far less than this slack
    if (it.load + min_load_[size_t(node)] > limit * (1 + 1e-12)) return -1;
    if (hi - lo == 1) return exact(lo) ? lo : -1;
    const int mid = (lo + hi) / 2;
    const int left = descend(2 * node, lo, mid, start, it, limit, exact);
    return left >= 0 ? left : descend(2 * node + 1, mid, hi, start, it, limit, exact);
  }
  void set_leaf(int node, const Bin& b) {
    max_h_[size_t(node)] = b.open ? b.max_free_h : -1;
    max_w_[size_t(node)] = b.open ? b.max_free_w : -1;
    min_load_[size_t(node)] = b.open ? b.load_sum : std::numeric_limits<double>::infinity();
  }
  void pull(int node) {
    const size_t n = size_t(node);
    max_h_[n] = std::max(max_h_[2 * n], max_h_[2 * n + 1]);
    max_w_[n] = std::max(max_w_[2 * n], max_w_[2 * n + 1]);
    min_load_[n] = std::min(min_load_[2 * n], min_load_[2 * n + 1]);
  }
  void grow() {  // doubles the leaves and rebuilds: O(bins) amortized over the bins added
    while (size_t(leaves_) < bins_.size()) leaves_ *= 2;
    max_h_.assign(2 * size_t(leaves_), -1);
    max_w_.assign(2 * size_t(leaves_), -1);
    min_load_.assign(2 * size_t(leaves_), std::numeric_limits<double>::infinity());
    for (size_t b = 0; b < bins_.size(); ++b) set_leaf(leaves_ + int(b), bins_[b]);
    for (int node = leaves_ - 1; node >= 1; --node) pull(node);
  }

  std::vector<Bin>& bins_;
  int leaves_ = 1;
  std::vector<int> max_h_ = {-1, -1}, max_w_ = {-1, -1};
  std::vector<double> min_load_ = {0, 0};
};

}  // namespace

std::vector<Placement> pack(const std::vector<PackItem>& items, int rows, int cols, int max_items, double capacity,
                            int* bins_used) {
  std::vector<Placement> out(items.size());
  std::vector<Bin> bins;
  BinTree tree(bins);
  const double limit = capacity * (1 + 1e-9);
  // per kind of item (extent, load): every bin before this one refuses it for good
  std::map<std::tuple<int, int, double>, int> first_candidate;
  for (size_t i = 0; i < items.size(); ++i) {
    const PackItem& it = items[i];
    Rect where;
    auto exact = [&](int k) {  // the plain first fit's test of bin k, and where the item would go
      const Bin& b = bins[size_t(k)];
      double busy = it.load;
      for (double l : b.loads) busy += l;
      if (!(busy <= limit)) return false;
      const Rect* best = nullptr;
      for (const Rect& f : b.free)
        if (f.h >= it.rows && f.w >= it.cols && (!best || f.r < best->r || (f.r == best->r && f.c < best->c)))
          best = &f;
      if (best) where = {best->r, best->c, it.rows, it.cols};
      return best != nullptr;
    };
    int& start = first_candidate.try_emplace({it.rows, it.cols, it.load}, 0).first->second;
    int chosen = tree.first(start, it, limit, exact);
    if (chosen < 0) {
      bins.emplace_back();
      bins.back().free.push_back({0, 0, rows, cols});
      bins.back().refresh();
      chosen = int(bins.size()) - 1;
      where = {0, 0, it.rows, it.cols};
    }
    start = chosen;
    Bin& b = bins[size_t(chosen)];
    place(b, where);
    b.loads.push_back(it.load);
    b.load_sum += it.load;
    out[i] = {chosen, where.r, where.c};
    // a bin with no room left is closed
    if (b.free.empty() || int(b.loads.size()) >= max_items) b.open = false;
    tree.update(chosen);
  }
  if (bins_used) *bins_used = int(bins.size());
  return out;
}

}  // namespace cimsim::mapper
