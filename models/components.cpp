// Component cost models (components.hpp; docs/cost-model.md). Each estimator is a published anchor
// point moved by a published scaling law; the anchors are named beside their numbers.
#include "models/components.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace cimsim::models {
namespace {

// ---- anchors: ISAAC (Shafiee et al., ISCA 2016) Table I, 32 nm, 1.2 GHz -------------------------------
// Table I gives each component's peak power (busy at its full rate) and area. A component's leakage is
// a fraction of that peak (kLeak below); the rest is dynamic energy at the full rate.
constexpr double kRefNm = 32.0;
constexpr double kRefClockGhz = 1.2;
constexpr double kRefPhaseNs = 100.0;  // one crossbar read per 100 ns
constexpr double kRefAdcGsps = 1.28;
// eDRAM retention at 32 nm: CACTI 7's eDRAM model for a 64 KB array (docs/cost-model.md#buffers)
constexpr double kRefRetentionUs = 119.0;

// Leakage as a share of a component's Table I peak power, from PUMA's split of the same ISAAC components
// (puma-simulator include/constants.py, 32 nm): ADC, DAC, S&H, shift-and-add and digital units 10 %;
// bus 14 % (0.5 of 3.5 mW); router 2 % (8 ports: 1.04 of 52.5 mW); registers 20 % (0.04 of 0.2 mW).
constexpr double kLeakAnalog = 0.10;
constexpr double kLeakLogic = 0.10;
constexpr double kLeakBus = 0.5 / 3.5;
constexpr double kLeakRouter = 1.04 / (51.48 + 1.04);
constexpr double kLeakRegister = 0.2;

// Dynamic energy per action of a Table I component: (1 - leak) x peak / full rate.  mW / (1/s) -> pJ.
constexpr double dyn_pj(double mw, double rate_per_s, double leak) { return (1.0 - leak) * mw * 1e9 / rate_per_s; }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Stillmaker and Baas, "Scaling equations for the accurate prediction of CMOS device performance from
// 180 nm to 7 nm", Integration 58 (2017): their fitted delay and energy polynomials evaluated at each
// node's nominal supply (180: 1.8 V, 130: 1.3, 90: 1.2, 65: 1.1, 45 HP: 1.0, 32 HP: 0.9, 20 HP: 0.9,
// 16: 0.85, 14: 0.8, 10: 0.75, 7: 0.7 V), and their area table, all relative to 45 nm. The 20 nm
// delay (0.757, a FinFET at 0.9 V, slower than 32 nm) is left out so that a smaller node is never
// slower; 20 nm delay is interpolated between 32 and 16 nm.
struct NodeFactors {
  double nm, delay, energy, area;
};
// clang-format off
constexpr NodeFactors kNodes[] = {
    {180, 6.32,  30.6,  19.0},
    {130, 2.56,  7.32,  6.4},
    {90,  1.89,  3.73,  2.8},
    {65,  1.53,  1.95,  1.5},
    {45,  1.0,   1.0,   1.0},
    {32,  0.669, 0.531, 0.46},
    {20,  0.0,   0.233, 0.21},   // delay: not used (see above)
    {16,  0.512, 0.161, 0.19},
    {14,  0.361, 0.112, 0.17},
    {10,  0.307, 0.082, 0.10},
    {7,   0.259, 0.056, 0.059},
};
// clang-format on

// log-log interpolation of a column of kNodes at `nm` (rows with a 0 in the column skipped),
// extrapolating the end segments.
double node_curve(double nm, double NodeFactors::*col) {
  std::vector<const NodeFactors*> rows;
  for (const auto& r : kNodes)
    if (r.*col > 0) rows.push_back(&r);
  std::size_t i = 0;  // segment [i, i+1], nodes descending
  while (i + 2 < rows.size() && nm < rows[i + 1]->nm) ++i;
  const NodeFactors& a = *rows[i];
  const NodeFactors& b = *rows[i + 1];
  const double t = std::log(nm / a.nm) / std::log(b.nm / a.nm);
  return std::exp(std::log(a.*col) + t * (std::log(b.*col) - std::log(a.*col)));
}

}  // namespace

double tech_energy_factor(double nm) {
  return node_curve(nm, &NodeFactors::energy) / node_curve(kRefNm, &NodeFactors::energy);
}
double tech_delay_factor(double nm) {
  return node_curve(nm, &NodeFactors::delay) / node_curve(kRefNm, &NodeFactors::delay);
}
double tech_area_factor(double nm) {
  return node_curve(nm, &NodeFactors::area) / node_curve(kRefNm, &NodeFactors::area);
}

int lossless_adc_bits(int rows, int cell_bits, int dac_bits, bool flip_encoding) {
  // the largest column sum, in doubles: rows <= 4096, levels <= 2^16 each, so < 2^45, exact
  const double max_sum = double(rows) * (std::ldexp(1.0, cell_bits) - 1) * (std::ldexp(1.0, dac_bits) - 1);
  int bits = 0;
  while (std::ldexp(1.0, bits) < max_sum + 1) ++bits;  // ceil(log2(max_sum + 1))
  if (flip_encoding) --bits;
  return std::max(bits, 1);
}

namespace {

// Low-standby-power transistors against high-performance ones: CACTI 7, a 64 KB SRAM with a 256-bit
// port at 32 nm, itrs-lstp against itrs-hp: leakage 0.0126 vs 18.1 mW, read energy 29.6 vs 23.7 pJ,
// cycle 1.52 vs 0.61 ns.
struct Flavour {
  double leakage = 1, energy = 1, delay = 1;
};
Flavour flavour(const HardwareSpec& hw) {
  if (hw.technology.transistors == Transistors::lstp) return {0.0126 / 18.1, 29.6 / 23.7, 1.52 / 0.61};
  return {};
}

// A CMOS component known at 32 nm: energy x the node's energy factor; area x its area factor; leakage
// at the 32 nm leakage power density, so x the area factor too (CACTI's 64 KB high-performance SRAM
// leaks 18.1 mW at 32 nm and 8.8 mW at 22 nm: about its area).
Estimate logic(double energy_pj_32, double leak_mw_32, double area_um2_32, const HardwareSpec& hw,
               std::string basis) {
  const double nm = hw.technology.node_nm;
  const double af = tech_area_factor(nm);
  const Flavour f = flavour(hw);
  Estimate e;
  e.cost.energy_pj = energy_pj_32 * tech_energy_factor(nm) * f.energy;
  e.cost.leakage_mw = leak_mw_32 * af * f.leakage;
  e.cost.area_um2 = area_um2_32 * af;
  e.basis = std::move(basis) + "; node-scaled from 32 nm (Stillmaker and Baas 2017)";
  return e;
}

}  // namespace

double device_cell_read_energy_fj(const DeviceSpec& d) {
  // levels evenly spaced in conductance between 1/R_off and 1/R_on, weights uniform over them:
  // the mean conductance is the midpoint (docs/cost-model.md#crossbar)
  const double g_mean = 0.5 * (1.0 / ((d.r_on_kohm + d.access_kohm) * 1e3) +
                              1.0 / ((d.r_off_kohm + d.access_kohm) * 1e3));  // S
  return d.read_voltage_v * d.read_voltage_v * g_mean * d.read_pulse_ns * 1e-9 * 1e15;  // J -> fJ
}

double cell_write_energy_fj(const HardwareSpec& hw, std::string* basis) {
  // NeuroSim V1.4 (neurosim/DNN_NeuroSim_V1.4, Inference_pytorch/NeuroSIM/Param.cpp: resistanceOn 100e3,
  // resistanceOff 100e3 * 17) when the config gives no device; no access transistor then, as
  // crossbar.device's default
  const DeviceSpec& d = hw.crossbar.device;
  const double on = d.given ? d.r_on_kohm + d.access_kohm : 100.0, off = d.given ? d.r_off_kohm + d.access_kohm : 1700.0;
  const double g_mean = 0.5 * (1.0 / (on * 1e3) + 1.0 / (off * 1e3));  // S: the data written is unknown
  const double fj = d.write_voltage_v * d.write_voltage_v * g_mean * d.write_pulse_ns * 1e-9 * 1e15;
  if (basis)
    *basis = "write_voltage_v^2 x mean conductance x write_pulse_ns = " + num(d.write_voltage_v) + "^2 x " +
             num(g_mean * 1e6) + " uS x " + num(d.write_pulse_ns) + " ns = " + num(fj) + " fJ; conductance " +
             (d.given ? "(1/(R_on + R_access) + 1/(R_off + R_access)) / 2 from crossbar.device"
                      : "(1/100 kOhm + 1/1700 kOhm) / 2, NeuroSim V1.4 Param.cpp resistanceOn/resistanceOff (no "
                        "crossbar.device given)");
  return fj;
}

Estimate crossbar_estimate(const HardwareSpec& hw) {
  const auto& x = hw.crossbar;
  const double f_um = hw.technology.node_nm * 1e-3;
  Estimate e;
  e.cost.energy_pj = x.cell_read_energy_fj * 1e-3 * x.input_one_fraction;
  e.cost.leakage_mw = 0.0;
  e.cost.area_um2 = double(x.rows) * x.cols * x.cell_area_f2 * f_um * f_um;
  e.basis = "per cell read: " + num(x.cell_read_energy_fj) + " fJ" +
            (x.device.given ? " (from crossbar.device: V^2 x mean conductance x pulse)" : "") +
            " x input_one_fraction " + num(x.input_one_fraction) +
            "; area rows x cols x " + num(x.cell_area_f2) + " F^2; no leakage (non-volatile cells)";
  return e;
}

Estimate dac_estimate(const HardwareSpec& hw) {
  // ISAAC: 4 mW for 8 x 128 one-bit DACs = 3.906 uW each, 0.00017 mm2 for the 1024. MNSIM 2.0's DAC
  // table (Hardware_Model/DAC.py) doubles power and area per bit: x 2^(bits - 1).
  const double size = std::ldexp(1.0, hw.dac.bits - 1);
  const double mw = 4.0 / 1024 * size, um2 = 170.0 / 1024 * size;
  const double pulse = hw.crossbar.device.given ? hw.crossbar.device.read_pulse_ns : hw.crossbar.read_latency_ns;
  Estimate e = logic((1.0 - kLeakAnalog) * mw * pulse, kLeakAnalog * mw, um2, hw,  // mW x ns = pJ
                     "ISAAC's 1-bit DAC (3.906 uW, 0.166 um2) x 2^(bits - 1) (MNSIM 2.0 DAC table), drawing "
                     "its power for one read pulse (" + num(pulse) + " ns)");
  return e;
}

Estimate sample_hold_estimate(const HardwareSpec& hw) {
  // ISAAC: 10 uW for 8 x 128 S&H, one sample per 100 ns; 0.00004 mm2
  const double mw = 0.01 / 1024;
  return logic(dyn_pj(mw, 1e9 / kRefPhaseNs, kLeakAnalog), kLeakAnalog * mw, 40.0 / 1024, hw,
               "ISAAC S&H (10 uW, 0.00004 mm2 per 1024)");
}

Estimate adc_estimate(const HardwareSpec& hw) {
  const auto& a = hw.adc;
  const double b = a.bits, knee = a.thermal_knee_bits;
  Estimate e;
  std::string energy_basis;
  if (a.flash) {
    // A flash ADC (or a multilevel sense amplifier) is 2^bits - 1 comparators that all fire once per
    // conversion. One comparison: MNSIM 2.0's sense amplifier (Hardware_Model/ADC.py, choice 8, from
    // "Comparative Study of Sense Amplifiers for SRAM" scaled to 0.8 V at 28 nm): 1.629 uW at 1 GS/s,
    // of which PUMA's analog share (kLeakAnalog) leaks; node-scaled from 28 nm like every CMOS part.
    // Above the thermal knee each comparator must also halve its noise: x 2 per bit more (the same 4x
    // per bit in total as the Schreier bound the SAR model follows).
    const double cmp_pj = dyn_pj(1.629e-3, 1e9, kLeakAnalog) / tech_energy_factor(28.0) *
                          tech_energy_factor(hw.technology.node_nm) * flavour(hw).energy;
    const double comparators = std::ldexp(1.0, a.bits) - 1;
    e.cost.energy_pj = comparators * cmp_pj * (b <= knee ? 1.0 : std::pow(2.0, b - knee));
    energy_basis = "flash: 2^bits - 1 = " + num(comparators) + " comparisons of " + num(cmp_pj * 1e3) +
                   " fJ (MNSIM 2.0's sense amplifier, 1.629 uW at 1 GS/s at 28 nm, node-scaled)" +
                   (b <= knee ? std::string() : " x 2^(bits - " + num(knee) + ") above the thermal knee") +
                   "; the thermometer-to-binary encoder is not modelled";
  } else {
    const double steps = b <= knee ? std::pow(2.0, b) : std::pow(2.0, knee) * std::pow(4.0, b - knee);
    e.cost.energy_pj = a.fom_fj_per_step * steps * 1e-3;
    energy_basis = "Walden FOM " + num(a.fom_fj_per_step) + " fJ/step x " +
                   (b <= knee ? std::string("2^bits") : "2^" + num(knee) + " x 4^(bits - " + num(knee) + ")") +
                   " (Murmann ADC survey)";
  }
  // Area: the fit to Murmann's survey of the Accelergy ADC plug-in (Andrulis et al.), area ~ node^0.993
  // x rate^0.181 x energy^0.299, anchored at ISAAC's 8-bit 1.28 GS/s ADC (1200 um2 at 32 nm, 1.40625 pJ
  // with PUMA's 1.8 mW dynamic share). Leakage: PUMA's 0.2 mW at the same area density.
  const double e_ref = 1.8 / 1.28;  // pJ
  const double area = 1200.0 * std::pow(hw.technology.node_nm / kRefNm, 0.993) *
                      std::pow(a.sample_rate_gsps / kRefAdcGsps, 0.181) *
                      std::pow(std::max(e.cost.energy_pj, 1e-9) / e_ref, 0.299);
  e.cost.area_um2 = area;
  e.cost.leakage_mw = 0.2 * area / 1200.0 * flavour(hw).leakage;
  e.basis = energy_basis +
            "; area: survey fit node^0.993 x rate^0.181 x energy^0.299 (Accelergy ADC plug-in) from ISAAC's "
            "1200 um2; leakage PUMA's 0.2 mW per 1200 um2";
  return e;
}

double adc_model_rate_gsps(const HardwareSpec& hw) {
  // ISAAC: 8 bits at 1.28 GS/s, one comparison per bit: 97.66 ps per bit at 32 nm
  constexpr double t_bit_ns = 1.0 / (kRefAdcGsps * 8);
  const double comparisons = hw.adc.flash ? 1.0 : hw.adc.bits;
  return 1.0 / (comparisons * t_bit_ns * tech_delay_factor(hw.technology.node_nm) * flavour(hw).delay);
}

Estimate shift_add_estimate(const HardwareSpec& hw) {
  // ISAAC: 0.2 mW and 0.00024 mm2 for 4 units, each taking a quarter of 8 ADCs at 1.28 GS/s; an adder of
  // the partial-sum width (cimsim's 24 bits at ISAAC's 16-bit precision): energy and area ~ width
  const double mw = 0.05, w = hw.precision.partial_sum_bits / 24.0;
  return logic(dyn_pj(mw, 8 * kRefAdcGsps * 1e9 / 4, kLeakAnalog) * w, kLeakAnalog * mw * w, 60.0 * w, hw,
               "ISAAC shift-and-add (0.05 mW, 60 um2) x partial_sum_bits / 24");
}

namespace {
// An SRAM-like register file of `bytes`: energy per bit x sqrt(size / anchor size) (Horowitz ISSCC 2014:
// 8 KB -> 32 KB SRAM reads cost 10 -> 20 pJ, the square root of capacity), area and leakage ~ size.
Estimate storage(double bytes, double anchor_bytes, double mw, double rate_bits_per_s, double area_um2,
                 const HardwareSpec& hw, const std::string& what) {
  const double s = anchor_bytes > 0 ? bytes / anchor_bytes : 0.0;
  return logic(dyn_pj(mw, rate_bits_per_s, kLeakRegister) * std::sqrt(std::max(s, 1.0 / 64)),
               kLeakRegister * mw * s, area_um2 * s, hw,
               what + ": energy per bit x sqrt(size / " + num(anchor_bytes) + " B) (Horowitz 2014), area and "
               "leakage x size");
}
}  // namespace

Estimate pe_input_register_estimate(const HardwareSpec& hw) {
  return storage(hw.pe.input_register.size_bytes, 2048, 1.24, 8 * 128 * 1e9 / kRefPhaseNs, 2100.0, hw,
                 "ISAAC IMA input register (2 KB, 1.24 mW feeding 8 x 128 DACs per 100 ns, 0.0021 mm2)");
}
Estimate pe_output_register_estimate(const HardwareSpec& hw) {
  return storage(hw.pe.output_register.size_bytes, 256, 0.23, 8 * kRefAdcGsps * 1e9 * 8, 770.0, hw,
                 "ISAAC IMA output register (256 B, 0.23 mW taking 8 ADCs x 1.28 GS/s x 8 bits, 0.00077 mm2)");
}
Estimate tile_output_register_estimate(const HardwareSpec& hw) {
  return storage(hw.tile.output_register.size_bytes, 3072, 1.68, 384 * kRefClockGhz * 1e9, 3200.0, hw,
                 "ISAAC tile output register (3 KB, 1.68 mW at 384 bits x 1.2 GHz, 0.0032 mm2)");
}

Estimate buffer_estimate(const HardwareSpec& hw) {
  const auto& b = hw.tile.buffer;
  const double bank_kib = b.size_kib / b.banks;
  const double bits = b.size_kib * 8192;
  Estimate e;
  if (b.kind == BufferKind::edram) {
    // ISAAC: 64 KB eDRAM in 2 banks of 32 KB, 256 bits per bank per 1.2 GHz cycle: 20.7 mW, 0.083 mm2.
    // Its peak is the port traffic plus refresh (every bit read and rewritten once per retention time):
    // 20.7 mW = e_bit x (2 x 256 x 1.2e9 + 2 x 524288 / retention) fixes ISAAC's energy per bit.
    constexpr double mw = 20.7, port_rate = 2 * 256 * kRefClockGhz * 1e9, ref_bits = 64 * 8192;
    const double e_bit_ref = mw * 1e9 / (port_rate + 2 * ref_bits / (kRefRetentionUs * 1e-6));
    const double e_bit = e_bit_ref * std::sqrt(bank_kib / 32.0);
    e = logic(e_bit, 0.0, 83000.0 * b.size_kib / 64.0, hw, "");
    e.cost.leakage_mw = bits * 2 * e.cost.energy_pj / (b.retention_us * 1e3);  // pJ/ns = mW
    e.basis = "ISAAC eDRAM (64 KB, 2 banks, 20.7 mW, 0.083 mm2): energy per bit x sqrt(bank size / 32 KiB) "
              "(Horowitz 2014), area x size; leakage = refresh, every bit read and rewritten each " +
              num(b.retention_us) + " us; node-scaled from 32 nm (Stillmaker and Baas 2017)";
  } else {
    // energy: Horowitz (ISSCC 2014), 45 nm: a 64-bit read of an 8 KB SRAM costs 10 pJ, of 32 KB 20 pJ;
    // area and leakage: CACTI 7 for 64 KB with a 256-bit port at 32 nm (high-performance cells):
    // 0.10 mm2 and 18.1 mW
    const double e_bit_45 = 10.0 / 64 * std::sqrt(bank_kib / 8.0);
    const double e_bit_32 = e_bit_45 / tech_energy_factor(45.0);
    e = logic(e_bit_32, 18.1 * b.size_kib / 64.0, 100000.0 * b.size_kib / 64.0, hw, "");
    e.basis = "SRAM: energy per bit Horowitz 2014 (64-bit read 10 pJ at 8 KB, 20 pJ at 32 KB, 45 nm) x "
              "sqrt(bank size / 8 KiB); area 0.10 mm2 and leakage 18.1 mW per 64 KB at 32 nm (CACTI 7, "
              "high-performance cells); node-scaled (Stillmaker and Baas 2017)";
  }
  return e;
}

Estimate bus_estimate(const HardwareSpec& hw) {
  // ISAAC: 384 wires, 7 mW at 1.2 GHz, 0.090 mm2
  // Wires: pitch ~ feature size, length ISAAC's, so area ~ wires x node (not node^2)
  const double w = hw.tile.bus.width_bits / 384.0;
  Estimate e = logic(dyn_pj(7.0, 384 * kRefClockGhz * 1e9, kLeakBus), kLeakBus * 7.0 * w, 90000.0 * w, hw,
                     "ISAAC tile bus (384 wires, 7 mW, 0.090 mm2) per wire; area x node / 32 nm (wire pitch)");
  e.cost.area_um2 = 90000.0 * w * hw.technology.node_nm / kRefNm;
  return e;
}

namespace {
Estimate unit(const DigitalUnitSpec& u, double mw, double um2, const HardwareSpec& hw, const char* what) {
  const double lanes = u.ops_per_cycle;
  return logic(dyn_pj(mw, kRefClockGhz * 1e9, kLeakLogic), kLeakLogic * mw * lanes, um2 * lanes, hw,
               std::string(what) + ", one op per lane per cycle; area and leakage x ops_per_cycle lanes");
}
}  // namespace

Estimate pool_estimate(const HardwareSpec& hw) {
  return unit(hw.tile.pool, 0.4, 240.0, hw, "ISAAC max-pool unit (0.4 mW, 0.00024 mm2)");
}
Estimate activation_estimate(const HardwareSpec& hw) {
  return unit(hw.tile.activation, 0.26, 300.0, hw, "ISAAC sigmoid unit (0.26 mW, 0.0003 mm2 each)");
}
Estimate accumulate_estimate(const HardwareSpec& hw) {
  return unit(hw.tile.accumulate, 0.05, 60.0, hw, "ISAAC tile shift-and-add (0.05 mW, 0.00006 mm2)");
}

Estimate matrix_estimate(const HardwareSpec& hw) {
  // Horowitz, ISSCC 2014, 45 nm: 8-bit multiply 0.2 pJ and 282 um2, 8-bit add 0.03 pJ and 36 um2 (a
  // multiplier grows with the square of its width, an adder linearly). One lane: an activation_bits
  // multiply and a partial_sum_bits add; brought to 32 nm by the node factors, then node-scaled.
  const double m = hw.precision.activation_bits / 8.0, a = hw.precision.partial_sum_bits / 8.0;
  const double e45 = 0.2 * m * m + 0.03 * a, area45 = 282.0 * m * m + 36.0 * a;
  const double e32 = e45 / tech_energy_factor(45.0), area32 = area45 / tech_area_factor(45.0);
  const double lanes = hw.tile.matrix.ops_per_cycle;
  // leakage: the digital units' share (kLeakLogic) of the lanes' power at full rate
  const double peak_mw = e32 * lanes * hw.technology.clock_ghz;  // pJ x 1/ns = mW
  return logic(e32, kLeakLogic / (1.0 - kLeakLogic) * peak_mw, area32 * lanes, hw,
               "MAC lane from Horowitz ISSCC 2014 at 45 nm (8-bit multiply 0.2 pJ, 282 um2, x (activation_bits "
               "/ 8)^2; 8-bit add 0.03 pJ, 36 um2, x partial_sum_bits / 8), x ops_per_cycle lanes; leakage " +
                   num(100 * kLeakLogic) + " % of the lanes' power at full rate");
}

Estimate router_estimate(const HardwareSpec& hw) {
  // ISAAC: 8 ports, 32-bit flits, 42 mW, 0.151 mm2 (one flit per port per 1.2 GHz cycle). PUMA: 4 ports,
  // 16.13 mW, 0.047 mm2. Power per port-flit ~ ports^a, area ~ ports^b through the two points; both
  // linear in the flit width (the datapath is flit_bits wide).
  const double a = std::log((16.13 / 4) / (42.0 / 8)) / std::log(4.0 / 8.0);
  const double b = std::log(0.047 / 0.151) / std::log(4.0 / 8.0);
  const double p = hw.noc.router.ports / 8.0, w = hw.noc.flit_bits / 32.0;
  const double mw_per_port = 42.0 / 8 * std::pow(p, a) * w;
  return logic(dyn_pj(mw_per_port, kRefClockGhz * 1e9, kLeakRouter),
               kLeakRouter * mw_per_port * hw.noc.router.ports, 151000.0 * std::pow(p, b) * w, hw,
               "ISAAC router (8 ports, 42 mW, 0.151 mm2) and PUMA's (4 ports, 16.13 mW, 0.047 mm2): energy per "
               "flit x (ports / 8)^" + num(a) + ", area x (ports / 8)^" + num(b) + ", both x flit_bits / 32");
}

Estimate offchip_estimate(const HardwareSpec& hw) {
  const std::string& k = hw.offchip.kind;
  Estimate e;
  e.cost.leakage_mw = 0.0;
  if (k == "gddr5" || k == "hbm2") {
    // NeuroSim V2.1 DRAM.cpp: GDDR5 14 pJ/bit, HBM2 3.9 pJ/bit; it gives no interface area
    e.cost.energy_pj = k == "gddr5" ? 14.0 : 3.9;
    e.cost.area_um2 = 0.0;
    e.basis = std::string(k == "gddr5" ? "GDDR5 14" : "HBM2 3.9") +
              " pJ/bit (NeuroSim V2.1 DRAM.cpp); interface area not modelled (0); no leakage";
  } else {
    // ISAAC: HyperTransport, 4 links x 6.4 GB/s = 204.8 Gb/s: 10.4 W, 22.88 mm2; area ~ links
    e.cost.energy_pj = 10400.0 / 204.8;  // mW per Gb/s = pJ/bit
    e.cost.area_um2 = 22.88e6 * hw.offchip.bandwidth_gbps / 204.8;
    e.basis = "HyperTransport 10.4 W at 204.8 Gb/s = 50.8 pJ/bit and 22.88 mm2 per 204.8 Gb/s (ISAAC); no "
              "leakage (links power down between transfers)";
  }
  return e;
}

Estimate selector_estimate(const HardwareSpec& hw) {
  // cimsim estimate: an 8:1 mux of 16-bit activations at 32 nm, 3 levels x 16 bits x ~1 fJ per 2:1 mux
  // bit = 0.05 pJ per activation; 16 lanes x 7 muxes x 16 bits x ~1 um2 = 1800 um2
  return logic(0.05, kLeakLogic * 0.05 * 16 * kRefClockGhz, 1800.0, hw,
               "cimsim estimate: 16-lane 8:1 mux of 16-bit activations (0.05 pJ, 1800 um2 at 32 nm)");
}

const std::vector<CostEntry>& cost_entries() {
  using H = HardwareSpec;
  static const std::vector<CostEntry> entries = {
      {"crossbar", [](const H& h) -> const Cost& { return h.crossbar.cost; }, crossbar_estimate},
      {"dac", [](const H& h) -> const Cost& { return h.dac.cost; }, dac_estimate},
      {"sample_hold", [](const H& h) -> const Cost& { return h.sample_hold.cost; }, sample_hold_estimate},
      {"adc", [](const H& h) -> const Cost& { return h.adc.cost; }, adc_estimate},
      {"shift_add", [](const H& h) -> const Cost& { return h.shift_add.cost; }, shift_add_estimate},
      {"pe.input_register", [](const H& h) -> const Cost& { return h.pe.input_register.cost; },
       pe_input_register_estimate},
      {"pe.output_register", [](const H& h) -> const Cost& { return h.pe.output_register.cost; },
       pe_output_register_estimate},
      {"tile.buffer", [](const H& h) -> const Cost& { return h.tile.buffer.cost; }, buffer_estimate},
      {"tile.bus", [](const H& h) -> const Cost& { return h.tile.bus.cost; }, bus_estimate},
      {"tile.output_register", [](const H& h) -> const Cost& { return h.tile.output_register.cost; },
       tile_output_register_estimate},
      {"tile.pool", [](const H& h) -> const Cost& { return h.tile.pool.cost; }, pool_estimate},
      {"tile.activation", [](const H& h) -> const Cost& { return h.tile.activation.cost; }, activation_estimate},
      {"tile.accumulate", [](const H& h) -> const Cost& { return h.tile.accumulate.cost; }, accumulate_estimate},
      {"tile.matrix", [](const H& h) -> const Cost& { return h.tile.matrix.cost; }, matrix_estimate},
      {"noc.router", [](const H& h) -> const Cost& { return h.noc.router.cost; }, router_estimate},
      {"offchip", [](const H& h) -> const Cost& { return h.offchip.cost; }, offchip_estimate},
      {"hypernet.selector", [](const H& h) -> const Cost& { return h.hypernet.selector.cost; }, selector_estimate},
  };
  return entries;
}

const std::vector<std::string>& model_knobs(const std::string& component) {
  static const std::map<std::string, std::vector<std::string>> knobs = {
      {"crossbar", {"crossbar.rows", "crossbar.cols", "crossbar.cell_read_energy_fj", "crossbar.cell_area_f2",
                    "crossbar.input_one_fraction", "crossbar.device", "technology.node_nm"}},
      {"dac", {"dac.bits", "crossbar.read_latency_ns", "crossbar.device.read_pulse_ns", "technology.node_nm", "technology.transistors"}},
      {"sample_hold", {"technology.node_nm", "technology.transistors"}},
      {"adc", {"adc.bits", "adc.fom_fj_per_step", "adc.thermal_knee_bits", "crossbar.rows",
               "crossbar.bits_per_cell", "dac.bits", "adc.flip_encoding", "adc.kind", "technology.node_nm", "technology.transistors"}},
      {"shift_add", {"precision.partial_sum_bits", "technology.node_nm", "technology.transistors"}},
      {"pe.input_register", {"pe.input_register.size_bytes", "technology.node_nm", "technology.transistors"}},
      {"pe.output_register", {"pe.output_register.size_bytes", "technology.node_nm", "technology.transistors"}},
      {"tile.buffer", {"tile.buffer.kind", "tile.buffer.size_kib", "tile.buffer.banks", "tile.buffer.retention_us",
                       "tile.buffer.bus_bits", "technology.node_nm", "technology.transistors"}},
      {"tile.bus", {"tile.bus.width_bits", "technology.node_nm", "technology.transistors"}},
      {"tile.output_register", {"tile.output_register.size_bytes", "technology.node_nm", "technology.transistors"}},
      {"tile.pool", {"tile.pool.ops_per_cycle", "technology.node_nm", "technology.transistors"}},
      {"tile.activation", {"tile.activation.ops_per_cycle", "technology.node_nm", "technology.transistors"}},
      {"tile.accumulate", {"tile.accumulate.ops_per_cycle", "technology.node_nm", "technology.transistors"}},
      {"tile.matrix", {"tile.matrix.ops_per_cycle", "precision.activation_bits", "precision.partial_sum_bits",
                       "technology.clock_ghz", "technology.node_nm", "technology.transistors"}},
      {"noc.router", {"noc.router.ports", "noc.flit_bits", "technology.node_nm", "technology.transistors"}},
      {"offchip", {"offchip.kind", "offchip.bandwidth_gbps"}},
      {"hypernet.selector", {"technology.node_nm", "technology.transistors"}},
  };
  static const std::vector<std::string> none;
  const auto it = knobs.find(component);
  return it == knobs.end() ? none : it->second;
}

const std::vector<std::string>& model_knobs(const std::string& component, const std::string& field) {
  // where a field reads fewer knobs than its entry; every other field reads them all
  static const std::map<std::string, std::vector<std::string>> fields = {
      {"crossbar.energy_pj", {"crossbar.cell_read_energy_fj", "crossbar.input_one_fraction", "crossbar.device"}},
      {"crossbar.leakage_mw", {}},
      {"crossbar.area_um2", {"crossbar.rows", "crossbar.cols", "crossbar.cell_area_f2", "technology.node_nm"}},
      {"adc.energy_pj", {"adc.bits", "adc.fom_fj_per_step", "adc.thermal_knee_bits", "adc.kind", "crossbar.rows",
                         "crossbar.bits_per_cell", "dac.bits", "adc.flip_encoding", "technology.node_nm",
                         "technology.transistors"}},
      {"offchip.energy_pj", {"offchip.kind"}},
      {"offchip.leakage_mw", {}},
  };
  const auto it = fields.find(component + "." + field);
  return it == fields.end() ? model_knobs(component) : it->second;
}

}  // namespace cimsim::models
