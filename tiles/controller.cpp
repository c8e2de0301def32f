#include "tiles/controller.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "hw/mesh.hpp"

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

void Controller::run_layer(int layer) {
  tlm_utils::tlm_quantumkeeper qk;
  qk.set_global_quantum(hw::time_ns(run_.options.quantum_ns));
  qk.reset();
  const auto& l = run_.graph.layers[layer];
  Progress& me = run_.progress[layer];
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
        for (int p : l.inputs) {  // a broadcast input (C x 1 x 1) has one row
          const int rows_p = run_.progress[run_.source_of(p)].rows;
          t = std::max(t, wait_row(qk, p, n, std::min(run_.last_row_needed(layer, s), rows_p - 1)));
        }
      t = std::max(t, hw::now_ns());
      me.start_ns = std::min(me.start_ns, t);
      double ready = t, next = t;
      if (l.op == OpKind::input) next = step_input(layer, s, t, ready);
      else if (run_.mapping.layers[layer].weighted) next = step_weighted(layer, n, s, t, ready);
      else next = step_digital(layer, n, s, t, ready);
      // a time past the run's limit (or the SystemC ceiling) stops the run; simulate() reports it
      if (!run_.within_limit(std::max(ready, next), layer, n, s)) return;
      me.ready_ns.push_back(ready);
      me.first_input_row.push_back(l.inputs.empty() ? 0 : run_.first_row_needed(layer, s));
      me.step_end_ns.push_back(ready);
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
  const auto& o = run_.graph.layers[layer].out;
  const uint64_t bits = uint64_t(o.elements()) * uint64_t(ctx_.hw.precision.activation_bits);
  const int home = run_.home_of(layer);
  const double read = op(home, Unit::buffer, OpCode::read, layer, bits, t);
  const double done = transfer(home, hw::Mesh::kOffchip, layer, bits, read);
  if (!run_.within_limit(done, layer, n, run_.progress[layer].rows - 1)) return;
  run_.done_ns[n] = std::max(run_.done_ns[n], done);
  if (++run_.sinks_done[n] == int(run_.sinks.size())) run_.input_done.notify(sc_core::SC_ZERO_TIME);
}

double Controller::step_input(int layer, int, double t, double& ready) {
  // a row of the image: off-chip memory -> port -> NoC -> the home tile's buffer; the next row follows
  // as soon as the port is free
  const int home = run_.home_of(layer);
  const uint64_t bits = uint64_t(row_bits(layer));
  const uint64_t chip = uint64_t(run_.mapping.chip_tiles) * kStride;
  hw::OpExt e;
  e.op = OpCode::move;
  e.layer = layer;
  e.count = bits;
  e.src = hw::Mesh::kOffchip;
  e.dst = home;
  const double port_free = hw::call(port, e, t, hw::now_ns(), chip + ChipUnit::offchip);
  e.op = OpCode::transfer;
  const double arrived = hw::call(port, e, port_free, hw::now_ns(), chip + ChipUnit::noc);
  ready = op(home, Unit::buffer, OpCode::write, layer, bits, arrived);
  return port_free;
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

const Controller::LayerPlan& Controller::plan_of(int layer) {
  auto it = plans_.find(layer);
  if (it != plans_.end()) return it->second;
  const auto& lm = run_.mapping.layers[layer];
  LayerPlan plan;
  plan.copies.resize(size_t(lm.copies));
  std::vector<std::map<int, std::set<std::pair<int, int>>>> tile_slices(size_t(lm.copies));
  for (int b : lm.blocks) {
    const auto& blk = run_.mapping.blocks[b];
    auto& tiles = plan.copies[size_t(blk.copy)].tiles;
    auto t = std::find_if(tiles.begin(), tiles.end(), [&](const TilePlan& x) { return x.tile == blk.tile; });
    if (t == tiles.end()) {
      tiles.push_back({blk.tile, {}, 0});
      t = tiles.end() - 1;
    }
    auto p = std::find_if(t->pes.begin(), t->pes.end(), [&](const PePlan& x) { return x.pe == blk.pe; });
    if (p == t->pes.end()) {
      t->pes.push_back({blk.pe, {}, 0, 0, {}});
      p = t->pes.end() - 1;
    }
    p->blocks.push_back(&blk);
    p->outputs += uint64_t(blk.outputs);
    if (p->slices.insert({blk.group_first, blk.row_block}).second) p->rows += uint64_t(blk.rows_driven);
    if (tile_slices[size_t(blk.copy)][blk.tile].insert({blk.group_first, blk.row_block}).second)
      t->rows += uint64_t(blk.rows_driven);
  }
  return plans_.emplace(layer, std::move(plan)).first->second;
}

double Controller::step_weighted(int layer, int n, int s, double t, double& ready) {
  const auto& l = run_.graph.layers[layer];
  const auto& lm = run_.mapping.layers[layer];
  const auto& hw = ctx_.hw;
  const LayerPlan& plan = plan_of(layer);
  const int act = hw.precision.activation_bits;
  const int home = lm.home_tile;
  const int src = run_.home_of(l.inputs.front());
  const int vectors = l.op == OpKind::conv ? l.out.w : 1;
  const double total_rows = double(lm.rows_per_group) * lm.groups;
  const bool partial = lm.row_blocks > 1;
  const int out_value_bits = partial ? hw.precision.partial_sum_bits : act;
  const uint64_t row_bits_in = uint64_t(l.in.w) * uint64_t(l.in.c) * uint64_t(act);
  // Duplicated layers: a row's vectors are cut into min(copies, vectors) contiguous chunks, chunk j
  // going to copy (s * chunks + j) mod copies; so copies share a row's vectors and, when there are more
  // copies than vectors, successive rows go to other copies.
  const int copies = lm.copies;
  const int chunks = std::min(copies, vectors);
  auto& delivered = delivered_[layer];  // per copy: the last input row its tiles hold, this input
  if (delivered.size() != size_t(copies) || delivered_input_[layer] != n) {
    delivered.assign(size_t(copies), -1);
    delivered_input_[layer] = n;
  }
  const int last_in = run_.last_row_needed(layer, s);
  const int first_in = run_.first_row_needed(layer, s);

  double arrived = t, next = std::numeric_limits<double>::infinity();
  for (int j = 0; j < chunks; ++j) {
    const int copy = int((int64_t(s) * chunks + j) % copies);
    const int v = vectors / chunks + (j < vectors % chunks ? 1 : 0);
    // Sliding window: consecutive outputs share kernel columns already in a PE's input register, so a
    // chunk of v outputs reads kw + (v-1)*stride input columns, not v*kw.
    const double reuse =
        l.op == OpKind::conv ? (double(l.kernel_w) + double(v - 1) * l.stride) / double(l.kernel_w) : 1.0;
    // input rows this copy does not hold yet
    const int have = std::max(delivered[size_t(copy)], first_in - 1);
    const uint64_t new_bits = uint64_t(std::max(0, last_in - have)) * row_bits_in;
    delivered[size_t(copy)] = std::max(delivered[size_t(copy)], last_in);
    for (const TilePlan& tp : plan.copies[size_t(copy)].tiles) {
      const int tile = tp.tile;
      // 1. the producer rows this tile needs arrive (over the NoC when produced elsewhere)
      double tt = t;
      if (tile != src) {
        const uint64_t bits = uint64_t(double(new_bits) * std::min(1.0, double(tp.rows) / total_rows));
        tt = transfer(src, tile, layer, bits, tt);
        tt = op(tile, Unit::buffer, OpCode::write, layer, bits, tt);
      }
      // 2. buffer -> bus -> PE input registers (streamed: the slower of the two)
      const uint64_t fetch = uint64_t(double(tp.rows) * act * reuse);
      const double fetched = std::max(op(tile, Unit::buffer, OpCode::read, layer, fetch, tt),
                                      op(tile, Unit::bus, OpCode::move, layer, fetch, tt));
      next = std::min(next, fetched);
      // 3. every PE of this copy on this tile runs its crossbars
      double computed = fetched;
      uint64_t outputs = 0;
      for (const PePlan& pp : tp.pes) {
        hw::OpExt e;
        e.op = OpCode::mvm;
        e.layer = layer;
        e.vectors = v;
        e.phases = hw.input_phases();
        e.count = uint64_t(double(pp.rows) * act * reuse);
        e.blocks = &pp.blocks;
        computed = std::max(computed, hw::call(port, e, fetched, hw::now_ns(),
                                               uint64_t(tile) * kStride + Unit::pe0 + uint64_t(pp.pe)));
        outputs += pp.outputs;
      }
      // 4. results go to the home tile: over the bus, or the NoC from another tile
      const uint64_t out_bits = outputs * uint64_t(v) * uint64_t(out_value_bits);
      const double at_home = tile == home ? op(tile, Unit::bus, OpCode::move, layer, out_bits, computed)
                                          : transfer(tile, home, layer, out_bits, computed);
      arrived = std::max(arrived, at_home);
    }
  }
  // 5. at home: add partial sums of row splits, apply a fused activation, write the output row
  const uint64_t values = uint64_t(l.out.c) * uint64_t(vectors);
  double h = arrived;
  if (partial) h = op(home, Unit::accumulate, OpCode::compute, layer, uint64_t(lm.row_blocks - 1) * values, h);
  if (lm.fused_activation >= 0) h = op(home, Unit::activation, OpCode::compute, layer, values, h);
  h = op(home, Unit::out_reg, OpCode::move, layer, values * act, h);
  ready = op(home, Unit::buffer, OpCode::write, layer, values * act, h);
  return next;
}

double Controller::step_digital(int layer, int n, int s, double t, double& ready) {
  (void)n;
  const auto& l = run_.graph.layers[layer];
  const auto& lm = run_.mapping.layers[layer];
  const int act = ctx_.hw.precision.activation_bits;
  const int home = lm.home_tile;
  if (l.op == OpKind::zero) {  // DARTS `none`: nothing is computed, stored or moved
    ready = t;
    return t;
  }
  // addressing, not data movement: concatenation, identity, padding, cropping, flattening
  const bool zero_copy = l.op == OpKind::concat || l.op == OpKind::identity || l.op == OpKind::pad ||
                         l.op == OpKind::slice || l.op == OpKind::flatten;
  // inputs produced on other tiles come over the NoC into this tile's buffer
  double arrived = t;
  uint64_t read_bits = 0;
  for (int p : l.inputs) {
    const auto& pl = run_.graph.layers[p];
    const int last = std::min(run_.last_row_needed(layer, s), pl.out.h - 1);
    const int before = s == 0 ? -1 : std::min(run_.last_row_needed(layer, s - 1), pl.out.h - 1);
    const uint64_t bits = uint64_t(std::max(0, last - before)) * uint64_t(pl.out.w) *
                          uint64_t(pl.out.c) * uint64_t(act);
    read_bits += bits;
    const int src = run_.home_of(p);
    if (src != home) {
      double a = transfer(src, home, layer, bits, t);
      a = op(home, Unit::buffer, OpCode::write, layer, bits, a);
      arrived = std::max(arrived, a);
    }
  }
  if (lm.selectors > 0) {  // a hypernetwork node: each input passes its edge's selector
    hw::OpExt e = sel_ext(layer, read_bits / uint64_t(act));
    arrived = hw::call(port, e, arrived, hw::now_ns(), selector_address(run_.mapping.chip_tiles, layer));
  }
  if (zero_copy) {  // concatenation and identity are addressing, not data movement
    ready = arrived;
    return t;
  }
  const double fetched = op(home, Unit::buffer, OpCode::read, layer, read_bits, arrived);
  const uint64_t values = uint64_t(l.out.c) * uint64_t(l.out.w);
  double h = fetched;
  switch (l.op) {
    case OpKind::max_pool:
    case OpKind::avg_pool:
      h = op(home, Unit::pool, OpCode::compute, layer, values * uint64_t(l.kernel_h) * uint64_t(l.kernel_w), h);
      break;
    case OpKind::global_avg_pool:
      h = op(home, Unit::pool, OpCode::compute, layer, uint64_t(l.in.elements()), h);
      break;
    case OpKind::relu:
    case OpKind::hardswish:
    case OpKind::hardsigmoid:
    case OpKind::sigmoid:
      h = op(home, Unit::activation, OpCode::compute, layer, values, h);
      break;
    case OpKind::mul:  // one multiply per element (the accumulate unit's datapath)
      h = op(home, Unit::accumulate, OpCode::compute, layer, values, h);
      if (lm.fused_activation >= 0) h = op(home, Unit::activation, OpCode::compute, layer, values, h);
      break;
    case OpKind::scale_shift:  // a multiply and an add per element
      h = op(home, Unit::accumulate, OpCode::compute, layer, 2 * values, h);
      break;
    case OpKind::add:
      h = op(home, Unit::accumulate, OpCode::compute, layer, uint64_t(l.inputs.size() - 1) * values, h);
      if (lm.fused_activation >= 0) h = op(home, Unit::activation, OpCode::compute, layer, values, h);
      break;
    default:
      break;
  }
  ready = op(home, Unit::buffer, OpCode::write, layer, values * uint64_t(act), h);
  return fetched;
}

}  // namespace cimsim::tiles
