#include "sim/simulate.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <systemc>

#include "tiles/chip.hpp"

namespace cimsim::sim {

using models::Action;

std::vector<std::vector<std::pair<double, double>>> buffer_occupancy(
    const workloads::Graph& graph, const mapper::Mapping& mapping, const tiles::RunState& run,
    int activation_bits) {
  std::vector<std::vector<std::pair<double, double>>> events(mapping.chip_tiles);
  for (int p : run.order) {
    const auto& pl = graph.layers[p];
    const auto& prog = run.progress[p];
    const double bits = double(pl.out.c) * pl.out.w * activation_bits;
    const int home = mapping.layers[p].home_tile;
    for (size_t i = 0; i < prog.ready_ns.size(); ++i) {
      const int n = int(i) / prog.rows, r = int(i) % prog.rows;
      double free_at = run.done_ns[n];
      if (!run.consumers[p].empty()) {
        free_at = prog.ready_ns[i];
        for (int c : run.consumers[p]) {
          const auto& cp = run.progress[c];
          // the last step of c (for input n) whose window still starts at or before row r
          for (int s = cp.rows - 1; s >= 0; --s) {
            const size_t k = size_t(n) * cp.rows + size_t(s);
            if (k < cp.first_input_row.size() && cp.first_input_row[k] <= r) {
              free_at = std::max(free_at, cp.step_end_ns[k]);
              break;
            }
          }
        }
      }
      events[home].push_back({prog.ready_ns[i], bits});
      events[home].push_back({free_at, -bits});
    }
  }
  for (auto& e : events) {
    std::sort(e.begin(), e.end());
    double level = 0;
    for (auto& [t, d] : e) d = (level += d);  // running level after each change
  }
  return events;
}

RunResult simulate(const workloads::Graph& graph, const models::HardwareSpec& hw,
                   const mapper::Mapping& mapping, const tiles::RunOptions& options,
                   TraceData* trace) {
  const auto wall0 = std::chrono::steady_clock::now();
  hw::Stats stats(int(graph.layers.size()));
  hw::Context ctx{hw, stats, trace ? &trace->log : nullptr};
  tiles::RunState run(graph, mapping, options);
  const auto work = mapper::work_lists(mapping, graph);
  // Modules live until the process ends: SystemC keeps pointers to them in its kernel.
  auto* chip = new tiles::Chip("chip", ctx, run, work);
  sc_core::sc_start();
  for (int n = 0; n < options.inputs; ++n)
    if (run.sinks_done[n] < int(run.sinks.size()))
      throw std::logic_error("simulation stalled before input " + std::to_string(n) +
                             " completed (a model bug: please report it)");

  RunResult r;
  r.network = graph.name;
  r.hardware = hw.name;
  r.layers = int(graph.layers.size()) - 1;  // the input is not a layer
  r.weights = graph.weights();
  r.macs = graph.macs();
  r.options = options;
  r.clock_ghz = hw.technology.clock_ghz;
  r.done_ns = run.done_ns;
  r.latency_ns = run.done_ns.front();
  r.total_ns = *std::max_element(run.done_ns.begin(), run.done_ns.end());
  r.throughput_per_s = options.inputs > 1
                           ? double(options.inputs - 1) / ((r.total_ns - r.latency_ns) * 1e-9)
                           : 1.0 / (r.latency_ns * 1e-9);
  r.counts = stats.total();
  r.chip_tiles = mapping.chip_tiles;
  r.deployment = mapping.deployment;
  r.mapping_mode = mapping.mode;
  r.budget = mapping.budget;
  r.shared_crossbars = mapping.shared_crossbars;
  r.energy = models::energy(hw, r.counts, mapping.chip_tiles, r.total_ns, mapping.selectors);
  r.energy_per_inference_pj = r.energy.total_pj / options.inputs;
  r.power_mw = r.energy.total_pj / r.total_ns;  // pJ/ns = mW
  r.peak_power = models::peak_power(hw, mapping.chip_tiles, mapping.selectors);
  r.area = models::area(hw, mapping.chip_tiles, mapping.selectors);
  r.leakage_mw = models::leakage_mw(hw, mapping.chip_tiles, mapping.selectors);
  r.tiles_used = mapping.tiles_used;
  r.crossbars_used = mapping.crossbars_used;
  r.crossbars_total = mapping.budget > 0 ? mapping.budget : mapping.chip_tiles * hw.crossbars_per_tile();
  r.crossbar_utilization = mapping.crossbar_utilization(hw);
  r.chip_utilization = mapping.chip_utilization(hw);
  // every layer, the input too (its row is the image arriving from off-chip): the rows' energies sum
  // to the dynamic energy of the run
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& l = graph.layers[i];
    const auto& lm = mapping.layers[i];
    LayerResult lr;
    lr.name = l.name;
    lr.op = workloads::op_name(l.op);
    const auto& prog = run.progress[run.source_of(int(i))];
    lr.start_ns = prog.start_ns;
    lr.end_ns = prog.end_ns;
    lr.counts = stats.layer(int(i));
    for (int a = 0; a < models::kActions; ++a)
      lr.energy_pj += models::dynamic_energy_pj(hw, Action(a), lr.counts[a]);
    lr.crossbars = lm.crossbars();
    lr.weights = l.weights();
    lr.macs = l.macs();
    lr.home_tile = lm.home_tile;
    lr.tiles = int(lm.tiles.size());
    if (lm.fused_into >= 0) lr.fused_into = graph.layers[lm.fused_into].name;
    r.layer_results.push_back(lr);
  }
  r.buffer_capacity_bits = hw.tile.buffer.size_kib * 1024 * 8;
  auto occupancy = buffer_occupancy(graph, mapping, run, hw.precision.activation_bits);
  for (const auto& tile_events : occupancy)
    for (const auto& [t, level] : tile_events) r.peak_buffer_bits = std::max(r.peak_buffer_bits, level);
  if (trace) trace->occupancy = std::move(occupancy);
  r.busiest = chip->busy_times();
  std::sort(r.busiest.begin(), r.busiest.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (r.busiest.size() > 8) r.busiest.resize(8);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

}  // namespace cimsim::sim
