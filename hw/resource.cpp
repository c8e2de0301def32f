#include "hw/resource.hpp"

#include <algorithm>
#include <iterator>

namespace cimsim::hw {

double Resource::reserve(double earliest_ns, double duration_ns, double now_ns, int tag) {
  ++requests_;
  // prune bookings that ended before now
  while (!booked_.empty() && booked_.begin()->second <= now_ns) booked_.erase(booked_.begin());
  double t = earliest_ns;
  auto it = booked_.upper_bound(t);
  if (it != booked_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > t) t = prev->second;
  }
  while (it != booked_.end() && it->first < t + duration_ns) {
    t = std::max(t, it->second);
    ++it;
  }
  if (duration_ns > 0.0) {
    // merge with touching neighbours to keep the calendar short
    double s = t, e = t + duration_ns;
    auto next = booked_.lower_bound(s);
    if (next != booked_.begin()) {
      auto prev = std::prev(next);
      if (prev->second >= s) {
        s = prev->first;
        booked_.erase(prev);
      }
    }
    next = booked_.lower_bound(s);
    if (next != booked_.end() && next->first <= e) {
      e = std::max(e, next->second);
      booked_.erase(next);
    }
    booked_[s] = e;
    busy_ns_ += duration_ns;
    waited_ns_ += t - earliest_ns;
    last_end_ns_ = std::max(last_end_ns_, t + duration_ns);
    if (tag >= 0) {
      auto found = std::find_if(by_tag_.begin(), by_tag_.end(), [tag](const auto& p) { return p.first == tag; });
      if (found == by_tag_.end()) by_tag_.push_back({tag, duration_ns});
      else found->second += duration_ns;
    }
    if (log_) log_->push_back({t, t + duration_ns, tag});
  }
  return t;
}

}  // namespace cimsim::hw
