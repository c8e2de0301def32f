#include "hw/crossbar.hpp"

#include <algorithm>

namespace cimsim::hw {

using models::Action;

double Crossbar::burst_ns(double t_read, double t_conv, int64_t vectors, int phases) {
  const int64_t steps = vectors * phases;
  if (steps <= 0) return 0.0;
  return t_read + double(steps - 1) * std::max(t_read, t_conv) + t_conv;
}

double Crossbar::mvm(const OpExt& e, double start_ns, double now_ns) {
  const double start = sc_rounded(start_ns, now_ns);
  const double dur = burst_ns(ctx_->hw.crossbar.read_latency_ns, e.phase_conv_ns, e.vectors, e.phases);
  const double end = resource_.reserve(start, dur, now_ns, e.layer) + dur;
  return sc_rounded(end, now_ns);
}

void count_mvm(Stats& stats, int layer, int64_t vectors, int phases, int rows, int cols, int groups) {
  const uint64_t reads = uint64_t(vectors) * uint64_t(phases);
  stats.add(layer, Action::crossbar_read, reads);
  // Only programmed cells conduct: with g groups on the diagonal, each driven row meets its own group's
  // columns; the cells off the diagonal are left in the off state.
  stats.add(layer, Action::crossbar_cell_read, reads * uint64_t(rows) * uint64_t(cols) / uint64_t(std::max(1, groups)));
  stats.add(layer, Action::dac_drive, reads * uint64_t(rows));
  stats.add(layer, Action::sample_hold, reads * uint64_t(cols));
  stats.add(layer, Action::adc_conversion, reads * uint64_t(cols));
}

void AdcBank::convert(OpExt& e) const {
  e.phase_conv_ns = ctx_->hw.conversion_ns(e.cols);
}

double ShiftAdd::add(uint64_t results, double end_ns, double now_ns) const {
  sc_core::sc_time t = time_ns(end_ns - now_ns);
  if (results > 0) t += time_ns(ctx_->hw.cycle_ns());
  return now_ns + t.to_seconds() * 1e9;
}

}  // namespace cimsim::hw
