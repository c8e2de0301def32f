#include "tiles/chip.hpp"

#include <string>

namespace cimsim::tiles {

Fabric::Fabric(sc_core::sc_module_name name) : sc_module(name), in("in"), out("out") {
  in.register_b_transport(this, &Fabric::b_transport);
}

void Fabric::b_transport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t a = gp.get_address();
  const auto it = index_.find(a);
  if (it == index_.end()) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    SC_REPORT_FATAL("cimsim/fabric", ("no target at address " + std::to_string(a)).c_str());
    return;
  }
  out[it->second]->b_transport(gp, delay);
}

Chip::Chip(sc_core::sc_module_name name, hw::Context& ctx, RunState& run,
           const std::vector<mapper::TileWork>& work)
    : sc_module(name), mesh_("noc", ctx, int(work.size())),
      offchip_("offchip", ctx, ctx.hw.offchip.bandwidth_gbps, ctx.hw.offchip.latency_ns,
               models::Action::offchip_bit),
      fabric_("fabric") {
  const int n = int(work.size());
  // Only tiles with work are elaborated: an idle tile does nothing a simulation could see (its area and
  // leakage come from the cost model), and 16,000 idle crossbar modules would cost time and memory.
  for (int t = 0; t < n; ++t) {
    if (work[t].items.empty()) continue;
    std::vector<bool> pe_used(size_t(ctx.hw.tile.pes), false);
    for (const auto& item : work[t].items)
      for (int b : item.blocks) pe_used[size_t(run.mapping.blocks[b].pe)] = true;
    tiles_.push_back(std::make_unique<Tile>(("tile_" + std::to_string(t)).c_str(), ctx, t, pe_used));
    Tile& tile = *tiles_.back();
    const uint64_t base = uint64_t(t) * kStride;
    fabric_.attach(base + Unit::buffer, tile.buffer.socket);
    fabric_.attach(base + Unit::bus, tile.bus.socket);
    fabric_.attach(base + Unit::out_reg, tile.output_register.socket);
    fabric_.attach(base + Unit::pool, tile.pool.socket);
    fabric_.attach(base + Unit::activation, tile.activation.socket);
    fabric_.attach(base + Unit::accumulate, tile.accumulate.socket);
    fabric_.attach(base + Unit::matrix, tile.matrix.socket);
    for (size_t p = 0; p < tile.pes.size(); ++p)
      if (tile.pes[p]) fabric_.attach(base + Unit::pe0 + p, tile.pes[p]->socket);
  }
  fabric_.attach(uint64_t(n) * kStride + ChipUnit::noc, mesh_.socket);
  fabric_.attach(uint64_t(n) * kStride + ChipUnit::offchip, offchip_.socket);
  // A hypernetwork node's inputs each pass their edge's selector, side by side: one unit per node whose
  // rate is its inputs' selectors together.
  const auto& sel = ctx.hw.hypernet.selector;
  for (size_t l = 0; l < run.mapping.layers.size(); ++l) {
    const int k = run.mapping.layers[l].selectors;
    if (k == 0) continue;
    selectors_.push_back(std::make_unique<hw::ThroughputUnit>(
        ("selectors_" + std::to_string(l)).c_str(), ctx,
        double(k) * sel.elements_per_cycle * ctx.hw.technology.clock_ghz, sel.latency_cycles * ctx.hw.cycle_ns(),
        models::Action::selector_op));
    fabric_.attach(selector_address(n, int(l)), selectors_.back()->socket);
  }
  for (int t = 0; t < n; ++t) {
    bool any = false;
    for (const auto& item : work[t].items) any = any || item.home;
    if (!any) continue;  // a controller with nothing to start would only cost elaboration time
    controllers_.push_back(
        std::make_unique<Controller>(("ctrl_" + std::to_string(t)).c_str(), ctx, run, work[t]));
    controllers_.back()->port.bind(fabric_.in);
  }
  if (ctx.trace) offchip_.resource().log_to(ctx.trace->add("offchip", "busy"));
  if (run.attention.on) attention_ = &run.attention.resource;
}

template <typename F>
void Chip::visit_resources(F&& f) const {
  for (const auto& t : tiles_) {
    const std::string p = "tile_" + std::to_string(t->id()) + ".";
    for (size_t b = 0; b < t->buffer.banks().size(); ++b)
      f(t->buffer.banks()[b], [&] { return p + "buffer_bank" + std::to_string(b); });
    f(t->bus.resource(), [&] { return p + "bus"; });
    f(t->output_register.resource(), [&] { return p + "output_register"; });
    f(t->pool.resource(), [&] { return p + "pool"; });
    f(t->activation.resource(), [&] { return p + "activation"; });
    f(t->accumulate.resource(), [&] { return p + "accumulate"; });
    f(t->matrix.resource(), [&] { return p + "matrix"; });
    for (size_t e = 0; e < t->pes.size(); ++e) {
      if (!t->pes[e]) continue;
      for (int x = 0; x < t->pes[e]->crossbars(); ++x)
        f(t->pes[e]->crossbar(x).resource(), [&] { return p + "pe_" + std::to_string(e) + ".xbar_" + std::to_string(x); });
    }
  }
  mesh_.for_each_link([&f](const std::string& name, const hw::Resource& r) { f(r, [&name] { return name; }); });
  f(offchip_.resource(), [] { return std::string("offchip"); });
  for (const auto& s : selectors_) f(s->resource(), [&s] { return std::string(s->name()); });
  if (attention_) f(*attention_, [] { return std::string("spare_crossbars"); });
}

std::vector<std::pair<std::string, double>> Chip::busy_times() const {
  std::vector<std::pair<std::string, double>> out;
  visit_resources([&out](const hw::Resource& r, const auto& name) {
    if (r.requests() > 0 && r.busy_ns() > 0) out.push_back({name(), r.busy_ns()});
  });
  return out;
}

std::vector<std::pair<std::string, double>> Chip::binding_resources(int layers) const {
  std::vector<std::pair<std::string, double>> out(size_t(std::max(0, layers)), {"", 0.0});
  for_each_resource([&out](const std::string& name, const hw::Resource& r) {
    for (const auto& [tag, ns] : r.busy_by_tag())
      if (tag >= 0 && size_t(tag) < out.size() && ns > out[size_t(tag)].second) out[size_t(tag)] = {name, ns};
  });
  return out;
}

double Chip::waited_ns() const {
  double w = 0.0;
  visit_resources([&w](const hw::Resource& r, const auto&) { w += r.waited_ns(); });
  return w;
}

double Chip::last_activity_ns() const {
  double end = 0.0;
  visit_resources([&end](const hw::Resource& r, const auto&) { end = std::max(end, r.last_end_ns()); });
  return end;
}

void Chip::for_each_resource(const std::function<void(const std::string&, const hw::Resource&)>& add) const {
  visit_resources([&add](const hw::Resource& r, const auto& name) { add(name(), r); });
}

}  // namespace cimsim::tiles
