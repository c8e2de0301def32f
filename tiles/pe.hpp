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
#include "mapper/mapping.hpp"

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

  // The actions of one MVM of `blocks` (this PE's, of one layer): input register bits, each block's
  // crossbar burst (hw::count_mvm), shift-and-add results, the adds of row blocks of the same outputs,
  // output register bits. Shared by b_transport and the analytical evaluator (sim/analytical.hpp).
  struct Burst {
    uint64_t results = 0, out_bits = 0, adds = 0;
  };
  static Burst count(const models::HardwareSpec& hw, hw::Stats& stats, int layer,
                     const std::vector<const mapper::CrossbarBlock*>& blocks, int vectors, int phases,
                     uint64_t input_bits);
  // Its time with no other request on its crossbars (ns): the longest crossbar's bursts (blocks sharing a
  // crossbar one after another; hw::Crossbar::burst_ns), plus the shift-and-add's cycle.
  static double unloaded_ns(const models::HardwareSpec& hw, const std::vector<const mapper::CrossbarBlock*>& blocks,
                            int vectors, int phases);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  hw::Context& ctx_;
  std::vector<hw::Crossbar> xbars_;
  std::vector<hw::AdcBank> adcs_;  // adcs_[i]: the ADC bank of crossbar i
  hw::ShiftAdd shift_add_;
};

}  // namespace cimsim::tiles
