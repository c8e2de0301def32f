#include "hw/crossbar.hpp"

#include <algorithm>

namespace cimsim::hw {

using models::Action;

Crossbar::Crossbar(sc_core::sc_module_name name, Context& ctx)
    : sc_module(name), socket("socket"), ctx_(ctx) {
  socket.register_b_transport(this, &Crossbar::b_transport);
}

double Crossbar::burst_ns(double t_read, double t_conv, int64_t vectors, int phases) {
  const int64_t steps = vectors * phases;
  if (steps <= 0) return 0.0;
  return t_read + double(steps - 1) * std::max(t_read, t_conv) + t_conv;
}

void Crossbar::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  OpExt& e = ext_of(gp);
  const double now = now_ns();
  const double start = now + delay.to_seconds() * 1e9;
  const uint64_t reads = uint64_t(e.vectors) * uint64_t(e.phases);
  const double dur = burst_ns(ctx_.hw.crossbar.read_latency_ns, e.phase_conv_ns, e.vectors, e.phases);
  const double end = resource_.reserve(start, dur, now, e.layer) + dur;
  ctx_.stats.add(e.layer, Action::crossbar_read, reads);
  // Only programmed cells conduct: with g groups on the diagonal, each driven row meets its own group's
  // columns; the cells off the diagonal are left in the off state.
  ctx_.stats.add(e.layer, Action::crossbar_cell_read,
                 reads * uint64_t(e.rows) * uint64_t(e.cols) / uint64_t(std::max(1, e.groups)));
  ctx_.stats.add(e.layer, Action::dac_drive, reads * uint64_t(e.rows));
  ctx_.stats.add(e.layer, Action::sample_hold, reads * uint64_t(e.cols));
  delay = time_ns(end - now);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

AdcBank::AdcBank(sc_core::sc_module_name name, Context& ctx)
    : sc_module(name), socket("socket"), ctx_(ctx) {
  socket.register_b_transport(this, &AdcBank::b_transport);
}

void AdcBank::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
  OpExt& e = ext_of(gp);
  e.phase_conv_ns = ctx_.hw.conversion_ns(e.cols);
  ctx_.stats.add(e.layer, Action::adc_conversion,
                 uint64_t(e.vectors) * uint64_t(e.phases) * uint64_t(e.cols));
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

ShiftAdd::ShiftAdd(sc_core::sc_module_name name, Context& ctx)
    : sc_module(name), socket("socket"), ctx_(ctx) {
  socket.register_b_transport(this, &ShiftAdd::b_transport);
}

void ShiftAdd::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  OpExt& e = ext_of(gp);
  ctx_.stats.add(e.layer, Action::shift_add, e.count);
  if (e.count > 0) delay += time_ns(ctx_.hw.cycle_ns());
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace cimsim::hw
