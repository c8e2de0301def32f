// A processing element (ISAAC's IMA): crossbars with their DACs and sample-and-holds, one ADC bank per
// crossbar, shift-and-add, input and output registers. A PE serves one layer.
#pragma once

#include <memory>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "hw/context.hpp"
#include "hw/crossbar.hpp"
#include "hw/payload.hpp"

namespace cimsim::tiles {

class Pe : public sc_core::sc_module {
 public:
  // mvm: OpExt::blocks are the crossbar blocks (of this PE) to run, `vectors` input vectors,
  // `count` the bits written into the input register.
  tlm_utils::simple_target_socket<Pe> socket;
  tlm_utils::multi_passthrough_initiator_socket<Pe> xbar_port;  // [i]: crossbar i
  tlm_utils::multi_passthrough_initiator_socket<Pe> adc_port;   // [i]: ADC bank of crossbar i
  tlm_utils::simple_initiator_socket<Pe> shift_add_port;

  Pe(sc_core::sc_module_name name, hw::Context& ctx);
  hw::Crossbar& crossbar(int i) { return *xbars_[i]; }
  const hw::Crossbar& crossbar(int i) const { return *xbars_[i]; }
  int crossbars() const { return int(xbars_.size()); }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  hw::Context& ctx_;
  std::vector<std::unique_ptr<hw::Crossbar>> xbars_;
  std::vector<std::unique_ptr<hw::AdcBank>> adcs_;
  hw::ShiftAdd shift_add_;
};

}  // namespace cimsim::tiles
