// The analog array with its row DACs and column sample-and-holds, the ADC bank its columns share, and the
// PE's shift-and-add. They are parts of a PE (tiles::Pe), which calls them directly: plain objects, not
// SystemC modules, so that a chip of thousands of crossbars elaborates one module per PE instead of 18.
// Their timing and action counts are those of the modules they were (the times they take and return go
// through SystemC time, whole ps, as a TLM call's delay annotation does: sc_rounded).
#pragma once

#include <cstdint>
#include <systemc>

#include "hw/context.hpp"
#include "hw/payload.hpp"

namespace cimsim::hw {

// `t_ns` (absolute) as it arrives through a TLM call made at `now_ns`: the delay annotation holds whole ps.
inline double sc_rounded(double t_ns, double now_ns) { return now_ns + time_ns(t_ns - now_ns).to_seconds() * 1e9; }

// One crossbar. An mvm burst of V vectors x P bit-serial phases is pipelined through sample-and-hold:
// the read of phase i+1 overlaps the conversion of phase i, so it takes
//   t_read + (V*P - 1) * max(t_read, t_conv) + t_conv
// where t_conv (from the ADC bank, in OpExt::phase_conv_ns) converts the active columns of one phase.
class Crossbar {
 public:
  explicit Crossbar(Context& ctx) : ctx_(&ctx) {}
  Resource& resource() { return resource_; }
  const Resource& resource() const { return resource_; }
  static double burst_ns(double t_read, double t_conv, int64_t vectors, int phases);
  // The burst `e` (OpCode::mvm: vectors, phases, rows, cols, groups, phase_conv_ns) asked at `start_ns`
  // (absolute) during a call at `now_ns`: books the array at its earliest free time and counts the reads;
  // returns when it is done (absolute ns).
  double mvm(const OpExt& e, double start_ns, double now_ns);

 private:
  Context* ctx_;
  Resource resource_;
};

// The actions of one burst of `vectors` x `phases` on a crossbar block of `rows` driven rows, `cols` used
// columns and `groups` groups on its diagonal: a read of the array per phase, a cell read per driven row
// and used column of its own group, a DAC drive per row, a sample-and-hold and an ADC conversion per
// column. Counted by tiles::Pe for the SystemC run and by the analytical evaluator alike.
void count_mvm(Stats& stats, int layer, int64_t vectors, int phases, int rows, int cols, int groups);

// The ADCs of one crossbar: `adc.per_crossbar` converters, columns share them through a mux.
// Its time is part of the crossbar's pipeline (it sets the conversion time of one phase); it counts the
// conversions.
class AdcBank {
 public:
  explicit AdcBank(Context& ctx) : ctx_(&ctx) {}
  // OpCode::convert of `e.cols` columns: sets e.phase_conv_ns (count_mvm counts the conversions).
  void convert(OpExt& e) const;

 private:
  Context* ctx_;
};

// The shift-and-add units of a PE: they weigh each ADC result by its bit position (input phase and cell
// slice) and add it into the output register. Pipelined behind the ADCs (one op per ADC result, at the
// ADCs' rate), they add one digital cycle of latency after the last conversion.
class ShiftAdd {
 public:
  explicit ShiftAdd(Context& ctx) : ctx_(&ctx) {}
  // `results` ADC results, the last converted at `end_ns` (absolute), during a call at `now_ns`: returns
  // when the last is added (absolute ns); tiles::Pe::count counts the adds.
  double add(uint64_t results, double end_ns, double now_ns) const;

 private:
  Context* ctx_;
};

}  // namespace cimsim::hw
