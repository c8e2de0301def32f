// The analog array with its row DACs and column sample-and-holds, and the ADC bank its columns share.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "hw/context.hpp"
#include "hw/payload.hpp"

namespace cimsim::hw {

// One crossbar. An mvm burst of V vectors x P bit-serial phases is pipelined through sample-and-hold:
// the read of phase i+1 overlaps the conversion of phase i, so it takes
//   t_read + (V*P - 1) * max(t_read, t_conv) + t_conv
// where t_conv (from the ADC bank, in OpExt::phase_conv_ns) converts the active columns of one phase.
class Crossbar : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Crossbar> socket;
  Crossbar(sc_core::sc_module_name name, Context& ctx);
  Resource& resource() { return resource_; }
  const Resource& resource() const { return resource_; }
  static double burst_ns(double t_read, double t_conv, int64_t vectors, int phases);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  Context& ctx_;
  Resource resource_;
};

// The ADCs of one crossbar: `adc.per_crossbar` converters, columns share them through a mux.
// Its time is part of the crossbar's pipeline (it returns the conversion time of one phase); it counts
// the conversions.
class AdcBank : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<AdcBank> socket;
  AdcBank(sc_core::sc_module_name name, Context& ctx);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  Context& ctx_;
};

// The shift-and-add units of a PE: they weigh each ADC result by its bit position (input phase and cell
// slice) and add it into the output register. Pipelined behind the ADCs (one op per ADC result, at the
// ADCs' rate), they add one digital cycle of latency after the last conversion.
class ShiftAdd : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<ShiftAdd> socket;
  ShiftAdd(sc_core::sc_module_name name, Context& ctx);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  Context& ctx_;
};

}  // namespace cimsim::hw
