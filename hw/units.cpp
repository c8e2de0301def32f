#include "hw/units.hpp"

#include <algorithm>
#include <cmath>

namespace cimsim::hw {

double now_ns() { return sc_core::sc_time_stamp().to_seconds() * 1e9; }

ThroughputUnit::ThroughputUnit(sc_core::sc_module_name name, Context& ctx, double items_per_ns,
                               double latency_ns, models::Action action)
    : sc_module(name), socket("socket"), ctx_(ctx), items_per_ns_(items_per_ns),
      latency_ns_(latency_ns), action_(action) {
  socket.register_b_transport(this, &ThroughputUnit::b_transport);
}

double ThroughputUnit::service_ns(uint64_t n, double items_per_ns, double latency_ns, double cycle) {
  if (n == 0) return 0.0;
  // whole digital cycles: a unit works on cycle boundaries
  const double raw = double(n) / items_per_ns;
  return latency_ns + std::ceil(raw / cycle - 1e-9) * cycle;
}

void ThroughputUnit::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  OpExt& e = ext_of(gp);
  const double now = now_ns();
  const double start = now + delay.to_seconds() * 1e9;
  double end = start;
  if (e.count > 0) {
    const double dur = service_ns(e.count);
    end = resource_.reserve(start, dur, now, e.layer) + dur;
    ctx_.stats.add(e.layer, action_, e.count);
  }
  delay = time_ns(end - now);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

Buffer::Buffer(sc_core::sc_module_name name, Context& ctx)
    : sc_module(name), socket("socket"), ctx_(ctx), banks_(ctx.hw.tile.buffer.banks) {
  socket.register_b_transport(this, &Buffer::b_transport);
}

double Buffer::capacity_bits() const { return ctx_.hw.tile.buffer.size_kib * 1024.0 * 8.0; }

void Buffer::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  OpExt& e = ext_of(gp);
  const auto& spec = ctx_.hw.tile.buffer;
  const double now = now_ns();
  const double start = now + delay.to_seconds() * 1e9;
  double end = start;
  if (e.count > 0) {
    const uint64_t words = (e.count + spec.bus_bits - 1) / spec.bus_bits;
    const size_t nb = banks_.size();
    const double cycle = ctx_.hw.cycle_ns();
    for (size_t k = 0; k < std::min<uint64_t>(nb, words); ++k) {
      const size_t b = (next_bank_ + k) % nb;
      const uint64_t w = words / nb + ((k < words % nb) ? 1 : 0);
      const double dur = spec.access_latency_ns + double(w) * cycle;
      end = std::max(end, banks_[b].reserve(start, dur, now, e.layer) + dur);
    }
    next_bank_ = (next_bank_ + words) % nb;
    ctx_.stats.add(e.layer, e.op == OpCode::read ? models::Action::buffer_read_bit
                                                 : models::Action::buffer_write_bit, e.count);
  }
  delay = time_ns(end - now);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace cimsim::hw
