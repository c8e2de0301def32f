// A resource that serves one request at a time: a calendar of booked intervals.
// Requests may arrive out of simulated-time order (temporally decoupled initiators run ahead); a request
// takes the earliest gap at or after its arrival that fits it, so an early request is not queued behind
// a later one. Intervals that end before the current simulation time are pruned.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace cimsim::hw {

// One busy interval, for waveforms: `tag` is the layer that used the resource.
struct BusyInterval {
  double start_ns, end_ns;
  int tag;
};

class Resource {
 public:
  // Books `duration_ns` at the earliest free time >= `earliest_ns`; returns the start.
  // `now_ns`: nothing can ask for a time before it, so bookings ending before it are forgotten.
  double reserve(double earliest_ns, double duration_ns, double now_ns, int tag = -1);
  double busy_ns() const { return busy_ns_; }
  // Time requests waited for the resource to be free (start - earliest, summed): 0 when nothing contended.
  double waited_ns() const { return waited_ns_; }
  uint64_t requests() const { return requests_; }
  // The end of the latest booking (0 before any): the run is not over before it.
  double last_end_ns() const { return last_end_ns_; }
  // Busy time per tag (layer) of the bookings made with one: (tag, ns), in first-use order.
  const std::vector<std::pair<int, double>>& busy_by_tag() const { return by_tag_; }
  // When set, every booking is appended here (waveforms).
  void log_to(std::vector<BusyInterval>* log) { log_ = log; }

 private:
  std::map<double, double> booked_;  // start -> end, disjoint
  double busy_ns_ = 0.0;
  double waited_ns_ = 0.0;
  double last_end_ns_ = 0.0;
  std::vector<std::pair<int, double>> by_tag_;  // a few layers per resource: a flat list
  uint64_t requests_ = 0;
  std::vector<BusyInterval>* log_ = nullptr;
};

}  // namespace cimsim::hw
