#include "sim/analytical.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
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
  void book(double start, double dur, int layer) {
    if (dur <= 0) return;
    busy += dur;
    first = std::min(first, start);
    last = std::max(last, start + dur);
    auto it = std::find_if(by_layer.begin(), by_layer.end(), [layer](const auto& p) { return p.first == layer; });
    if (it == by_layer.end()) by_layer.push_back({layer, dur});
    else it->second += dur;
  }
};

// Which rows spill (decided on the contention-free schedule, then replayed): per layer, per row over
// the stream.
using SpillPlan = std::vector<std::vector<char>>;

// One replay of the dataflow over the stream, each transaction at its unloaded time.
class Replay {
 public:
  Replay(const workloads::Graph& g, const models::HardwareSpec& hw, const mapper::Mapping& m,
         const tiles::DataflowPlan& plan, const tiles::OperandPlan& operands, const SpillPlan* spills)
      : g_(g), hw_(hw), m_(m), plan_(plan), operands_(operands), spills_(spills), stats_(int(g.layers.size())),
        ledger_(g.layers.size()), decided_(g.layers.size()),
        grid_(mapper::router_grid(m.chip_tiles, hw.chip.tiles_per_router)),
        act_(hw.precision.activation_bits), hop_ns_(hw.noc.hop_latency_cycles * hw.cycle_ns()) {
    const int inputs = plan.options.inputs;
    for (int l : plan.order) {
      auto& p = ledger_[size_t(l)];
      p.rows = plan.rows[size_t(l)];
      const size_t n = size_t(inputs) * size_t(std::max(0, p.rows));
      p.ready_ns.reserve(n);
      decided_[size_t(l)].reserve(n);
    }
    thread_t_.assign(g.layers.size(), 0.0);
    done_.assign(size_t(inputs), 0.0);
  }

  void run() {
    const int inputs = plan_.options.inputs;
    for (int n = 0; n < inputs; ++n) {
      for (size_t k = 0; k < plan_.order.size(); ++k) run_layer(plan_.order[k], n, k);
      if (n == 0) first_input_ = uses_;  // what input 0 alone booked (the first input's resource bound)
    }
    for (int l : plan_.order) {
      const auto& c = ledger_[size_t(l)].complete_ns;
      for (size_t n = 0; n < c.size() && n < done_.size(); ++n) done_[n] = std::max(done_[n], c[n]);
    }
  }

  const hw::Stats& stats() const { return stats_; }
  const std::vector<tiles::RowLedger>& ledger() const { return ledger_; }
  // per layer and row over the stream: when the step making it began (its room test is made then)
  const std::vector<std::vector<double>>& decided() const { return decided_; }
  const std::vector<double>& done() const { return done_; }
  const std::unordered_map<uint64_t, Use>& uses() const { return uses_; }
  const std::unordered_map<uint64_t, Use>& first_input_uses() const { return first_input_; }
  double pool_free() const { return pool_free_; }

 private:
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
    auto& p = ledger_[size_t(plan_.source_of(producer))];
    for (int r = std::max(0, after + 1); r <= last; ++r) {
      const size_t i = size_t(n) * size_t(p.rows) + size_t(r);
      p.release_ns[i] = std::max(p.release_ns[i], t);
    }
  }

  Use& use(Kind k, uint64_t a, uint64_t b) { return uses_[key_of(k, a, b)]; }

  // A tile unit (bus, output register, pool, activation, accumulate, matrix): counts, books, returns the end.
  double op(int tile, Unit unit, Action a, int layer, uint64_t count, double t) {
    if (count == 0) return t;
    stats_.add(layer, a, count);
    const double dur =
        hw::ThroughputUnit::service_ns(count, tiles::unit_items_per_ns(hw_, unit), 0.0, hw_.cycle_ns());
    use(Kind::unit, uint64_t(tile), uint64_t(unit)).book(t, dur, layer);
    return t + dur;
  }
  // The tile buffer (hw::Buffer): words dealt round-robin over the banks, each one word per cycle.
  double buffer(int tile, bool read, int layer, uint64_t bits, double t) {
    if (bits == 0) return t;
    const auto& spec = hw_.tile.buffer;
    stats_.add(layer, read ? Action::buffer_read_bit : Action::buffer_write_bit, bits);
    const uint64_t words = (bits + spec.bus_bits - 1) / spec.bus_bits;
    const uint64_t nb = uint64_t(spec.banks);
    uint64_t& next = next_bank_[tile];
    double end = t;
    for (uint64_t k = 0; k < std::min<uint64_t>(nb, words); ++k) {
      const uint64_t b = (next + k) % nb;
      const uint64_t w = words / nb + ((k < words % nb) ? 1 : 0);
      const double dur = spec.access_latency_ns + double(w) * hw_.cycle_ns();
      use(Kind::bank, uint64_t(tile), b).book(t, dur, layer);
      end = std::max(end, t + dur);
    }
    next = (next + words) % nb;
    return end;
  }
  // The off-chip port (a throughput unit at the off-chip bandwidth, after its latency).
  double offchip(int layer, uint64_t bits, double t) {
    if (bits == 0) return t;
    stats_.add(layer, Action::offchip_bit, bits);
    const double dur = hw::ThroughputUnit::service_ns(bits, hw_.offchip.bandwidth_gbps, hw_.offchip.latency_ns,
                                                      hw_.cycle_ns());
    use(Kind::offchip, 0, 0).book(t, dur, layer);
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
    use(Kind::inject, endpoint_id(src), 0).book(at, ser, layer);
    for (const auto& [router, dir] : hops) {
      at += hop_ns_;
      use(Kind::link, uint64_t(router), uint64_t(dir)).book(at, ser, layer);
    }
    at += hop_ns_;
    use(Kind::eject, endpoint_id(dst), 0).book(at, ser, layer);
    const uint64_t flits = (bits + hw_.noc.flit_bits - 1) / hw_.noc.flit_bits;
    stats_.add(layer, Action::router_flit_hop, flits * uint64_t(hops.size() + 1));
    return at + ser;
  }
  // One packet to several tiles along the tree of XY routes, each link of the tree once.
  std::vector<double> multicast(int src, const std::vector<int>& dsts, int layer, uint64_t bits, double t) {
    const double ser = serialization_ns(bits);
    std::vector<double> arrivals(dsts.size(), t);
    std::map<uint64_t, double> tree;  // link -> its start
    bool any = false;
    for (size_t k = 0; k < dsts.size(); ++k) {
      if (dsts[k] == src || bits == 0) continue;
      any = true;
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
    if (!any) return arrivals;
    for (const auto& [k, start] : tree) uses_[k].book(start, ser, layer);
    const uint64_t flits = (bits + hw_.noc.flit_bits - 1) / hw_.noc.flit_bits;
    stats_.add(layer, Action::router_flit_hop, flits * uint64_t(tree.size() - 1));
    return arrivals;
  }
  // Controller::transfer: over the NoC, and through the off-chip port when it leaves the chip.
  double transfer(int src, int dst, int layer, uint64_t bits, double t) {
    if (src == dst || bits == 0) return t;
    t = unicast(src, dst, layer, bits, t);
    if (dst == kOffchip) t = offchip(layer, bits, t);
    return t;
  }

  // Controller::send_rows
  std::vector<double> send_rows(int layer, int producer, int n, int after, int last, double bits_per_row,
                                const std::vector<tiles::RowDest>& dests, double t) {
    std::vector<double> in(dests.size(), t);
    pulled(producer, n, after, last, t);
    for (int r = after + 1; r <= last;) {
      const int src = row_source(producer, n, r);
      int end = r;
      while (end + 1 <= last && row_source(producer, n, end + 1) == src) ++end;
      const double rows = double(end - r + 1);
      r = end + 1;
      double from = t;
      if (src == kOffchip) {  // spilled rows: read back through the off-chip port
        from = offchip(layer, uint64_t(rows * bits_per_row), t);
        ledger_[size_t(plan_.source_of(producer))].spill_reads += uint64_t(rows);
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
  int lane_of(int layer, int n, int s) const {
    if (m_.layers[size_t(layer)].weighted) return plan_.copy_of(layer, n, s);
    return digital_tile(layer, n, s);
  }
  bool spilled_by_plan(int layer, size_t index) const {
    return spills_ && index < (*spills_)[size_t(layer)].size() && (*spills_)[size_t(layer)][index];
  }

  void run_layer(int layer, int n, size_t pos) {
    const auto& l = g_.layers[size_t(layer)];
    auto& me = ledger_[size_t(layer)];
    me.held_bits = l.op == OpKind::zero ? 0.0 : row_bits(layer);
    const bool is_constant = l.op == OpKind::constant;
    const bool lbl = plan_.options.dataflow == tiles::Dataflow::layer_by_layer;
    double t = thread_t_[size_t(layer)];
    if (lbl) {
      if (pos > 0) t = std::max(t, ledger_[size_t(plan_.order[pos - 1])].complete_ns[size_t(n)]);
      else if (n > 0) t = std::max(t, done_[size_t(n - 1)]);
    }
    double complete = 0.0;
    for (int s = 0; s < me.rows; ++s) {
      if (l.op != OpKind::zero)
        for (size_t k = 0; k < l.inputs.size(); ++k) {
          const int p = l.inputs[k];
          const int last = std::min(plan_.last_row_needed(layer, s, int(k)), rows_of(p) - 1);
          if (last >= 0) t = std::max(t, ready(p, n, last));
        }
      if (s == 0 && l.op == OpKind::matmul && operands_.on) t = std::max(t, pool_free_);
      auto& formed = formed_[uint64_t(layer) << 32 | uint64_t(uint32_t(lane_of(layer, n, s)))];
      t = std::max(t, formed.first);
      me.start_ns = std::min(me.start_ns, t);
      const size_t index = me.ready_ns.size();
      decided_[size_t(layer)].push_back(t);
      double ready_t = t, next = t;
      int where = m_.layers[size_t(layer)].home_tile;
      uint64_t store = 0;
      if (l.op == OpKind::input) next = step_input(layer, n, s, index, t, ready_t, where, store);
      else if (m_.layers[size_t(layer)].weighted) next = step_weighted(layer, n, s, t, ready_t, where, store);
      else next = step_digital(layer, n, s, t, ready_t, where, store);
      const int pulls = plan_.pulls_of(layer, n, s);
      const bool held = pulls > 0 && me.held_bits > 0 && !is_constant;
      const bool spill = l.op == OpKind::input ? input_left_
                         : is_constant         ? plan_.buffers.streamed[size_t(layer)] != 0
                                               : held && spilled_by_plan(layer, index);
      if (spill && !is_constant) ++me.spilled_rows;
      if (spill && l.op != OpKind::input && !is_constant) {
        ready_t = transfer(where, kOffchip, layer, uint64_t(me.held_bits), ready_t);
      } else if (!spill && store > 0) {
        ready_t = buffer(where, false, layer, store, ready_t);
      }
      formed = {formed.second, ready_t};
      me.pending.push_back(held && !spill ? pulls : 0);  // whether the row is held: the spill decision reads it
      me.release_ns.push_back(ready_t);
      me.spilled.push_back(spill ? 1 : 0);
      me.ready_ns.push_back(ready_t);
      me.where.push_back(where);
      me.end_ns = std::max(me.end_ns, ready_t);
      complete = std::max(complete, ready_t);
      if (s == me.rows - 1) me.complete_ns.push_back(complete);
      if (s == me.rows - 1 && layer == plan_.sinks.front()) deliver_outputs(layer, n, complete);
      t = std::max(t, next);
    }
    thread_t_[size_t(layer)] = t;
  }

  void deliver_outputs(int layer, int n, double t) {
    const int rows = ledger_[size_t(layer)].rows;
    const uint64_t row = uint64_t(row_bits(layer));
    std::map<int, uint64_t> at;
    for (int r = 0; r < rows; ++r)
      if (const int src = row_source(layer, n, r); src != kOffchip) at[src] += row;
    pulled(layer, n, -1, rows - 1, t);
    double done = t;
    for (const auto& [tile, bits] : at) {
      const double read = buffer(tile, true, layer, bits, t);
      done = std::max(done, transfer(tile, kOffchip, layer, bits, read));
    }
    done_[size_t(n)] = std::max(done_[size_t(n)], done);
  }

  double step_input(int layer, int n, int s, size_t index, double t, double& ready_t, int& where,
                    uint64_t& store) {
    const int home = plan_.home_of(layer);
    const uint64_t bits = uint64_t(row_bits(layer));
    where = home;
    input_left_ = plan_.pulls_of(layer, n, s) > 0 && spilled_by_plan(layer, index);
    if (input_left_) {
      ready_t = t;
      return t;
    }
    const double port_free = offchip(layer, bits, t);
    ready_t = transfer(kOffchip, home, layer, bits, port_free);
    store = bits;
    return port_free;
  }

  double step_weighted(int layer, int n, int s, double t, double& ready_t, int& where, uint64_t& store) {
    const auto& l = g_.layers[size_t(layer)];
    const auto& lm = m_.layers[size_t(layer)];
    const tiles::LayerPlan& plan = plan_of(layer);
    const int vectors = l.op == OpKind::conv ? l.out.w : 1;
    const bool partial = lm.row_blocks > 1;
    const int out_value_bits = partial ? hw_.precision.partial_sum_bits : act_;
    const double row_bits_in = double(l.in.w) * double(l.in.c) * act_;
    const int copy = plan_.copy_of(layer, n, s);
    const tiles::CopyPlan& cp = plan.copies[size_t(copy)];
    auto& delivered = delivered_[layer];
    if (delivered.first != n || delivered.second.size() != size_t(lm.copies)) {
      delivered.first = n;
      delivered.second.assign(size_t(lm.copies), -1);
    }
    const int last_in = plan_.last_row_needed(layer, s);
    const int have = plan_.buffers.streamed[size_t(layer)]
                         ? plan_.first_row_needed(layer, s) - 1
                         : std::max(delivered.second[size_t(copy)], plan_.first_row_needed(layer, s) - 1);
    delivered.second[size_t(copy)] = std::max(delivered.second[size_t(copy)], last_in);
    const std::vector<double> in = send_rows(layer, l.inputs.front(), n, have, last_in, row_bits_in, cp.dests, t);
    const double reuse =
        l.op == OpKind::conv ? (double(l.kernel_w) + double(vectors - 1) * l.stride) / double(l.kernel_w) : 1.0;
    double next = kInf;
    std::vector<double> done(cp.tiles.size(), t);
    const int phases = hw_.input_phases();
    for (size_t k = 0; k < cp.tiles.size(); ++k) {
      const tiles::TilePlan& tp = cp.tiles[k];
      const int tile = tp.tile;
      const uint64_t fetch = uint64_t(double(tp.rows) * act_ * reuse);
      const double fetched = std::max(buffer(tile, true, layer, fetch, in[k]),
                                      op(tile, Unit::bus, Action::bus_bit, layer, fetch, in[k]));
      next = std::min(next, fetched);
      double computed = fetched;
      uint64_t outputs = 0;
      for (const tiles::PePlan& pp : tp.pes) {
        tiles::Pe::count(hw_, stats_, layer, pp.blocks, vectors, phases, uint64_t(double(pp.rows) * act_ * reuse));
        // each crossbar is busy for its blocks' bursts
        for (const auto* b : pp.blocks)
          use(Kind::xbar, uint64_t(tile), uint64_t(pp.pe) << 12 | uint64_t(b->xbar))
              .book(fetched,
                    hw::Crossbar::burst_ns(hw_.crossbar.read_latency_ns, hw_.conversion_ns(b->cols_used), vectors,
                                           phases),
                    layer);
        computed = std::max(computed, fetched + tiles::Pe::unloaded_ns(hw_, pp.blocks, vectors, phases));
        outputs += pp.outputs;
      }
      computed = op(tile, Unit::bus, Action::bus_bit, layer,
                    outputs * uint64_t(vectors) * uint64_t(out_value_bits), computed);
      computed = op(tile, Unit::accumulate, Action::accumulate_op, layer, tp.tile_adds * uint64_t(vectors), computed);
      done[k] = computed;
    }
    const int home = cp.home;
    double h = done[0];
    if (partial) {
      std::vector<tiles::Sums> holds;
      for (const auto& tp : cp.tiles) holds.push_back(tp.sums);
      for (const auto& step : tiles::reduction_tree(std::move(holds))) {
        const double at = transfer(cp.tiles[step.from].tile, cp.tiles[step.to].tile, layer,
                                   step.sent * uint64_t(vectors) * uint64_t(out_value_bits), done[step.from]);
        done[step.to] = op(cp.tiles[step.to].tile, Unit::accumulate, Action::accumulate_op, layer,
                           step.adds * uint64_t(vectors), std::max(done[step.to], at));
      }
      h = done[0];
    } else {
      for (size_t k = 1; k < cp.tiles.size(); ++k) {
        uint64_t outs = 0;
        for (const auto& kv : cp.tiles[k].sums) outs += uint64_t(kv.second);
        h = std::max(h, transfer(cp.tiles[k].tile, home, layer, outs * uint64_t(vectors) * uint64_t(act_), done[k]));
      }
    }
    const uint64_t values = uint64_t(l.out.c) * uint64_t(vectors);
    double out = std::max(t, h);
    if (lm.fused_activation >= 0) out = op(home, Unit::activation, Action::activation_op, layer, values, out);
    out = op(home, Unit::out_reg, Action::tile_output_reg_bit, layer, values * uint64_t(act_), out);
    ready_t = out;
    store = values * uint64_t(act_);
    where = home;
    return next;
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
      use(Kind::spare, 0, 0).book(at, write_ns, layer);
      at += write_ns;
      stats_.add(layer, Action::crossbar_cell_write, uint64_t(o.cells));
    }
    at = transfer(home, operands_.tile, layer, uint64_t(l.in.c) * act, at);
    const int phases = hw_.input_phases();
    const double mvm_ns =
        hw::Crossbar::burst_ns(hw_.crossbar.read_latency_ns, hw_.conversion_ns(o.max_cols), 1, phases) + hw_.cycle_ns();
    use(Kind::spare, 0, 0).book(at, mvm_ns, layer);
    at += mvm_ns;
    const uint64_t p = uint64_t(phases);
    stats_.add(layer, Action::crossbar_read, uint64_t(o.crossbars) * p);
    stats_.add(layer, Action::crossbar_cell_read, uint64_t(o.cell_reads_per_phase) * p);
    stats_.add(layer, Action::dac_drive, uint64_t(o.drives_per_phase) * p);
    stats_.add(layer, Action::sample_hold, uint64_t(o.columns_per_phase) * p);
    stats_.add(layer, Action::adc_conversion, uint64_t(o.columns_per_phase) * p);
    stats_.add(layer, Action::shift_add, uint64_t(o.columns_per_phase) * p);
    if (s == l.out.h - 1) pool_free_ = at;
    const uint64_t results = uint64_t(o.columns_per_phase / o.cells_per_element);
    const uint64_t bits = o.row_blocks > 1 ? uint64_t(hw_.precision.partial_sum_bits) : act;
    at = transfer(operands_.tile, home, layer, results * bits, at);
    return op(home, Unit::accumulate, Action::accumulate_op, layer, uint64_t(o.partial_adds), at);
  }

  double step_digital(int layer, int n, int s, double t, double& ready_t, int& where, uint64_t& store) {
    const auto& l = g_.layers[size_t(layer)];
    const auto& lm = m_.layers[size_t(layer)];
    const int home = digital_tile(layer, n, s);
    where = home;
    if (l.op == OpKind::zero || l.op == OpKind::constant) {
      ready_t = t;
      return t;
    }
    const bool zero_copy = l.op == OpKind::concat || l.op == OpKind::identity || l.op == OpKind::pad ||
                           l.op == OpKind::slice || l.op == OpKind::flatten || (l.op == OpKind::reshape && !l.copy);
    double arrived = t;
    uint64_t read_bits = 0;
    for (size_t k = 0; k < l.inputs.size(); ++k) {
      const int p = l.inputs[k], ki = int(k);
      const auto& pl = g_.layers[size_t(p)];
      const int last = std::min(plan_.last_row_needed(layer, s, ki), pl.out.h - 1);
      const int before = plan_.buffers.streamed[size_t(layer)]
                             ? std::min(plan_.first_row_needed(layer, s, ki), pl.out.h - 1) - 1
                         : s == 0 ? -1
                                  : std::min(plan_.last_row_needed(layer, s - 1, ki), pl.out.h - 1);
      read_bits += uint64_t(std::max(0, last - before)) * uint64_t(pl.out.w) * uint64_t(pl.out.c) * uint64_t(act_);
      arrived = std::max(arrived, send_rows(layer, p, n, before, last, row_bits(p), {{home, 0, 1.0}}, t).front());
    }
    if (lm.selectors > 0) {  // a hypernetwork node: each input passes its edge's selector
      const uint64_t elements = read_bits / uint64_t(act_);
      if (elements > 0) {
        const auto& sel = hw_.hypernet.selector;
        stats_.add(layer, Action::selector_op, elements);
        const double dur = hw::ThroughputUnit::service_ns(
            elements, double(lm.selectors) * sel.elements_per_cycle * hw_.technology.clock_ghz,
            sel.latency_cycles * hw_.cycle_ns(), hw_.cycle_ns());
        use(Kind::selector, uint64_t(layer), 0).book(arrived, dur, layer);
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
  const SpillPlan* spills_;
  hw::Stats stats_;
  std::vector<tiles::RowLedger> ledger_;
  std::vector<std::vector<double>> decided_;
  mapper::RouterGrid grid_;
  int act_;
  double hop_ns_;
  std::vector<double> thread_t_, done_;
  std::unordered_map<uint64_t, Use> uses_, first_input_;
  std::unordered_map<uint64_t, std::vector<std::pair<int, int>>> paths_;
  std::unordered_map<int, uint64_t> next_bank_;
  std::unordered_map<int, tiles::LayerPlan> plans_;
  std::unordered_map<int, std::pair<int, std::vector<int>>> delivered_;  // per layer: input, last row per copy
  std::unordered_map<uint64_t, std::pair<double, double>> formed_;
  bool input_left_ = false;
  double pool_free_ = 0;
};

// Which rows spill: on the contention-free schedule `r`, each tile's rows in the order they are written;
// a row is kept if it fits beside the tile's windows and the rows kept before it whose last pull comes
// after this row's step began (as the SystemC room test counts a row until its last consumer has
// pulled it), else it spills. A network-input row without room stays off-chip.
SpillPlan decide_spills(const tiles::DataflowPlan& plan, const Replay& r) {
  SpillPlan spills(plan.graph.layers.size());
  struct Row {
    double write, decided, release, bits;
    int layer;
    size_t index;
  };
  std::vector<std::vector<Row>> per_tile(plan.buffers.window_bits.size());
  for (int l : plan.order) {
    const auto& led = r.ledger()[size_t(l)];
    spills[size_t(l)].assign(led.ready_ns.size(), 0);
    if (plan.graph.layers[size_t(l)].op == OpKind::constant) continue;
    for (size_t i = 0; i < led.ready_ns.size(); ++i) {
      if (led.pending[i] <= 0 || led.held_bits <= 0) continue;  // not held
      per_tile[size_t(led.where[i])].push_back(
          {led.ready_ns[i], r.decided()[size_t(l)][i], led.release_ns[i], led.held_bits, l, i});
    }
  }
  for (size_t t = 0; t < per_tile.size(); ++t) {
    auto& rows = per_tile[t];
    if (rows.empty()) continue;
    const double room = plan.buffers.capacity_bits - plan.buffers.window_bits[t];
    double total = 0;
    for (const auto& x : rows) total += x.bits;
    if (total <= room) continue;  // everything fits at once
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.write < b.write; });
    using Kept = std::pair<double, double>;  // release, bits
    std::priority_queue<Kept, std::vector<Kept>, std::greater<Kept>> kept;
    double held = 0;
    for (const auto& x : rows) {
      while (!kept.empty() && kept.top().first <= x.decided) {
        held -= kept.top().second;
        kept.pop();
      }
      if (held + x.bits <= room) {
        kept.push({x.release, x.bits});
        held += x.bits;
      } else {
        spills[size_t(x.layer)][x.index] = 1;
      }
    }
  }
  return spills;
}

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

  // Pass 1: with no row spilled, to learn when rows are written and last pulled; pass 2 replays the
  // stream with the rows that find no room spilled. When everything fits, pass 1 is the answer.
  Replay first(graph, hw, mapping, plan, operands, nullptr);
  first.run();
  const SpillPlan spills = decide_spills(plan, first);
  bool any = false;
  for (const auto& s : spills) any = any || std::find(s.begin(), s.end(), char(1)) != s.end();
  std::unique_ptr<Replay> second;
  if (any) {
    second = std::make_unique<Replay>(graph, hw, mapping, plan, operands, &spills);
    second->run();
  }
  const Replay& rp = any ? *second : first;

  // Latency: the contention-free critical path, or what the busiest resource forces (its first use, its
  // busy time, and the critical path after its last use).
  const std::vector<double>& cf = rp.done();
  const int inputs = opt.inputs;
  double last_activity = 0;
  for (const auto& [k, u] : rp.uses()) last_activity = std::max(last_activity, u.last);
  const double c0 = cf.front();
  double bound = c0;
  uint64_t bound_key = 0;
  for (const auto& [k, u] : rp.first_input_uses()) {
    const double b = u.first + u.busy + std::max(0.0, c0 - u.last);
    if (b > bound) {
      bound = b;
      bound_key = k;
    }
  }
  const double latency = bound;
  // Stream: the busiest resource per inference, or the contention-free pace, whichever is slower.
  double period = inputs > 1 ? (cf.back() - cf.front()) / double(inputs - 1) : 0.0;
  std::string period_by = "contention-free pace";
  for (const auto& [k, u] : rp.uses()) {
    const double p = u.busy / double(inputs);
    if (inputs > 1 && p > period) {
      period = p;
      period_by = name_of(k, mapping.chip_tiles);
    }
  }
  std::vector<double> done(static_cast<size_t>(inputs), 0.0);
  for (int n = 0; n < inputs; ++n) done[size_t(n)] = std::max(cf[size_t(n)], latency + double(n) * period);
  done.back() = std::max(done.back(), inputs == 1 ? std::max(latency, last_activity) : last_activity);
  if (!(done.back() <= opt.max_sim_ns))
    throw SimulationError("simulated time reached " + num(done.back() * 1e-6) + " ms; allowed: at most " +
                          num(opt.max_sim_ns * 1e-6) +
                          " ms of simulated time (--max-sim-time-ms; check the config's rates and latencies)");

  RunResult r = result_from_counts(graph, hw, mapping, opt, rp.stats(), done, writes);
  r.mode = "analytical";
  r.analytical.critical_path_ns = c0;
  r.analytical.resource_bound_ns = bound;
  r.analytical.bound_by = bound > c0 ? name_of(bound_key, mapping.chip_tiles) : "critical path";
  r.analytical.period_ns = period;
  r.analytical.period_by = inputs > 1 ? period_by : "";
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
        if (layer >= 0 && size_t(layer) < best.size() && ns > best[size_t(layer)].second) best[size_t(layer)] = {k, ns};
    for (size_t i = 0; i < best.size(); ++i)
      if (best[i].second > 0) {
        r.layer_results[i].binding = name_of(best[i].first, mapping.chip_tiles);
        r.layer_results[i].binding_busy_ns = best[i].second;
      }
  }
  fill_buffer_results(r, plan, [&ledger](int l) -> const tiles::RowLedger& { return ledger[size_t(l)]; }, false);
  for (const auto& [k, u] : rp.uses())
    if (u.busy > 0) r.busiest.push_back({name_of(k, mapping.chip_tiles), u.busy});
  keep_busiest(r.busiest, 8);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  check_finite(r);
  return r;
}

}  // namespace cimsim::sim
