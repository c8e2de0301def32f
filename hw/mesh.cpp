#include "hw/mesh.hpp"

#include <string>

namespace cimsim::hw {

Router::Router(sc_core::sc_module_name name, int id) : sc_module(name), id_(id) {}

Mesh::Mesh(sc_core::sc_module_name name, Context& ctx, int tiles)
    : sc_module(name), socket("socket"), ctx_(ctx), tiles_(tiles),
      grid_(mapper::router_grid(tiles, ctx.hw.chip.tiles_per_router)),
      inject_(tiles + 1), eject_(tiles + 1) {
  socket.register_b_transport(this, &Mesh::b_transport);
  at_.assign(grid_.rows, std::vector<int>(grid_.cols, -1));
  for (int r = 0; r < grid_.routers; ++r) {
    routers_.push_back(std::make_unique<Router>(("router_" + std::to_string(r)).c_str(), r));
    int row, col;
    grid_.position(r, row, col);
    at_[row][col] = r;
  }
  if (ctx_.trace) {
    static const char* dirs[] = {"E", "W", "N", "S"};
    for (auto& rt : routers_)
      for (int d = 0; d < 4; ++d) {
        int row, col;
        grid_.position(rt->id(), row, col);
        const int nr = row + (d == Router::south) - (d == Router::north);
        const int nc = col + (d == Router::east) - (d == Router::west);
        if (nr < 0 || nc < 0 || nr >= grid_.rows || nc >= grid_.cols || at_[nr][nc] < 0) continue;
        rt->out[d].log_to(ctx_.trace->add("noc", "r" + std::to_string(rt->id()) + "_" + dirs[d]));
      }
  }
}

void Mesh::for_each_link(const std::function<void(const std::string&, const Resource&)>& f) const {
  static const char* dirs[] = {"E", "W", "N", "S"};
  for (const auto& r : routers_)
    for (int d = 0; d < 4; ++d)
      if (r->out[d].requests() > 0) f("noc.r" + std::to_string(r->id()) + "_" + dirs[d], r->out[d]);
  for (int t = 0; t <= tiles_; ++t) {
    const std::string who = t == tiles_ ? "offchip" : "tile_" + std::to_string(t);
    if (inject_[t].requests() > 0) f("noc." + who + "_inject", inject_[t]);
    if (eject_[t].requests() > 0) f("noc." + who + "_eject", eject_[t]);
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
  // XY (dimension-ordered) routing; the mesh's last row may be partly empty (routers fill the
  // nearest square in snake order), and when the X-first path would cross an empty position the
  // Y-first path is taken, which then cannot.
  std::vector<Resource*> links;
  int row, col, drow, dcol;
  grid_.position(router_of(src), row, col);
  grid_.position(router_of(dst), drow, dcol);
  auto walk = [&](bool x_first) {
    links.clear();
    links.push_back(&inject_[src == kOffchip ? tiles_ : src]);
    int r = row, c = col;
    auto step_x = [&] {
      while (c != dcol) {
        if (at_[r][c] < 0) return false;
        links.push_back(&routers_[at_[r][c]]->out[dcol > c ? Router::east : Router::west]);
        c += dcol > c ? 1 : -1;
      }
      return true;
    };
    auto step_y = [&] {
      while (r != drow) {
        if (at_[r][c] < 0) return false;
        links.push_back(&routers_[at_[r][c]]->out[drow > r ? Router::south : Router::north]);
        r += drow > r ? 1 : -1;
      }
      return true;
    };
    const bool ok = x_first ? (step_x() && step_y()) : (step_y() && step_x());
    links.push_back(&eject_[dst == kOffchip ? tiles_ : dst]);
    return ok && at_[r][c] >= 0;
  };
  if (!walk(true) && !walk(false))
    SC_REPORT_FATAL("cimsim/noc", "no XY or YX route between two routers (a mesh bug)");
  return links;
}

void Mesh::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  OpExt& e = ext_of(gp);
  const double now = now_ns();
  double t = now + delay.to_seconds() * 1e9;
  if (e.src != e.dst && e.count > 0) {
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
  delay = sc_core::sc_time(t - now, sc_core::SC_NS);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace cimsim::hw
