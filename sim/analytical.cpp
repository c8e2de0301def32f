#include "sim/analytical.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <tuple>
#include <utility>
#include <vector>

#include "common/text.hpp"
#include "hw/crossbar.hpp"
#include "hw/units.hpp"
#include "models/limits.hpp"
#include "tiles/attention_pool.hpp"
#include "tiles/layer_plan.hpp"
#include "tiles/pe.hpp"
#include "tiles/reduction.hpp"
#include "tiles/tile.hpp"

namespace cimsim::sim {

namespace {

using models::Action;
using tiles::Unit;
using workloads::OpKind;
constexpr int kOffchip = -1;  // hw::Mesh::kOffchip
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// What a tile's digital unit counts per op (tiles::Tile).
Action action_of(Unit u) {
  switch (u) {
    case Unit::pool: return Action::pool_op;
    case Unit::activation: return Action::activation_op;
    case Unit::matrix: return Action::matrix_mac;
    default: return Action::accumulate_op;
  }
}

// A resource the SystemC chip would book, named as tiles::Chip names it.
enum class Kind : uint8_t { unit, bank, xbar, link, inject, eject, offchip, selector, spare };
uint64_t key_of(Kind k, uint64_t a, uint64_t b) { return (uint64_t(k) << 58) | (a << 26) | b; }

struct Use {
  double busy = 0, first = kInf, last = 0;
  std::vector<std::pair<int, double>> by_layer;  // a few layers per resource: a flat list
};

// What one step (or one store, one spill, one delivery) does, relative to the time `t` it starts at:
// the actions it counts and the resources it books. Steps of a layer that pull the same rows from the
// same places on the same copy do exactly the same, so an effect is worked out once (by running the
// step's transactions) and then applied at each step's own time: the replay costs a hash lookup per
// step, not the step's transactions.
struct Booking {
  uint64_t key;
  double start, dur;  // start relative to t
};
struct Effect {
  int layer = -1;
  double next = 0, ready = 0;  // relative to t: its input rows read, its output row formed
  std::vector<std::pair<int, uint64_t>> counts;  // (action, n)
  std::vector<Booking> bookings;
  std::vector<std::pair<int, uint64_t>> spill_reads;  // (producer, rows read back from off-chip)
  int where = 0;  // a step: the tile whose buffer takes its output row
  uint64_t store = 0;  // a step (its store is an effect of its own): the bits it stores
  // applications: how many, and the first and last t
  uint64_t applied = 0;
  double first = kInf, last = -kInf;
  // its bookings in the order of their starts and of their ends, and each booking's calendar (worked
  // out when first applied)
  bool prepared = false;
  std::vector<size_t> contended, by_end;
  std::vector<class Calendar*> calendars;
};

// A resource's calendar (the rule of hw::Resource::reserve: a request takes the earliest gap at or after
// the time asked that fits it), kept as the time after which it is free and the gaps before that, in
// order: requests come in about the order of time, so most land at the end and the gaps stay few.
// Gaps that end before `now` (no later request asks for a time before it) are dropped.
class Calendar {
 public:
  // gaps shorter than this (rounding between back-to-back bookings) are not kept: nothing fits them
  static constexpr double kMinGapNs = 1e-6;
  double reserve(double asked, double dur, double now) {
    while (first_ < gaps_.size() && gaps_[first_].second <= now) ++first_;
    if (first_ > 8 && first_ * 2 > gaps_.size()) {
      gaps_.erase(gaps_.begin(), gaps_.begin() + std::ptrdiff_t(first_));
      first_ = 0;
    }
    if (asked >= free_) {
      if (asked > free_ + kMinGapNs) gaps_.push_back({free_, asked});
      free_ = asked + dur;
      return asked;
    }
    // the first gap ending after `asked`, then the first that fits
    auto it = std::lower_bound(gaps_.begin() + std::ptrdiff_t(first_), gaps_.end(), asked,
                               [](const std::pair<double, double>& g, double t) { return g.second <= t; });
    for (; it != gaps_.end(); ++it) {
      const double start = std::max(it->first, asked);
      if (it->second - start < dur) continue;
      const double end = start + dur;
      if (start > it->first + kMinGapNs && end < it->second - kMinGapNs) {  // splits the gap in two
        const std::pair<double, double> after{end, it->second};
        it->second = start;
        gaps_.insert(it + 1, after);
      } else if (start > it->first + kMinGapNs) {
        it->second = start;
      } else if (end < it->second - kMinGapNs) {
        it->first = end;
      } else {
        gaps_.erase(it);
      }
      return start;
    }
    const double start = free_;
    free_ = start + dur;
    return start;
  }

 private:
  double free_ = 0;
  std::vector<std::pair<double, double>> gaps_;  // [start, end), in order
  size_t first_ = 0;                              // gaps before it have ended
};

struct KeyHash {
  size_t operator()(const std::vector<int64_t>& k) const {
    uint64_t h = 1469598103934665603ull;
    for (int64_t v : k) h = (h ^ uint64_t(v)) * 1099511628211ull;
    return size_t(h);
  }
};

// The replay of the dataflow over the stream: every transaction booked in its resource's calendar, the
// controller's room tests (backpressure, spills) made as the replay reaches them.
class Replay {
 public:
  Replay(const workloads::Graph& g, const models::HardwareSpec& hw, const mapper::Mapping& m,
         const tiles::DataflowPlan& plan, const tiles::OperandPlan& operands)
      : g_(g), hw_(hw), m_(m), plan_(plan), operands_(operands), stats_(int(g.layers.size())),
        ledger_(g.layers.size()),
        grid_(mapper::router_grid(m.chip_tiles, hw.chip.tiles_per_router)),
        act_(hw.precision.activation_bits), hop_ns_(hw.noc.hop_latency_cycles * hw.cycle_ns()) {
    const int inputs = plan.options.inputs;
    const size_t layers = g.layers.size(), tiles = plan.buffers.window_bits.size();
    delivered_.assign(layers, {-1, {}});
    formed_.resize(layers);
    thread_t_.assign(layers, 0.0);
    done_.assign(size_t(inputs), 0.0);
    cursor_.assign(layers, 0);
    start_.assign(layers, 0.0);
    room_.assign(layers, 0.0);
    published_.resize(layers);
    complete_acc_.assign(layers, 0.0);
    waiting_.assign(layers, 0);
    freed_exec_.resize(layers);
    for (int l : plan.order) {  // each row's entries, over the stream, reserved at once
      auto& p = ledger_[size_t(l)];
      p.rows = plan.rows[size_t(l)];
      const size_t n = size_t(inputs) * size_t(std::max(0, p.rows));
      p.ready_ns.reserve(n);
      p.where.reserve(n);
      p.freed_ns.reserve(n);
      p.pending.reserve(n);
      p.release_ns.reserve(n);
      p.spilled.reserve(n);
      published_[size_t(l)].reserve(n);
      freed_exec_[size_t(l)].reserve(n);
    }
    held_.resize(tiles);
    held_pending_.assign(tiles, 0.0);
    delivered_input_.assign(size_t(inputs), 0);
    pos_.assign(layers, 0);
    for (size_t k = 0; k < plan.order.size(); ++k) pos_[size_t(plan.order[k])] = k;
    for (int l : plan.order) {  // per layer and row over the stream: the pulls it gets
      const int rows = std::max(0, plan.rows[size_t(l)]);
      auto& pulls = pulls_[size_t(l)];
      pulls.resize(size_t(inputs) * size_t(rows));
      for (int n = 0; n < inputs; ++n)
        for (int r = 0; r < rows; ++r) pulls[size_t(n) * size_t(rows) + size_t(r)] = plan.pulls_of(l, n, r);
    }
    for (int l : plan.order) {  // per layer: (consumer, window rows) of the consumers that backpressure it
      auto& windows = windows_[size_t(l)];
      for (int c : plan_.consumers[size_t(l)])
        if (plan_.backpressured_by(c) &&
            std::none_of(windows.begin(), windows.end(), [c](const auto& w) { return w.first == c; }))
          windows.push_back({c, plan_.window_rows(l, c)});
    }
  }

  // The replay of the stream (once per Replay). Steps go in the order the SystemC threads execute them
  // (a step starts once its input rows are in, the input before has gone through its layer, ...): each
  // resource's calendar is booked in about the order of time, as the SystemC threads book it.
  void run() {
    for (int l : plan_.order) offer(l);
    while (!queue_.empty()) {
      const auto [exec, layer] = queue_.top();
      queue_.pop();
      exec_ = exec;
      execute(layer, start_[size_t(layer)]);
      offer(layer);
      for (int c : plan_.consumers[size_t(layer)])
        if (waiting_[size_t(c)]) offer(c);
      for (int w : wake_)
        if (waiting_[size_t(w)]) offer(w);  // (a layer is in the queue at most once)
      for (int p : g_.layers[size_t(layer)].inputs)  // a producer waiting for room in this layer's window
        if (const int src = plan_.source_of(p); waiting_[size_t(src)]) offer(src);
      wake_.clear();
    }
    for (int l : plan_.order)  // every step ran (a layer left waiting for room or rows would be a model bug)
      if (cursor_[size_t(l)] < size_t(ledger_[size_t(l)].rows) * size_t(plan_.options.inputs))
        throw std::logic_error("analytical: layer '" + g_.layers[size_t(l)].name + "' stopped at step " +
                               std::to_string(cursor_[size_t(l)]) + ", waiting for rows or room that never came");
    for (int l : plan_.order) {
      const auto& c = ledger_[size_t(l)].complete_ns;
      for (size_t n = 0; n < c.size() && n < done_.size(); ++n) done_[n] = std::max(done_[n], c[n]);
    }
  }

  // Counts and resource use of the last replay (stats(), uses()) from every effect x its applications:
  // worked out only for the replay whose figures are reported.
  void summarize() {
    // effects in layer order, so each resource's per-layer list grows at its end
    std::vector<const Effect*> order;
    order.reserve(effects_.size());
    for (const Effect& e : effects_)
      if (e.applied > 0) order.push_back(&e);
    std::stable_sort(order.begin(), order.end(), [](const Effect* a, const Effect* b) { return a->layer < b->layer; });
    auto add = [](Use& u, int layer, double busy, double first, double last) {
      u.busy += busy;
      u.first = std::min(u.first, first);
      u.last = std::max(u.last, last);
      if (!u.by_layer.empty() && u.by_layer.back().first == layer) u.by_layer.back().second += busy;
      else u.by_layer.push_back({layer, busy});
    };
    for (const Effect* e : order) {
      for (const auto& [a, n] : e->counts) stats_.add(e->layer, Action(a), n * e->applied);
      for (const auto& b : e->bookings) {
        add(uses_[b.key], e->layer, b.dur * double(e->applied), e->first + b.start, e->last + b.start + b.dur);
      }
    }
  }

  // Time requests waited for busy resources in the last replay (sim::RunResult::resource_wait_ns).
  double waited_ns() const { return waited_; }

  const hw::Stats& stats() const { return stats_; }
  const std::vector<tiles::RowLedger>& ledger() const { return ledger_; }
  const std::vector<double>& done() const { return done_; }
  const std::unordered_map<uint64_t, Use>& uses() const { return uses_; }

 private:
  // ---- recording and applying effects
  void count(int layer, Action a, uint64_t n) {
    if (n == 0) return;
    (void)layer;  // an effect belongs to one layer
    for (auto& [k, v] : rec_->counts)
      if (k == int(a)) {
        v += n;
        return;
      }
    rec_->counts.push_back({int(a), n});
  }
  void book(uint64_t key, double start, double dur) {
    if (dur > 0) rec_->bookings.push_back({key, start - base_, dur});
  }
  void apply(Effect& e, double t) {
    ++e.applied;
    e.first = std::min(e.first, t);
    e.last = std::max(e.last, t);
    for (const auto& [p, rows] : e.spill_reads) ledger_[size_t(p)].spill_reads += rows;
    // every booking takes the earliest gap in the resource's calendar at or after
    // the time asked (hw::Resource, as the SystemC run books them); the wait delays the rest of the step
    ready_delay_ = next_delay_ = 0;
    if (e.bookings.empty()) return;
    if (!e.prepared) {  // its bookings by start, and by end; each booking's calendar
      e.prepared = true;
      e.contended.resize(e.bookings.size());
      for (size_t i = 0; i < e.bookings.size(); ++i) e.contended[i] = i;
      e.by_end = e.contended;
      std::stable_sort(e.contended.begin(), e.contended.end(),
                       [&e](size_t a, size_t b) { return e.bookings[a].start < e.bookings[b].start; });
      std::stable_sort(e.by_end.begin(), e.by_end.end(), [&e](size_t a, size_t b) {
        return e.bookings[a].start + e.bookings[a].dur < e.bookings[b].start + e.bookings[b].dur;
      });
      e.calendars.resize(e.bookings.size());
      for (size_t i = 0; i < e.bookings.size(); ++i) e.calendars[i] = &calendars_[e.bookings[i].key];
    }
    // A booking inherits the largest delay of the bookings that end before it starts (they precede it
    // in the step's chain; overlapping ones are side by side: a tile's buffer and bus, the tiles of a
    // copy, the links of a multicast) and adds its own wait. (A booking that ends before another starts
    // also started before it: its delay is known by then.)
    delays_.resize(e.bookings.size());
    double inherited = 0;
    size_t ended = 0;
    for (size_t i : e.contended) {
      const Booking& b = e.bookings[i];
      for (; ended < e.by_end.size(); ++ended) {
        const Booking& o = e.bookings[e.by_end[ended]];
        if (o.start + o.dur > b.start + 1e-9) break;
        inherited = std::max(inherited, delays_[e.by_end[ended]]);
      }
      const double asked = t + b.start + inherited;
      const double got = e.calendars[i]->reserve(asked, b.dur, exec_);
      waited_ += got - asked;
      const double d = inherited + (got - asked);
      delays_[i] = d;
      ready_delay_ = std::max(ready_delay_, d);
      if (b.start + b.dur <= e.next + 1e-9) next_delay_ = std::max(next_delay_, d);
    }
  }
  // Runs `work` (the transactions at time t) into a new effect of `layer`, or applies the effect worked
  // out before for the same key. Returns the effect (its next and ready are relative to t).
  template <typename F>
  const Effect& effect(const std::vector<int64_t>* key, int layer, double t, F&& work) {
    Effect* e = nullptr;
    if (key) {
      auto it = cache_.find(*key);
      if (it != cache_.end()) e = &effects_[it->second];
    }
    if (!e) {
      effects_.emplace_back();
      e = &effects_.back();
      e->layer = layer;
      if (key) cache_.emplace(*key, effects_.size() - 1);
      Effect* outer = rec_;
      const double outer_base = base_;
      rec_ = e;
      base_ = t;
      const auto [next, ready] = work(t);
      e->next = next - t;
      e->ready = ready - t;
      rec_ = outer;
      base_ = outer_base;
    }
    apply(*e, t);
    return *e;
  }

  double row_bits(int layer) const {
    const auto& o = g_.layers[size_t(layer)].out;
    return double(o.c) * o.w * act_;
  }
  int rows_of(int layer) const { return ledger_[size_t(plan_.source_of(layer))].rows; }
  double ready(int producer, int n, int row) const {
    const auto& p = ledger_[size_t(plan_.source_of(producer))];
    return p.ready_ns[size_t(n) * size_t(p.rows) + size_t(row)];
  }
  int row_source(int producer, int n, int row) const {
    const auto& p = ledger_[size_t(plan_.source_of(producer))];
    const size_t i = size_t(n) * size_t(p.rows) + size_t(row);
    return p.spilled[i] ? kOffchip : p.where[i];
  }
  int row_tile(int producer, int n, int row) const {
    const auto& p = ledger_[size_t(plan_.source_of(producer))];
    return p.where[size_t(n) * size_t(p.rows) + size_t(row)];
  }
  void pulled(int producer, int n, int after, int last, double t) {
    const int src = plan_.source_of(producer);
    auto& p = ledger_[size_t(src)];
    const bool keeps = p.held_bits > 0 && g_.layers[size_t(src)].op != OpKind::constant;
    for (int r = std::max(0, after + 1); r <= last; ++r) {
      const size_t i = size_t(n) * size_t(p.rows) + size_t(r);
      p.release_ns[i] = std::max(p.release_ns[i], t);
      // its last pull: a row kept in its tile's buffer is held from now on only until its release
      if (++p.pending[i] == pulls_of(src, i) && keeps && !p.spilled[i]) {
        held_pending_[size_t(p.where[i])] -= p.held_bits;
        held_[size_t(p.where[i])].push_back({src, i});
      }
    }
  }
  // The rows (after, last] of `producer` as runs of one source: appended to `key` as (source, rows).
  void runs_of(int producer, int n, int after, int last, std::vector<int64_t>& key) const {
    for (int r = after + 1; r <= last;) {
      const int src = row_source(producer, n, r);
      int end = r;
      while (end + 1 <= last && row_source(producer, n, end + 1) == src) ++end;
      key.push_back(src);
      key.push_back(end - r + 1);
      r = end + 1;
    }
    key.push_back(-2);  // end of this input's runs
  }
  // Pulls of row `index` (over the stream) of `layer`: the pulls a row waits for before its buffer space
  // is free (DataflowPlan::pulls_of, as the SystemC run counts them).
  int pulls_of(int layer, size_t index) const { return pulls_[size_t(layer)][index]; }

  // A tile unit (bus, output register, pool, activation, accumulate, matrix): counts, books, returns the end.
  double op(int tile, Unit unit, Action a, int layer, uint64_t ops, double t) {
    if (ops == 0) return t;
    count(layer, a, ops);
    const double dur =
        hw::ThroughputUnit::service_ns(ops, tiles::unit_items_per_ns(hw_, unit), 0.0, hw_.cycle_ns());
    book(key_of(Kind::unit, uint64_t(tile), uint64_t(unit)), t, dur);
    return t + dur;
  }
  // The tile buffer (hw::Buffer): a request's words dealt round-robin over the banks, each one word per
  // cycle after the access latency; it ends when the bank with the most words is done. Which bank gets
  // the odd words depends on the order of requests, so the banks are one resource here, busy for a
  // request's bank-time / banks (the banks' mean busy time).
  double buffer(int tile, bool read, int layer, uint64_t bits, double t) {
    if (bits == 0) return t;
    const auto& spec = hw_.tile.buffer;
    count(layer, read ? Action::buffer_read_bit : Action::buffer_write_bit, bits);
    const uint64_t words = (bits + spec.bus_bits - 1) / spec.bus_bits;
    const uint64_t nb = uint64_t(spec.banks);
    const double used = double(std::min(nb, words));
    const double bank_time = spec.access_latency_ns * used + double(words) * hw_.cycle_ns();
    book(key_of(Kind::bank, uint64_t(tile), 0), t, bank_time / double(nb));
    return t + spec.access_latency_ns + double((words + nb - 1) / nb) * hw_.cycle_ns();
  }
  // The off-chip port (a throughput unit at the off-chip bandwidth, after its latency).
  double offchip(int layer, uint64_t bits, double t) {
    if (bits == 0) return t;
    count(layer, Action::offchip_bit, bits);
    const double dur = hw::ThroughputUnit::service_ns(bits, hw_.offchip.bandwidth_gbps, hw_.offchip.latency_ns,
                                                      hw_.cycle_ns());
    book(key_of(Kind::offchip, 0, 0), t, dur);
    return t + dur;
  }
  int router_of(int endpoint) const { return endpoint == kOffchip ? 0 : endpoint / hw_.chip.tiles_per_router; }
  uint64_t endpoint_id(int endpoint) const { return uint64_t(endpoint == kOffchip ? m_.chip_tiles : endpoint); }
  const std::vector<std::pair<int, int>>& path(int src, int dst) {
    const int a = router_of(src), b = router_of(dst);
    const uint64_t k = uint64_t(a) * uint64_t(grid_.routers + 1) + uint64_t(b);
    auto it = paths_.find(k);
    if (it == paths_.end()) it = paths_.emplace(k, grid_.path(a, b)).first;
    return it->second;
  }
  double serialization_ns(uint64_t bits) const {
    const uint64_t flits = (bits + hw_.noc.flit_bits - 1) / hw_.noc.flit_bits;
    return double(flits * hw_.noc.flit_bits) / hw_.noc.link_bandwidth_gbps;
  }
  // A NoC packet (hw::Mesh): injection link, the XY path's mesh links, ejection link, each held for the
  // serialization; the head advances one router per hop latency.
  double unicast(int src, int dst, int layer, uint64_t bits, double t) {
    const double ser = serialization_ns(bits);
    const auto& hops = path(src, dst);
    double at = t;
    book(key_of(Kind::inject, endpoint_id(src), 0), at, ser);
    for (const auto& [router, dir] : hops) {
      at += hop_ns_;
      book(key_of(Kind::link, uint64_t(router), uint64_t(dir)), at, ser);
    }
    at += hop_ns_;
    book(key_of(Kind::eject, endpoint_id(dst), 0), at, ser);
    const uint64_t flits = (bits + hw_.noc.flit_bits - 1) / hw_.noc.flit_bits;
    count(layer, Action::router_flit_hop, flits * uint64_t(hops.size() + 1));
    return at + ser;
  }
  // One packet to several tiles along the tree of XY routes, each link of the tree once.
  std::vector<double> multicast(int src, const std::vector<int>& dsts, int layer, uint64_t bits, double t) {
    const double ser = serialization_ns(bits);
    std::vector<double> arrivals(dsts.size(), t);
    std::map<uint64_t, double> tree;  // link -> its start
    for (size_t k = 0; k < dsts.size(); ++k) {
      if (dsts[k] == src || bits == 0) continue;
      tree.emplace(key_of(Kind::inject, endpoint_id(src), 0), t);
      double at = t;
      for (const auto& [router, dir] : path(src, dsts[k])) {
        at += hop_ns_;
        tree.emplace(key_of(Kind::link, uint64_t(router), uint64_t(dir)), at);
      }
      at += hop_ns_;
      tree.emplace(key_of(Kind::eject, endpoint_id(dsts[k]), 0), at);
      arrivals[k] = at + ser;
    }
    if (tree.empty()) return arrivals;
    for (const auto& [k, start] : tree) book(k, start, ser);
    const uint64_t flits = (bits + hw_.noc.flit_bits - 1) / hw_.noc.flit_bits;
    count(layer, Action::router_flit_hop, flits * uint64_t(tree.size() - 1));
    return arrivals;
  }
  // Controller::transfer: over the NoC, and through the off-chip port when it leaves the chip.
  double transfer(int src, int dst, int layer, uint64_t bits, double t) {
    if (src == dst || bits == 0) return t;
    t = unicast(src, dst, layer, bits, t);
    if (dst == kOffchip) t = offchip(layer, bits, t);
    return t;
  }

  // Controller::send_rows, its pulls made by the caller: the rows (after, last] of `producer` from where
  // they are to `dests`; per destination, when its rows are in its buffer.
  std::vector<double> send_rows(int layer, int producer, int n, int after, int last, double bits_per_row,
                                const std::vector<tiles::RowDest>& dests, double t) {
    std::vector<double> in(dests.size(), t);
    for (int r = after + 1; r <= last;) {
      const int src = row_source(producer, n, r);
      int end = r;
      while (end + 1 <= last && row_source(producer, n, end + 1) == src) ++end;
      const double rows = double(end - r + 1);
      r = end + 1;
      double from = t;
      if (src == kOffchip) {  // spilled rows: read back through the off-chip port
        from = offchip(layer, uint64_t(rows * bits_per_row), t);
        rec_->spill_reads.push_back({plan_.source_of(producer), uint64_t(rows)});
      }
      std::map<int, std::vector<size_t>> shares;
      for (size_t k = 0; k < dests.size(); ++k)
        if (dests[k].tile != src) shares[dests[k].key].push_back(k);
      for (const auto& [key, members] : shares) {
        const uint64_t bits = uint64_t(rows * bits_per_row * dests[members.front()].fraction);
        if (bits == 0) continue;
        std::vector<int> tiles;
        for (size_t k : members) tiles.push_back(dests[k].tile);
        std::vector<double> arrivals;
        if (tiles.size() == 1) arrivals.push_back(transfer(src, tiles.front(), layer, bits, from));
        else arrivals = multicast(src, tiles, layer, bits, from);
        for (size_t i = 0; i < members.size(); ++i)
          in[members[i]] = std::max(in[members[i]], buffer(tiles[i], false, layer, bits, arrivals[i]));
      }
    }
    return in;
  }

  // What a weighted layer's copy does on each of its tiles per step, the same every step: the PEs'
  // actions (tiles::Pe::count), each crossbar's burst, the PEs' time, and the reduction tree.
  struct TileCompute {
    std::vector<std::pair<int, uint64_t>> pe_counts;
    std::vector<std::pair<uint64_t, double>> xbars;  // (resource, burst ns)
    double pe_ns = 0;
  };
  struct CopyCompute {
    bool made = false;
    std::vector<TileCompute> tiles;
    std::vector<tiles::ReductionStep> tree;
  };
  const CopyCompute& compute_of(int layer, int copy, int vectors, double reuse) {
    auto& per_copy = compute_[size_t(layer)];
    if (per_copy.empty()) per_copy.resize(size_t(std::max(1, m_.layers[size_t(layer)].copies)));
    CopyCompute& cc = per_copy[size_t(copy)];
    if (cc.made) return cc;
    cc.made = true;
    const tiles::CopyPlan& cp = plan_of(layer).copies[size_t(copy)];
    const int phases = hw_.input_phases();
    for (const tiles::TilePlan& tp : cp.tiles) {
      TileCompute tc;
      for (const tiles::PePlan& pp : tp.pes) {
        tiles::Pe::count(hw_, scratch_, layer, pp.blocks, vectors, phases, uint64_t(double(pp.rows) * act_ * reuse));
        // one booking per crossbar: its blocks' bursts one after another (as Pe::unloaded_ns times them)
        for (const auto* b : pp.blocks) {
          const uint64_t key = key_of(Kind::xbar, uint64_t(tp.tile), uint64_t(pp.pe) << 12 | uint64_t(b->xbar));
          const double ns =
              hw::Crossbar::burst_ns(hw_.crossbar.read_latency_ns, hw_.conversion_ns(b->cols_used), vectors, phases);
          auto it = std::find_if(tc.xbars.begin(), tc.xbars.end(), [key](const auto& x) { return x.first == key; });
          if (it == tc.xbars.end()) tc.xbars.push_back({key, ns});
          else it->second += ns;
        }
        tc.pe_ns = std::max(tc.pe_ns, tiles::Pe::unloaded_ns(hw_, pp.blocks, vectors, phases));
      }
      for (int a = 0; a < models::kActions; ++a)
        if (const uint64_t v = scratch_.layer(layer)[size_t(a)]; v > 0) tc.pe_counts.push_back({a, v});
      scratch_.clear_layer(layer);
      cc.tiles.push_back(std::move(tc));
    }
    if (m_.layers[size_t(layer)].row_blocks > 1) {
      std::vector<tiles::Sums> holds;
      for (const auto& tp : cp.tiles) holds.push_back(tp.sums);
      cc.tree = tiles::reduction_tree(std::move(holds));
    }
    return cc;
  }

  const tiles::LayerPlan& plan_of(int layer) {
    auto it = plans_.find(layer);
    if (it == plans_.end()) it = plans_.emplace(layer, tiles::build_layer_plan(m_, layer)).first;
    return it->second;
  }

  int digital_tile(int layer, int n, int s) const {
    const auto& l = g_.layers[size_t(layer)];
    if (l.inputs.empty() || l.op == OpKind::zero) return m_.layers[size_t(layer)].home_tile;
    const int p = l.inputs.front();
    return row_tile(p, n, std::min(plan_.last_row_needed(layer, s), rows_of(p) - 1));
  }
  // Controller::has_room: `bits` fit in the tile's buffer beside its windows and the rows it holds at `at`
  // (RunState::held_bits: a row is held until every consumer has pulled it, as this replay has got so
  // far, and its last pull's time has passed). The rows some consumer has still to pull are a running
  // sum; the pulled ones wait in a list until their last pull's time has passed for good (`now`). Row
  // sizes are whole bits, so the sums are exact in any order.
  bool has_room(int tile, double bits, double at) {
    auto& list = held_[size_t(tile)];
    double held = held_pending_[size_t(tile)];
    for (size_t k = 0; k < list.size();) {
      const auto& p = ledger_[size_t(list[k].first)];
      const size_t i = list[k].second;
      if (p.release_ns[i] <= exec_) {
        list[k] = list.back();
        list.pop_back();
        continue;
      }
      if (p.release_ns[i] > at) held += p.held_bits;
      ++k;
    }
    return bits <= plan_.buffers.capacity_bits - plan_.buffers.window_bits[size_t(tile)] - held;
  }
  // Puts `layer` in the queue at its next step's start, or marks it waiting for another layer's step.
  // The queue is ordered by when the SystemC run would execute the step: a layer thread that has run
  // a step synchronises to its end, and one waiting for a row wakes when the producer's step that made
  // it executes (the row's ready time may still lie ahead: it books from there).
  void offer(int layer) {
    if (cursor_[size_t(layer)] >= size_t(ledger_[size_t(layer)].rows) * size_t(plan_.options.inputs)) return;
    double exec = 0, room = 0;
    const double t = start_of(layer, exec, room);
    waiting_[size_t(layer)] = t < 0;
    if (t >= 0) {
      queue_.push({exec, layer});
      start_[size_t(layer)] = t;
      room_[size_t(layer)] = room;
    }
  }

  // When the next step of `layer` may start: its thread's time, the rows it reads ready, layer by layer
  // the layer before (or the input before) done, a matmul's turn on the spare crossbars; -1 while one of
  // those has not happened yet. `room`: when its single-input consumers' steps have made room in their
  // windows (backpressure, Controller::wait_for_room; pipelined), the step waiting for those steps.
  double start_of(int layer, double& exec, double& room) const {
    const auto& l = g_.layers[size_t(layer)];
    const int rows = ledger_[size_t(layer)].rows;
    const int n = int(cursor_[size_t(layer)] / size_t(rows)), s = int(cursor_[size_t(layer)] % size_t(rows));
    double t = thread_t_[size_t(layer)];
    exec = t;
    if (plan_.options.dataflow == tiles::Dataflow::layer_by_layer && s == 0) {
      const size_t pos = pos_[size_t(layer)];
      if (pos > 0) {
        const auto& before = ledger_[size_t(plan_.order[pos - 1])].complete_ns;
        if (before.size() <= size_t(n)) return -1;
        t = std::max(t, before[size_t(n)]);
      } else if (n > 0) {
        if (!delivered_input_[size_t(n - 1)]) return -1;
        t = std::max(t, done_[size_t(n - 1)]);
      }
    }
    if (l.op != OpKind::zero)
      for (size_t k = 0; k < l.inputs.size(); ++k) {
        const int p = l.inputs[k];
        const int last = std::min(plan_.last_row_needed(layer, s, int(k)), rows_of(p) - 1);
        if (last < 0) continue;
        const auto& led = ledger_[size_t(plan_.source_of(p))];
        const size_t i = size_t(n) * size_t(led.rows) + size_t(last);
        if (led.ready_ns.size() <= i) return -1;
        t = std::max(t, led.ready_ns[i]);
        exec = std::max(exec, published_[size_t(plan_.source_of(p))][i]);
      }
    if (s == 0 && l.op == OpKind::matmul && operands_.on) {
      if (turn_ != operands_.turn_of(layer, n)) return -1;
      t = std::max(t, pool_free_);
    }
    room = 0.0;
    if (plan_.options.dataflow == tiles::Dataflow::pipelined)
      for (const auto& [c, w] : windows_[size_t(layer)]) {
        const int64_t done = plan_.room_steps(layer, c, n, s, w);
        if (done <= 0) continue;
        const auto& freed = ledger_[size_t(c)].freed_ns;
        if (int64_t(freed.size()) < done) return -1;
        room = std::max(room, freed[size_t(done - 1)]);
        exec = std::max(exec, freed_exec_[size_t(c)][size_t(done - 1)]);
      }
    return t;
  }

  // The next step of `layer`, from `t` (start_of).
  void execute(int layer, double t) {
    const auto& l = g_.layers[size_t(layer)];
    const auto& lm = m_.layers[size_t(layer)];
    auto& me = ledger_[size_t(layer)];
    me.held_bits = l.op == OpKind::zero ? 0.0 : row_bits(layer);
    const bool is_constant = l.op == OpKind::constant;
    const bool lbl = plan_.options.dataflow == tiles::Dataflow::layer_by_layer;
    const int n = int(cursor_[size_t(layer)] / size_t(me.rows)), s = int(cursor_[size_t(layer)] % size_t(me.rows));
    double& complete = complete_acc_[size_t(layer)];
    // the step's lane (a copy, or the tile a digital layer works at), and what it pulls: the key of
    // its effect
    key_.clear();
    key_.push_back(layer);
    int lane = 0, copy = 0, have = 0, last_in = 0;
    std::vector<std::pair<int, int>>& ranges = ranges_;  // digital: per input (before, last]
    ranges.clear();
    const size_t index = me.ready_ns.size();
    bool input_left = false;
    if (l.op == OpKind::input) {
      // whether the row is left off-chip: decided below, when the step begins
    } else if (lm.weighted) {
      copy = lane = plan_.copy_of(layer, n, s);
      auto& delivered = delivered_[size_t(layer)];
      if (delivered.first != n || delivered.second.size() != size_t(lm.copies)) {
        delivered.first = n;
        delivered.second.assign(size_t(lm.copies), -1);
      }
      std::tie(have, last_in) = plan_.weighted_pull(layer, s, delivered.second[size_t(copy)]);
      delivered.second[size_t(copy)] = std::max(delivered.second[size_t(copy)], last_in);
      key_.push_back(copy);
      runs_of(l.inputs.front(), n, have, last_in, key_);
    } else {
      lane = digital_tile(layer, n, s);
      key_.push_back(lane);
      if (l.op != OpKind::zero && l.op != OpKind::constant)
        for (size_t k = 0; k < l.inputs.size(); ++k) {
          ranges.push_back(plan_.digital_pull(layer, s, int(k)));
          runs_of(l.inputs[k], n, ranges.back().first, ranges.back().second, key_);
        }
    }
    auto& lanes = formed_[size_t(layer)];
    auto found = std::find_if(lanes.begin(), lanes.end(), [lane](const auto& x) { return x.first == lane; });
    if (found == lanes.end()) found = lanes.insert(lanes.end(), {lane, {0.0, 0.0}});
    auto& formed = found->second;
    t = std::max(t, formed.first);
    // backpressure (pipelined): room in the consumers' windows, as start_of found it
    if (const double room = room_[size_t(layer)]; room > t) {
      me.stall_ns += room - t;
      t = room;
    }
    me.start_ns = std::min(me.start_ns, t);
    // the pulls happen when the step begins
    if (l.op != OpKind::input) {
      if (lm.weighted) pulled(l.inputs.front(), n, have, last_in, t);
      else
        for (size_t k = 0; k < ranges.size(); ++k) pulled(l.inputs[k], n, ranges[k].first, ranges[k].second, t);
    }
    // the row is kept in the buffer of the tile that made it until every consumer has pulled it, or goes
    // off-chip when the buffer has no room for it as it is formed (as the SystemC run decides); a
    // network-input row without room when its step begins stays off-chip
    const int pulls = pulls_of(layer, index);
    const bool held = pulls > 0 && me.held_bits > 0 && !is_constant;
    if (l.op == OpKind::input) {
      input_left = pulls > 0 && !has_room(plan_.home_of(layer), double(uint64_t(row_bits(layer))), t);
      key_.push_back(input_left);
    }
    const bool streamed = is_constant && plan_.buffers.streamed[size_t(layer)] != 0;
    // a matmul on spare crossbars depends on the turn's state: worked out every step
    const bool cacheable = !(l.op == OpKind::matmul && operands_.on);
    const double held_bits = me.held_bits;
    // the step, then its store at the time its row is formed (the room test is made then)
    const Effect& e = effect(cacheable ? &key_ : nullptr, layer, t, [&](double at) -> std::pair<double, double> {
      double r = at, nx = at;
      int at_tile = lm.home_tile;
      uint64_t store = 0;
      if (l.op == OpKind::input) nx = step_input(layer, input_left, at, r, at_tile, store);
      else if (lm.weighted) nx = step_weighted(layer, n, copy, have, last_in, at, r, at_tile, store);
      else nx = step_digital(layer, n, s, lane, ranges_, at, r, at_tile, store);
      rec_->where = at_tile;
      rec_->store = store;
      return {nx, r};
    });
    const int where = e.where;
    const uint64_t store = e.store;
    const double formed_t = t + e.ready + ready_delay_;
    const double next = t + e.next + next_delay_;
    const bool spill = l.op == OpKind::input ? input_left
                       : is_constant         ? streamed
                                             : held && !has_room(where, held_bits, formed_t);
    const bool off_chip = spill && l.op != OpKind::input && !is_constant;
    const uint64_t bits = off_chip ? uint64_t(held_bits) : spill ? 0 : store;
    double ready_t = formed_t;
    if (bits > 0) {
      store_key_.assign({layer, -3, where, off_chip ? 1 : 0, int64_t(bits)});
      const Effect& st = effect(&store_key_, layer, formed_t, [&](double at) -> std::pair<double, double> {
        const double r = off_chip ? transfer(where, kOffchip, layer, bits, at) : buffer(where, false, layer, bits, at);
        return {r, r};
      });
      ready_t = formed_t + st.ready + ready_delay_;
    }
    if (spill && !is_constant) ++me.spilled_rows;
    if (held && !spill) held_pending_[size_t(where)] += held_bits;  // until its last pull (pulled)
    formed = {formed.second, ready_t};
    me.freed_ns.push_back(std::max(next, me.freed_ns.empty() ? 0.0 : me.freed_ns.back()));
    freed_exec_[size_t(layer)].push_back(exec_);
    me.pending.push_back(0);  // its pulls, counted as they come
    me.release_ns.push_back(ready_t);
    me.spilled.push_back(spill ? 1 : 0);
    me.ready_ns.push_back(ready_t);
    published_[size_t(layer)].push_back(exec_);
    me.where.push_back(where);
    me.end_ns = std::max(me.end_ns, ready_t);
    complete = std::max(complete, ready_t);
    if (s == me.rows - 1) {
      me.complete_ns.push_back(complete);
      complete = 0;
      if (lbl && pos_[size_t(layer)] + 1 < plan_.order.size()) wake_.push_back(plan_.order[pos_[size_t(layer)] + 1]);
      if (l.op == OpKind::matmul && operands_.on) {  // the next matmul's turn on the spare crossbars
        ++turn_;
        wake_.insert(wake_.end(), operands_.layers.begin(), operands_.layers.end());
      }
    }
    if (s == me.rows - 1 && layer == plan_.sinks.front()) deliver_outputs(layer, n, me.complete_ns.back());
    ++cursor_[size_t(layer)];
    thread_t_[size_t(layer)] = std::max(t, next);
  }

  void deliver_outputs(int layer, int n, double t) {
    const int rows = ledger_[size_t(layer)].rows;
    const uint64_t row = uint64_t(row_bits(layer));
    std::map<int, uint64_t> at;
    for (int r = 0; r < rows; ++r)
      if (const int src = row_source(layer, n, r); src != kOffchip) at[src] += row;
    pulled(layer, n, -1, rows - 1, t);
    const Effect& e = effect(nullptr, layer, t, [&](double from) -> std::pair<double, double> {
      double done = from;
      for (const auto& [tile, bits] : at) {
        const double read = buffer(tile, true, layer, bits, from);
        done = std::max(done, transfer(tile, kOffchip, layer, bits, read));
      }
      return {done, done};
    });
    done_[size_t(n)] = std::max(done_[size_t(n)], t + e.ready + ready_delay_);
    delivered_input_[size_t(n)] = 1;
    if (!plan_.order.empty()) wake_.push_back(plan_.order.front());
  }

  double step_input(int layer, bool left_off_chip, double t, double& ready_t, int& where, uint64_t& store) {
    const int home = plan_.home_of(layer);
    const uint64_t bits = uint64_t(row_bits(layer));
    where = home;
    if (left_off_chip) {
      ready_t = t;
      return t;
    }
    const double port_free = offchip(layer, bits, t);
    ready_t = transfer(kOffchip, home, layer, bits, port_free);
    store = bits;
    return port_free;
  }

  double step_weighted(int layer, int n, int copy, int have, int last_in, double t, double& ready_t, int& where,
                       uint64_t& store) {
    const auto& l = g_.layers[size_t(layer)];
    const auto& lm = m_.layers[size_t(layer)];
    const tiles::CopyPlan& cp = plan_of(layer).copies[size_t(copy)];
    const double row_bits_in = double(l.in.w) * double(l.in.c) * act_;
    const std::vector<double> in = send_rows(layer, l.inputs.front(), n, have, last_in, row_bits_in, cp.dests, t);
    const CopyCompute& cc = compute_of(layer, copy, tiles::step_vectors(l), tiles::window_reuse(l));
    const tiles::WeightedStep w = tiles::weighted_step(
        l, lm, cp, cc.tree, act_, hw_.precision.partial_sum_bits, in, t,
        [&](int tile, uint64_t bits, double at) { return buffer(tile, true, layer, bits, at); },
        [&](int tile, Unit unit, uint64_t n_items, double at) {
          return op(tile, unit, unit == Unit::bus       ? Action::bus_bit
                                : unit == Unit::out_reg ? Action::tile_output_reg_bit
                                                        : action_of(unit),
                    layer, n_items, at);
        },
        [&](size_t k, int, double, double fetched) {  // every PE of this copy on tile k (worked out once)
          const TileCompute& tc = cc.tiles[k];
          for (const auto& [a, v] : tc.pe_counts) count(layer, Action(a), v);
          for (const auto& [key, ns] : tc.xbars) book(key, fetched, ns);  // each crossbar busy for its bursts
          return fetched + tc.pe_ns;
        },
        [&](int src, int dst, uint64_t bits, double at) { return transfer(src, dst, layer, bits, at); });
    ready_t = w.ready;
    store = w.store;
    where = cp.home;
    return w.next;
  }

  double step_operand_crossbars(int layer, int s, double t, int home) {
    const mapper::OperandCrossbars& o = operands_.operand.at(layer);
    const auto& l = g_.layers[size_t(layer)];
    const uint64_t act = uint64_t(act_);
    double at = t;
    if (s == 0) {
      const auto& b = g_.layers[size_t(l.inputs[1])].out;
      at = transfer(home, operands_.tile, layer, uint64_t(b.c) * uint64_t(b.h) * uint64_t(b.w) * act, at);
      const double write_ns = double(o.write_rows) * hw_.crossbar.device.write_pulse_ns;
      at = std::max(at, pool_free_);
      book(key_of(Kind::spare, 0, 0), at, write_ns);
      at += write_ns;
      count(layer, Action::crossbar_cell_write, uint64_t(o.cells));
    }
    at = transfer(home, operands_.tile, layer, uint64_t(l.in.c) * act, at);
    const int phases = hw_.input_phases();
    const double mvm_ns =
        hw::Crossbar::burst_ns(hw_.crossbar.read_latency_ns, hw_.conversion_ns(o.max_cols), 1, phases) + hw_.cycle_ns();
    book(key_of(Kind::spare, 0, 0), at, mvm_ns);
    at += mvm_ns;
    const uint64_t p = uint64_t(phases);
    count(layer, Action::crossbar_read, uint64_t(o.crossbars) * p);
    count(layer, Action::crossbar_cell_read, uint64_t(o.cell_reads_per_phase) * p);
    count(layer, Action::dac_drive, uint64_t(o.drives_per_phase) * p);
    count(layer, Action::sample_hold, uint64_t(o.columns_per_phase) * p);
    count(layer, Action::adc_conversion, uint64_t(o.columns_per_phase) * p);
    count(layer, Action::shift_add, uint64_t(o.columns_per_phase) * p);
    if (s == l.out.h - 1) pool_free_ = at;
    const uint64_t results = uint64_t(o.columns_per_phase / o.cells_per_element);
    const uint64_t bits = o.row_blocks > 1 ? uint64_t(hw_.precision.partial_sum_bits) : act;
    at = transfer(operands_.tile, home, layer, results * bits, at);
    return op(home, Unit::accumulate, Action::accumulate_op, layer, uint64_t(o.partial_adds), at);
  }

  double step_digital(int layer, int n, int s, int home, const std::vector<std::pair<int, int>>& ranges, double t,
                      double& ready_t, int& where, uint64_t& store) {
    const auto& l = g_.layers[size_t(layer)];
    const auto& lm = m_.layers[size_t(layer)];
    where = home;
    if (l.op == OpKind::zero || l.op == OpKind::constant) {
      ready_t = t;
      return t;
    }
    const bool zero_copy = tiles::DataflowPlan::addressing(l);
    double arrived = t;
    uint64_t read_bits = 0;
    for (size_t k = 0; k < l.inputs.size(); ++k) {
      const int p = l.inputs[k];
      const auto& pl = g_.layers[size_t(p)];
      const auto [before, last] = ranges[k];
      read_bits += uint64_t(std::max(0, last - before)) * uint64_t(pl.out.w) * uint64_t(pl.out.c) * uint64_t(act_);
      arrived = std::max(arrived, send_rows(layer, p, n, before, last, row_bits(p), {{home, 0, 1.0}}, t).front());
    }
    if (lm.selectors > 0) {  // a hypernetwork node: each input passes its edge's selector
      const uint64_t elements = read_bits / uint64_t(act_);
      if (elements > 0) {
        const auto& sel = hw_.hypernet.selector;
        count(layer, Action::selector_op, elements);
        const double dur = hw::ThroughputUnit::service_ns(
            elements, double(lm.selectors) * sel.elements_per_cycle * hw_.technology.clock_ghz,
            sel.latency_cycles * hw_.cycle_ns(), hw_.cycle_ns());
        book(key_of(Kind::selector, uint64_t(layer), 0), arrived, dur);
        arrived += dur;
      }
    }
    if (zero_copy) {
      ready_t = arrived;
      return t;
    }
    const double fetched = buffer(home, true, layer, read_bits, arrived);
    const uint64_t values = uint64_t(l.out.c) * uint64_t(l.out.w);
    double h = fetched;
    if (l.op == OpKind::matmul && operands_.on) h = step_operand_crossbars(layer, s, h, home);
    else
      for (const auto& [unit, ops] : tiles::digital_ops(l, lm, hw_.tile.matrix.count > 0))
        h = op(home, Unit(unit), action_of(Unit(unit)), layer, ops, h);
    ready_t = h;
    store = values * uint64_t(act_);
    return fetched;
  }

  const workloads::Graph& g_;
  const models::HardwareSpec& hw_;
  const mapper::Mapping& m_;
  const tiles::DataflowPlan& plan_;
  const tiles::OperandPlan& operands_;
  hw::Stats stats_, scratch_{int(g_.layers.size())};
  std::vector<tiles::RowLedger> ledger_;
  std::vector<std::vector<int>> pulls_ = std::vector<std::vector<int>>(g_.layers.size());  // per layer and row over the stream
  std::vector<std::vector<std::pair<int, int>>> windows_ = std::vector<std::vector<std::pair<int, int>>>(g_.layers.size());
  mapper::RouterGrid grid_;
  int act_;
  double hop_ns_;
  std::vector<double> thread_t_, done_;
  // the schedule: per layer its next step (over the stream), the latest rows' completion of the input it
  // is on, whether it waits for another layer, its position in the topological order
  std::vector<size_t> cursor_;
  std::vector<double> start_, room_;            // per layer: its next step's start, and room (queued)
  std::vector<std::vector<double>> published_;  // per layer and row: when the step making it executed
  double exec_ = 0;                             // when the step being executed executes
  std::vector<double> complete_acc_;
  std::vector<char> waiting_;
  std::vector<size_t> pos_;
  std::vector<char> delivered_input_;  // per input: its outputs have left the chip
  std::vector<int> wake_;              // layers a step may have unblocked besides its consumers
  long turn_ = 0;                      // matmul turns taken on the spare crossbars
  std::priority_queue<std::pair<double, int>, std::vector<std::pair<double, int>>, std::greater<>> queue_;
  std::deque<Effect> effects_;
  std::unordered_map<std::vector<int64_t>, size_t, KeyHash> cache_;
  Effect* rec_ = nullptr;
  double base_ = 0;
  std::vector<int64_t> key_, store_key_;
  std::vector<std::pair<int, int>> ranges_;
  std::unordered_map<uint64_t, Use> uses_;
  std::unordered_map<uint64_t, std::vector<std::pair<int, int>>> paths_;
  std::unordered_map<int, tiles::LayerPlan> plans_;
  std::vector<std::vector<CopyCompute>> compute_ = std::vector<std::vector<CopyCompute>>(g_.layers.size());
  std::vector<std::pair<int, std::vector<int>>> delivered_;  // per layer: input, last row per copy
  // per layer and lane: when its two latest steps had their rows formed (double-buffered operands)
  std::vector<std::vector<std::pair<int, std::pair<double, double>>>> formed_;
  double pool_free_ = 0;
  // every resource's calendar
  std::unordered_map<uint64_t, Calendar> calendars_;  // per resource
  std::vector<std::vector<double>> freed_exec_;  // per layer and step: when it executed
  std::vector<std::vector<std::pair<int, size_t>>> held_;  // per tile: kept rows pulled by all (layer, index)
  std::vector<double> held_pending_;  // per tile: bits of the kept rows some consumer has still to pull
  double waited_ = 0;  // requests' waits at the calendars, this replay
  double ready_delay_ = 0, next_delay_ = 0;
  std::vector<double> delays_;  // per booking of the step being applied: its delay
};

// Names as tiles::Chip names its resources.
std::string name_of(uint64_t key, int chip_tiles) {
  const auto kind = Kind(key >> 58);
  const uint64_t a = (key >> 26) & ((uint64_t(1) << 32) - 1), b = key & ((uint64_t(1) << 26) - 1);
  static const char* const kUnits[] = {"buffer", "bus", "output_register", "pool", "activation", "accumulate", "matrix"};
  static const char* const kDirs[] = {"E", "W", "N", "S"};
  const std::string tile = "tile_" + std::to_string(a) + ".";
  auto endpoint = [&] { return a == uint64_t(chip_tiles) ? std::string("offchip") : "tile_" + std::to_string(a); };
  switch (kind) {
    case Kind::unit: return tile + (b < 7 ? kUnits[b] : "unit");
    case Kind::bank: return tile + "buffer_bank" + std::to_string(b);
    case Kind::xbar: return tile + "pe_" + std::to_string(b >> 12) + ".xbar_" + std::to_string(b & 4095);
    case Kind::link: return "noc.r" + std::to_string(a) + "_" + kDirs[b & 3];
    case Kind::inject: return "noc." + endpoint() + "_inject";
    case Kind::eject: return "noc." + endpoint() + "_eject";
    case Kind::offchip: return "offchip";
    case Kind::selector: return "chip.selectors_" + std::to_string(a);
    case Kind::spare: return "spare_crossbars";
  }
  return "?";
}


}  // namespace

RunResult evaluate(const workloads::Graph& graph, const models::HardwareSpec& hw, const mapper::Mapping& mapping,
                   const tiles::RunOptions& options) {
  const auto wall0 = std::chrono::steady_clock::now();
  namespace limits = models::limits;
  const RunSize size = estimate_run(graph, hw, mapping, options.inputs);
  if (size.step_work > limits::kMaxRunWork)
    throw SimulationError("run of '" + common::printable(graph.name, 80) + "' with " + std::to_string(options.inputs) +
                          " input(s) is " + num(size.step_work) +
                          " units of work (layer rows x (1 + PEs and crossbar blocks each drives), over the stream); "
                          "allowed: at most " + num(limits::kMaxRunWork) +
                          " (use fewer --inputs: throughput is steady after a few)");
  tiles::RunOptions opt = options;
  if (!(opt.max_sim_ns > 0))
    throw SimulationError("the simulated-time limit is " + num(opt.max_sim_ns * 1e-6) +
                          " ms; allowed: a number of ms in (0, " + num(limits::kMaxMaxSimTimeMs) + "]");
  opt.max_sim_ns = std::min(opt.max_sim_ns, limits::kMaxMaxSimTimeMs * 1e6);
  tiles::DataflowPlan plan(graph, mapping, opt);
  plan.plan_buffers(hw.tile.buffer.size_kib * 1024.0 * 8.0, hw.precision.activation_bits);
  check_windows(graph, plan);
  tiles::OperandPlan operands;
  const RunResult::OperandWrites writes = plan_operand_writes(graph, hw, mapping, operands);

  // One replay of the stream. It books every resource in a calendar, holds producers for room in their
  // consumers' windows (Controller::wait_for_room) and spills a row when its tile's buffer has no room
  // for it as it is formed (Controller::has_room), both as the replay gets there, in the order the
  // SystemC threads run. (Until 2026-12-01 a first, contention-free replay came before it, and the spills
  // and backpressure were timed on that one's schedule: up to 17 % off where rows spill; docs/analytical.md.)
  Replay replay(graph, hw, mapping, plan, operands);
  replay.run();
  replay.summarize();
  const Replay& rp = replay;

  const std::vector<double>& done_at = rp.done();
  const int inputs = opt.inputs;
  double last_activity = 0;
  for (const auto& [k, u] : rp.uses()) last_activity = std::max(last_activity, u.last);
  std::vector<double> done = done_at;
  done.back() = std::max(done.back(), last_activity);  // no resource is busy after the run
  if (!(done.back() <= opt.max_sim_ns))
    throw SimulationError("simulated time reached " + num(done.back() * 1e-6) + " ms; allowed: at most " +
                          num(opt.max_sim_ns * 1e-6) +
                          " ms of simulated time (--max-sim-time-ms; check the config's rates and latencies)");

  RunResult r = result_from_counts(graph, hw, mapping, opt, rp.stats(), done, writes);
  r.mode = "analytical";
  r.resource_wait_ns = rp.waited_ns();
  // the stream's pace, and the resource busiest per inference (it bounds a long stream's pace from below)
  r.analytical.period_ns = inputs > 1 ? (done.back() - done.front()) / double(inputs - 1) : done.front();
  double most = -1;
  for (const auto& [k, u] : rp.uses())
    if (u.busy > most || (u.busy == most && name_of(k, mapping.chip_tiles) < r.analytical.busiest)) {
      most = u.busy;
      r.analytical.busiest = name_of(k, mapping.chip_tiles);
      r.analytical.busiest_per_inference_ns = u.busy / double(inputs);
    }
  const auto& ledger = rp.ledger();
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& led = ledger[size_t(plan.source_of(int(i)))];
    r.layer_results[i].start_ns = led.start_ns;
    r.layer_results[i].end_ns = led.end_ns;
  }
  {  // each layer's binding resource: the one it kept busy longest
    std::vector<std::pair<uint64_t, double>> best(graph.layers.size(), {0, 0.0});
    for (const auto& [k, u] : rp.uses())
      for (const auto& [layer, ns] : u.by_layer)
        if (layer >= 0 && size_t(layer) < best.size() &&
            (ns > best[size_t(layer)].second || (ns == best[size_t(layer)].second && k < best[size_t(layer)].first)))
          best[size_t(layer)] = {k, ns};  // ties: the lower key (not the hash table's order)
    for (size_t i = 0; i < best.size(); ++i)
      if (best[i].second > 0) {
        r.layer_results[i].binding = name_of(best[i].first, mapping.chip_tiles);
        r.layer_results[i].binding_busy_ns = best[i].second;
      }
  }
  fill_buffer_results(r, plan, [&ledger](int l) -> const tiles::RowLedger& { return ledger[size_t(l)]; }, false);
  {  // the 8 busiest: named only once chosen (a chip has thousands of resources)
    std::vector<std::pair<double, uint64_t>> top;
    for (const auto& [k, u] : rp.uses())
      if (u.busy > 0) top.push_back({u.busy, k});
    const auto keep = std::min<std::ptrdiff_t>(16, std::ptrdiff_t(top.size()));
    std::partial_sort(top.begin(), top.begin() + keep, top.end(), std::greater<>());
    for (std::ptrdiff_t i = 0; i < keep; ++i)
      r.busiest.push_back({name_of(top[size_t(i)].second, mapping.chip_tiles), top[size_t(i)].first});
    keep_busiest(r.busiest, 8);  // ties by name, as the SystemC run orders them
  }
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  check_finite(r);
  return r;
}

}  // namespace cimsim::sim
