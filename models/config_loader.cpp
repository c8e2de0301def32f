// Strict, table-driven decoding of hardware YAML (see config_loader.hpp and docs/config.md).
#include "models/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "models/builtin_configs.hpp"
#include "models/cost_model.hpp"

namespace cimsim::models {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const char* const kIsaac = "ISAAC (Shafiee et al., ISCA 2016) Table I";

// Energy per action (pJ) of a component quoted at `mw` when busy at `rate_per_s`: mW / (1/s) = 1e9 pJ.
constexpr double pj(double mw, double rate_per_s) { return mw * 1e9 / rate_per_s; }

// ISAAC's full rates (cost_model.cpp full_rate_per_s with the ISAAC defaults): one 100 ns phase per
// crossbar read; 1.28 GS/s ADCs; 1.2 GHz digital clock.
constexpr double kIsaacPhase = 1.0 / 100e-9;
constexpr double kIsaacClock = 1.2e9;

enum class Kind { integer, number, text, choice, tiles, power };

struct Key {
  std::string path;         // dotted YAML key
  std::string sources_key;  // HardwareSpec::sources key ("" for power_mw: it fills energy_pj's)
  Kind kind = Kind::number;
  double def = 0.0;      // integer / number default, choice index
  std::string def_text;  // text / tiles default
  double lo = 0.0, hi = kInf;
  bool lo_open = false;  // lo itself not allowed
  std::vector<std::string> choices;
  std::string unit, description, source;
  std::function<double&(HardwareSpec&)> num;
  std::function<int&(HardwareSpec&)> integer;
  std::function<std::string&(HardwareSpec&)> text;
  std::function<void(HardwareSpec&, int)> set_choice;
  Action action = Action::count_;  // power: action whose energy_pj it derives
};

std::string fmt(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string allowed_text(const Key& k) {
  switch (k.kind) {
    case Kind::integer:
      return std::isinf(k.hi) ? "integer >= " + fmt(k.lo)
                              : "integer in [" + fmt(k.lo) + ", " + fmt(k.hi) + "]";
    case Kind::number:
    case Kind::power: {
      std::string s = std::string("number ") + (k.lo_open ? "> " : ">= ") + fmt(k.lo);
      return std::isinf(k.hi) ? s : s + " and <= " + fmt(k.hi);
    }
    case Kind::text: return "any string";
    case Kind::choice: return join(k.choices, ", ");
    case Kind::tiles: return "auto, or [rows, cols] with integers in [1, 1024]";
  }
  return "";
}

using Keys = std::vector<Key>;

void add_int(Keys& v, const std::string& path, int def, double lo, double hi, const std::string& unit,
             const std::string& desc, const std::string& src, std::function<int&(HardwareSpec&)> f) {
  Key k;
  k.path = k.sources_key = path;
  k.kind = Kind::integer;
  k.def = def;
  k.lo = lo;
  k.hi = hi;
  k.unit = unit;
  k.description = desc;
  k.source = src;
  k.integer = std::move(f);
  v.push_back(std::move(k));
}

void add_num(Keys& v, const std::string& path, double def, double lo, bool lo_open, double hi,
             const std::string& unit, const std::string& desc, const std::string& src,
             std::function<double&(HardwareSpec&)> f) {
  Key k;
  k.path = k.sources_key = path;
  k.kind = Kind::number;
  k.def = def;
  k.lo = lo;
  k.lo_open = lo_open;
  k.hi = hi;
  k.unit = unit;
  k.description = desc;
  k.source = src;
  k.num = std::move(f);
  v.push_back(std::move(k));
}

void add_text(Keys& v, const std::string& path, const std::string& def, const std::string& desc,
              const std::string& src, std::function<std::string&(HardwareSpec&)> f) {
  Key k;
  k.path = k.sources_key = path;
  k.kind = Kind::text;
  k.def_text = def;
  k.description = desc;
  k.source = src;
  k.text = std::move(f);
  v.push_back(std::move(k));
}

void add_choice(Keys& v, const std::string& path, std::vector<std::string> choices, int def,
                const std::string& desc, const std::string& src,
                std::function<void(HardwareSpec&, int)> f) {
  Key k;
  k.path = k.sources_key = path;
  k.kind = Kind::choice;
  k.choices = std::move(choices);
  k.def = def;
  k.def_text = k.choices[def];
  k.description = desc;
  k.source = src;
  k.set_choice = std::move(f);
  v.push_back(std::move(k));
}

// The four cost keys of a component: energy_pj (or power_mw), leakage_mw, area_um2.
void add_cost(Keys& v, const std::string& comp, std::function<Cost&(HardwareSpec&)> f, Action a,
              const std::string& action, double energy, const std::string& energy_src, double area,
              const std::string& area_src) {
  const std::string cost = comp + ".cost.";
  add_num(v, comp + ".energy_pj", energy, 0, false, kInf, "pJ", "dynamic energy per action; action: " + action,
          energy_src, [f](HardwareSpec& h) -> double& { return f(h).energy_pj; });
  v.back().sources_key = cost + "energy_pj";
  Key p;
  p.path = comp + ".power_mw";
  p.kind = Kind::power;
  p.unit = "mW";
  p.description = "instead of energy_pj: dynamic power of one instance busy at its full rate; "
                  "energy_pj = power_mw / full_rate_per_s";
  p.source = "none (energy_pj applies)";
  p.action = a;
  v.push_back(std::move(p));
  add_num(v, comp + ".leakage_mw", 0.0, 0, false, kInf, "mW", "static power of one instance",
          std::string(kIsaac) + " quotes peak power only, counted as dynamic energy; no leakage",
          [f](HardwareSpec& h) -> double& { return f(h).leakage_mw; });
  v.back().sources_key = cost + "leakage_mw";
  add_num(v, comp + ".area_um2", area, 0, false, kInf, "um2", "area of one instance", area_src,
          [f](HardwareSpec& h) -> double& { return f(h).area_um2; });
  v.back().sources_key = cost + "area_um2";
}

// The schema: every key, its default and where that default comes from. ISAAC's energies are derived
// from its per-instance peak power at the full rate of cost_model.cpp full_rate_per_s.
Keys build_schema() {
  using H = HardwareSpec;
  const std::string isaac = kIsaac;
  Keys v;
  add_text(v, "name", "", "name of the configuration (reports); default: the file name without extension",
           "file name", [](H& h) -> std::string& { return h.name; });
  add_text(v, "description", "", "free text", "empty", [](H& h) -> std::string& { return h.description; });

  add_int(v, "technology.node_nm", 32, 1, 1000, "nm", "process node (informative: costs are given, not scaled)",
          isaac + " (32 nm)", [](H& h) -> int& { return h.technology.node_nm; });
  add_num(v, "technology.clock_ghz", 1.2, 0, true, 100, "GHz", "digital clock; cycles are reported in it",
          isaac + " (digital logic at 1.2 GHz)", [](H& h) -> double& { return h.technology.clock_ghz; });

  add_int(v, "precision.weight_bits", 16, 1, 32, "bit", "weight precision, sliced over bits_per_cell cells",
          "ISAAC (Shafiee et al., ISCA 2016), text: 16-bit weights", [](H& h) -> int& { return h.precision.weight_bits; });
  add_int(v, "precision.activation_bits", 16, 1, 32, "bit", "input precision, fed dac.bits per phase",
          "ISAAC (Shafiee et al., ISCA 2016), text: 16-bit inputs", [](H& h) -> int& { return h.precision.activation_bits; });
  add_int(v, "precision.partial_sum_bits", 24, 1, 64, "bit",
          "width of partial sums sent between crossbars/tiles before accumulation",
          "cimsim assumption: ISAAC states none; 16-bit result plus 8 guard bits",
          [](H& h) -> int& { return h.precision.partial_sum_bits; });

  add_int(v, "crossbar.rows", 128, 1, 4096, "", "rows (word lines) per array", isaac + " (128 x 128)",
          [](H& h) -> int& { return h.crossbar.rows; });
  add_int(v, "crossbar.cols", 128, 1, 4096, "", "columns (bit lines) per array", isaac + " (128 x 128)",
          [](H& h) -> int& { return h.crossbar.cols; });
  add_int(v, "crossbar.bits_per_cell", 2, 1, 8, "bit", "bits stored per cell", isaac + " (2 bits per cell)",
          [](H& h) -> int& { return h.crossbar.bits_per_cell; });
  add_choice(v, "crossbar.signed_weights", {"differential", "offset"}, 1,
             "differential: a positive and a negative column per weight slice (2x columns); offset: biased "
             "weights, bias subtracted digitally",
             "ISAAC (Shafiee et al., ISCA 2016), text: weights stored with a bias (offset encoding)",
             [](H& h, int i) { h.crossbar.signed_weights = i == 0 ? SignedScheme::differential : SignedScheme::offset; });
  add_num(v, "crossbar.read_latency_ns", 100, 0, true, kInf, "ns", "one analog read of the array (one input phase)",
          "ISAAC (Shafiee et al., ISCA 2016), text: 100 ns pipeline cycle per crossbar read; its 128 conversions "
          "at 1.28 GS/s take the next 100 ns, overlapped through sample-and-hold",
          [](H& h) -> double& { return h.crossbar.read_latency_ns; });
  add_cost(v, "crossbar", [](H& h) -> Cost& { return h.crossbar.cost; }, Action::crossbar_read,
           "one read of the whole array (one input phase); a read that drives r rows and uses c columns "
           "(of g diagonal groups) costs energy_pj x r x c / g / (rows x cols): only programmed cells "
           "conduct", pj(2.4 / 8, kIsaacPhase),
           isaac + ": 2.4 mW for 8 arrays = 0.3 mW each, one read per 100 ns", 200.0 / 8,
           isaac + ": 0.0002 mm2 for 8 arrays");

  add_int(v, "dac.bits", 1, 1, 16, "bit", "input bits applied per phase (one DAC per row)", isaac + " (1-bit DACs)",
          [](H& h) -> int& { return h.dac.bits; });
  add_cost(v, "dac", [](H& h) -> Cost& { return h.dac.cost; }, Action::dac_drive, "one row driven for one phase",
           pj(4.0 / 1024, kIsaacPhase), isaac + ": 4 mW for 8 x 128 DACs, one drive per 100 ns", 170.0 / 1024,
           isaac + ": 0.00017 mm2 for 8 x 128 DACs");

  add_cost(v, "sample_hold", [](H& h) -> Cost& { return h.sample_hold.cost; }, Action::sample_hold,
           "one column sampled for one phase", pj(0.01 / 1024, kIsaacPhase),
           isaac + ": 10 uW for 8 x 128 S&H, one sample per 100 ns", 40.0 / 1024,
           isaac + ": 0.00004 mm2 for 8 x 128 S&H");

  add_int(v, "adc.bits", 8, 1, 16, "bit",
          "ADC resolution; an ADC energy (or power) and area not given are ISAAC's 8-bit ones scaled by 2^(bits - 8)",
          isaac + " (8-bit ADC)", [](H& h) -> int& { return h.adc.bits; });
  add_num(v, "adc.sample_rate_gsps", 1.28, 0, true, kInf, "GS/s", "conversions per second of one ADC",
          isaac + " (1.28 GS/s)", [](H& h) -> double& { return h.adc.sample_rate_gsps; });
  add_int(v, "adc.per_crossbar", 1, 1, 4096, "", "ADCs per crossbar; the columns share them (at most crossbar.cols)",
          isaac + " (8 ADCs per IMA of 8 crossbars)", [](H& h) -> int& { return h.adc.per_crossbar; });
  add_cost(v, "adc", [](H& h) -> Cost& { return h.adc.cost; }, Action::adc_conversion, "one conversion",
           pj(16.0 / 8, 1.28e9), isaac + ": 16 mW for 8 ADCs = 2 mW each at 1.28 GS/s", 9600.0 / 8,
           isaac + ": 0.0096 mm2 for 8 ADCs");

  add_int(v, "shift_add.per_pe", 4, 1, 4096, "", "shift-and-add units per PE", isaac + " (4 per IMA)",
          [](H& h) -> int& { return h.shift_add.per_pe; });
  add_cost(v, "shift_add", [](H& h) -> Cost& { return h.shift_add.cost; }, Action::shift_add,
           "one ADC result shifted and added", pj(0.2 / 4, 8 * 1.28e9 / 4),
           isaac + ": 0.2 mW for 4 units, each taking a quarter of 8 ADCs' 1.28 GS/s", 240.0 / 4,
           isaac + ": 0.00024 mm2 for 4 units");

  add_int(v, "pe.crossbars", 8, 1, 4096, "", "crossbars per PE (ISAAC: IMA)", isaac + " (8 per IMA)",
          [](H& h) -> int& { return h.pe.crossbars; });
  add_num(v, "pe.input_register.size_bytes", 2048, 0, false, kInf, "B", "PE input register (feeds the DACs)",
          isaac + " (2 KB)", [](H& h) -> double& { return h.pe.input_register.size_bytes; });
  add_cost(v, "pe.input_register", [](H& h) -> Cost& { return h.pe.input_register.cost; }, Action::pe_input_reg_bit,
           "one bit written into the register", pj(1.24, 8 * 128 * kIsaacPhase),
           isaac + ": 1.24 mW, feeding 8 x 128 1-bit DACs every 100 ns", 2100.0, isaac + ": 0.0021 mm2");
  add_num(v, "pe.output_register.size_bytes", 256, 0, false, kInf, "B", "PE output register (shift-and-add results)",
          isaac + " (256 B)", [](H& h) -> double& { return h.pe.output_register.size_bytes; });
  add_cost(v, "pe.output_register", [](H& h) -> Cost& { return h.pe.output_register.cost; },
           Action::pe_output_reg_bit, "one bit written into the register", pj(0.23, 8 * 1.28e9 * 8),
           isaac + ": 0.23 mW, taking 8 ADCs x 1.28 GS/s x 8 bits", 770.0, isaac + ": 0.00077 mm2");

  add_int(v, "tile.pes", 12, 1, 4096, "", "PEs per tile", isaac + " (12 IMAs per tile)", [](H& h) -> int& { return h.tile.pes; });
  add_choice(v, "tile.buffer.kind", {"edram", "sram"}, 0, "tile buffer technology (informative)", isaac + " (eDRAM)",
             [](H& h, int i) { h.tile.buffer.kind = i == 0 ? BufferKind::edram : BufferKind::sram; });
  add_num(v, "tile.buffer.size_kib", 64, 0, true, kInf, "KiB", "tile buffer capacity", isaac + " (64 KB)",
          [](H& h) -> double& { return h.tile.buffer.size_kib; });
  add_int(v, "tile.buffer.banks", 2, 1, 1024, "", "independent banks", isaac + " (2 banks)",
          [](H& h) -> int& { return h.tile.buffer.banks; });
  add_int(v, "tile.buffer.bus_bits", 256, 1, 65536, "bit", "bits per bank per digital cycle", isaac + " (256-bit bus)",
          [](H& h) -> int& { return h.tile.buffer.bus_bits; });
  add_num(v, "tile.buffer.access_latency_ns", 0, 0, false, kInf, "ns", "fixed latency added to each access",
          "cimsim assumption: ISAAC hides the eDRAM access inside its 100 ns pipeline stage and states no "
          "latency; the buffer is modelled by its bandwidth alone",
          [](H& h) -> double& { return h.tile.buffer.access_latency_ns; });
  add_cost(v, "tile.buffer", [](H& h) -> Cost& { return h.tile.buffer.cost; }, Action::buffer_read_bit,
           "one bit read or written", pj(20.7, 2 * 256 * kIsaacClock),
           isaac + ": 20.7 mW at 2 banks x 256 bits x 1.2 GHz", 83000.0, isaac + ": 0.083 mm2");
  add_int(v, "tile.bus.width_bits", 384, 1, 1 << 20, "bit", "buffer <-> PE bus, bits per digital cycle",
          isaac + " (384 wires)", [](H& h) -> int& { return h.tile.bus.width_bits; });
  add_cost(v, "tile.bus", [](H& h) -> Cost& { return h.tile.bus.cost; }, Action::bus_bit, "one bit carried",
           pj(7.0, 384 * kIsaacClock), isaac + ": 7 mW at 384 bits x 1.2 GHz", 90000.0, isaac + ": 0.090 mm2");
  add_num(v, "tile.output_register.size_bytes", 3072, 0, false, kInf, "B", "tile output register",
          isaac + " (3 KB)", [](H& h) -> double& { return h.tile.output_register.size_bytes; });
  add_cost(v, "tile.output_register", [](H& h) -> Cost& { return h.tile.output_register.cost; },
           Action::tile_output_reg_bit, "one bit written", pj(1.68, 384 * kIsaacClock),
           isaac + ": 1.68 mW at the bus rate (384 bits x 1.2 GHz)", 3200.0, isaac + ": 0.0032 mm2");

  struct Unit {
    const char* name;
    DigitalUnitSpec TileSpec::*member;
    Action action;
    int count;
    double mw_each, um2_each;
    const char* what;
    const char* src;
  };
  const Unit units[] = {
      {"pool", &TileSpec::pool, Action::pool_op, 1, 0.4, 240.0, "one element compared (max) or added (average)",
       "max-pool unit: 1, 0.4 mW, 0.00024 mm2"},
      {"activation", &TileSpec::activation, Action::activation_op, 2, 0.26, 300.0, "one element activated",
       "sigmoid unit: 2, 0.52 mW, 0.0006 mm2 for both"},
      {"accumulate", &TileSpec::accumulate, Action::accumulate_op, 1, 0.05, 60.0,
       "one addition (partial sums, residuals)", "shift-and-add: 1, 0.05 mW, 0.00006 mm2"}};
  for (const Unit& u : units) {
    const std::string base = std::string("tile.") + u.name;
    const auto m = u.member;
    add_int(v, base + ".count", u.count, 1, 4096, "", "units per tile", isaac + " (" + u.src + ")",
            [m](H& h) -> int& { return (h.tile.*m).count; });
    add_int(v, base + ".ops_per_cycle", 1, 1, 4096, "", "elements per unit per digital cycle",
            "cimsim assumption: ISAAC states no throughput; one element per cycle",
            [m](H& h) -> int& { return (h.tile.*m).ops_per_cycle; });
    add_cost(v, base, [m](H& h) -> Cost& { return (h.tile.*m).cost; }, u.action, u.what, pj(u.mw_each, kIsaacClock),
             isaac + " (" + u.src + "), one op per 1.2 GHz cycle", u.um2_each, isaac + " (" + u.src + ")");
  }

  Key tiles;
  tiles.path = tiles.sources_key = "chip.tiles";
  tiles.kind = Kind::tiles;
  tiles.def_text = "[12, 14]";
  tiles.description = "tile mesh [rows, cols], or auto: as many tiles as the mapping needs";
  tiles.source = isaac + " (168 tiles, 12 x 14)";
  v.push_back(std::move(tiles));
  add_int(v, "chip.tiles_per_router", 4, 1, 1024, "", "tiles sharing one router (concentrated mesh)",
          isaac + " (router shared by 4 tiles)", [](H& h) -> int& { return h.chip.tiles_per_router; });

  add_int(v, "noc.flit_bits", 32, 1, 4096, "bit", "flit width", isaac + " (32-bit flits)",
          [](H& h) -> int& { return h.noc.flit_bits; });
  add_num(v, "noc.hop_latency_cycles", 1, 0, false, kInf, "cycle",
          "router pipeline + link traversal of the head flit, per hop",
          "cimsim assumption: ISAAC states none; a single-cycle router with lookahead routing",
          [](H& h) -> double& { return h.noc.hop_latency_cycles; });
  add_num(v, "noc.link_bandwidth_gbps", 38.4, 0, true, kInf, "Gb/s", "bandwidth of one link, one direction",
          isaac + ": one 32-bit flit per 1.2 GHz cycle", [](H& h) -> double& { return h.noc.link_bandwidth_gbps; });
  add_int(v, "noc.router.ports", 8, 1, 64, "", "router ports", isaac + " (8 ports)",
          [](H& h) -> int& { return h.noc.router.ports; });
  add_cost(v, "noc.router", [](H& h) -> Cost& { return h.noc.router.cost; }, Action::router_flit_hop,
           "one flit through the router (one hop)", pj(42.0, 8 * 38.4e9 / 32),
           isaac + ": 42 mW with 8 ports each passing one 32-bit flit per cycle", 151000.0,
           isaac + ": 0.151 mm2");

  add_text(v, "offchip.kind", "hypertransport", "off-chip interface (informative)", isaac + " (HyperTransport)",
           [](H& h) -> std::string& { return h.offchip.kind; });
  add_num(v, "offchip.bandwidth_gbps", 204.8, 0, true, kInf, "Gb/s", "total off-chip bandwidth",
          isaac + ": 4 links x 6.4 GB/s", [](H& h) -> double& { return h.offchip.bandwidth_gbps; });
  add_num(v, "offchip.latency_ns", 0, 0, false, kInf, "ns", "fixed latency added to each off-chip transfer",
          "cimsim assumption: ISAAC states none; bandwidth alone is modelled",
          [](H& h) -> double& { return h.offchip.latency_ns; });
  add_cost(v, "offchip", [](H& h) -> Cost& { return h.offchip.cost; }, Action::offchip_bit,
           "one bit transferred; leakage and area are the whole interface", pj(10400.0, 204.8e9),
           isaac + ": 10.4 W at 204.8 Gb/s", 22.88e6, isaac + ": 22.88 mm2");

  add_choice(v, "hypernet.sharing", {"none", "shared"}, 1,
             "hypernetwork deployment: none = every candidate op of an edge has its own arrays; shared = "
             "one 5x5 depthwise array + pointwise serves the first stage of sep_conv_3x3/5x5 and "
             "dil_conv_3x3/5x5, another the second stage of the sep convs (docs/hypernet.md)",
             "cimsim design choice (docs/hypernet.md)",
             [](H& h, int i) { h.hypernet.sharing = i == 0 ? Sharing::none : Sharing::shared; });
  add_int(v, "hypernet.selector.elements_per_cycle", 16, 1, 4096, "",
          "activations a selector passes per digital cycle",
          "cimsim assumption: one 16-activation lane per cycle, the width of a tile bus beat",
          [](H& h) -> int& { return h.hypernet.selector.elements_per_cycle; });
  add_num(v, "hypernet.selector.latency_cycles", 1, 0, false, kInf, "cycle",
          "latency a selector adds to every row it passes",
          "cimsim assumption: one registered mux stage",
          [](H& h) -> double& { return h.hypernet.selector.latency_cycles; });
  add_cost(v, "hypernet.selector", [](H& h) -> Cost& { return h.hypernet.selector.cost; },
           Action::selector_op, "one activation passed by an edge selector", 0.05,
           "cimsim estimate: an 8:1 mux of 16-bit activations, 3 levels x 16 bits x ~1 fJ per 2:1 "
           "mux bit at 32 nm",
           1800.0,
           "cimsim estimate: 16 lanes x 7 two-input muxes x 16 bits x ~1 um2 per 2:1 mux bit at 32 nm");
  return v;
}

const Keys& schema() {
  static const Keys keys = build_schema();
  return keys;
}

const Key* find_key(const std::string& path) {
  for (const auto& k : schema()) {
    if (k.path == path) return &k;
  }
  return nullptr;
}

// Immediate children (leaf keys and sections) of a section ("" = top level), in schema order.
std::vector<std::string> children_of(const std::string& prefix) {
  std::vector<std::string> out;
  const std::string p = prefix.empty() ? "" : prefix + ".";
  for (const auto& k : schema()) {
    if (k.path.compare(0, p.size(), p) != 0) continue;
    const std::string rest = k.path.substr(p.size());
    const std::string child = rest.substr(0, rest.find('.'));
    if (std::find(out.begin(), out.end(), child) == out.end()) out.push_back(child);
  }
  return out;
}

bool is_section(const std::string& path) {
  const std::string p = path + ".";
  return std::any_of(schema().begin(), schema().end(),
                     [&p](const Key& k) { return k.path.compare(0, p.size(), p) == 0; });
}

void apply_defaults(HardwareSpec& hw) {
  for (const auto& k : schema()) {
    switch (k.kind) {
      case Kind::integer: k.integer(hw) = static_cast<int>(k.def); break;
      case Kind::number: k.num(hw) = k.def; break;
      case Kind::text: k.text(hw) = k.def_text; break;
      case Kind::choice: k.set_choice(hw, static_cast<int>(k.def)); break;
      case Kind::tiles:
        hw.chip.auto_size = false;
        hw.chip.mesh_rows = 12;
        hw.chip.mesh_cols = 14;
        break;
      case Kind::power: continue;
    }
    hw.sources[k.sources_key] = k.source;
  }
}

// Decodes one document against the schema, remembering where each user value was.
class Decoder {
 public:
  explicit Decoder(std::string label) : label_(std::move(label)) {}

  HardwareSpec run(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      fail(e.mark, "YAML syntax error: " + e.msg, "valid YAML");
    }
    if (!root.IsMap()) {
      fail(root.Mark(), "the top level must be a map of sections", join(children_of(""), ", "));
    }
    HardwareSpec hw;
    apply_defaults(hw);
    walk(root, "", hw);
    if (given_.count("name") == 0) hw.name = std::filesystem::path(label_).stem().string();
    check_cross(hw);
    scale_adc(hw);
    derive_power(hw);
    hw.file = label_;
    return hw;
  }

 private:
  [[noreturn]] void fail(const YAML::Mark& m, const std::string& what, const std::string& allowed) const {
    throw ConfigError(where(m) + ": " + what + "; allowed: " + allowed);
  }

  std::string where(const YAML::Mark& m) const {
    const int line = m.line < 0 ? 1 : m.line + 1;
    const int col = m.column < 0 ? 1 : m.column + 1;
    return label_ + ":" + std::to_string(line) + ":" + std::to_string(col);
  }

  static std::string describe(const YAML::Node& n) {
    if (n.IsNull()) return "null";
    if (n.IsMap()) return "a map";
    if (n.IsSequence()) return "a list";
    return (n.Tag() == "!" ? "string \"" : "\"") + n.Scalar() + "\"";
  }

  void walk(const YAML::Node& map, const std::string& prefix, HardwareSpec& hw) {
    std::set<std::string> seen;
    const auto allowed = [&prefix] { return join(children_of(prefix), ", "); };
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node kn = it->first;
      if (!kn.IsScalar()) fail(kn.Mark(), "a key must be a plain name", allowed());
      const std::string name = kn.Scalar();
      const std::string path = prefix.empty() ? name : prefix + "." + name;
      if (!seen.insert(name).second) fail(kn.Mark(), "duplicate key \"" + path + "\"", allowed());
      const YAML::Node v = it->second;
      if (const Key* k = find_key(path)) {
        given_[path] = v.Mark();
        leaf(*k, v, hw);
      } else if (is_section(path)) {
        if (v.IsNull()) continue;  // a section with every key commented out
        if (!v.IsMap()) fail(v.Mark(), path + " must be a map, got " + describe(v), join(children_of(path), ", "));
        walk(v, path, hw);
      } else {
        fail(kn.Mark(), "unknown key \"" + path + "\"" + (prefix.empty() ? "" : " in " + prefix), allowed());
      }
    }
  }

  double number(const Key& k, const YAML::Node& v, bool integral) const {
    const char* expected = integral ? "an integer" : "a number";
    if (!v.IsScalar() || v.Tag() == "!") {
      fail(v.Mark(), k.path + ": expected " + std::string(expected) + ", got " + describe(v), allowed_text(k));
    }
    const std::string& s = v.Scalar();
    const char* end = s.data() + s.size();
    double x = 0.0;
    bool ok = false;
    if (integral) {
      long long i = 0;
      const auto r = std::from_chars(s.data(), end, i);
      ok = r.ec == std::errc() && r.ptr == end;
      x = static_cast<double>(i);
    } else {
      const auto r = std::from_chars(s.data(), end, x);
      ok = r.ec == std::errc() && r.ptr == end && std::isfinite(x);
    }
    if (!ok) fail(v.Mark(), k.path + ": expected " + std::string(expected) + ", got " + describe(v), allowed_text(k));
    const bool below = k.lo_open ? x <= k.lo : x < k.lo;
    if (below || x > k.hi) fail(v.Mark(), k.path + " = " + s + " is out of range", allowed_text(k));
    return x;
  }

  void leaf(const Key& k, const YAML::Node& v, HardwareSpec& hw) {
    const std::string at = where(v.Mark());
    switch (k.kind) {
      case Kind::integer: k.integer(hw) = static_cast<int>(number(k, v, true)); break;
      case Kind::number: k.num(hw) = number(k, v, false); break;
      case Kind::power: power_[k.path] = number(k, v, false); return;
      case Kind::text:
        if (!v.IsScalar()) fail(v.Mark(), k.path + ": expected a string, got " + describe(v), allowed_text(k));
        k.text(hw) = v.Scalar();
        break;
      case Kind::choice: {
        const auto c = std::find(k.choices.begin(), k.choices.end(), v.IsScalar() ? v.Scalar() : "");
        if (!v.IsScalar() || c == k.choices.end()) {
          fail(v.Mark(), k.path + ": bad value " + describe(v), allowed_text(k));
        }
        k.set_choice(hw, static_cast<int>(c - k.choices.begin()));
        break;
      }
      case Kind::tiles: tiles(k, v, hw); break;
    }
    hw.sources[k.sources_key] = at;
  }

  void tiles(const Key& k, const YAML::Node& v, HardwareSpec& hw) const {
    if (v.IsScalar() && v.Scalar() == "auto") {
      hw.chip.auto_size = true;
      return;
    }
    if (!v.IsSequence() || v.size() != 2) {
      fail(v.Mark(), "chip.tiles: expected auto or [rows, cols], got " + describe(v), allowed_text(k));
    }
    int dims[2] = {0, 0};
    for (std::size_t i = 0; i < 2; ++i) {
      const YAML::Node e = v[i];
      long long x = 0;
      const std::string s = e.IsScalar() && e.Tag() != "!" ? e.Scalar() : "";
      const auto r = std::from_chars(s.data(), s.data() + s.size(), x);
      if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || x < 1 || x > 1024) {
        fail(e.Mark(), "chip.tiles: bad mesh dimension " + describe(e), allowed_text(k));
      }
      dims[i] = static_cast<int>(x);
    }
    hw.chip.auto_size = false;
    hw.chip.mesh_rows = dims[0];
    hw.chip.mesh_cols = dims[1];
  }

  // Where to point for a constraint among several keys: the first of them the user gave.
  YAML::Mark mark_of(std::initializer_list<const char*> paths) const {
    for (const char* p : paths) {
      const auto it = given_.find(p);
      if (it != given_.end()) return it->second;
    }
    return YAML::Mark();
  }

  void check_cross(const HardwareSpec& hw) const {
    if (hw.adc.per_crossbar > hw.crossbar.cols) {
      fail(mark_of({"adc.per_crossbar", "crossbar.cols"}),
           "adc.per_crossbar = " + std::to_string(hw.adc.per_crossbar) + " exceeds crossbar.cols = " +
               std::to_string(hw.crossbar.cols),
           "integer in [1, crossbar.cols]");
    }
    if (hw.cells_per_weight() > hw.crossbar.cols) {
      fail(mark_of({"precision.weight_bits", "crossbar.bits_per_cell", "crossbar.signed_weights", "crossbar.cols"}),
           "one weight needs " + std::to_string(hw.cells_per_weight()) + " columns (weight_bits / bits_per_cell" +
               (hw.crossbar.signed_weights == SignedScheme::differential ? " x 2 for differential" : "") +
               ") but crossbar.cols = " + std::to_string(hw.crossbar.cols),
           "ceil(weight_bits / bits_per_cell) x (2 if differential) <= crossbar.cols");
    }
  }

  // The default ADC is ISAAC's 8-bit one. At another resolution its energy per conversion and its area
  // follow the converter: both about double per bit (ISAAC Sec. 3: ADC power grows exponentially with
  // resolution; the Walden figure of merit, energy per conversion proportional to 2^bits). A user-given
  // energy, power or area is used as given.
  void scale_adc(HardwareSpec& hw) {
    const int bits = hw.adc.bits;
    if (bits == 8) return;
    const double f = std::ldexp(1.0, bits - 8);
    if (given_.count("adc.energy_pj") == 0 && power_.count("adc.power_mw") == 0) {
      hw.adc.cost.energy_pj *= f;
      hw.sources["adc.cost.energy_pj"] += "; scaled by 2^(" + std::to_string(bits) + " - 8) for a " +
                                          std::to_string(bits) + "-bit ADC";
    }
    if (given_.count("adc.area_um2") == 0) {
      hw.adc.cost.area_um2 *= f;
      hw.sources["adc.cost.area_um2"] += "; scaled by 2^(" + std::to_string(bits) + " - 8) for a " +
                                         std::to_string(bits) + "-bit ADC";
    }
  }

  // power_mw -> energy_pj, once every rate-defining key is known.
  void derive_power(HardwareSpec& hw) {
    for (const auto& [path, mw] : power_) {
      const std::string comp = path.substr(0, path.rfind('.'));
      const Key* energy = find_key(comp + ".energy_pj");
      const Key* power = find_key(path);
      if (given_.count(comp + ".energy_pj") != 0) {
        fail(given_.at(path), comp + ": both energy_pj and power_mw given", "one of energy_pj, power_mw");
      }
      const double rate = full_rate_per_s(hw, power->action);
      energy->num(hw) = mw * 1e9 / rate;
      hw.sources[energy->sources_key] = where(given_.at(path)) + " (power_mw " + fmt(mw) + " at " + fmt(rate) +
                                        " actions/s)";
    }
  }

  std::string label_;
  std::map<std::string, YAML::Mark> given_;  // user keys and where their values are
  std::map<std::string, double> power_;      // power_mw values, derived last
};

}  // namespace

HardwareSpec parse_hardware(const std::string& yaml_text, const std::string& file_label) {
  return Decoder(file_label).run(yaml_text);
}

std::vector<std::string> builtin_hardware_names() {
  std::size_t n = 0;
  const BuiltinConfig* b = builtin_configs(&n);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.emplace_back(b[i].name);
  return names;
}

HardwareSpec load_hardware(const std::string& name_or_path) {
  std::size_t n = 0;
  const BuiltinConfig* b = builtin_configs(&n);
  for (std::size_t i = 0; i < n; ++i) {
    if (name_or_path == b[i].name) {
      HardwareSpec hw = parse_hardware(b[i].text, "configs/" + name_or_path + ".yaml");
      hw.file = "";
      return hw;
    }
  }
  std::error_code ec;
  std::ifstream in;
  if (std::filesystem::is_regular_file(name_or_path, ec)) in.open(name_or_path);
  if (!in.is_open()) {
    throw ConfigError(name_or_path + ": cannot open; allowed: a built-in name (" +
                      join(builtin_hardware_names(), ", ") + ") or a readable YAML file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  HardwareSpec hw = parse_hardware(text.str(), name_or_path);
  hw.file = name_or_path;
  return hw;
}

std::vector<ConfigKeyInfo> hardware_schema() {
  std::vector<ConfigKeyInfo> out;
  const char* const type_names[] = {"integer", "number", "string", "enum", "tiles", "number"};
  for (const auto& k : schema()) {
    ConfigKeyInfo i;
    i.key = k.path;
    i.sources_key = k.sources_key;
    i.type = type_names[static_cast<int>(k.kind)];
    i.unit = k.unit;
    if (k.kind == Kind::integer || k.kind == Kind::number) i.default_value = fmt(k.def);
    else if (k.kind == Kind::power) i.default_value = "-";
    else i.default_value = k.def_text;
    i.allowed = allowed_text(k);
    i.description = k.description;
    i.source = k.source;
    out.push_back(std::move(i));
  }
  return out;
}

std::string hardware_schema_markdown() {
  std::string s = "| key | type | unit | default | allowed | description | source of the default |\n"
                  "|---|---|---|---|---|---|---|\n";
  for (const auto& i : hardware_schema()) {
    s += "| `" + i.key + "` | " + i.type + " | " + i.unit + " | " + i.default_value + " | " + i.allowed +
         " | " + i.description + " | " + i.source + " |\n";
  }
  return s;
}

}  // namespace cimsim::models
