// Component cost models: one estimator per component class turns the spec's parameters and the
// technology into the energy of one action, the leakage and the area of one instance (the Accelergy /
// CiMLoop idea: the spec gives parameters, the estimator gives costs). docs/cost-model.md gives every
// formula, parameter and source; each function below names its own.
//
// Units: energy pJ per action, leakage mW per instance, area um2 per instance, time ns, rates per s.
// Every estimator is anchored at a published design point (ISAAC's Table I at 32 nm unless named) and
// moves from it by a published scaling law; at the anchor's parameters it returns the anchor's figures.
// A value the config gives (energy_pj, power_mw, leakage_mw, area_um2, adc.sample_rate_gsps) replaces the
// model's: models/config_loader.cpp applies these models only to what the config leaves out, and lists
// what the given values pin (HardwareSpec::pinned).
#pragma once

#include <string>
#include <vector>

#include "models/hardware_spec.hpp"

namespace cimsim::models {

// ---- technology scaling (Stillmaker and Baas, Integration 58, 2017) -----------------------------------
// (technology.transistors: lstp multiplies CMOS leakage by 7.0e-4, delay by 2.49 and energy by 1.25:
// CACTI 7's 64 KB SRAM at 32 nm, itrs-lstp against itrs-hp.)
// Factors of a CMOS quantity at node `nm` relative to 32 nm (ISAAC's node), interpolated log-log between
// the paper's nodes (180 nm to 7 nm, nominal supply); outside that range the nearest end's trend
// continues. Energy: switched energy of a fixed circuit; delay: its gate delay; area: its layout area.
double tech_energy_factor(double nm);
double tech_delay_factor(double nm);
double tech_area_factor(double nm);

// ---- ADC resolution (ISAAC, Shafiee et al., ISCA 2016, section IV) ----------------------------------
// Bits that convert every column sum without loss: the largest sum of `rows` driven rows, each a
// (2^cell_bits - 1) cell level times a (2^dac_bits - 1) input, is rows x (2^c - 1) x (2^d - 1), which
// needs ceil(log2(that + 1)) bits; ISAAC's encoding (a column whose weights are mostly large is stored
// inverted and corrected digitally) keeps every sum at most half the range, one bit less (never below 1).
int lossless_adc_bits(int rows, int cell_bits, int dac_bits, bool flip_encoding);

// ---- estimates -----------------------------------------------------------------------------------------
// One component's model output, with the formula and source in words (reports, docs).
struct Estimate {
  Cost cost;
  std::string basis;
};

// Crossbar array, per cell read (a cell on a driven row and a used column for one phase) and per array:
// energy = the cell's read energy (the device model, or its given value); leakage 0 (non-volatile cells
// draw no current without a read voltage); area = rows x cols x cell_area_f2 x F^2.
Estimate crossbar_estimate(const HardwareSpec& hw);
// Read energy of one cell from the device (CrossbarSpec::device): V^2 x mean conductance x pulse, fJ.
double device_cell_read_energy_fj(const DeviceSpec& d);
// Energy of one cell written (tile.matrix.mode: crossbar): write_voltage_v^2 x G x write_pulse_ns, G the
// mean of the on and off conductances (the data written is unknown), from crossbar.device when it is
// given, else NeuroSim V1.4's RRAM (R_on 100 kOhm, R_off 1.7 MOhm). fJ; `basis` says which.
double cell_write_energy_fj(const HardwareSpec& hw, std::string* basis = nullptr);
// DAC, per row drive of one phase: ISAAC's 1-bit DAC (4 mW / 1024, 0.166 um2) x 2^(bits - 1) (MNSIM 2.0's
// DAC table doubles power and area per bit), drawing that power for one read pulse.
Estimate dac_estimate(const HardwareSpec& hw);
// Sample-and-hold, per column sample: ISAAC's switched capacitor, energy and area node-scaled.
Estimate sample_hold_estimate(const HardwareSpec& hw);
// ADC, per conversion. SAR: Walden FOM x 2^bits up to adc.thermal_knee_bits, x 4 per bit above (Murmann's
// ADC survey). Flash (or a multilevel sense amplifier): 2^bits - 1 comparisons of MNSIM 2.0's sense
// amplifier (1.629 uW at 1 GS/s, 28 nm), node-scaled, x 2 per bit above the knee. Area by the survey fit of the Accelergy ADC plug-in (node^0.993 x rate^0.181 x energy^0.299)
// from ISAAC's 8-bit 1200 um2; leakage PUMA's 0.2 mW per 1200 um2.
Estimate adc_estimate(const HardwareSpec& hw);
// Conversions per second of one ADC: SAR, one bit per comparison, 1 / (bits x t_bit); flash, one comparison
// per conversion; t_bit is ISAAC's 97.66 ps x the node's delay factor x the transistor flavour's.
double adc_model_rate_gsps(const HardwareSpec& hw);
// Shift-and-add, per ADC result: an adder of partial_sum_bits, energy and area linear in width.
Estimate shift_add_estimate(const HardwareSpec& hw);
// Registers (PE input/output, tile output), per bit written: SRAM-like, energy x sqrt(size / ISAAC's size)
// (Horowitz), at least 1/8 of ISAAC's (the port's own cost); area and leakage x size.
Estimate pe_input_register_estimate(const HardwareSpec& hw);
Estimate pe_output_register_estimate(const HardwareSpec& hw);
Estimate tile_output_register_estimate(const HardwareSpec& hw);
// Tile buffer, per bit read or written, by kind (eDRAM: ISAAC; SRAM: Horowitz ISSCC 2014), bank
// capacity and node; eDRAM refresh is part of its leakage.
Estimate buffer_estimate(const HardwareSpec& hw);
// Tile bus, per bit carried: ISAAC's 384-wire bus per wire.
Estimate bus_estimate(const HardwareSpec& hw);
// Digital units (pool, activation, accumulate), per op: ISAAC's units, area x ops_per_cycle lanes.
Estimate pool_estimate(const HardwareSpec& hw);
Estimate activation_estimate(const HardwareSpec& hw);
Estimate accumulate_estimate(const HardwareSpec& hw);
// Matrix engine, per multiply-accumulate of two activations: Horowitz's 45 nm multiply and add energies
// and areas at the operand widths, x ops_per_cycle lanes for area and leakage.
Estimate matrix_estimate(const HardwareSpec& hw);
// Router, per flit hop: ISAAC (8 ports) and PUMA (4 ports) fix the port exponent; linear in flit width.
Estimate router_estimate(const HardwareSpec& hw);
// Off-chip interface, per bit: by kind (HyperTransport: ISAAC; GDDR5 / HBM2: NeuroSim V2.1).
Estimate offchip_estimate(const HardwareSpec& hw);
// Hypernetwork edge selector, per activation passed: a cimsim estimate of an 8:1 mux, node-scaled.
Estimate selector_estimate(const HardwareSpec& hw);

// Every cost entry of a HardwareSpec: its config key ("adc", "tile.buffer"), where it lives and its model.
struct CostEntry {
  const char* key;
  const Cost& (*cost)(const HardwareSpec&);
  Estimate (*model)(const HardwareSpec&);
};
const std::vector<CostEntry>& cost_entries();

// The knobs (config keys) each cost entry's model reads: "adc" -> {adc.bits, adc.fom_fj_per_step, ...}.
// A cost a config gives does not follow these (HardwareSpec::pinned).
const std::vector<std::string>& model_knobs(const std::string& component);
// The same for one field of the entry ("energy_pj", "leakage_mw", "area_um2"): a crossbar's area does not
// read its cell's read energy, its energy not the array's size.
const std::vector<std::string>& model_knobs(const std::string& component, const std::string& field);

}  // namespace cimsim::models
