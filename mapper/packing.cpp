#include "mapper/packing.hpp"

#include <algorithm>
#include <cmath>
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
  int first_item = -1, last_item = -1, items = 0;  // its items in the order they came: a list through
                                                   // pack()'s `next_in_bin` (no vector per bin)
  double load_sum = 0;        // their loads summed (for pruning only: the rule sums them in order)
  double abs_sum = 0;         // their magnitudes summed: bounds the rounding of any order's sum
  int max_free_h = 0, max_free_w = 0;  // quick rejection
  bool open = true;
};

// Cuts the placed rectangle out of every free rectangle it overlaps, keeping the maximal remainders.
// `next` is scratch space (kept between calls so that placing allocates nothing once it has grown).
void place(Bin& bin, const Rect& p, std::vector<Rect>& next) {
  next.clear();
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
  // drop rectangles contained in another one (of two equal ones, the later)
  bin.free.clear();
  bin.max_free_h = bin.max_free_w = 0;
  for (size_t i = 0; i < next.size(); ++i) {
    bool inside = false;
    for (size_t j = 0; j < next.size() && !inside; ++j)
      inside = j != i && next[j].contains(next[i]) && (!next[i].contains(next[j]) || j < i);
    if (inside) continue;
    bin.free.push_back(next[i]);
    bin.max_free_h = std::max(bin.max_free_h, next[i].h);
    bin.max_free_w = std::max(bin.max_free_w, next[i].w);
  }
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
    for (node /= 2; node >= 1 && pull(node); node /= 2) {
    }
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
  // Recomputes a node from its children; false when it did not change (nor then do its ancestors).
  bool pull(int node) {
    const size_t n = size_t(node);
    const int h = std::max(max_h_[2 * n], max_h_[2 * n + 1]), w = std::max(max_w_[2 * n], max_w_[2 * n + 1]);
    const double load = std::min(min_load_[2 * n], min_load_[2 * n + 1]);
    if (h == max_h_[n] && w == max_w_[n] && (load == min_load_[n] || (load != load && min_load_[n] != min_load_[n])))
      return false;
    max_h_[n] = h;
    max_w_[n] = w;
    min_load_[n] = load;
    return true;
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
  std::vector<Rect> scratch;
  std::vector<int> next_in_bin(items.size(), -1);
  const double limit = capacity * (1 + 1e-9);
  // Summing a bin's loads after the item's in order (the rule) and the bin's running sum plus the
  // item's (load_sum) round differently by at most (items + 1) x epsilon x the magnitudes summed: outside
  // that band around `limit` the running sum decides as the ordered sum would, inside it the ordered sum
  // is taken (kSumSlack is generous: 2^-40 per item against epsilon's 2^-52).
  constexpr double kSumSlack = 0x1p-40;
  // per kind of item (extent, load): every bin before this one refuses it for good
  std::map<std::tuple<int, int, double>, int> first_candidate;
  int* start_of_kind = nullptr;
  int kind_rows = 0, kind_cols = 0;
  double kind_load = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    const PackItem& it = items[i];
    Rect where;
    auto exact = [&](int k) {  // the plain first fit's test of bin k, and where the item would go
      const Bin& b = bins[size_t(k)];
      const double quick = it.load + b.load_sum;
      const double band = kSumSlack * double(b.items + 1) * (std::abs(it.load) + b.abs_sum);
      if (quick > limit + band) return false;
      if (!(quick <= limit - band)) {  // near the limit (or not finite): the ordered sum decides
        double busy = it.load;
        for (int j = b.first_item; j >= 0; j = next_in_bin[size_t(j)]) busy += items[size_t(j)].load;
        if (!(busy <= limit)) return false;
      }
      const Rect* best = nullptr;
      for (const Rect& f : b.free)
        if (f.h >= it.rows && f.w >= it.cols && (!best || f.r < best->r || (f.r == best->r && f.c < best->c)))
          best = &f;
      if (best) where = {best->r, best->c, it.rows, it.cols};
      return best != nullptr;
    };
    // items of one kind mostly come in runs: the previous item's entry is reused (map nodes stay put)
    if (!start_of_kind || it.rows != kind_rows || it.cols != kind_cols || !(it.load == kind_load) ||
        std::signbit(it.load) != std::signbit(kind_load)) {
      start_of_kind = &first_candidate.try_emplace({it.rows, it.cols, it.load}, 0).first->second;
      kind_rows = it.rows;
      kind_cols = it.cols;
      kind_load = it.load;
    }
    int& start = *start_of_kind;
    int chosen = tree.first(start, it, limit, exact);
    if (chosen < 0) {
      bins.emplace_back();
      bins.back().free.push_back({0, 0, rows, cols});
      bins.back().max_free_h = rows;
      bins.back().max_free_w = cols;
      chosen = int(bins.size()) - 1;
      where = {0, 0, it.rows, it.cols};
    }
    start = chosen;
    Bin& b = bins[size_t(chosen)];
    place(b, where, scratch);
    (b.last_item >= 0 ? next_in_bin[size_t(b.last_item)] : b.first_item) = int(i);
    b.last_item = int(i);
    ++b.items;
    b.load_sum += it.load;
    b.abs_sum += std::abs(it.load);
    out[i] = {chosen, where.r, where.c};
    // a bin with no room left is closed
    if (b.free.empty() || b.items >= max_items) b.open = false;
    tree.update(chosen);
  }
  if (bins_used) *bins_used = int(bins.size());
  return out;
}

}  // namespace cimsim::mapper
