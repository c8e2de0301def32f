// A processing element (ISAAC's IMA): crossbars with their DACs and sample-and-holds, one ADC bank per
// crossbar, shift-and-add, input and output registers. A PE serves one layer.
// The PE is the SystemC module (one target socket on the fabric); its crossbars, ADC banks and
// shift-and-add are plain parts it calls directly (hw/crossbar.hpp), each crossbar a hw::Resource of its
// own with the same timing, counts and names ("tile_0.pe_2.xbar_5") as when each was a module.
#pragma once

#include <systemc>
#include <tlm>
#include <vector>

#include "hw/context.hpp"
#include "hw/crossbar.hpp"
#include "hw/payload.hpp"
#include "hw/target_socket.hpp"

namespace cimsim::tiles {

class Pe : public sc_core::sc_module {
 public:
  // mvm: OpExt::blocks are the crossbar blocks (of this PE) to run, `vectors` input vectors,
  // `count` the bits written into the input register.
  hw::TargetSocket<Pe> socket;

  Pe(sc_core::sc_module_name name, hw::Context& ctx);
  hw::Crossbar& crossbar(int i) { return xbars_[size_t(i)]; }
  const hw::Crossbar& crossbar(int i) const { return xbars_[size_t(i)]; }
  int crossbars() const { return int(xbars_.size()); }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  hw::Context& ctx_;
  std::vector<hw::Crossbar> xbars_;
  std::vector<hw::AdcBank> adcs_;  // adcs_[i]: the ADC bank of crossbar i
  hw::ShiftAdd shift_add_;
};

}  // namespace cimsim::tiles
