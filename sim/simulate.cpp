#include "sim/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <systemc>
#include <tuple>
#include <utility>

#include "common/text.hpp"
#include "models/components.hpp"
#include "models/limits.hpp"
#include "mapper/operand_crossbars.hpp"
#include "tiles/chip.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace cimsim::sim {

using models::Action;
namespace limits = models::limits;

namespace {

// SystemC's QuickThreads switch stacks without telling AddressSanitizer, and after sc_start() ASan no
// longer knows the main thread's stack bounds: an exception thrown later is not allowed to clear the
// redzones of the frames it unwinds ("ASan is ignoring requested __asan_handle_no_return",
// google/sanitizers#189), and the next calls into that memory are reported as overflows that are not. Telling
// ASan, through its fiber interface, that this thread is back on its own stack restores the bounds. A no-op
// without ASan.
#if defined(__SANITIZE_ADDRESS__)
void back_on_the_main_stack() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  const bool known = pthread_attr_getstack(&attr, &bottom, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!known) return;
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
}
#else
void back_on_the_main_stack() {}
#endif


std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// A simulated time for messages: "12.5 ms".
std::string time_text(double ns) {
  if (!std::isfinite(ns)) return "an unbounded time";
  if (ns >= 1e9) return num(ns * 1e-9) + " s";
  if (ns >= 1e6) return num(ns * 1e-6) + " ms";
  if (ns >= 1e3) return num(ns * 1e-3) + " us";
  return num(ns) + " ns";
}

std::string layer_text(const workloads::Graph& graph, const tiles::DataflowPlan& run, int layer) {
  return "'" + common::printable(graph.layers[size_t(layer)].name, 80) + "' (tile " +
         std::to_string(run.home_of(layer)) + ")";
}

}  // namespace

RunSize estimate_run(const workloads::Graph& graph, const models::HardwareSpec& hw,
                     const mapper::Mapping& mapping, int inputs) {
  RunSize s;
  std::set<std::pair<int, int>> all_pes;
  double per_input = 0.0;
  for (size_t i = 0; i < graph.layers.size() && i < mapping.layers.size(); ++i) {
    const auto& lm = mapping.layers[i];
    if (lm.fused_into >= 0) continue;
    std::set<std::pair<int, int>> pes;
    for (int b : lm.blocks) pes.insert({mapping.blocks[size_t(b)].tile, mapping.blocks[size_t(b)].pe});
    all_pes.insert(pes.begin(), pes.end());
    // a step drives min(copies, vectors) of the layer's copies, each with its share of PEs and blocks
    const auto& l = graph.layers[i];
    const double copies = std::max(1, lm.copies);
    const double vectors = l.op == workloads::OpKind::conv ? std::max(1, l.out.w) : 1;
    const double share = std::min(copies, vectors) / copies;
    per_input += double(std::max(1, l.out.h)) * (1.0 + share * double(pes.size() + lm.blocks.size()));
  }
  s.step_work = per_input * double(std::max(1, inputs));
  s.elaborated_crossbars = double(all_pes.size()) * hw.pe.crossbars;
  return s;
}

std::string stall_message(const workloads::Graph& graph, const tiles::RunState& run, double now_ns,
                          std::size_t max_items) {
  std::vector<std::string> waiting;
  for (int l : run.order) {
    const auto& p = run.progress[size_t(l)];
    const size_t rows = size_t(std::max(1, p.rows));
    if (p.ready_ns.size() >= rows * size_t(run.options.inputs)) continue;
    const size_t k = p.ready_ns.size();
    waiting.push_back(layer_text(graph, run, l) + " at row " + std::to_string(k % rows) + " of input " +
                      std::to_string(k / rows));
  }
  std::vector<std::string> unfinished;
  for (size_t n = 0; n < run.sinks_done.size(); ++n)
    if (run.sinks_done[n] < int(run.sinks.size())) unfinished.push_back(std::to_string(n));
  return "simulation stalled at " + time_text(now_ns) + " with input(s) " + common::joined(unfinished, 8) +
         " unfinished; " + std::to_string(waiting.size()) + " layer(s) waiting: " +
         common::joined(waiting, max_items, "; ") + " (a model bug: please report it)";
}

void check_finite(const RunResult& r) {
  auto need = [](const std::string& what, double v) {
    if (!std::isfinite(v))
      throw std::logic_error("the run's result '" + what + "' is " + num(v) +
                             ", not a finite number (a model bug: please report it)");
  };
  need("latency_ns", r.latency_ns);
  need("total_ns", r.total_ns);
  need("throughput_per_s", r.throughput_per_s);
  for (size_t n = 0; n < r.done_ns.size(); ++n) need("done_ns[" + std::to_string(n) + "]", r.done_ns[n]);
  need("energy.total_pj", r.energy.total_pj);
  need("energy.dynamic_pj", r.energy.dynamic_pj);
  need("energy.leakage_pj", r.energy.leakage_pj);
  for (const auto& [k, v] : r.energy.breakdown_pj) need("energy." + k, v);
  need("energy_per_inference_pj", r.energy_per_inference_pj);
  need("power_mw", r.power_mw);
  need("peak_power_mw", r.peak_power.total_mw);
  for (const auto& [k, v] : r.peak_power.breakdown_mw) need("peak_power." + k, v);
  need("area_mm2", r.area.total_mm2);
  for (const auto& [k, v] : r.area.breakdown_mm2) need("area." + k, v);
  need("leakage_mw", r.leakage_mw);
  need("crossbar_utilization", r.crossbar_utilization);
  need("chip_utilization", r.chip_utilization);
  need("peak_buffer_bits", r.peak_buffer_bits);
  need("buffer_capacity_bits", r.buffer_capacity_bits);
  need("clock_ghz", r.clock_ghz);
  for (const auto& l : r.layer_results) {
    const std::string p = "layer '" + common::printable(l.name, 80) + "' ";
    need(p + "start_ns", l.start_ns);
    need(p + "end_ns", l.end_ns);
    need(p + "energy_pj", l.energy_pj);
  }
  for (const auto& [k, v] : r.busiest) need("busiest " + common::printable(k, 80), v);
}

std::vector<std::vector<std::pair<double, double>>> buffer_occupancy(
    const tiles::DataflowPlan& run, const std::function<const tiles::RowLedger&(int)>& ledger) {
  const size_t tiles = run.buffers.window_bits.size();
  std::vector<std::vector<std::pair<double, double>>> events(tiles);
  for (size_t t = 0; t < tiles; ++t)  // the windows are reserved from the start
    if (run.buffers.window_bits[t] > 0) events[t].push_back({0.0, run.buffers.window_bits[t]});
  for (int p : run.order) {
    if (run.graph.layers[size_t(p)].op == workloads::OpKind::constant) continue;  // in its window
    const auto& prog = ledger(p);
    for (size_t i = 0; i < prog.ready_ns.size() && i < prog.release_ns.size(); ++i) {
      // a row is held from when it is written until its last pull, unless it went off-chip
      if (prog.spilled[i] || prog.held_bits <= 0 || !(prog.release_ns[i] > prog.ready_ns[i])) continue;
      events[size_t(prog.where[i])].push_back({prog.ready_ns[i], prog.held_bits});
      events[size_t(prog.where[i])].push_back({prog.release_ns[i], -prog.held_bits});
    }
  }
  for (auto& e : events) {
    std::sort(e.begin(), e.end());  // at one time, releases before writes: a row is held over [write, release)
    double level = 0;
    for (auto& [t, d] : e) d = (level += d);  // running level after each change
  }
  return events;
}

models::Activity activity_of(const workloads::Graph& graph, const mapper::Mapping& mapping) {
  std::set<int> tiles;
  std::set<int64_t> pes;
  for (size_t i = 0; i < graph.layers.size() && i < mapping.layers.size(); ++i) {
    const auto& lm = mapping.layers[i];
    tiles.insert(lm.home_tile);
    for (int b : lm.blocks) {
      const auto& blk = mapping.blocks[size_t(b)];
      tiles.insert(blk.tile);
      pes.insert(int64_t(blk.tile) * 65536 + blk.pe);  // pe < kMaxPesPerTile = 4096
    }
  }
  models::Activity a;
  a.tiles_on = int(tiles.size());
  a.pes_on = int(pes.size());
  return a;
}

// tile.matrix.mode: crossbar: the spare crossbars the matmul layers take turns on (tiles::AttentionPool),
// refused when the chip has fewer than the largest operand needs; what the writes cost per inference.
void keep_busiest(std::vector<std::pair<std::string, double>>& busy, std::size_t count) {
  // longest first (ties by name): a partial sort, since a chip has thousands
  const auto busiest_first = [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  const auto keep = std::min<std::ptrdiff_t>(std::ptrdiff_t(count), std::ptrdiff_t(busy.size()));
  std::partial_sort(busy.begin(), busy.begin() + keep, busy.end(), busiest_first);
  busy.resize(size_t(keep));
}

void check_windows(const workloads::Graph& graph, const tiles::DataflowPlan& run) {
  for (size_t t = 0; t < run.buffers.window_bits.size(); ++t) {
    if (run.buffers.window_bits[t] <= run.buffers.capacity_bits) continue;
    auto windows = run.buffers.windows[t];
    std::sort(windows.begin(), windows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> parts;
    for (const auto& [bits, layer] : windows) parts.push_back(layer_text(graph, run, layer) + " " + num(bits / 8192) + " KiB");
    throw SimulationError("tile " + std::to_string(t) + "'s buffer (" + num(run.buffers.capacity_bits / 8192) +
                          " KiB) cannot hold the input windows of the layers that run there: " +
                          num(run.buffers.window_bits[t] / 8192) + " KiB (" + common::joined(parts, 4) +
                          "); allowed: windows within tile.buffer.size_kib (a larger buffer, or a mapping "
                          "that spreads the layers over more tiles)");
  }
}

RunResult::OperandWrites plan_operand_writes(const workloads::Graph& graph, const models::HardwareSpec& hw,
                                             const mapper::Mapping& mapping, tiles::OperandPlan& pool) {
  RunResult::OperandWrites w;
  if (hw.tile.matrix_mode != models::MatrixMode::crossbar) return w;
  int largest = -1;
  w.crossbars_needed = mapper::operand_crossbars_needed(graph, hw, &largest);
  if (w.crossbars_needed == 0) return w;
  w.spare_crossbars = mapper::spare_crossbars(mapping, hw);
  if (w.crossbars_needed > w.spare_crossbars)
    throw SimulationError("tile.matrix.mode: crossbar: layer '" + common::printable(graph.layers[size_t(largest)].name, 80) + "' writes its second operand into " +
                          std::to_string(w.crossbars_needed) + " crossbars, but chip '" + common::printable(hw.name, 80) +
                          "' has " + std::to_string(w.spare_crossbars) + " spare (" +
                          std::to_string(mapping.budget > 0 ? int64_t(mapping.budget)
                                                             : int64_t(mapping.chip_tiles) * hw.crossbars_per_tile()) +
                          (mapping.budget > 0 ? " crossbars in the --crossbars budget, " : " crossbars, ") +
                          std::to_string(mapping.crossbars_used) + " hold weights); allowed: at least " +
                          std::to_string(w.crossbars_needed) + " spare crossbars (chip.tiles: auto adds them, or "
                          "a larger chip.tiles or --crossbars)");
  w.on = pool.on = true;
  w.tile = pool.tile = mapper::spare_tile(mapping);
  const auto& dev = hw.crossbar.device;
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& l = graph.layers[i];
    if (l.op != workloads::OpKind::matmul) continue;
    const auto o = mapper::operand_crossbars(l, graph.layers[size_t(l.inputs[1])].out, hw);
    pool.layers.push_back(int(i));
    pool.operand[int(i)] = o;
    w.cells_written += o.cells;
    w.write_ns += double(o.write_rows) * dev.write_pulse_ns;
  }
  w.cell_write_energy_fj = hw.crossbar.cell_write_energy_fj;
  w.cell_write_basis = hw.crossbar.cell_write_basis;
  w.write_energy_pj = double(w.cells_written) * w.cell_write_energy_fj * 1e-3;
  w.endurance_cycles = dev.endurance_cycles;
  w.writes_per_cell = double(pool.layers.size());
  w.lifetime_inferences = dev.endurance_cycles / w.writes_per_cell;
  w.leveled_writes_per_cell =
      double(w.cells_written) / (double(w.spare_crossbars) * hw.crossbar.rows * hw.crossbar.cols);
  w.leveled_lifetime_inferences = dev.endurance_cycles / w.leveled_writes_per_cell;
  return w;
}

RunResult result_from_counts(const workloads::Graph& graph, const models::HardwareSpec& hw,
                             const mapper::Mapping& mapping, const tiles::RunOptions& options,
                             const hw::Stats& stats, const std::vector<double>& done_ns,
                             const RunResult::OperandWrites& writes) {
  RunResult r;
  r.network = graph.name;
  r.hardware = hw.name;
  r.layers = int(graph.layers.size()) - 1;  // the input is not a layer
  r.weights = graph.weights();
  r.macs = graph.macs();
  r.options = options;
  r.clock_ghz = hw.technology.clock_ghz;
  r.done_ns = done_ns;
  r.latency_ns = done_ns.front();
  r.total_ns = *std::max_element(done_ns.begin(), done_ns.end());
  r.throughput_per_s = options.inputs > 1
                           ? double(options.inputs - 1) / ((r.total_ns - r.latency_ns) * 1e-9)
                           : 1.0 / (r.latency_ns * 1e-9);
  r.counts = stats.total();
  r.chip_tiles = mapping.chip_tiles;
  r.deployment = mapping.deployment;
  r.mapping_mode = mapping.mode;
  r.budget = mapping.budget;
  r.shared_crossbars = mapping.shared_crossbars;
  r.activity = activity_of(graph, mapping);
  if (writes.on) {  // the spare crossbars attention writes and reads every inference are busy hardware
    bool counted = false;
    for (size_t i = 0; i < graph.layers.size() && i < mapping.layers.size() && !counted; ++i) {
      counted = mapping.layers[i].home_tile == writes.tile;
      for (int b : mapping.layers[i].blocks) counted = counted || mapping.blocks[size_t(b)].tile == writes.tile;
    }
    if (!counted) ++r.activity.tiles_on;
    r.activity.pes_on += int((writes.crossbars_needed + hw.pe.crossbars - 1) / hw.pe.crossbars);
  }
  r.energy = models::energy(hw, r.counts, mapping.chip_tiles, r.total_ns, mapping.selectors, r.activity);
  r.energy_per_inference_pj = r.energy.total_pj / options.inputs;
  r.power_mw = r.energy.total_pj / r.total_ns;  // pJ/ns = mW
  r.peak_power = models::peak_power(hw, mapping.chip_tiles, mapping.selectors);
  r.area = models::area(hw, mapping.chip_tiles, mapping.selectors);
  r.leakage_mw = models::leakage_mw(hw, mapping.chip_tiles, mapping.selectors, r.activity);
  r.power_gating = hw.chip.power_gating;
  {  // what leaks: the whole chip, or what the gating mode keeps on (models::powered_counts)
    const auto n = models::powered_counts(hw, mapping.chip_tiles, mapping.selectors, r.activity);
    r.powered_tiles = n[int(models::Component::buffer)];
    r.powered_pes = n[int(models::Component::pe_registers)];
  }
  r.peak_efficiency = models::peak_efficiency(hw, mapping.chip_tiles, mapping.selectors);
  r.achieved_efficiency = models::achieved_efficiency(2.0 * double(r.macs) * options.inputs, r.total_ns,
                                                      r.energy.total_pj, r.area.total_mm2);
  r.digital_auto = hw.tile.digital_auto;
  r.digital_demand_per_ns = hw.tile.digital_demand_per_ns;
  for (const auto& [name, u] : {std::pair<const char*, const models::DigitalUnitSpec*>{"pool", &hw.tile.pool},
                                {"activation", &hw.tile.activation}, {"accumulate", &hw.tile.accumulate}}) {
    RunResult::DigitalUnit d;
    d.name = name;
    d.count = u->count;
    d.ops_per_cycle = u->ops_per_cycle;
    d.ops_per_ns = double(u->count) * u->ops_per_cycle * hw.technology.clock_ghz;
    const auto src = hw.sources.find(std::string("tile.") + name + ".count");
    d.source = src == hw.sources.end() ? "" : src->second;
    r.digital_units.push_back(d);
  }
  for (const auto& l : graph.layers)
    if (l.op == workloads::OpKind::matmul) r.activation_macs += l.macs();
  r.matrix_engines = hw.tile.matrix.count;
  r.operand_writes = writes;
  r.matrix_lanes = hw.tile.matrix.ops_per_cycle;
  r.adc_bits = hw.adc.bits;
  r.adc_lossless_bits = hw.adc.lossless_bits;
  for (const auto& e : models::cost_entries()) {
    r.costs[e.key] = e.cost(hw);
    for (const char* f : {"energy_pj", "leakage_mw", "area_um2"}) {
      const auto it = hw.sources.find(std::string(e.key) + ".cost." + f);
      if (it != hw.sources.end()) r.cost_sources[std::string(e.key) + "." + f] = it->second;
    }
  }
  for (const auto& p : hw.pinned)
    r.pinned.push_back(p.knobs.empty() ? p.given + " given (its model reads no knob)"
                                       : p.given + " given: it does not follow " + common::joined(p.knobs) +
                                             ", as " + p.component + "'s model would");
  r.tiles_used = mapping.tiles_used;
  r.crossbars_used = mapping.crossbars_used;
  r.crossbars_total = mapping.budget > 0 ? int64_t(mapping.budget)
                                          : int64_t(mapping.chip_tiles) * int64_t(hw.crossbars_per_tile());
  r.crossbar_utilization = mapping.crossbar_utilization(hw);
  r.chip_utilization = mapping.chip_utilization(hw);
  // every layer, the input too (its row is the image arriving from off-chip): the rows' energies sum
  // to the dynamic energy of the run
  r.layer_results.reserve(graph.layers.size());
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& l = graph.layers[i];
    const auto& lm = mapping.layers[i];
    LayerResult lr;
    lr.name = l.name;
    lr.op = workloads::op_name(l.op);
    lr.counts = stats.layer(int(i));
    for (int a = 0; a < models::kActions; ++a)
      lr.energy_pj += models::dynamic_energy_pj(hw, Action(a), lr.counts[a]);
    lr.crossbars = lm.crossbars();
    lr.weights = l.weights();
    lr.macs = l.macs();
    lr.home_tile = lm.home_tile;
    lr.tiles = int(lm.tiles.size());
    if (lm.fused_into >= 0) lr.fused_into = graph.layers[lm.fused_into].name;
    r.layer_results.push_back(std::move(lr));
  }
  return r;
}

void fill_buffer_results(RunResult& r, const tiles::DataflowPlan& run,
                         const std::function<const tiles::RowLedger&(int)>& ledger, bool check_pulls,
                         std::vector<std::vector<std::pair<double, double>>>* occupancy) {
  const auto& graph = run.graph;
  for (int l : run.order) {
    const auto& prog = ledger(l);
    for (size_t i = 0; check_pulls && i < prog.pending.size(); ++i)
      if (prog.pending[i] != 0)
        throw std::logic_error("row " + std::to_string(i) + " of layer " + layer_text(graph, run, l) + " was pulled " +
                               std::to_string(-prog.pending[i]) + " times more than expected (a model bug)");
    auto& lr = r.layer_results[size_t(l)];
    lr.stall_ns = prog.stall_ns;
    lr.streamed = run.buffers.streamed[size_t(l)] != 0;
    lr.spilled_rows = prog.spilled_rows;
    r.stall_ns += prog.stall_ns;
    if (graph.layers[size_t(l)].op == workloads::OpKind::input) {
      r.input_rows_left_off_chip += prog.spilled_rows;
      r.input_fetch_bits += double(prog.ready_ns.size() - prog.spilled_rows + prog.spill_reads) * prog.held_bits;
      continue;
    }
    if (l == run.sinks.front()) continue;  // its spilled rows are the network's output, delivered early
    r.spilled_rows += prog.spilled_rows;
    r.spilled_bits += double(prog.spilled_rows) * prog.held_bits;
    r.spill_read_bits += double(prog.spill_reads) * prog.held_bits;
  }
  r.buffer_capacity_bits = run.buffers.capacity_bits;
  for (double w : run.buffers.window_bits) r.window_bits = std::max(r.window_bits, w);
  auto levels = buffer_occupancy(run, ledger);
  for (const auto& tile_events : levels)
    for (const auto& [t, level] : tile_events) r.peak_buffer_bits = std::max(r.peak_buffer_bits, level);
  if (check_pulls && r.peak_buffer_bits > r.buffer_capacity_bits * (1 + 1e-12))
    throw std::logic_error("a tile buffer held " + num(r.peak_buffer_bits) + " bits, more than its " +
                           num(r.buffer_capacity_bits) + " (a model bug: please report it)");
  if (occupancy) *occupancy = std::move(levels);
}

RunResult simulate(const workloads::Graph& graph, const models::HardwareSpec& hw,
                   const mapper::Mapping& mapping, const tiles::RunOptions& options,
                   TraceData* trace) {
  const auto wall0 = std::chrono::steady_clock::now();
  // the run's size is bounded before anything is elaborated
  const RunSize size = estimate_run(graph, hw, mapping, options.inputs);
  if (size.elaborated_crossbars > limits::kMaxElaboratedCrossbars)
    throw SimulationError("'" + common::printable(graph.name, 80) + "' on '" + common::printable(hw.name, 80) +
                          "' elaborates " + num(size.elaborated_crossbars) +
                          " crossbars (PEs holding work x pe.crossbars); allowed: at most " +
                          num(limits::kMaxElaboratedCrossbars) +
                          (mapping.budget > 0 ? " (use a smaller --crossbars budget)"
                                              : " (a smaller network, or larger crossbars: crossbar.rows/cols)"));
  if (size.step_work > limits::kMaxRunWork)
    throw SimulationError("run of '" + common::printable(graph.name, 80) + "' with " +
                          std::to_string(options.inputs) + " input(s) is " + num(size.step_work) +
                          " units of work (layer rows x (1 + PEs and crossbars each drives), over the stream); "
                          "allowed: at most " + num(limits::kMaxRunWork) +
                          " (use fewer --inputs: throughput is steady after a few)");
  tiles::RunOptions opt = options;
  if (!(opt.max_sim_ns > 0))  // NaN too
    throw SimulationError("the simulated-time limit is " + num(opt.max_sim_ns * 1e-6) +
                          " ms; allowed: a number of ms in (0, " + num(limits::kMaxMaxSimTimeMs) + "]");
  opt.max_sim_ns = std::min(opt.max_sim_ns, limits::kMaxMaxSimTimeMs * 1e6);
  hw::Stats stats(int(graph.layers.size()));
  hw::Context ctx{hw, stats, trace ? &trace->log : nullptr};
  tiles::RunState run(graph, mapping, opt);
  run.plan_buffers(hw.tile.buffer.size_kib * 1024.0 * 8.0, hw.precision.activation_bits);
  check_windows(graph, run);
  const RunResult::OperandWrites writes = plan_operand_writes(graph, hw, mapping, run.attention);
  const auto work_lists = mapper::work_lists(mapping, graph);
  // Modules live until the process ends: SystemC keeps pointers to them in its kernel.
  auto* chip = new tiles::Chip("chip", ctx, run, work_lists);
  sc_core::sc_start();
  back_on_the_main_stack();
  if (run.overrun.hit) {
    const auto& o = run.overrun;
    throw SimulationError("simulated time reached " + time_text(o.at_ns) + " at layer " +
                          layer_text(graph, run, o.layer) + ", row " + std::to_string(o.row) + " of input " +
                          std::to_string(o.input) + "; allowed: at most " + num(opt.max_sim_ns * 1e-6) +
                          " ms of simulated time (--max-sim-time-ms, at most " + num(limits::kMaxMaxSimTimeMs) +
                          "; check the config's rates and latencies)");
  }
  for (int n = 0; n < options.inputs; ++n)
    if (run.sinks_done[size_t(n)] < int(run.sinks.size()))
      throw std::logic_error(stall_message(graph, run, hw::now_ns()));

  // The run ends when its work does: input n is done when its outputs have left the chip and every
  // layer has finished it (a layer whose output reaches no sink, e.g. through DARTS `none` edges,
  // still runs on the chip), and no resource is busy after the run's end.
  for (int l : run.order) {
    const auto& complete = run.progress[size_t(l)].complete_ns;
    for (size_t n = 0; n < complete.size() && n < run.done_ns.size(); ++n)
      run.done_ns[n] = std::max(run.done_ns[n], complete[n]);
  }
  {
    const double last = chip->last_activity_ns();
    double& end = *std::max_element(run.done_ns.begin(), run.done_ns.end());
    end = std::max(end, last);
  }

  RunResult r = result_from_counts(graph, hw, mapping, opt, stats, run.done_ns, writes);
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& prog = run.progress[run.source_of(int(i))];
    r.layer_results[i].start_ns = prog.start_ns;
    r.layer_results[i].end_ns = prog.end_ns;
  }
  {  // each layer's binding resource: the one it kept busy longest
    const auto binding = chip->binding_resources(int(graph.layers.size()));
    for (size_t i = 0; i < r.layer_results.size() && i < binding.size(); ++i)
      std::tie(r.layer_results[i].binding, r.layer_results[i].binding_busy_ns) = binding[i];
  }
  // buffers: every row pulled as often as its consumers read it; occupancy never above capacity
  std::vector<std::vector<std::pair<double, double>>> occupancy;
  fill_buffer_results(r, run, [&run](int l) -> const tiles::RowLedger& { return run.progress[size_t(l)]; }, true,
                      &occupancy);
  if (trace) {
    trace->occupancy = std::move(occupancy);
    // backpressure: when the layers homed on a tile waited for room (one wire per tile that stalled)
    std::map<int, std::vector<hw::BusyInterval>> stalls;
    for (int l : run.order)
      for (const auto& [a, b] : run.progress[size_t(l)].stalls) stalls[mapping.layers[size_t(l)].home_tile].push_back({a, b, l});
    for (auto& [tile, list] : stalls) {
      std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.start_ns < b.start_ns; });
      auto* log = trace->log.add("tile_" + std::to_string(tile), "stall");
      for (const auto& iv : list) {
        if (!log->empty() && iv.start_ns <= log->back().end_ns) log->back().end_ns = std::max(log->back().end_ns, iv.end_ns);
        else log->push_back(iv);
      }
    }
  }
  r.busiest = chip->busy_times();
  r.resource_wait_ns = chip->waited_ns();
  for (const auto& [name, busy] : r.busiest)  // the invariant every simulation keeps
    if (busy > r.total_ns * (1 + 1e-9) + 1e-6)
      throw std::logic_error("resource " + common::printable(name, 80) + " was busy " + time_text(busy) +
                             " of a " + time_text(r.total_ns) + " run (a model bug: please report it)");
  keep_busiest(r.busiest, 8);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  check_finite(r);
  return r;
}

}  // namespace cimsim::sim
