#include "sim/report.hpp"

#include "common/text.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace cimsim::sim {

using nlohmann::json;

namespace {
double cycles(const RunResult& r, double ns) { return ns * r.clock_ghz; }
const char* dataflow_name(tiles::Dataflow d) {
  return d == tiles::Dataflow::pipelined ? "pipelined" : "layer_by_layer";
}
}  // namespace

json to_json(const RunResult& r) {
  json j;
  j["workload"] = {{"name", r.network}, {"layers", r.layers}, {"weights", r.weights}, {"macs", r.macs}};
  j["hardware"] = r.hardware;
  j["mode"] = r.mode;  // which evaluator made the numbers: systemc or analytical (docs/analytical.md)
  j["deployment"] = r.deployment;
  j["mapping"] = {{"mode", r.mapping_mode}, {"budget", r.budget > 0 ? json(r.budget) : json(nullptr)},
                  {"shared_crossbars", r.shared_crossbars}};
  j["dataflow"] = dataflow_name(r.options.dataflow);
  j["inputs"] = r.options.inputs;
  j["latency"] = {{"cycles", cycles(r, r.latency_ns)}, {"ns", r.latency_ns}};
  j["run"] = {{"cycles", cycles(r, r.total_ns)}, {"ns", r.total_ns}};
  j["throughput_per_s"] = r.throughput_per_s;
  j["done_ns"] = r.done_ns;  // completion of each input of the stream
  json eb = json::object();
  for (const auto& [k, v] : r.energy.breakdown_pj) eb[k] = v / r.options.inputs;
  j["energy_pj"] = {{"total", r.energy_per_inference_pj},
                    {"dynamic", r.energy.dynamic_pj / r.options.inputs},
                    {"leakage", r.energy.leakage_pj / r.options.inputs},
                    {"breakdown", eb},
                    {"per_inference", true}};
  j["power_mw"] = r.power_mw;
  j["peak_power_mw"] = r.peak_power.total_mw;
  j["peak_power_breakdown_mw"] = r.peak_power.breakdown_mw;
  j["leakage_mw"] = r.leakage_mw;
  const char* gating[] = {"none", "idle_tiles", "unselected"};
  j["power_gating"] = {{"mode", gating[int(r.power_gating)]},
                       {"tiles_on", r.powered_tiles},      // tiles that leak
                       {"pes_on", r.powered_pes},          // PEs that leak
                       {"tiles_busy", r.activity.tiles_on},  // tiles holding the run's work
                       {"pes_busy", r.activity.pes_on},      // PEs holding crossbar blocks it reads
                       {"gated_leakage_pj", r.energy.gated_pj / r.options.inputs}};
  const auto eff = [](const models::Efficiency& e) {
    return json{{"tops", e.tops}, {"tops_per_w", e.tops_per_w}, {"tops_per_mm2", e.tops_per_mm2}};
  };
  j["efficiency"] = {{"achieved", eff(r.achieved_efficiency)}, {"peak", eff(r.peak_efficiency)},
                     {"ops_per_mac", 2}};
  {
    json units = json::object();
    for (const auto& u : r.digital_units)
      units[u.name] = {{"count", u.count}, {"ops_per_cycle", u.ops_per_cycle}, {"ops_per_ns", u.ops_per_ns},
                       {"keeps_up", u.ops_per_ns >= r.digital_demand_per_ns * (1 - 1e-9)}, {"source", u.source}};
    j["provisioning"] = {
        {"digital", r.digital_auto ? "auto" : "given"},
        {"crossbar_values_per_ns_per_tile", r.digital_demand_per_ns},
        {"assumption", "a tile's crossbars at their full rate make crossbars x outputs per crossbar values per "
                       "vector time; each value needs at most one add, one activation and one pooling op there"},
        {"units_per_tile", units}};
    if (r.activation_macs > 0)
      j["provisioning"]["attention_products"] = {
          {"macs_per_inference", r.activation_macs},
          {"unit", r.matrix_engines > 0 ? "matrix" : "accumulate"},
          {"matrix_engines_per_tile", r.matrix_engines},
          {"macs_per_cycle_per_engine", r.matrix_engines > 0 ? r.matrix_lanes : 0},
          {"rule", "products of two activations run on the tile's matrix engines (tile.matrix); with none, on "
                   "its accumulate units, one MAC per op"}};
    if (r.operand_writes.on) {  // tile.matrix.mode: crossbar
      const auto& w = r.operand_writes;
      auto& a = j["provisioning"]["attention_products"];
      a["unit"] = "crossbar";
      a["rule"] = "the second operand of each product (K^T, V) is written into spare crossbars every inference, "
                  "one write pulse per row; each row of the first operand is an MVM through them; one set of "
                  "spare crossbars serves the products in turn";
      a["crossbars"] = {{"tile", w.tile},
                        {"needed", w.crossbars_needed},
                        {"spare", w.spare_crossbars},
                        {"cells_written_per_inference", w.cells_written},
                        {"write_energy_pj_per_inference", w.write_energy_pj},
                        {"write_ns_per_inference", w.write_ns},
                        {"cell_write_energy_fj", w.cell_write_energy_fj},
                        {"cell_write_basis", w.cell_write_basis},
                        {"endurance_cycles", w.endurance_cycles},
                        {"writes_per_cell_per_inference", w.writes_per_cell},
                        {"lifetime_inferences", w.lifetime_inferences},
                        {"leveled_writes_per_cell_per_inference", w.leveled_writes_per_cell},
                        {"leveled_lifetime_inferences", w.leveled_lifetime_inferences}};
    }
  }
  j["adc"] = {{"bits", r.adc_bits}, {"lossless_bits", r.adc_lossless_bits},
              {"lossy", r.adc_bits < r.adc_lossless_bits}};
  j["pinned"] = r.pinned;
  json costs = json::object();
  for (const auto& [k, c] : r.costs) {
    json cj = {{"energy_pj", c.energy_pj}, {"leakage_mw", c.leakage_mw}, {"area_um2", c.area_um2}};
    json src = json::object();
    for (const char* f : {"energy_pj", "leakage_mw", "area_um2"}) {
      const auto it = r.cost_sources.find(k + "." + f);
      if (it != r.cost_sources.end()) src[f] = it->second;
    }
    cj["source"] = src;
    costs[k] = cj;
  }
  j["costs"] = costs;  // per instance; energy per action (docs/cost-model.md)
  j["area_mm2"] = {{"total", r.area.total_mm2}, {"breakdown", r.area.breakdown_mm2}};
  j["utilization"] = {{"crossbar_cells", r.crossbar_utilization},
                      {"chip_cells", r.chip_utilization},
                      {"crossbars_used", r.crossbars_used},
                      {"crossbars_total", r.crossbars_total},
                      {"tiles_used", r.tiles_used},
                      {"chip_tiles", r.chip_tiles}};
  json streamed = json::array();
  for (const auto& l : r.layer_results)
    if (l.streamed) streamed.push_back(l.name);
  j["buffer"] = {{"peak_occupancy_bits", r.peak_buffer_bits},
                 {"capacity_bits", r.buffer_capacity_bits},
                 {"largest_window_reservation_bits", r.window_bits},
                 {"streamed_windows", streamed},
                 {"spilled_rows", r.spilled_rows},
                 {"spilled_bits", r.spilled_bits},
                 {"spill_read_bits", r.spill_read_bits},
                 {"input_rows_left_off_chip", r.input_rows_left_off_chip},
                 {"input_fetch_bits", r.input_fetch_bits},
                 {"stall_ns", r.stall_ns},
                 {"model", "each tile buffer holds the input windows of the layers that run on it (reserved for the "
                           "run; a window that does not fit is streamed) and output rows until every consumer has "
                           "pulled them; a row that finds no room goes off-chip; a producer stalls until its "
                           "single-input consumers have room (docs/architecture.md, Buffers)"}};
  j["resource_wait_ns"] = r.resource_wait_ns;  // contention: time requests waited for busy resources
  if (r.mode == "analytical")
    j["analytical"] = {{"period_ns", r.analytical.period_ns},
                       {"busiest", r.analytical.busiest},
                       {"busiest_per_inference_ns", r.analytical.busiest_per_inference_ns},
                       {"model", "the SystemC run's transactions replayed without an event kernel in the order "
                                 "its threads execute them, every resource booked in a calendar; backpressure "
                                 "and spills decided by the controller's room tests as the replay reaches them "
                                 "(docs/analytical.md)"}};
  json busiest = json::array();
  for (const auto& [name, ns] : r.busiest)
    busiest.push_back({{"resource", name}, {"busy_ns", ns}, {"busy_fraction", ns / r.total_ns}});
  j["busiest"] = busiest;
  json counts = json::object();
  for (int a = 0; a < models::kActions; ++a) counts[models::action_name(models::Action(a))] = r.counts[a];
  j["counts"] = counts;
  json layers = json::array();
  for (const auto& l : r.layer_results) {
    json lj = {{"name", l.name},
               {"op", l.op},
               {"start_cycle", cycles(r, l.start_ns)},
               {"end_cycle", cycles(r, l.end_ns)},
               {"energy_pj", l.energy_pj / r.options.inputs},
               {"crossbars", l.crossbars},
               {"weights", l.weights},
               {"macs", l.macs},
               {"home_tile", l.home_tile},
               {"tiles", l.tiles}};
    if (!l.fused_into.empty()) lj["fused_into"] = l.fused_into;
    lj["stall_cycles"] = cycles(r, l.stall_ns);
    lj["spilled_rows"] = l.spilled_rows;
    if (l.streamed) lj["window_streamed"] = true;
    if (!l.binding.empty()) {
      const double span = l.end_ns - l.start_ns;
      lj["binding"] = {{"resource", l.binding},
                       {"busy_ns", l.binding_busy_ns},
                       {"busy_fraction_of_span", span > 0 ? l.binding_busy_ns / span : 0.0}};
    }
    layers.push_back(lj);
  }
  j["layers"] = layers;
  return j;
}

std::string json_text(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

std::string layers_csv(const RunResult& r) {
  std::ostringstream os;
  os << std::setprecision(10);
  os << "name,op,start_cycle,end_cycle,energy_pj,crossbars,weights,macs,home_tile,tiles,fused_into";
  for (int a = 0; a < models::kActions; ++a) os << ',' << models::action_name(models::Action(a));
  os << '\n';
  for (const auto& l : r.layer_results) {
    os << l.name << ',' << l.op << ',' << cycles(r, l.start_ns) << ',' << cycles(r, l.end_ns) << ','
       << l.energy_pj / r.options.inputs << ',' << l.crossbars << ',' << l.weights << ',' << l.macs
       << ',' << l.home_tile << ',' << l.tiles << ',' << l.fused_into;
    for (int a = 0; a < models::kActions; ++a) os << ',' << l.counts[a];
    os << '\n';
  }
  return os.str();
}

std::string components_csv(const RunResult& r) {
  std::ostringstream os;
  os << std::setprecision(10) << "component,energy_pj,area_mm2,peak_power_mw\n";
  for (const auto& [k, v] : r.energy.breakdown_pj) {
    const auto a = r.area.breakdown_mm2.find(k);
    const auto p = r.peak_power.breakdown_mw.find(k);
    os << k << ',' << v / r.options.inputs << ',' << (a == r.area.breakdown_mm2.end() ? 0.0 : a->second)
       << ',' << (p == r.peak_power.breakdown_mw.end() ? 0.0 : p->second) << '\n';
  }
  os << "total," << r.energy_per_inference_pj << ',' << r.area.total_mm2 << ','
     << r.peak_power.total_mw << '\n';
  return os.str();
}

namespace {
// v in the base unit, with the SI prefix that puts it in [1, 1000): "36.089 uJ", "0 J" (an exact zero is
// written as such, not as "0.000 J").
std::string si(double v, const char* unit) {
  static const char* prefixes[] = {"a", "f", "p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
  constexpr int base = 6, top = 11;
  if (v == 0) return std::string("0 ") + unit;
  int p = base;
  double x = v;
  while (std::abs(x) >= 1000 && p < top) { x /= 1000; ++p; }
  while (std::abs(x) < 1 && p > 0) { x *= 1000; --p; }
  std::ostringstream os;
  os << std::fixed << std::setprecision(3) << x << ' ' << prefixes[p] << unit;
  return os.str();
}
using common::count_of;
}  // namespace

void print_table(std::ostream& os, const RunResult& r) {
  const double e = r.energy_per_inference_pj;
  os << "cimsim: " << r.network << " on " << r.hardware << " (" << dataflow_name(r.options.dataflow)
     << ", " << count_of(r.options.inputs, "input") << ", " << r.deployment << " deployment"
     << (r.mode == "analytical" ? ", analytical" : "") << ")\n";
  os << "  workload     " << count_of(r.layers, "layer") << ", " << count_of(r.weights, "weight") << ", "
     << count_of(r.macs, "MAC") << "\n";
  os << "  chip         " << count_of(r.chip_tiles, "tile") << " (" << r.tiles_used << " used), " << r.crossbars_used
     << " of " << count_of(r.crossbars_total, "crossbar") << " used"
     << (r.operand_writes.on ? " by weights (+ " + std::to_string(r.operand_writes.crossbars_needed) +
                                   " spare written at run time: attention)"
                             : std::string())
     << ", crossbar cell utilization "
     << std::setprecision(1) << std::fixed << 100 * r.crossbar_utilization << " %\n";
  os << std::defaultfloat << std::setprecision(6);
  os << "  latency      " << std::fixed << std::setprecision(0) << cycles(r, r.latency_ns) << " cycles = "
     << si(r.latency_ns * 1e-9, "s") << "\n";
  os << "  throughput   " << std::setprecision(1) << r.throughput_per_s << " inferences/s\n";
  os << "  energy       " << si(e * 1e-12, "J") << " per inference\n";
  os << "  power        " << si(r.power_mw * 1e-3, "W") << " average, " << si(r.peak_power.total_mw * 1e-3, "W")
     << " peak (every unit busy)\n";
  os << "  area         " << std::setprecision(3) << r.area.total_mm2 << " mm2\n";
  const auto& ach = r.achieved_efficiency;
  const auto& pk = r.peak_efficiency;
  os << std::setprecision(3) << "  efficiency   " << ach.tops_per_w << " TOPS/W (peak " << pk.tops_per_w << "), "
     << ach.tops << " TOPS (peak " << pk.tops << "), " << ach.tops_per_mm2 << " TOPS/mm2 (peak " << pk.tops_per_mm2
     << ")\n";
  os << "  leakage      " << si(r.energy.leakage_pj / r.options.inputs * 1e-12, "J") << " per inference";
  if (r.power_gating != models::PowerGating::none)
    os << ", " << si(r.energy.gated_pj / r.options.inputs * 1e-12, "J") << " saved by power gating";
  os << "\n" << std::defaultfloat;
  if (!r.digital_units.empty()) {  // provisioning: units per tile against what the crossbars make
    os << "  digital      " << (r.digital_auto ? "auto: " : "given: ");
    for (size_t i = 0; i < r.digital_units.size(); ++i) {
      const auto& u = r.digital_units[i];
      os << (i ? ", " : "") << u.count << " " << u.name << " x " << u.ops_per_cycle << " lanes"
         << (u.ops_per_ns < r.digital_demand_per_ns * (1 - 1e-9) ? " (slower than the crossbars)" : "");
    }
    os << " per tile; its crossbars make " << std::setprecision(3) << r.digital_demand_per_ns
       << " values/ns at full rate\n" << std::defaultfloat;
  }
  if (r.activation_macs > 0) {
    os << "  attention    " << r.activation_macs
       << " MACs of two activations per inference on ";
    if (r.operand_writes.on) {
      const auto& w = r.operand_writes;
      os << "spare crossbars (" << w.crossbars_needed << " of " << w.spare_crossbars << " spare, tile " << w.tile
         << "): " << w.cells_written << " cells written per inference, " << std::setprecision(4)
         << w.write_energy_pj * 1e-6 << " uJ, " << w.write_ns * 1e-3 << " us; " << w.writes_per_cell
         << " writes per cell per inference, endurance " << w.endurance_cycles << " lasts "
         << w.lifetime_inferences << " inferences\n" << std::defaultfloat;
    } else if (r.matrix_engines > 0)
      os << r.matrix_engines << " matrix engine(s) x " << r.matrix_lanes << " MAC lanes per tile\n";
    else
      os << "the accumulate units (tile.matrix.count 0: no matrix engine)\n";
  }
  for (const auto& pin : r.pinned) os << "  pinned       " << pin << "\n";
  {  // buffers: occupancy against capacity, backpressure and what did not fit
    std::vector<std::string> streamed;
    for (const auto& l : r.layer_results)
      if (l.streamed) streamed.push_back(common::printable(l.name, 40));
    os << "  buffers      peak " << std::fixed << std::setprecision(1) << r.peak_buffer_bits / 8192 << " of "
       << r.buffer_capacity_bits / 8192 << " KiB per tile; stalls " << std::setprecision(3)
       << r.stall_ns * r.clock_ghz / std::max(1, r.options.inputs) << " cycles per inference; spilled "
       << r.spilled_rows << " rows (" << std::setprecision(1) << r.spilled_bits / 8192 << " KiB out, "
       << r.spill_read_bits / 8192 << " KiB back)";
    if (!streamed.empty()) os << "; windows streamed: " << common::joined(streamed, 4);
    os << "\n" << std::defaultfloat;
  }
  if (r.mode == "analytical") {
    const auto& a = r.analytical;
    os << "  analytical   busiest " << common::printable(a.busiest, 60) << ", " << si(a.busiest_per_inference_ns * 1e-9, "s")
       << " per inference";
    if (r.options.inputs > 1) os << "; the stream's pace " << si(a.period_ns * 1e-9, "s");
    os << "; spills and backpressure decided as the replay goes (docs/analytical.md)\n" << std::defaultfloat;
  } else {
    os << "  contention   requests waited " << std::fixed << std::setprecision(0)
       << r.resource_wait_ns * r.clock_ghz / std::max(1, r.options.inputs)
       << " cycles per inference for busy resources (summed over resources)\n" << std::defaultfloat;
  }
  if (!r.busiest.empty()) {
    os << "  busiest      ";
    for (size_t i = 0; i < std::min<size_t>(3, r.busiest.size()); ++i)
      os << (i ? ", " : "") << r.busiest[i].first << " " << std::fixed << std::setprecision(0)
         << 100 * r.busiest[i].second / r.total_ns << " %";
    os << " of the run\n" << std::defaultfloat;
  }
  os << "\n  component             energy/inf     share     area mm2    share\n";
  for (const auto& [k, v] : r.energy.breakdown_pj) {
    const double a = r.area.breakdown_mm2.count(k) ? r.area.breakdown_mm2.at(k) : 0.0;
    os << "  " << std::left << std::setw(20) << k << std::right << std::setw(13)
       << si(v / r.options.inputs * 1e-12, "J") << std::setw(9) << std::setprecision(1) << std::fixed
       << 100 * v / r.energy.total_pj << " %" << std::setw(12) << std::setprecision(4) << a
       << std::setw(8) << std::setprecision(1) << 100 * a / r.area.total_mm2 << " %\n";
  }
  size_t w = 5;
  for (const auto& l : r.layer_results) w = std::max(w, l.name.size());
  os << "\n  " << std::left << std::setw(int(w) + 2) << "layer" << std::setw(12) << "op" << std::right
     << std::setw(12) << "start cyc" << std::setw(13) << "end cyc" << std::setw(12) << "crossbars"
     << std::setw(14) << "energy" << "  binding resource (busy % of the layer's span)" << '\n';
  for (const auto& l : r.layer_results) {
    if (!l.fused_into.empty()) continue;
    os << "  " << std::left << std::setw(int(w) + 2) << l.name << std::setw(12) << l.op << std::right
       << std::setw(12) << std::setprecision(0) << cycles(r, l.start_ns) << std::setw(13)
       << cycles(r, l.end_ns) << std::setw(12) << l.crossbars << std::setw(14)
       << si(l.energy_pj / r.options.inputs * 1e-12, "J");
    if (!l.binding.empty() && l.end_ns > l.start_ns)
      os << "  " << l.binding << " (" << std::setprecision(0) << 100 * l.binding_busy_ns / (l.end_ns - l.start_ns)
         << " %)";
    os << '\n';
  }
  os << std::defaultfloat;
}

namespace {
// Per crossbar: the layers it holds (compiled packing may put several on one).
std::map<int, std::set<int>> layers_per_crossbar(const mapper::Mapping& m) {
  std::map<int, std::set<int>> x;
  for (const auto& b : m.blocks) x[b.crossbar].insert(b.layer);
  return x;
}
struct LayerCrossbars {
  int distinct = 0, shared = 0;
};
LayerCrossbars crossbars_of(const mapper::Mapping& m, const mapper::LayerMapping& lm,
                            const std::map<int, std::set<int>>& per_xbar) {
  std::set<int> xs;
  for (int b : lm.blocks) xs.insert(m.blocks[b].crossbar);
  LayerCrossbars r;
  r.distinct = int(xs.size());
  for (int x : xs) r.shared += per_xbar.at(x).size() > 1;
  return r;
}
}  // namespace

json mapping_json(const workloads::Graph& g, const models::HardwareSpec& hw, const mapper::Mapping& m) {
  json j;
  j["workload"] = {{"name", g.name}, {"layers", int(g.layers.size()) - 1}, {"weights", g.weights()},
                   {"macs", g.macs()}};
  j["hardware"] = hw.name;
  j["mapping"] = m.mode;
  j["placement"] = m.placement;
  j["deployment"] = m.deployment;
  j["crossbars"] = {{"used", m.crossbars_used},
                    {"budget", m.budget > 0 ? json(m.budget) : json(nullptr)},
                    {"chip", m.chip_tiles * hw.crossbars_per_tile()},
                    {"shared", m.shared_crossbars}};
  j["tiles"] = {{"used", m.tiles_used}, {"chip", m.chip_tiles}};
  j["duplication"] = {{"bottleneck_ns", m.bottleneck_ns},
                        {"bound_ns", m.budget > 0 ? json(m.bottleneck_bound_ns) : json(nullptr)},
                        {"gap", m.budget > 0 && m.bottleneck_bound_ns > 0 ? json(m.bottleneck_ns / m.bottleneck_bound_ns)
                                                                          : json(nullptr)}};
  j["pes_used"] = m.pes_used;
  j["cells_per_weight"] = hw.cells_per_weight();
  j["cells_programmed"] = m.cells_used;
  j["utilization"] = {{"crossbar_cells", m.crossbar_utilization(hw)}, {"chip_cells", m.chip_utilization(hw)}};
  const auto per_xbar = layers_per_crossbar(m);
  json layers = json::array();
  for (size_t i = 1; i < g.layers.size(); ++i) {
    const auto& l = g.layers[i];
    const auto& lm = m.layers[i];
    json lj = {{"name", l.name}, {"op", workloads::op_name(l.op)}, {"home_tile", lm.home_tile}};
    if (lm.weighted) {
      const auto xc = crossbars_of(m, lm, per_xbar);
      lj["rows_per_group"] = lm.rows_per_group;
      lj["outputs_per_group"] = lm.outputs_per_group;
      lj["groups"] = lm.groups;
      lj["groups_per_crossbar"] = lm.groups_per_crossbar;
      lj["row_blocks"] = lm.row_blocks;
      lj["col_blocks"] = lm.col_blocks;
      lj["copies"] = lm.copies;
      lj["blocks"] = lm.crossbars();
      lj["crossbars"] = xc.distinct;
      lj["shared_crossbars"] = xc.shared;
      lj["tiles"] = lm.tiles;
    }
    if (lm.fused_into >= 0) lj["fused_into"] = g.layers[lm.fused_into].name;
    layers.push_back(lj);
  }
  j["layers"] = layers;
  json shared = json::array();
  for (const auto& [x, ls] : per_xbar) {
    if (ls.size() < 2) continue;
    json blocks = json::array();
    for (const auto& b : m.blocks)
      if (b.crossbar == x)
        blocks.push_back({{"layer", g.layers[b.layer].name}, {"copy", b.copy}, {"row", b.row_offset},
                          {"col", b.col_offset}, {"rows", b.rows_used}, {"cols", b.cols_used}});
    const auto& any = *std::find_if(m.blocks.begin(), m.blocks.end(), [x = x](const auto& b) { return b.crossbar == x; });
    shared.push_back({{"crossbar", x}, {"tile", any.tile}, {"pe", any.pe}, {"xbar", any.xbar}, {"blocks", blocks}});
  }
  j["shared_crossbars"] = shared;
  return j;
}

void print_mapping(std::ostream& os, const workloads::Graph& g, const models::HardwareSpec& hw,
                   const mapper::Mapping& m) {
  os << "cimsim map: " << g.name << " on " << hw.name << " (" << m.mode << " mapping";
  if (m.budget > 0) os << ", budget " << m.budget << " crossbars";
  if (m.placement != "packed") os << ", " << m.placement << " placement";
  os << "): " << m.crossbars_used << " crossbars (" << m.shared_crossbars << " shared) on " << m.pes_used
     << " PEs, " << m.tiles_used << " of " << m.chip_tiles << " tiles; " << hw.cells_per_weight()
     << " cells per weight; crossbar cell utilization " << std::fixed << std::setprecision(1)
     << 100 * m.crossbar_utilization(hw) << " %" << (m.budget > 0 ? " of the budget" : " of the crossbars used")
     << ", chip " << 100 * m.chip_utilization(hw) << " %\n\n";
  size_t w = 5;
  for (const auto& l : g.layers) w = std::max(w, l.name.size());
  os << "  " << std::left << std::setw(int(w) + 2) << "layer" << std::setw(8) << "op" << std::right
     << "  rows/grp  outs/grp  groups  row x col blk  copies  crossbars  shared  tiles\n";
  const auto per_xbar = layers_per_crossbar(m);
  for (size_t i = 1; i < g.layers.size(); ++i) {
    const auto& l = g.layers[i];
    const auto& lm = m.layers[i];
    if (!lm.weighted) continue;
    const auto xc = crossbars_of(m, lm, per_xbar);
    std::ostringstream blk;
    blk << lm.row_blocks << " x " << lm.col_blocks;
    if (lm.groups_per_crossbar > 1) blk << " (" << lm.groups_per_crossbar << "/xb)";
    os << "  " << std::left << std::setw(int(w) + 2) << l.name << std::setw(8) << workloads::op_name(l.op)
       << std::right << std::setw(10) << lm.rows_per_group << std::setw(10) << lm.outputs_per_group
       << std::setw(8) << lm.groups << std::setw(15) << blk.str() << std::setw(8) << lm.copies << std::setw(11)
       << xc.distinct << std::setw(8) << xc.shared << "  " << lm.tiles.front() << ".." << lm.tiles.back() << '\n';
  }
  os << std::defaultfloat;
}

}  // namespace cimsim::sim
