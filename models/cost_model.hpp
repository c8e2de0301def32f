// Energy, power and area from action counts and the cost tables of a HardwareSpec.
// Models count actions during the run; energy is computed here afterwards, never accumulated ad hoc.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "models/hardware_spec.hpp"

namespace cimsim::models {

// Every countable action. Each maps to one component class of the breakdowns.
enum class Action : int {
  crossbar_read,        // one phase of one crossbar (a count; its energy is in crossbar_cell_read)
  crossbar_cell_read,   // one cell on a driven row and a used column, for one phase
  dac_drive,            // one row driven for one phase
  sample_hold,          // one column sampled for one phase
  adc_conversion,       // one conversion
  shift_add,            // one ADC result shifted and added
  pe_input_reg_bit,     // one bit written into a PE input register
  pe_output_reg_bit,    // one bit written into a PE output register
  buffer_read_bit,      // tile buffer
  buffer_write_bit,
  bus_bit,              // tile bus: buffer <-> PEs
  tile_output_reg_bit,  // tile output register
  pool_op,
  activation_op,
  accumulate_op,
  router_flit_hop,      // one flit through one router
  offchip_bit,
  selector_op,          // one activation through a hypernetwork edge selector
  matrix_mac,           // one multiply-accumulate of two activations on a tile's matrix engine (attention)
  crossbar_cell_write,  // one cell programmed at run time (tile.matrix.mode: crossbar; crossbar component)
  count_
};
constexpr int kActions = static_cast<int>(Action::count_);
const char* action_name(Action a);

// Component classes of the energy and area breakdowns (JSON keys).
enum class Component : int {
  crossbar, dac, sample_hold, adc, shift_add, pe_registers, buffer, bus, tile_output_register, pool,
  activation, accumulate, router, offchip, selector, matrix, count_
};
constexpr int kComponents = static_cast<int>(Component::count_);
const char* component_name(Component c);
Component component_of(Action a);

using ActionCounts = std::array<uint64_t, kActions>;

// How many instances of each component class a chip of `tiles` tiles has (routers: one per
// tiles_per_router tiles, rounded up; offchip: one interface; `selectors`: hypernetwork edge selectors,
// 0 for an individual deployment).
std::array<double, kComponents> instance_counts(const HardwareSpec& hw, int tiles, int selectors = 0);

// The hardware a run keeps busy, for power gating (chip.power_gating): tiles holding any of its work
// (crossbar blocks it reads, or digital layers), and PEs holding crossbar blocks it reads. Negative:
// unknown, nothing is gated.
struct Activity {
  int tiles_on = -1;
  int pes_on = -1;
};

// Instances that leak during a run: instance_counts() less what chip.power_gating switches off.
// idle_tiles: a tile with no work, with its PEs, buffer, bus, registers and digital units; routers,
// selectors and the off-chip interface stay on (the network must forward other tiles' packets).
// unselected: besides, in tiles that are on, PEs holding no crossbar block the run reads.
std::array<double, kComponents> powered_counts(const HardwareSpec& hw, int tiles, int selectors,
                                               const Activity& activity);

struct EnergyReport {
  double total_pj = 0.0;
  double dynamic_pj = 0.0;
  double leakage_pj = 0.0;
  double gated_pj = 0.0;  // leakage power gating saved (not in total)
  std::map<std::string, double> breakdown_pj;  // component class -> dynamic + leakage; sums to total
};
// Dynamic energy = counts x energy per action; leakage = powered instances x leakage power x time.
EnergyReport energy(const HardwareSpec& hw, const ActionCounts& counts, int tiles, double time_ns,
                    int selectors = 0, const Activity& activity = {});
double dynamic_energy_pj(const HardwareSpec& hw, Action a, uint64_t count);
// Energy of one action, pJ. A crossbar's energy_pj is one cell read (a cell on a driven row and a used
// column, one phase); crossbar_read itself (an activation count of a whole array) costs nothing; a cell
// write costs CrossbarSpec::cell_write_energy_fj.
double energy_per_action_pj(const HardwareSpec& hw, Action a);

// TOPS, TOPS/W and TOPS/mm2 (an op is a multiply or an add: 2 per MAC).
struct Efficiency {
  double tops = 0.0, tops_per_w = 0.0, tops_per_mm2 = 0.0;
};
// The chip's peak: every crossbar reading full arrays back to back (2 x rows x weights per row ops per
// input_phases x phase period), at the least energy an op can take: the analog datapath of a full array
// (cells, DACs, S&H, ADCs, shift-and-add; no data movement) plus the whole chip's leakage. No run can do
// better: a partial array costs more per op, and data movement only adds (docs/cost-model.md#efficiency).
Efficiency peak_efficiency(const HardwareSpec& hw, int tiles, int selectors = 0);
// Achieved over a run: ops / time, ops / energy, ops / time / area. A ratio whose denominator is 0 (a
// config that gives every cost as 0) is reported as 0, never infinite.
Efficiency achieved_efficiency(double ops, double time_ns, double energy_pj, double area_mm2);

struct AreaReport {
  double total_mm2 = 0.0;
  std::map<std::string, double> breakdown_mm2;  // component class -> mm2; sums to total
};
AreaReport area(const HardwareSpec& hw, int tiles, int selectors = 0);

// Leakage power of the whole chip (mW), or of what is powered (activity, chip.power_gating).
double leakage_mw(const HardwareSpec& hw, int tiles, int selectors = 0, const Activity& activity = {});

// Peak power: every unit busy at its full rate (see full_rate_per_s) plus leakage: the figure chip
// papers quote. Per component class, mW.
struct PowerReport {
  double total_mw = 0.0;
  std::map<std::string, double> breakdown_mw;
};
PowerReport peak_power(const HardwareSpec& hw, int tiles, int selectors = 0);
// Peak power of one PE (crossbars, DACs, S&H, ADCs, shift-and-add, PE registers), mW; and its area, mm2.
double pe_peak_power_mw(const HardwareSpec& hw);
double pe_area_mm2(const HardwareSpec& hw);

// Actions per second of ONE instance of the component that performs `a`, when it is busy all the time,
// as the timing model defines it (for example an ADC converts at its sample rate, but no faster than its
// crossbar supplies columns, cols / per_crossbar per phase period; a crossbar reads once per phase period
// of a full array). Used for peak power, and to derive energy per action from a
// published power figure.
double full_rate_per_s(const HardwareSpec& hw, Action a);

}  // namespace cimsim::models
