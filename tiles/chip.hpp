// The chip top: tiles with their controllers, the mesh NoC, the off-chip port, and the fabric that
// routes the controllers' transactions to them by address (tile * kStride + unit).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <unordered_map>
#include <vector>

#include "hw/context.hpp"
#include "hw/mesh.hpp"
#include "hw/units.hpp"
#include "tiles/controller.hpp"
#include "tiles/run_state.hpp"
#include "tiles/tile.hpp"

namespace cimsim::tiles {

// Address decoder: one target socket for all initiators, one initiator binding per target. Addresses
// are sparse (tile * kStride + unit, only elaborated tiles): a hash map, not a table over the chip.
class Fabric : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Fabric> in;
  tlm_utils::multi_passthrough_initiator_socket<Fabric> out;
  explicit Fabric(sc_core::sc_module_name name);
  // Binds `target` at `address`; call in address order of your choosing before elaboration ends.
  template <typename TargetSocket>
  void attach(uint64_t address, TargetSocket& target) {
    index_[address] = targets_++;
    out.bind(target);
  }

 private:
  void b_transport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  std::unordered_map<uint64_t, int> index_;
  int targets_ = 0;
};

class Chip : public sc_core::sc_module {
 public:
  Chip(sc_core::sc_module_name name, hw::Context& ctx, RunState& run,
       const std::vector<mapper::TileWork>& work);
  int elaborated_tiles() const { return int(tiles_.size()); }
  // Busy time (ns) of every resource that served a request, by name ("tile_3.activation",
  // "tile_0.pe_2.xbar_5", "noc.r4_E", "offchip"): where a run's time went.
  std::vector<std::pair<std::string, double>> busy_times() const;
  // The end of the latest booking of any resource: no resource is busy after it.
  double last_activity_ns() const;
  // Per layer: the resource it kept busy longest, and for how long (ns); "" where it booked none.
  std::vector<std::pair<std::string, double>> binding_resources(int layers) const;
  hw::Mesh& mesh() { return mesh_; }
  // Time requests waited for busy resources, summed over every resource (hw::Resource::waited_ns).
  double waited_ns() const;

 private:
  void for_each_resource(const std::function<void(const std::string&, const hw::Resource&)>& f) const;
  // Calls f(resource, name) for every resource, where name() makes its name: only when asked, since
  // thousands of names for a query that needs a few cost more than the query.
  template <typename F>
  void visit_resources(F&& f) const;
  hw::Mesh mesh_;
  hw::ThroughputUnit offchip_;
  Fabric fabric_;
  std::vector<std::unique_ptr<Tile>> tiles_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::vector<std::unique_ptr<hw::ThroughputUnit>> selectors_;  // per hypernetwork node
  const hw::Resource* attention_ = nullptr;  // the spare crossbars of tile.matrix.mode: crossbar, if used
};

}  // namespace cimsim::tiles
