// sc_spawn (one thread per layer) needs SystemC's dynamic processes, declared before <systemc> is first seen
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "tiles/controller.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "hw/mesh.hpp"
#include "tiles/reduction.hpp"

namespace cimsim::tiles {

using hw::OpCode;
using workloads::OpKind;

Controller::Controller(sc_core::sc_module_name name, hw::Context& ctx, RunState& run,
                       const mapper::TileWork& work)
    : sc_module(name), port("port"), ctx_(ctx), run_(run), work_(work) {
  SC_HAS_PROCESS(Controller);
  SC_THREAD(start);
}

void Controller::start() {
  for (const auto& item : work_.items)
    if (item.home)
      sc_core::sc_spawn(std::bind(&Controller::run_layer, this, item.layer),
                        ("layer_" + std::to_string(item.layer)).c_str());
}

double Controller::local_ns(const tlm_utils::tlm_quantumkeeper& qk) const {
  return hw::now_ns() + qk.get_local_time().to_seconds() * 1e9;
}

double Controller::op(int tile, int unit, OpCode code, int layer, uint64_t count, double t) {
  if (count == 0) return t;
  hw::OpExt e;
  e.op = code;
  e.layer = layer;
  e.count = count;
  return hw::call(port, e, t, hw::now_ns(), uint64_t(tile) * kStride + uint64_t(unit));
}

double Controller::transfer(int src, int dst, int layer, uint64_t bits, double t) {
  if (src == dst || bits == 0) return t;
  hw::OpExt e;
  e.op = OpCode::transfer;
  e.layer = layer;
  e.count = bits;
  e.src = src;
  e.dst = dst;
  const uint64_t noc = uint64_t(run_.mapping.chip_tiles) * kStride + ChipUnit::noc;
  const uint64_t offchip = uint64_t(run_.mapping.chip_tiles) * kStride + ChipUnit::offchip;
  t = hw::call(port, e, t, hw::now_ns(), noc);
  if (dst == hw::Mesh::kOffchip) {
    e.op = OpCode::move;
    t = hw::call(port, e, t, hw::now_ns(), offchip);
  }
  return t;
}

int Controller::lane_of(int layer, int n, int s) const {
  if (run_.mapping.layers[size_t(layer)].weighted) return run_.copy_of(layer, n, s);
  return digital_tile(layer, n, s);
}

int Controller::digital_tile(int layer, int n, int s) const {
  // where its first input's rows are: on the home tile of that input (the mapper's placement), or, after
  // a duplicated layer, on the tile of the copy that produced the row this step needs last, so the
  // copies' bands are pooled, activated and added where they are
  const auto& l = run_.graph.layers[size_t(layer)];
  if (l.inputs.empty() || l.op == OpKind::zero) return run_.mapping.layers[size_t(layer)].home_tile;
  const int p = l.inputs.front();
  const int rows_p = run_.progress[size_t(run_.source_of(p))].rows;
  return run_.row_tile(p, n, std::min(run_.last_row_needed(layer, s), rows_p - 1));
}

bool Controller::has_room(int tile, double bits, double t) {
  return bits <= run_.buffers.capacity_bits - run_.buffers.window_bits[size_t(tile)] -
                     run_.held_bits(tile, t, hw::now_ns());
}

double Controller::row_bits(int layer) const {
  const auto& o = run_.graph.layers[layer].out;
  return double(o.c) * o.w * ctx_.hw.precision.activation_bits;
}

// Synchronises the thread's local time first (a wait of its own), then the caller checks its condition
// again before waiting on the event: a notification during the synchronising wait is never lost.
void Controller::wait_for(tlm_utils::tlm_quantumkeeper& qk, sc_core::sc_event& ev) {
  if (qk.get_local_time() > sc_core::SC_ZERO_TIME) qk.sync();
  else sc_core::wait(ev);
}

double Controller::wait_row(tlm_utils::tlm_quantumkeeper& qk, int producer, int n, int row) {
  Progress& p = run_.progress[run_.source_of(producer)];
  const size_t index = size_t(n) * p.rows + size_t(row);
  while (p.ready_ns.size() <= index) wait_for(qk, p.advanced);
  return p.ready_ns[index];
}

double Controller::wait_complete(tlm_utils::tlm_quantumkeeper& qk, int producer, int n) {
  Progress& p = run_.progress[run_.source_of(producer)];
  wait_row(qk, producer, n, p.rows - 1);
  while (p.complete_ns.size() <= size_t(n)) wait_for(qk, p.advanced);  // all rows of input n
  return p.complete_ns[n];
}

double Controller::wait_for_room(tlm_utils::tlm_quantumkeeper& qk, int layer, int n, int s) {
  // Backpressure (pipelined): row s of input n (row g of the stream) is made once every consumer that
  // reads only this layer has room for it in its window: the rows it holds (RunState::window_rows, W)
  // must have moved past g - W, i.e. its steps whose first row is at or before g - W have ended. The
  // network input comes from off-chip so, at the rate its consumers take it. Consumers with other inputs
  // too (the end of a skip path) are not waited for: their pace also depends on those inputs, and waiting
  // could deadlock; rows they have not pulled yet wait in this tile's buffer, or off-chip (run_layer).
  double t = 0.0;
  std::vector<int> seen;
  for (int c : run_.consumers[layer]) {
    if (!run_.backpressured_by(c)) continue;
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) continue;
    seen.push_back(c);
    const int64_t done = run_.room_steps(layer, c, n, s, run_.window_rows(layer, c));
    if (done == 0) continue;
    Progress& p = run_.progress[c];
    while (int64_t(p.freed_ns.size()) < done) wait_for(qk, p.advanced);
    t = std::max(t, p.freed_ns[size_t(done - 1)]);
  }
  return t;
}

void Controller::run_layer(int layer) {
  tlm_utils::tlm_quantumkeeper qk;
  qk.set_global_quantum(hw::time_ns(run_.options.quantum_ns));
  qk.reset();
  const auto& l = run_.graph.layers[layer];
  Progress& me = run_.progress[layer];
  // a constant is held in its reserved window for the run (or, streamed, read from off-chip), not
  // counted among the rows waiting for their consumers
  me.held_bits = l.op == OpKind::zero ? 0.0 : row_bits(layer);
  const bool is_constant = l.op == OpKind::constant;
  const auto pos = std::find(run_.order.begin(), run_.order.end(), layer) - run_.order.begin();
  const bool lbl = run_.options.dataflow == Dataflow::layer_by_layer;
  for (int n = 0; n < run_.options.inputs; ++n) {
    double t = local_ns(qk);
    if (lbl) {  // one layer at a time: wait for the previous layer (or the previous input) to finish
      if (pos > 0) t = std::max(t, wait_complete(qk, run_.order[pos - 1], n));
      else if (n > 0) {
        while (run_.sinks_done[n - 1] < int(run_.sinks.size())) wait_for(qk, run_.input_done);
        t = std::max(local_ns(qk), run_.done_ns[n - 1]);
      }
    }
    double complete = 0.0;
    for (int s = 0; s < me.rows; ++s) {
      t = std::max(t, local_ns(qk));
      if (l.op != OpKind::zero)  // zeros need nothing from their input but its shape
        for (size_t k = 0; k < l.inputs.size(); ++k) {  // a broadcast input (C x 1 x 1) has one row
          const int p = l.inputs[k];
          const int rows_p = run_.progress[run_.source_of(p)].rows;
          const int last = std::min(run_.last_row_needed(layer, s, int(k)), rows_p - 1);
          if (last >= 0) t = std::max(t, wait_row(qk, p, n, last));
        }
      if (s == 0 && l.op == OpKind::matmul && run_.attention.on) {  // its turn on the spare crossbars
        const long turn = run_.attention.turn_of(layer, n);
        while (run_.attention.turn < turn) wait_for(qk, run_.attention.advanced);
        t = std::max({t, local_ns(qk), run_.attention.free_ns});
      }
      // Double-buffered operands: a step's inputs are read into the PEs' (or units') registers while the
      // step before it computes, not sooner: the thread is at most one step ahead of the computation
      // on each copy (a digital layer: on each tile it works at).
      const int lane = lane_of(layer, n, s);
      auto& formed = formed_[{layer, lane}];
      t = std::max(t, formed.first);
      t = std::max(t, hw::now_ns());
      if (!lbl) {  // backpressure: wait for room in the consumers' windows
        const double room = wait_for_room(qk, layer, n, s);
        t = std::max(t, hw::now_ns());
        if (room > t) {
          me.stall_ns += room - t;
          me.stalls.push_back({t, room});
          t = room;
        }
      }
      me.start_ns = std::min(me.start_ns, t);
      double ready = t, next = t;
      int where = run_.mapping.layers[layer].home_tile;
      uint64_t store = 0;
      reads_done_ = t;
      if (l.op == OpKind::input) next = step_input(layer, n, s, t, ready, where, store);
      else if (run_.mapping.layers[layer].weighted) next = step_weighted(layer, n, s, t, ready, where, store);
      else next = step_digital(layer, n, s, t, ready, where, store);
      // the row is kept in the buffer of the tile that made it until every consumer has pulled it; if
      // that buffer has no room beside its windows and the rows already held, it goes off-chip instead
      const int pulls = run_.pulls_of(layer, n, s);
      const bool held = pulls > 0 && me.held_bits > 0 && !is_constant;
      // the network input is left off-chip (consumers fetch it from there) when its buffer has no room
      // a constant without room for its window stays in off-chip memory: every pull reads it from there
      const bool spill = l.op == OpKind::input ? input_left_off_chip_
                         : is_constant         ? run_.buffers.streamed[size_t(layer)] != 0
                                               : held && !has_room(where, me.held_bits, ready);
      if (spill && !is_constant) ++me.spilled_rows;  // the input: rows left off-chip
      if (spill && l.op != OpKind::input && !is_constant) {
        ready = transfer(where, hw::Mesh::kOffchip, layer, uint64_t(me.held_bits), ready);
      } else if (!spill && store > 0) {
        ready = op(where, Unit::buffer, OpCode::write, layer, store, ready);
      }
      // a time past the run's limit (or the SystemC ceiling) stops the run; simulate() reports it
      if (!run_.within_limit(std::max(ready, next), layer, n, s)) return;
      formed = {formed.second, ready};  // when the two latest steps on this lane had their rows formed
      if (held && !spill) run_.held[size_t(where)].push_back({layer, me.ready_ns.size()});
      me.pending.push_back(pulls);
      me.release_ns.push_back(ready);
      me.spilled.push_back(spill ? 1 : 0);
      me.ready_ns.push_back(ready);
      me.where.push_back(where);
      me.freed_ns.push_back(std::max(reads_done_, me.freed_ns.empty() ? 0.0 : me.freed_ns.back()));
      me.end_ns = std::max(me.end_ns, ready);
      complete = std::max(complete, ready);
      if (s == me.rows - 1) me.complete_ns.push_back(complete);
      me.advanced.notify(sc_core::SC_ZERO_TIME);
      if (s == me.rows - 1 && layer == run_.sinks.front()) deliver_outputs(layer, n, complete);
      // the thread moves on once this step's inputs are read: the next step overlaps its compute
      qk.set(hw::time_ns(next - hw::now_ns()));
      t = next;
      if (qk.need_sync()) qk.sync();
    }
  }
}

void Controller::deliver_outputs(int layer, int n, double t) {
  // each output row leaves from the tile that holds it (a row spilled for want of room is off-chip already)
  const int rows = run_.progress[layer].rows;
  const uint64_t row = uint64_t(row_bits(layer));
  std::map<int, uint64_t> at;  // tile -> bits it holds
  for (int r = 0; r < rows; ++r)
    if (const int src = run_.row_source(layer, n, r); src != hw::Mesh::kOffchip) at[src] += row;
  run_.pulled(layer, n, -1, rows - 1, t);
  double done = t;
  for (const auto& [tile, bits] : at) {
    const double read = op(tile, Unit::buffer, OpCode::read, layer, bits, t);
    done = std::max(done, transfer(tile, hw::Mesh::kOffchip, layer, bits, read));
  }
  if (!run_.within_limit(done, layer, n, run_.progress[layer].rows - 1)) return;
  run_.done_ns[n] = std::max(run_.done_ns[n], done);
  if (++run_.sinks_done[n] == int(run_.sinks.size())) run_.input_done.notify(sc_core::SC_ZERO_TIME);
}

double Controller::step_input(int layer, int n, int s, double t, double& ready, int& where, uint64_t& store) {
  // a row of the image: off-chip memory -> port -> NoC -> the home tile's buffer; the next row follows
  // as soon as the port is free
  const int home = run_.home_of(layer);
  const uint64_t bits = uint64_t(row_bits(layer));
  const uint64_t chip = uint64_t(run_.mapping.chip_tiles) * kStride;
  where = home;
  // no room in the home tile's buffer: the row stays in off-chip memory, and its consumers fetch it
  // from there when they pull it
  input_left_off_chip_ = run_.pulls_of(layer, n, s) > 0 && !has_room(home, double(bits), t);
  if (input_left_off_chip_) {
    ready = t;
    return t;
  }
  hw::OpExt e;
  e.op = OpCode::move;
  e.layer = layer;
  e.count = bits;
  e.src = hw::Mesh::kOffchip;
  e.dst = home;
  const double port_free = hw::call(port, e, t, hw::now_ns(), chip + ChipUnit::offchip);
  e.op = OpCode::transfer;
  const double arrived = hw::call(port, e, port_free, hw::now_ns(), chip + ChipUnit::noc);
  ready = arrived;
  store = bits;
  where = home;
  return port_free;
}

std::vector<double> Controller::send_rows(int layer, int producer, int n, int after, int last, double row_bits,
                                          const std::vector<Dest>& dests, double t) {
  std::vector<double> in(dests.size(), t);
  run_.pulled(producer, n, after, last, t);  // the producer's buffer may let the rows go from now on
  for (int r = after + 1; r <= last;) {  // runs of rows held by one tile (or spilled off-chip)
    const int src = run_.row_source(producer, n, r);
    int end = r;
    while (end + 1 <= last && run_.row_source(producer, n, end + 1) == src) ++end;
    const double rows = double(end - r + 1);
    r = end + 1;
    double from = t;
    if (src == hw::Mesh::kOffchip) {  // spilled rows: read back through the off-chip port
      hw::OpExt e;
      e.op = OpCode::move;
      e.layer = layer;
      e.count = uint64_t(rows * row_bits);
      e.src = hw::Mesh::kOffchip;
      e.dst = dests.empty() ? 0 : dests.front().tile;
      from = hw::call(port, e, t, hw::now_ns(), uint64_t(run_.mapping.chip_tiles) * kStride + ChipUnit::offchip);
      run_.progress[size_t(run_.source_of(producer))].spill_reads += uint64_t(rows);
    }
    // one multicast per share: the tiles that keep the same part of each row
    std::map<int, std::vector<size_t>> shares;
    for (size_t k = 0; k < dests.size(); ++k)
      if (dests[k].tile != src) shares[dests[k].key].push_back(k);
    for (const auto& [key, members] : shares) {
      const uint64_t bits = uint64_t(rows * row_bits * dests[members.front()].fraction);
      if (bits == 0) continue;
      std::vector<int> tiles;
      for (size_t k : members) tiles.push_back(dests[k].tile);
      std::vector<double> arrivals;
      if (tiles.size() == 1) {
        arrivals.push_back(transfer(src, tiles.front(), layer, bits, from));
      } else {
        hw::OpExt e;
        e.op = OpCode::transfer;
        e.layer = layer;
        e.count = bits;
        e.src = src;
        e.dsts = &tiles;
        e.arrivals = &arrivals;
        hw::call(port, e, from, hw::now_ns(), uint64_t(run_.mapping.chip_tiles) * kStride + ChipUnit::noc);
      }
      for (size_t i = 0; i < members.size(); ++i)
        in[members[i]] = std::max(in[members[i]], op(tiles[i], Unit::buffer, OpCode::write, layer, bits, arrivals[i]));
    }
  }
  return in;
}

namespace {
hw::OpExt sel_ext(int layer, uint64_t elements) {
  hw::OpExt e;
  e.op = OpCode::move;
  e.layer = layer;
  e.count = elements;
  return e;
}

}  // namespace

const LayerPlan& Controller::plan_of(int layer) {
  auto it = plans_.find(layer);
  if (it != plans_.end()) return it->second;
  return plans_.emplace(layer, build_layer_plan(run_.mapping, layer)).first->second;
}

double Controller::step_weighted(int layer, int n, int s, double t, double& ready, int& where,
                                 uint64_t& store) {
  const auto& l = run_.graph.layers[layer];
  const auto& lm = run_.mapping.layers[layer];
  const auto& hw = ctx_.hw;
  const LayerPlan& plan = plan_of(layer);
  const int act = hw.precision.activation_bits;
  const double row_bits_in = double(l.in.w) * double(l.in.c) * act;
  // Duplicated layers: the step runs on one copy (RunState::copy_of: a band of rows per copy), whose
  // tiles receive only the input rows they do not hold yet: the band's rows and the kernel's halo.
  const int copy = run_.copy_of(layer, n, s);
  const CopyPlan& cp = plan.copies[size_t(copy)];
  auto& delivered = delivered_[layer];  // per copy: the last input row its tiles hold, this input
  if (delivered.size() != size_t(lm.copies) || delivered_input_[layer] != n) {
    delivered.assign(size_t(lm.copies), -1);
    delivered_input_[layer] = n;
  }
  // a streamed layer (no window of its own: RunState::plan_buffers) receives every row its step reads
  const auto [have, last_in] = run_.weighted_pull(layer, s, delivered[size_t(copy)]);
  delivered[size_t(copy)] = std::max(delivered[size_t(copy)], last_in);
  // 1. the producer rows each tile needs arrive from the tiles holding them (multicast over the NoC)
  const std::vector<double> in = send_rows(layer, l.inputs.front(), n, have, last_in, row_bits_in, cp.dests, t);
  // 2.-6. fetch, MVMs, partial sums, the reduction across the copy's tiles, activation, output register
  // (tiles::weighted_step)
  std::vector<ReductionStep> tree;
  if (lm.row_blocks > 1) {
    std::vector<Sums> holds;
    for (const auto& tp : cp.tiles) holds.push_back(tp.sums);
    tree = reduction_tree(std::move(holds));
  }
  const WeightedStep w = weighted_step(
      l, lm, cp, tree, act, hw.precision.partial_sum_bits, in, t,
      [&](int tile, uint64_t bits, double at) { return op(tile, Unit::buffer, OpCode::read, layer, bits, at); },
      [&](int tile, Unit unit, uint64_t n_items, double at) {
        const bool bits = unit == Unit::bus || unit == Unit::out_reg;
        return op(tile, unit, bits ? OpCode::move : OpCode::compute, layer, n_items, at);
      },
      [&](size_t k, int vectors, double reuse, double fetched) {  // every PE of this copy on tile k
        const TilePlan& tp = cp.tiles[k];
        double computed = fetched;
        for (const PePlan& pp : tp.pes) {
          hw::OpExt e;
          e.op = OpCode::mvm;
          e.layer = layer;
          e.vectors = vectors;
          e.phases = hw.input_phases();
          e.count = uint64_t(double(pp.rows) * act * reuse);
          e.blocks = &pp.blocks;
          computed = std::max(computed, hw::call(port, e, fetched, hw::now_ns(),
                                                 uint64_t(tp.tile) * kStride + Unit::pe0 + uint64_t(pp.pe)));
        }
        return computed;
      },
      [&](int src, int dst, uint64_t bits, double at) { return transfer(src, dst, layer, bits, at); });
  reads_done_ = std::max(reads_done_, w.reads_done);
  ready = w.ready;
  store = w.store;
  where = cp.home;
  return w.next;
}

double Controller::step_digital(int layer, int n, int s, double t, double& ready, int& where,
                                uint64_t& store) {
  const auto& l = run_.graph.layers[layer];
  const auto& lm = run_.mapping.layers[layer];
  const int act = ctx_.hw.precision.activation_bits;
  const int home = digital_tile(layer, n, s);
  where = home;
  if (l.op == OpKind::zero || l.op == OpKind::constant) {
    // DARTS `none`: nothing is computed, stored or moved; a constant is held on chip (its window)
    ready = t;
    return t;
  }
  const bool zero_copy = DataflowPlan::addressing(l);
  // inputs produced on other tiles come over the NoC into this tile's buffer
  double arrived = t;
  uint64_t read_bits = 0;
  for (size_t k = 0; k < l.inputs.size(); ++k) {
    const int p = l.inputs[k];
    const auto& pl = run_.graph.layers[p];
    const auto [before, last] = run_.digital_pull(layer, s, int(k));  // the rows it has not pulled yet
    const uint64_t bits = uint64_t(std::max(0, last - before)) * uint64_t(pl.out.w) *
                          uint64_t(pl.out.c) * uint64_t(act);
    read_bits += bits;
    const double row = row_bits(p);
    arrived = std::max(arrived, send_rows(layer, p, n, before, last, row, {{home, 0, 1.0}}, t).front());
  }
  if (lm.selectors > 0) {  // a hypernetwork node: each input passes its edge's selector
    hw::OpExt e = sel_ext(layer, read_bits / uint64_t(act));
    arrived = hw::call(port, e, arrived, hw::now_ns(), selector_address(run_.mapping.chip_tiles, layer));
  }
  if (zero_copy) {  // concatenation and identity are addressing, not data movement
    ready = arrived;
    reads_done_ = arrived;
    return t;
  }
  const double fetched = op(home, Unit::buffer, OpCode::read, layer, read_bits, arrived);
  reads_done_ = fetched;
  const uint64_t values = uint64_t(l.out.c) * uint64_t(l.out.w);
  double h = fetched;
  if (l.op == OpKind::matmul && run_.attention.on) h = step_operand_crossbars(layer, s, h, home);
  else
    for (const auto& [unit, ops] : digital_ops(l, lm, ctx_.hw.tile.matrix.count > 0))
      h = op(home, unit, OpCode::compute, layer, ops, h);
  ready = h;
  store = values * uint64_t(act);
  return fetched;
}

}  // namespace cimsim::tiles
