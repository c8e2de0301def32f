// The hardware config schema (config_schema.hpp): every key with its default and the default's source.
#include "models/config_schema.hpp"

#include "models/limits.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cimsim::models::schema {

using namespace limits;

const char* const kIsaac = "ISAAC (Shafiee et al., ISCA 2016) Table I";

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
    case Kind::bits_or_auto: return "auto, or an integer in [" + fmt(k.lo) + ", " + fmt(k.hi) + "]";
    case Kind::text: return "any string";
    case Kind::choice: return join(k.choices, ", ");
    case Kind::tiles:
      return "auto, or [rows, cols] with integers in [1, " + std::to_string(kMaxMeshDim) + "] and at most " +
             std::to_string(kMaxChipTiles) + " tiles";
  }
  return "";
}

namespace {

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

// The four cost keys of a component: energy_pj (or power_mw), leakage_mw, area_um2. Their defaults are
// what the component's model computes (components.hpp); a value given pins it (HardwareSpec::pinned).
void add_cost(Keys& v, const std::string& comp, std::function<Cost&(HardwareSpec&)> f, Action a,
              const std::string& action, const std::string& model) {
  const std::string cost = comp + ".cost.";
  add_num(v, comp + ".energy_pj", 0, 0, false, kMaxEnergyPj, "pJ",
          "dynamic energy per action; action: " + action + ". Given: pins the model", model,
          [f](HardwareSpec& h) -> double& { return f(h).energy_pj; });
  v.back().sources_key = cost + "energy_pj";
  v.back().modelled = true;
  v.back().component = comp;
  Key p;
  p.path = comp + ".power_mw";
  p.kind = Kind::power;
  p.unit = "mW";
  p.description = "instead of energy_pj: dynamic power of one instance busy at its full rate; "
                  "energy_pj = power_mw / full_rate_per_s. Given: pins the model";
  p.source = "none (energy_pj applies)";
  p.action = a;
  p.hi = kMaxPowerMw;
  p.component = comp;
  v.push_back(std::move(p));
  add_num(v, comp + ".leakage_mw", 0.0, 0, false, kMaxPowerMw, "mW", "static power of one instance. Given: pins the model",
          model, [f](HardwareSpec& h) -> double& { return f(h).leakage_mw; });
  v.back().sources_key = cost + "leakage_mw";
  v.back().modelled = true;
  v.back().component = comp;
  add_num(v, comp + ".area_um2", 0, 0, false, kMaxAreaUm2, "um2", "area of one instance. Given: pins the model", model,
          [f](HardwareSpec& h) -> double& { return f(h).area_um2; });
  v.back().sources_key = cost + "area_um2";
  v.back().modelled = true;
  v.back().component = comp;
}

// The schema: every key, its default and where that default comes from. ISAAC's energies are derived
// from its per-instance peak power at the full rate of cost_model.cpp full_rate_per_s.
Keys build_keys() {
  using H = HardwareSpec;
  const std::string isaac = kIsaac;
  Keys v;
  add_text(v, "name", "", "name of the configuration (reports); default: the file name without extension",
           "file name", [](H& h) -> std::string& { return h.name; });
  add_text(v, "description", "", "free text", "empty", [](H& h) -> std::string& { return h.description; });

  add_int(v, "technology.node_nm", 32, 7, 180, "nm", "process node: digital energy, delay, leakage and area scale from 32 nm (Stillmaker and Baas 2017, whose data span 7-180 nm), cell area with F^2",
          isaac + " (32 nm)", [](H& h) -> int& { return h.technology.node_nm; });
  add_choice(v, "technology.transistors", {"hp", "lstp"}, 0,
             "CMOS transistor flavour: hp (high performance) or lstp (low standby power: leakage x 7.0e-4, "
             "delay x 2.49, energy x 1.25, CACTI's 64 KB SRAM at 32 nm)",
             "ISAAC and PUMA's 32 nm parts (high performance)",
             [](H& h, int i) { h.technology.transistors = Transistors(i); });
  add_num(v, "technology.clock_ghz", 1.2, kMinClockGhz, false, kMaxClockGhz, "GHz", "digital clock; cycles are reported in it (energy per op does not depend on it; leakage accrues over the longer run of a slower clock)",
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
  add_num(v, "crossbar.read_latency_ns", 100, kMinReadLatencyNs, false, kMaxLatencyNs, "ns", "one analog read of the array (one input phase)",
          "ISAAC (Shafiee et al., ISCA 2016), text: 100 ns pipeline cycle per crossbar read; its 128 conversions "
          "at 1.28 GS/s take the next 100 ns, overlapped through sample-and-hold",
          [](H& h) -> double& { return h.crossbar.read_latency_ns; });
  add_num(v, "crossbar.cell_read_energy_fj", 30000.0 / 16384, 0, false, kMaxEnergyPj, "fJ",
          "energy of one cell on a driven row and a used column for one phase, whatever the array's size; "
          "computed from crossbar.device when that is given",
          isaac + ": 2.4 mW for 8 arrays = 0.3 mW x 100 ns = 30 pJ per read of 128 x 128 cells",
          [](H& h) -> double& { return h.crossbar.cell_read_energy_fj; });
  add_num(v, "crossbar.cell_area_f2", 25.0 / 16384 / (0.032 * 0.032), 0, false, 1e6, "F^2",
          "area of one cell in units of the feature size squared (F = technology.node_nm)",
          isaac + ": 0.0002 mm2 for 8 arrays of 128 x 128 at 32 nm = 1.49 F^2 per cell (below the 4 F^2 of a "
          "planar crossbar: ISAAC's figure)",
          [](H& h) -> double& { return h.crossbar.cell_area_f2; });
  add_num(v, "crossbar.input_one_fraction", 1.0, 0, false, 1, "",
          "share of driven (row, phase) inputs that are 1: a cell on a row whose input bit is 0 draws no current",
          "cimsim default: every input bit 1, the worst case (ISAAC's peak figure)",
          [](H& h) -> double& { return h.crossbar.input_one_fraction; });
  struct Dev { const char* key; const char* unit; const char* what; double lo, hi; double DeviceSpec::*m; };
  const Dev devs[] = {{"r_on_kohm", "kOhm", "lowest programmed resistance", 1e-3, 1e9, &DeviceSpec::r_on_kohm},
                      {"r_off_kohm", "kOhm", "highest programmed resistance", 1e-3, 1e9, &DeviceSpec::r_off_kohm},
                      {"read_voltage_v", "V", "read voltage across a driven cell", 0, 100, &DeviceSpec::read_voltage_v},
                      {"read_pulse_ns", "ns", "how long the read voltage is applied (default: crossbar.read_latency_ns)",
                       0, kMaxLatencyNs, &DeviceSpec::read_pulse_ns},
                      {"access_kohm", "kOhm", "series access transistor of a 1T1R cell (default 0: none)", 0, 1e9,
                       &DeviceSpec::access_kohm}};
  for (const Dev& d : devs) {
    const auto m = d.m;
    const bool open = d.lo == 0 && d.m != &DeviceSpec::access_kohm;  // 0 kOhm: no access transistor
    add_num(v, std::string("crossbar.device.") + d.key, 0, d.lo, open, d.hi, d.unit,
            std::string(d.what) + "; with r_on_kohm, r_off_kohm and read_voltage_v given, a cell read costs "
            "V^2 x (1/(R_on + R_access) + 1/(R_off + R_access)) / 2 x pulse",
            "none: without a device, crossbar.cell_read_energy_fj applies",
            [m](H& h) -> double& { return h.crossbar.device.*m; });
  }
  add_num(v, "crossbar.device.write_voltage_v", 2.0, 0, true, 100, "V",
          "write voltage across a cell programmed at run time (tile.matrix.mode: crossbar); a cell write costs "
          "write_voltage_v^2 x G x write_pulse_ns, G the mean of 1/R_on and 1/R_off (crossbar.device, else "
          "NeuroSim V1.4's 100 kOhm and 1.7 MOhm)",
          "NeuroSim V1.4 (neurosim/DNN_NeuroSim_V1.4, Inference_pytorch/NeuroSIM/Param.cpp: writeVoltage = 2 V)",
          [](H& h) -> double& { return h.crossbar.device.write_voltage_v; });
  add_num(v, "crossbar.device.write_pulse_ns", 50.0, 0, true, kMaxLatencyNs, "ns",
          "one write pulse; the rows of an array are written one after another, one pulse per row (no "
          "program-and-verify iterations)",
          "DNN+NeuroSim V2.1 (neurosim/DNN_NeuroSim_V2.1, Training_pytorch/NeuroSIM/Param.cpp: writePulseWidth "
          "= 50 ns); NeuroSim V1.4's Param.cpp sets no write pulse width",
          [](H& h) -> double& { return h.crossbar.device.write_pulse_ns; });
  add_num(v, "crossbar.device.endurance_cycles", 1e12, 1, false, 1e18, "",
          "writes a cell endures; reports give the inferences until the most-written spare cell reaches it",
          "Lee et al., Nature Materials 10, 625-630 (2011), Ta2O5-x/TaO2-x bilayer RRAM: 10^12 switching "
          "cycles, the best reported for metal-oxide RRAM (multi-level programming endures fewer)",
          [](H& h) -> double& { return h.crossbar.device.endurance_cycles; });
  add_cost(v, "crossbar", [](H& h) -> Cost& { return h.crossbar.cost; }, Action::crossbar_cell_read,
           "one cell on a driven row and a used column for one phase (energy); one array (leakage, area)",
           "model: crossbar_estimate (components.hpp)");

  add_int(v, "dac.bits", 1, 1, 16, "bit", "input bits applied per phase (one DAC per row)", isaac + " (1-bit DACs)",
          [](H& h) -> int& { return h.dac.bits; });
  add_cost(v, "dac", [](H& h) -> Cost& { return h.dac.cost; }, Action::dac_drive, "one row driven for one phase",
           "model: dac_estimate (components.hpp)");

  add_cost(v, "sample_hold", [](H& h) -> Cost& { return h.sample_hold.cost; }, Action::sample_hold,
           "one column sampled for one phase", "model: sample_hold_estimate (components.hpp)");

  {
    Key k;
    k.path = k.sources_key = "adc.bits";
    k.kind = Kind::bits_or_auto;
    k.def = 8;
    k.lo = 1;
    k.hi = kMaxAdcBits;
    k.unit = "bit";
    k.description = "ADC resolution, or auto: the lossless resolution of a column sum (crossbar.rows, "
                    "bits_per_cell, dac.bits, adc.flip_encoding); below it a run warns (--strict: an error)";
    k.source = isaac + " (8-bit ADC)";
    k.integer = [](H& h) -> int& { return h.adc.bits; };
    v.push_back(std::move(k));
  }
  add_choice(v, "adc.flip_encoding", {"false", "true"}, 1,
             "true: a column whose weights are mostly large is stored inverted and corrected digitally, so "
             "a lossless sum needs one bit less",
             "ISAAC (Shafiee et al., ISCA 2016), section IV: the encoding that lets an 8-bit ADC serve 128 "
             "rows of 2-bit cells", [](H& h, int i) { h.adc.flip_encoding = i == 1; });
  add_choice(v, "adc.kind", {"sar", "flash"}, 0,
             "sar: one comparison per bit, conversion time ~ bits, energy from adc.fom_fj_per_step; flash (or "
             "a multilevel sense amplifier): 2^bits - 1 comparators compare every level at once, one comparison "
             "time per conversion, energy 2^bits - 1 comparisons (MNSIM 2.0's sense amplifier, node-scaled)",
             isaac + " (a SAR-like 8-bit ADC at 1.28 GS/s)", [](H& h, int i) { h.adc.flash = i == 1; });
  add_num(v, "adc.sample_rate_gsps", 1.28, kMinSampleRateGsps, false, kMaxSampleRateGsps, "GS/s",
          "conversions per second of one ADC; default: a SAR ADC's rate, one comparison per bit, "
          "node-scaled. Given: pins the conversion time (it stops following adc.bits)",
          "model: adc_model_rate_gsps (components.hpp), ISAAC's 8 bits at 1.28 GS/s",
          [](H& h) -> double& { return h.adc.sample_rate_gsps; });
  add_num(v, "adc.fom_fj_per_step", 1.8e-3 / 1.28e9 / 256 * 1e15, 0, true, 1e9, "fJ",
          "Walden figure of merit of a SAR ADC: dynamic energy per conversion step (energy = FOM x 2^bits); "
          "refused with adc.kind: flash",
          "ISAAC's ADC (8 bit, 1.28 GS/s) with PUMA's split of its 2 mW: 1.8 mW dynamic / 1.28 GS/s / 2^8",
          [](H& h) -> double& { return h.adc.fom_fj_per_step; });
  add_num(v, "adc.thermal_knee_bits", 10.5, 1, false, 32, "bit",
          "resolution above which energy per conversion grows 4x per bit (thermal noise), not 2x",
          "Murmann, ADC Performance Survey 1997-2024: the Walden (2x/bit) and Schreier (4x/bit) bounds "
          "cross near 10-11 bits ENOB",
          [](H& h) -> double& { return h.adc.thermal_knee_bits; });
  add_int(v, "adc.per_crossbar", 1, 1, 4096, "", "ADCs per crossbar; the columns share them (at most crossbar.cols)",
          isaac + " (8 ADCs per IMA of 8 crossbars)", [](H& h) -> int& { return h.adc.per_crossbar; });
  add_cost(v, "adc", [](H& h) -> Cost& { return h.adc.cost; }, Action::adc_conversion, "one conversion",
           "model: adc_estimate (components.hpp)");

  add_int(v, "shift_add.per_pe", 4, 1, 4096, "", "shift-and-add units per PE", isaac + " (4 per IMA)",
          [](H& h) -> int& { return h.shift_add.per_pe; });
  add_cost(v, "shift_add", [](H& h) -> Cost& { return h.shift_add.cost; }, Action::shift_add,
           "one ADC result shifted and added", "model: shift_add_estimate (components.hpp)");

  add_int(v, "pe.crossbars", 8, 1, kMaxCrossbarsPerPe, "", "crossbars per PE (ISAAC: IMA)", isaac + " (8 per IMA)",
          [](H& h) -> int& { return h.pe.crossbars; });
  add_num(v, "pe.input_register.size_bytes", 2048, 0, false, kMaxRegisterBytes, "B", "PE input register (feeds the DACs)",
          isaac + " (2 KB)", [](H& h) -> double& { return h.pe.input_register.size_bytes; });
  add_cost(v, "pe.input_register", [](H& h) -> Cost& { return h.pe.input_register.cost; }, Action::pe_input_reg_bit,
           "one bit written into the register", "model: pe_input_register_estimate (components.hpp)");
  add_num(v, "pe.output_register.size_bytes", 256, 0, false, kMaxRegisterBytes, "B", "PE output register (shift-and-add results)",
          isaac + " (256 B)", [](H& h) -> double& { return h.pe.output_register.size_bytes; });
  add_cost(v, "pe.output_register", [](H& h) -> Cost& { return h.pe.output_register.cost; },
           Action::pe_output_reg_bit, "one bit written into the register",
           "model: pe_output_register_estimate (components.hpp)");

  add_int(v, "tile.pes", 12, 1, kMaxPesPerTile, "", "PEs per tile", isaac + " (12 IMAs per tile)", [](H& h) -> int& { return h.tile.pes; });
  add_choice(v, "tile.buffer.kind", {"edram", "sram"}, 0, "tile buffer technology: sets its energy, area and leakage model",
             isaac + " (eDRAM)",
             [](H& h, int i) { h.tile.buffer.kind = i == 0 ? BufferKind::edram : BufferKind::sram; });
  add_num(v, "tile.buffer.size_kib", 64, 0, true, kMaxBufferKib, "KiB",
          "tile buffer capacity: input windows and output rows waiting for their consumers; a row that finds "
          "no room goes off-chip",
          isaac + " (64 KB)",
          [](H& h) -> double& { return h.tile.buffer.size_kib; });
  add_int(v, "tile.buffer.banks", 2, 1, 1024, "", "independent banks", isaac + " (2 banks)",
          [](H& h) -> int& { return h.tile.buffer.banks; });
  add_int(v, "tile.buffer.bus_bits", 256, 1, 65536, "bit", "bits per bank per digital cycle", isaac + " (256-bit bus)",
          [](H& h) -> int& { return h.tile.buffer.bus_bits; });
  add_num(v, "tile.buffer.access_latency_ns", 0, 0, false, kMaxLatencyNs, "ns", "fixed latency added to each access",
          "cimsim assumption: ISAAC hides the eDRAM access inside its 100 ns pipeline stage and states no "
          "latency; the buffer is modelled by its bandwidth alone",
          [](H& h) -> double& { return h.tile.buffer.access_latency_ns; });
  add_num(v, "tile.buffer.retention_us", 119, 1e-3, false, 1e9, "us",
          "eDRAM retention: every bit is read and rewritten once per retention time (refresh power); "
          "moves nothing for SRAM",
          "CACTI 7's eDRAM model, 64 KB at 32 nm: 119 us retention",
          [](H& h) -> double& { return h.tile.buffer.retention_us; });
  add_cost(v, "tile.buffer", [](H& h) -> Cost& { return h.tile.buffer.cost; }, Action::buffer_read_bit,
           "one bit read or written", "model: buffer_estimate (components.hpp)");
  add_int(v, "tile.bus.width_bits", 384, 1, 1 << 20, "bit", "buffer <-> PE bus, bits per digital cycle",
          isaac + " (384 wires)", [](H& h) -> int& { return h.tile.bus.width_bits; });
  add_cost(v, "tile.bus", [](H& h) -> Cost& { return h.tile.bus.cost; }, Action::bus_bit, "one bit carried",
           "model: bus_estimate (components.hpp)");
  add_num(v, "tile.output_register.size_bytes", 3072, 0, false, kMaxRegisterBytes, "B", "tile output register",
          isaac + " (3 KB)", [](H& h) -> double& { return h.tile.output_register.size_bytes; });
  add_cost(v, "tile.output_register", [](H& h) -> Cost& { return h.tile.output_register.cost; },
           Action::tile_output_reg_bit, "one bit written", "model: tile_output_register_estimate (components.hpp)");

  struct Unit {
    const char* name;
    DigitalUnitSpec TileSpec::*member;
    Action action;
    int count;
    const char* what;
    const char* src;
  };
  const Unit units[] = {
      {"pool", &TileSpec::pool, Action::pool_op, 1, "one element compared (max) or added (average)",
       "max-pool unit: 1, 0.4 mW, 0.00024 mm2"},
      {"activation", &TileSpec::activation, Action::activation_op, 2, "one element activated",
       "sigmoid unit: 2, 0.52 mW, 0.0006 mm2 for both"},
      {"accumulate", &TileSpec::accumulate, Action::accumulate_op, 1,
       "one addition (partial sums, residuals)", "shift-and-add: 1, 0.05 mW, 0.00006 mm2"}};
  for (const Unit& u : units) {
    const std::string base = std::string("tile.") + u.name;
    const auto m = u.member;
    add_int(v, base + ".count", u.count, 1, 4096, "", "units per tile", isaac + " (" + u.src + ")",
            [m](H& h) -> int& { return (h.tile.*m).count; });
    add_int(v, base + ".ops_per_cycle", 1, 1, 4096, "", "elements per unit per digital cycle (lanes: area "
            "and leakage grow with them)",
            "cimsim assumption: ISAAC states no throughput; one element per cycle",
            [m](H& h) -> int& { return (h.tile.*m).ops_per_cycle; });
    add_cost(v, base, [m](H& h) -> Cost& { return (h.tile.*m).cost; }, u.action, u.what,
             std::string("model: ") + u.name + "_estimate (components.hpp)");
  }

  add_int(v, "tile.matrix.count", 0, 0, 4096, "", "matrix engines per tile: products of two activations "
          "(attention's Q.K^T and A.V); 0: none, the accumulate units do those MACs one per op",
          "cimsim: a chip for CNNs has none; docs/workloads.md (transformers)",
          [](H& h) -> int& { return h.tile.matrix.count; });
  add_int(v, "tile.matrix.ops_per_cycle", 64, 1, 1 << 20, "", "multiply-accumulates per engine per digital cycle "
          "(MAC lanes: area and leakage grow with them)",
          "cimsim assumption: an 8 x 8 MAC array",
          [](H& h) -> int& { return h.tile.matrix.ops_per_cycle; });
  add_cost(v, "tile.matrix", [](H& h) -> Cost& { return h.tile.matrix.cost; }, Action::matrix_mac,
           "one multiply-accumulate of activation_bits operands into partial_sum_bits",
           "model: matrix_estimate (components.hpp)");
  add_choice(v, "tile.matrix.mode", {"engine", "crossbar"}, 0,
             "where products of two activations run: engine = the matrix engines (count 0: the accumulate "
             "units); crossbar = the second operand (K^T, V) is written into crossbars the mapping left unused, "
             "each inference, and the first operand's rows are read through them as MVMs (write energy, time "
             "and endurance from crossbar.device.write_*; chip.tiles: auto adds tiles for them)",
             "cimsim default: engine; crossbar as ReTransformer (Yang et al., ICCAD 2020)",
             [](H& h, int i) { h.tile.matrix_mode = MatrixMode(i); });

  add_choice(v, "tile.digital", {"given", "auto"}, 0,
             "given: the pool, activation and accumulate counts are the config's (or their defaults); auto: "
             "each count not given is sized to keep up with the tile's crossbars at their full rate, "
             "ceil(crossbars x outputs per crossbar / (phases x phase period) / (ops_per_cycle x clock)), "
             "assuming each output value needs at most one add, one activation and one pooling op in its tile",
             "cimsim: the provisioning rule is named in every report (provisioning)",
             [](H& h, int i) { h.tile.digital_auto = i == 1; });
  Key tiles;
  tiles.path = tiles.sources_key = "chip.tiles";
  tiles.kind = Kind::tiles;
  tiles.def_text = "[12, 14]";
  tiles.description = "tile mesh [rows, cols], or auto: as many tiles as the mapping needs";
  tiles.source = isaac + " (168 tiles, 12 x 14)";
  v.push_back(std::move(tiles));
  add_int(v, "chip.tiles_per_router", 4, 1, kMaxMeshDim, "", "tiles sharing one router (concentrated mesh)",
          isaac + " (router shared by 4 tiles)", [](H& h) -> int& { return h.chip.tiles_per_router; });
  add_choice(v, "chip.power_gating", {"none", "idle_tiles", "unselected"}, 0,
             "idle hardware switched off (no leakage) during a run: none; idle_tiles = tiles holding no work of "
             "the run; unselected = those and PEs whose crossbars the run never reads (a hypernetwork's "
             "unselected ops)",
             "cimsim default: no gating (ISAAC's and PUMA's chips are always on)",
             [](H& h, int i) { h.chip.power_gating = PowerGating(i); });

  add_int(v, "noc.flit_bits", 32, 1, 4096, "bit", "flit width", isaac + " (32-bit flits)",
          [](H& h) -> int& { return h.noc.flit_bits; });
  add_num(v, "noc.hop_latency_cycles", 1, 0, false, kMaxLatencyCycles, "cycle",
          "router pipeline + link traversal of the head flit, per hop",
          "cimsim assumption: ISAAC states none; a single-cycle router with lookahead routing",
          [](H& h) -> double& { return h.noc.hop_latency_cycles; });
  add_num(v, "noc.link_bandwidth_gbps", 38.4, kMinBandwidthGbps, false, kMaxBandwidthGbps, "Gb/s", "bandwidth of one link, one direction",
          isaac + ": one 32-bit flit per 1.2 GHz cycle", [](H& h) -> double& { return h.noc.link_bandwidth_gbps; });
  add_int(v, "noc.router.ports", 8, 1, 64, "", "router ports", isaac + " (8 ports)",
          [](H& h) -> int& { return h.noc.router.ports; });
  add_cost(v, "noc.router", [](H& h) -> Cost& { return h.noc.router.cost; }, Action::router_flit_hop,
           "one flit through the router and its output link (one hop)", "model: router_estimate (components.hpp)");

  add_choice(v, "offchip.kind", {"hypertransport", "gddr5", "hbm2"}, 0,
             "off-chip interface: sets its energy per bit", isaac + " (HyperTransport)",
             [](H& h, int i) { h.offchip.kind = i == 0 ? "hypertransport" : i == 1 ? "gddr5" : "hbm2"; });
  add_num(v, "offchip.bandwidth_gbps", 204.8, kMinBandwidthGbps, false, kMaxBandwidthGbps, "Gb/s", "total off-chip bandwidth",
          isaac + ": 4 links x 6.4 GB/s", [](H& h) -> double& { return h.offchip.bandwidth_gbps; });
  add_num(v, "offchip.latency_ns", 0, 0, false, kMaxLatencyNs, "ns", "fixed latency added to each off-chip transfer",
          "cimsim assumption: ISAAC states none; bandwidth alone is modelled",
          [](H& h) -> double& { return h.offchip.latency_ns; });
  add_cost(v, "offchip", [](H& h) -> Cost& { return h.offchip.cost; }, Action::offchip_bit,
           "one bit transferred; leakage and area are the whole interface", "model: offchip_estimate (components.hpp)");

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
  add_num(v, "hypernet.selector.latency_cycles", 1, 0, false, kMaxLatencyCycles, "cycle",
          "latency a selector adds to every row it passes",
          "cimsim assumption: one registered mux stage",
          [](H& h) -> double& { return h.hypernet.selector.latency_cycles; });
  add_cost(v, "hypernet.selector", [](H& h) -> Cost& { return h.hypernet.selector.cost; },
           Action::selector_op, "one activation passed by an edge selector", "model: selector_estimate (components.hpp)");
  return v;
}

}  // namespace

const Keys& keys() {
  static const Keys k = build_keys();
  return k;
}

const Key* find_key(const std::string& path) {
  for (const auto& k : keys()) {
    if (k.path == path) return &k;
  }
  return nullptr;
}

// Immediate children (leaf keys and sections) of a section ("" = top level), in schema order.
std::vector<std::string> children_of(const std::string& prefix) {
  std::vector<std::string> out;
  const std::string p = prefix.empty() ? "" : prefix + ".";
  for (const auto& k : keys()) {
    if (k.path.compare(0, p.size(), p) != 0) continue;
    const std::string rest = k.path.substr(p.size());
    const std::string child = rest.substr(0, rest.find('.'));
    if (std::find(out.begin(), out.end(), child) == out.end()) out.push_back(child);
  }
  return out;
}

bool is_section(const std::string& path) {
  const std::string p = path + ".";
  return std::any_of(keys().begin(), keys().end(),
                     [&p](const Key& k) { return k.path.compare(0, p.size(), p) == 0; });
}

void apply_defaults(HardwareSpec& hw) {
  for (const auto& k : keys()) {
    switch (k.kind) {
      case Kind::integer:
      case Kind::bits_or_auto: k.integer(hw) = static_cast<int>(k.def); break;
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

}  // namespace cimsim::models::schema
