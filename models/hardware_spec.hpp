// The decoded, validated description of one chip: what configs/*.yaml says, with defaults filled in.
// Plain data: no SystemC, no YAML. Decoding and validation live in models/config_loader.*
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace cimsim::models {

// Cost of one component instance. `energy_pj` is per action; what an action is depends on the component
// and is stated beside each use below (and in docs/config.md). The component models (components.hpp)
// fill what a config does not give.
struct Cost {
  double energy_pj = 0.0;   // dynamic energy per action
  double leakage_mw = 0.0;  // static power of one instance
  double area_um2 = 0.0;    // area of one instance
};

// Transistor flavour of the CMOS parts: high-performance (ISAAC's and PUMA's 32 nm parts) or
// low-standby-power (NeuroSim's 22 nm default): LSTP leaks ~1/1400 as much, is slower and costs a little
// more energy per operation (components.hpp).
enum class Transistors { hp, lstp };

struct TechnologySpec {
  int node_nm = 32;
  Transistors transistors = Transistors::hp;
  double clock_ghz = 1.2;  // digital clock: cycles are reported in this clock
};

struct PrecisionSpec {
  int weight_bits = 16;
  int activation_bits = 16;
  int partial_sum_bits = 24;  // width of partial sums sent between crossbars/tiles before accumulation
};

enum class SignedScheme { differential, offset };

// The memory cell as a resistor (crossbar.device): when given, a cell read costs V^2 x G x pulse.
struct DeviceSpec {
  bool given = false;
  double r_on_kohm = 0.0, r_off_kohm = 0.0;  // lowest / highest programmed resistance
  double read_voltage_v = 0.0;               // across a driven cell
  double read_pulse_ns = 0.0;                // how long the read voltage is applied
  double access_kohm = 0.0;                  // series access transistor (1T1R), 0 for a bare crossbar
  // Writing (tile.matrix.mode: crossbar, attention's operands programmed at run time): one pulse of
  // write_voltage_v for write_pulse_ns per row written, no program-and-verify; a cell endures
  // endurance_cycles writes. These apply whether or not the read keys above are given.
  double write_voltage_v = 2.0;
  double write_pulse_ns = 50.0;
  double endurance_cycles = 1e12;
};

struct CrossbarSpec {
  int rows = 128;
  int cols = 128;
  int bits_per_cell = 2;
  SignedScheme signed_weights = SignedScheme::offset;
  double read_latency_ns = 100.0;     // one analog read of the array (one input phase)
  double cell_read_energy_fj = 0.0;   // one cell on a driven row and a used column, one phase
  double cell_area_f2 = 0.0;          // one cell, in F^2 (F = technology.node_nm)
  double input_one_fraction = 1.0;    // share of driven (row, phase) inputs that are 1 and conduct
  DeviceSpec device;
  Cost cost;                          // action: one cell read (energy); leakage, area: one array
  // One cell written (crossbar_cell_write): V_w^2 x G x pulse, resolved at load (components.hpp
  // cell_write_energy_fj); its basis, for reports.
  double cell_write_energy_fj = 0.0;
  std::string cell_write_basis;
};

struct DacSpec {
  int bits = 1;
  Cost cost;  // one DAC per row; action: one row driven for one phase
};

struct SampleHoldSpec {
  Cost cost;  // one per column; action: one column sampled for one phase
};

struct AdcSpec {
  int bits = 8;                  // resolved: `bits: auto` is lossless_bits
  bool bits_auto = false;        // the config said `bits: auto`
  int lossless_bits = 8;         // lossless_adc_bits() of the crossbar and DAC (components.hpp)
  bool flip_encoding = true;     // ISAAC's inverted-column encoding: one bit fewer for lossless sums
  double sample_rate_gsps = 1.28;  // resolved: the SAR model's rate unless the config gives one
  double fom_fj_per_step = 0.0;  // Walden figure of merit, dynamic energy per conversion step
  double thermal_knee_bits = 10.5;  // above: energy x 4 per bit (thermal noise), below x 2
  int per_crossbar = 1;  // columns share these through a mux
  bool flash = false;    // adc.kind: flash (every level compared at once) or sar (one bit per comparison)
  Cost cost;             // action: one conversion
};

struct ShiftAddSpec {
  int per_pe = 4;
  Cost cost;  // action: one shift-and-add of one ADC result
};

struct RegisterSpec {
  double size_bytes = 0.0;
  Cost cost;  // action: one bit written or read
};

struct PeSpec {
  int crossbars = 8;
  RegisterSpec input_register;   // holds the input vector fed to the DACs
  RegisterSpec output_register;  // holds the shift-and-add results
};

enum class BufferKind { edram, sram };

struct BufferSpec {
  BufferKind kind = BufferKind::edram;
  double size_kib = 64.0;
  int banks = 2;
  int bus_bits = 256;  // per bank, per digital cycle
  double access_latency_ns = 0.0;
  double retention_us = 40.0;  // eDRAM: every cell refreshed once per retention time
  Cost cost;  // action: one bit read or written; leakage includes eDRAM refresh
};

struct BusSpec {   // tile-internal bus between buffer and PEs
  int width_bits = 384;  // bits per digital cycle
  Cost cost;             // action: one bit carried
};

struct DigitalUnitSpec {
  int count = 1;
  int ops_per_cycle = 1;  // per unit, per digital cycle
  Cost cost;              // action: one op (one element compared, activated or added)
};

enum class MatrixMode { engine, crossbar };

struct TileSpec {
  int pes = 12;
  BufferSpec buffer;
  BusSpec bus;
  RegisterSpec output_register;
  DigitalUnitSpec pool;        // max / average / global pooling
  DigitalUnitSpec activation;  // ReLU, sigmoid
  DigitalUnitSpec accumulate;  // partial-sum accumulation, residual add
  // Matrix engines: products of two activations (attention's Q.K^T and A.V), ops_per_cycle MAC lanes
  // each. count 0 (the default): none; the tile's accumulate units do those MACs, one per op.
  DigitalUnitSpec matrix{0, 64, {}};
  // tile.matrix.mode: where those products run. engine: the matrix engines (or the accumulate units);
  // crossbar: the second operand is written into crossbars the mapping left unused, each inference, and
  // A's rows are read through them as MVMs (ReTransformer, Yang et al., ICCAD 2020).
  MatrixMode matrix_mode = MatrixMode::engine;
  // tile.digital: auto sizes the three units' counts to keep up with the tile's crossbars
  // (config_loader.cpp, docs/config.md); false: the counts are the config's (or their defaults)
  bool digital_auto = false;
  double digital_demand_per_ns = 0;  // auto: output values the tile's crossbars make per ns at full rate
};

// Which idle hardware is switched off during a run (docs/cost-model.md#power-gating): nothing; tiles
// that hold no work of the run; or, besides those, PEs whose crossbars the run never reads (a
// hypernetwork's unselected candidate ops).
enum class PowerGating { none, idle_tiles, unselected };

struct ChipSpec {
  PowerGating power_gating = PowerGating::none;
  bool auto_size = false;  // `tiles: auto`: as many tiles as the mapping needs
  int mesh_rows = 12;      // tile mesh, when not auto
  int mesh_cols = 14;
  int tiles_per_router = 4;  // concentration
  int tiles() const { return mesh_rows * mesh_cols; }
};

struct RouterSpec {
  int ports = 8;
  Cost cost;  // action: one flit through the router (one hop)
};

struct NocSpec {
  int flit_bits = 32;
  double hop_latency_cycles = 1.0;  // router pipeline + link traversal of the head flit, digital cycles
  double link_bandwidth_gbps = 38.4;
  RouterSpec router;
};

struct OffchipSpec {
  std::string kind = "hypertransport";  // hypertransport, gddr5, hbm2 (components.hpp: offchip_estimate)
  double bandwidth_gbps = 204.8;
  double latency_ns = 0.0;
  Cost cost;  // action: one bit transferred; leakage and area are the whole interface
};

enum class Sharing { none, shared };

// The all-inclusive hypernetwork deployment (docs/hypernet.md): what the candidate ops of an edge
// share, and the selector on every edge that passes the chosen op's output to the node adder.
struct SelectorSpec {
  int elements_per_cycle = 16;   // activations passed per digital cycle
  double latency_cycles = 1.0;   // added to every row it passes
  Cost cost;                     // action: one activation passed
};

struct HypernetSpec {
  Sharing sharing = Sharing::shared;
  SelectorSpec selector;
};

struct HardwareSpec {
  std::string name = "default";
  std::string description;
  std::string file;  // where it was loaded from ("" for built-ins)
  TechnologySpec technology;
  PrecisionSpec precision;
  CrossbarSpec crossbar;
  DacSpec dac;
  SampleHoldSpec sample_hold;
  AdcSpec adc;
  ShiftAddSpec shift_add;
  PeSpec pe;
  TileSpec tile;
  ChipSpec chip;
  NocSpec noc;
  OffchipSpec offchip;
  HypernetSpec hypernet;
  // Where every value came from, keyed by dotted path ("adc.cost.energy_pj"):
  // "file.yaml:12:5" for a user value, the published source of a default, or the model that made it.
  std::map<std::string, std::string> sources;
  // Costs the config gives that the models would otherwise compute, and the knobs they then stop
  // following: {"adc", "adc.power_mw", {"adc.bits", ...}}. Reports list them; a sweep over such a knob
  // is refused unless its spec says allow_pinned (docs/sweeps.md).
  struct Pin {
    std::string component;            // "adc", "tile.buffer"
    std::string given;                // the key that pins it: "adc.power_mw"
    std::vector<std::string> knobs;   // config keys its model reads
  };
  std::vector<Pin> pinned;

  // Derived quantities used by the mapper and the model.
  double cycle_ns() const { return 1.0 / technology.clock_ghz; }
  int cells_per_weight() const {  // columns one weight occupies
    const int slices = (precision.weight_bits + crossbar.bits_per_cell - 1) / crossbar.bits_per_cell;
    return crossbar.signed_weights == SignedScheme::differential ? 2 * slices : slices;
  }
  // The levels a column sum adds up (adc.lossless_bits): a cell holds at most weight_bits of a weight,
  // a phase applies at most activation_bits of an input.
  int summed_cell_bits() const { return std::min(crossbar.bits_per_cell, precision.weight_bits); }
  int summed_input_bits() const { return std::min(dac.bits, precision.activation_bits); }
  int input_phases() const {  // bit-serial input: phases per input vector
    return (precision.activation_bits + dac.bits - 1) / dac.bits;
  }
  double conversion_ns(int active_cols) const {  // ADC time for one phase of one crossbar
    const int per_adc = (active_cols + adc.per_crossbar - 1) / adc.per_crossbar;
    return per_adc / adc.sample_rate_gsps;
  }
  // Steady-state time between phases with sample-and-hold: the read of phase i+1 overlaps the
  // conversion of phase i.
  double phase_period_ns(int active_cols) const {
    const double conv = conversion_ns(active_cols);
    return conv > crossbar.read_latency_ns ? conv : crossbar.read_latency_ns;
  }
  int crossbars_per_tile() const { return pe.crossbars * tile.pes; }
};

}  // namespace cimsim::models
