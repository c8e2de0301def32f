// Throughput-limited units: tile buffer (banks), tile bus, digital units, off-chip port.
// Each serves `count` items (bits or ops) at a fixed rate after a fixed latency, one request at a time
// (per bank for buffers), and counts its actions.
#pragma once

#include <systemc>
#include <tlm>
#include <vector>

#include "hw/context.hpp"
#include "hw/payload.hpp"
#include "hw/target_socket.hpp"

namespace cimsim::hw {

class ThroughputUnit : public sc_core::sc_module {
 public:
  TargetSocket<ThroughputUnit> socket;
  // items_per_ns: aggregate rate; the action counted per item.
  ThroughputUnit(sc_core::sc_module_name name, Context& ctx, double items_per_ns, double latency_ns,
                 models::Action action);
  Resource& resource() { return resource_; }
  const Resource& resource() const { return resource_; }
  // Time to serve n items, ns: latency + whole cycles of n / rate.
  double service_ns(uint64_t n) const { return service_ns(n, items_per_ns_, latency_ns_, ctx_.hw.cycle_ns()); }
  static double service_ns(uint64_t n, double items_per_ns, double latency_ns, double cycle_ns);

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  Context& ctx_;
  double items_per_ns_, latency_ns_;
  models::Action action_;
  Resource resource_;
};

// Banked buffer: a request of B bits is cut into bus words of `bus_bits`, dealt round-robin over the
// banks from the one after the last used, each bank serving one word per digital cycle; so small
// requests occupy one bank and leave the others to concurrent requests, large ones use all banks.
class Buffer : public sc_core::sc_module {
 public:
  TargetSocket<Buffer> socket;
  Buffer(sc_core::sc_module_name name, Context& ctx);
  std::vector<Resource>& banks() { return banks_; }
  const std::vector<Resource>& banks() const { return banks_; }
  double capacity_bits() const;

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  Context& ctx_;
  std::vector<Resource> banks_;
  size_t next_bank_ = 0;
};

}  // namespace cimsim::hw
