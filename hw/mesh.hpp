// The network-on-chip: routers on a 2-D mesh, XY routing, wormhole timing with per-link serialization.
// Endpoints are tiles (tiles_per_router share a router through their own injection/ejection links) and
// the off-chip port, attached to router 0.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "hw/context.hpp"
#include "hw/payload.hpp"
#include "mapper/mapping.hpp"

namespace cimsim::hw {

// One router and the links leaving it (east, west, north, south) and toward its tiles.
class Router : public sc_core::sc_module {
 public:
  enum Dir { east, west, north, south };
  Router(sc_core::sc_module_name name, int id);
  int id() const { return id_; }
  Resource out[4];

 private:
  int id_;
};

class Mesh : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Mesh> socket;
  static constexpr int kOffchip = -1;  // endpoint id of the off-chip port

  Mesh(sc_core::sc_module_name name, Context& ctx, int tiles);
  const mapper::RouterGrid& grid() const { return grid_; }
  int router_of(int endpoint) const;
  // Time a packet of `bits` takes from `src` to `dst` with no contention (closed form).
  double unloaded_ns(int src, int dst, uint64_t bits) const;
  double serialization_ns(uint64_t bits) const;
  int hops(int src, int dst) const;  // router-to-router hops
  // Every link with its name and busy time (ns): for finding the busiest.
  void for_each_link(const std::function<void(const std::string&, const Resource&)>& f) const;

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  std::vector<Resource*> route(int src, int dst);
  Context& ctx_;
  int tiles_;
  mapper::RouterGrid grid_;
  std::vector<std::unique_ptr<Router>> routers_;
  std::vector<Resource> inject_, eject_;  // per tile; index tiles_ is the off-chip port
  std::vector<std::vector<int>> at_;      // router index at grid position [row][col]
};

}  // namespace cimsim::hw
