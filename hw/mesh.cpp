#include "hw/mesh.hpp"

#include <set>
#include <string>

namespace cimsim::hw {

Mesh::Mesh(sc_core::sc_module_name name, Context& ctx, int tiles)
    : sc_module(name), socket("socket"), ctx_(ctx), tiles_(tiles),
      grid_(mapper::router_grid(tiles, ctx.hw.chip.tiles_per_router)) {
  socket.register_b_transport(this, &Mesh::b_transport);
}

namespace {
const char* const kDirs[] = {"E", "W", "N", "S"};
}  // namespace

int Mesh::router_at(int row, int col) const { return grid_.router_at(row, col); }

Resource& Mesh::link(int router, int dir) {
  auto [it, added] = routers_.try_emplace(router);
  if (added && ctx_.trace) {
    for (int d = 0; d < 4; ++d) {
      int row, col;
      grid_.position(router, row, col);
      const int nr = row + (d == Router::south) - (d == Router::north);
      const int nc = col + (d == Router::east) - (d == Router::west);
      if (router_at(nr, nc) < 0) continue;
      it->second.out[d].log_to(ctx_.trace->add("noc", "r" + std::to_string(router) + "_" + kDirs[d]));
    }
  }
  return it->second.out[dir];
}

Resource& Mesh::endpoint_link(std::map<int, Resource>& links, int endpoint) {
  return links[endpoint == kOffchip ? tiles_ : endpoint];
}

void Mesh::for_each_link(const std::function<void(const std::string&, const Resource&)>& f) const {
  for (const auto& [id, r] : routers_)
    for (int d = 0; d < 4; ++d)
      if (r.out[d].requests() > 0) f("noc.r" + std::to_string(id) + "_" + kDirs[d], r.out[d]);
  std::set<int> endpoints;
  for (const auto& l : inject_) endpoints.insert(l.first);
  for (const auto& l : eject_) endpoints.insert(l.first);
  for (int t : endpoints) {
    const auto in = inject_.find(t), out = eject_.find(t);
    const std::string who = t == tiles_ ? "offchip" : "tile_" + std::to_string(t);
    if (in != inject_.end() && in->second.requests() > 0) f("noc." + who + "_inject", in->second);
    if (out != eject_.end() && out->second.requests() > 0) f("noc." + who + "_eject", out->second);
  }
}

int Mesh::router_of(int endpoint) const {
  return endpoint == kOffchip ? 0 : endpoint / ctx_.hw.chip.tiles_per_router;
}

int Mesh::hops(int src, int dst) const { return grid_.hops(router_of(src), router_of(dst)); }

double Mesh::serialization_ns(uint64_t bits) const {
  const auto& noc = ctx_.hw.noc;
  const uint64_t flits = (bits + noc.flit_bits - 1) / noc.flit_bits;
  return double(flits * noc.flit_bits) / noc.link_bandwidth_gbps;
}

double Mesh::unloaded_ns(int src, int dst, uint64_t bits) const {
  if (src == dst || bits == 0) return 0.0;
  const double hop = ctx_.hw.noc.hop_latency_cycles * ctx_.hw.cycle_ns();
  return (hops(src, dst) + 1) * hop + serialization_ns(bits);
}

std::vector<Resource*> Mesh::route(int src, int dst) {
  // the path is planned first (mapper::RouterGrid::path); links are created (or found) only for it
  const auto hops = grid_.path(router_of(src), router_of(dst));
  std::vector<Resource*> links;
  links.reserve(hops.size() + 2);
  links.push_back(&endpoint_link(inject_, src));
  for (const auto& [router, dir] : hops) links.push_back(&link(router, dir));
  links.push_back(&endpoint_link(eject_, dst));
  return links;
}

void Mesh::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  OpExt& e = ext_of(gp);
  const double now = now_ns();
  double t = now + delay.to_seconds() * 1e9;
  if (e.dsts) {
    t = multicast(e, t, now);
  } else if (e.src != e.dst && e.count > 0) {
    const auto& noc = ctx_.hw.noc;
    const double hop = noc.hop_latency_cycles * ctx_.hw.cycle_ns();
    const double ser = serialization_ns(e.count);
    const auto links = route(e.src, e.dst);
    // Wormhole: the head advances one router per hop latency; each link is held for the packet's
    // serialization time, so a busy link delays the whole packet.
    double start = 0.0, injected = 0.0;
    for (size_t i = 0; i < links.size(); ++i) {
      start = links[i]->reserve(t, ser, now, e.layer);
      if (i == 0) injected = start;
      t = start + (i + 1 < links.size() ? hop : 0.0);
    }
    t = start + ser;
    if (ctx_.trace) ctx_.trace->transfers.push_back({e.src, e.dst, e.layer, injected, t, e.count});
    const uint64_t flits = (e.count + noc.flit_bits - 1) / noc.flit_bits;
    ctx_.stats.add(e.layer, models::Action::router_flit_hop, flits * uint64_t(links.size() - 1));
  }
  delay = time_ns(t - now);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

double Mesh::multicast(OpExt& e, double t0, double now) {
  // The XY routes from one source share their prefixes, so together they form a tree; the packet is
  // copied where the routes part, and each link of the tree is reserved once (wormhole timing as for a
  // unicast: the head advances one hop latency per router, each link held for the serialization).
  const auto& noc = ctx_.hw.noc;
  const double hop = noc.hop_latency_cycles * ctx_.hw.cycle_ns();
  const double ser = serialization_ns(e.count);
  std::map<Resource*, double> booked;  // link of the tree -> start of its reservation
  double last = t0;
  if (e.arrivals) e.arrivals->assign(e.dsts->size(), t0);
  for (size_t k = 0; k < e.dsts->size(); ++k) {
    const int dst = (*e.dsts)[k];
    if (dst == e.src || e.count == 0) continue;
    const auto links = route(e.src, dst);
    double t = t0, start = t0;
    for (size_t i = 0; i < links.size(); ++i) {
      auto [it, fresh] = booked.try_emplace(links[i], 0.0);
      if (fresh) it->second = links[i]->reserve(t, ser, now, e.layer);
      start = it->second;
      t = start + (i + 1 < links.size() ? hop : 0.0);
    }
    const double arrived = start + ser;
    if (e.arrivals) (*e.arrivals)[k] = arrived;
    last = std::max(last, arrived);
    if (ctx_.trace) ctx_.trace->transfers.push_back({e.src, dst, e.layer, booked[links.front()], arrived, e.count});
  }
  // router traversals: every link of the tree but the injection link
  const uint64_t flits = (e.count + noc.flit_bits - 1) / noc.flit_bits;
  if (!booked.empty()) ctx_.stats.add(e.layer, models::Action::router_flit_hop, flits * uint64_t(booked.size() - 1));
  return last;
}

}  // namespace cimsim::hw
