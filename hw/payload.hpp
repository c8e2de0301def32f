// The TLM-2.0 extension every cimsim transaction carries: what is asked of the target.
// The generic payload's delay annotation carries time: on the call, when the request starts (relative to
// sc_time_stamp()); on return, when the target is done with it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tlm>
#include <vector>

#include "models/limits.hpp"

namespace cimsim::mapper {
struct CrossbarBlock;
}

namespace cimsim::hw {

enum class OpCode {
  mvm,           // PE / crossbar: `vectors` input vectors, bit-serial in `phases`
  convert,       // ADC bank: conversions of `cols` columns for `vectors` x `phases`
  shift_add,     // shift-and-add of `count` ADC results
  read,          // buffer: `count` bits
  write,         // buffer: `count` bits
  move,          // bus / off-chip port: `count` bits
  compute,       // digital unit: `count` ops
  transfer,      // NoC: `count` bits from router `src` to router `dst`
};

struct OpExt : tlm::tlm_extension<OpExt> {
  OpCode op = OpCode::compute;
  int layer = -1;       // for per-layer statistics and waveforms
  uint64_t count = 0;   // bits or ops
  int vectors = 0, phases = 0, rows = 0, cols = 0;
  int groups = 1;  // crossbar: groups on the block diagonal (only their own cells conduct)
  double phase_conv_ns = 0.0;  // filled by an ADC bank: conversion time of one phase
  int src = -1, dst = -1;      // NoC endpoints (tiles, or Mesh::kOffchip)
  // NoC multicast: with `dsts` set, one packet from `src` to every tile in it (dst is ignored); it
  // follows the tree of the XY routes and each link carries it once. `arrivals` (same order) gets each
  // destination's arrival time, absolute ns.
  const std::vector<int>* dsts = nullptr;
  std::vector<double>* arrivals = nullptr;
  const std::vector<const mapper::CrossbarBlock*>* blocks = nullptr;  // mvm on a PE

  tlm::tlm_extension_base* clone() const override { return new OpExt(*this); }
  void copy_from(const tlm::tlm_extension_base& e) override { *this = static_cast<const OpExt&>(e); }
};

// A time in ns as SystemC time. SystemC time is a 64-bit count of ps: a larger value would saturate (or,
// converted from a double, be undefined), so it is clamped to limits::kTimeCeilingNs (NaN too, negatives
// to 0). No legitimate time gets near it: the layer threads stop the run with an error once their time
// passes RunOptions::max_sim_ns, which is below the ceiling.
inline sc_core::sc_time time_ns(double ns) {
  const double ceiling = models::limits::kTimeCeilingNs;
  return sc_core::sc_time(std::isnan(ns) ? ceiling : std::clamp(ns, 0.0, ceiling), sc_core::SC_NS);
}

// Runs one transaction through `port` (a socket, or a pointer to a forward interface) starting at
// absolute time `start_ns` (>= now_ns); returns the absolute time (ns) at which the target is done.
template <typename Port>
double call(Port&& port, OpExt& ext, double start_ns, double now_ns, uint64_t address = 0) {
  tlm::tlm_generic_payload gp;
  gp.set_command(tlm::TLM_WRITE_COMMAND);
  gp.set_address(address);
  gp.set_data_ptr(nullptr);
  gp.set_data_length(0);
  gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  gp.set_extension(&ext);
  sc_core::sc_time delay = time_ns(start_ns - now_ns);
  port->b_transport(gp, delay);
  gp.clear_extension(&ext);  // the extension is the caller's, not the payload's
  return now_ns + delay.to_seconds() * 1e9;
}

// The target side: the extension of a payload (every cimsim target requires one).
inline OpExt& ext_of(tlm::tlm_generic_payload& gp) {
  OpExt* e = nullptr;
  gp.get_extension(e);
  if (!e) SC_REPORT_FATAL("cimsim", "transaction without an OpExt extension");
  return *e;
}

}  // namespace cimsim::hw
