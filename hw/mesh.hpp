// The network-on-chip: routers on a 2-D mesh, XY routing, wormhole timing with per-link serialization.
// Endpoints are tiles (tiles_per_router share a router through their own injection/ejection links) and
// the off-chip port, attached to router 0.
// Links are created when a packet first uses them: a chip of 10^6 tiles whose work sits on a few costs
// what those few cost (limits.hpp, kMaxChipTiles); a link never used is idle and appears nowhere.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "hw/context.hpp"
#include "hw/payload.hpp"
#include "hw/target_socket.hpp"
#include "mapper/mapping.hpp"

namespace cimsim::hw {

// The links leaving one router toward its mesh neighbours.
struct Router {
  enum Dir { east, west, north, south };
  std::array<Resource, 4> out;
};

class Mesh : public sc_core::sc_module {
 public:
  TargetSocket<Mesh> socket;
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
  double multicast(OpExt& e, double t, double now);  // returns when the last destination has it
  std::vector<Resource*> route(int src, int dst);
  int router_at(int row, int col) const;  // the router at a grid position, -1 for an empty one
  Resource& link(int router, int dir);    // created on first use (and traced from then on)
  Resource& endpoint_link(std::map<int, Resource>& links, int endpoint);
  Context& ctx_;
  int tiles_;
  mapper::RouterGrid grid_;
  std::map<int, Router> routers_;                // routers whose links have been used
  std::map<int, Resource> inject_, eject_;       // per endpoint used; key tiles_ is the off-chip port
};

}  // namespace cimsim::hw
