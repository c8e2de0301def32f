// What every component of one simulation shares: the spec, the action counters and the waveform log.
// One per run, owned by the chip top; no globals.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "hw/resource.hpp"
#include "models/cost_model.hpp"
#include "models/hardware_spec.hpp"

namespace cimsim::hw {

// Action counts per layer (index = layer; the last slot holds actions of no layer).
class Stats {
 public:
  explicit Stats(int layers) : per_layer_(layers + 1) { for (auto& c : per_layer_) c.fill(0); }
  void add(int layer, models::Action a, uint64_t n) {
    const size_t i = (layer < 0 || layer >= int(per_layer_.size()) - 1) ? per_layer_.size() - 1 : size_t(layer);
    per_layer_[i][static_cast<int>(a)] += n;
  }
  const models::ActionCounts& layer(int l) const { return per_layer_[l]; }
  void clear_layer(int l) { per_layer_[size_t(l)].fill(0); }
  models::ActionCounts total() const {
    models::ActionCounts t{};
    for (const auto& c : per_layer_)
      for (int a = 0; a < models::kActions; ++a) t[a] += c[a];
    return t;
  }
  int layers() const { return int(per_layer_.size()) - 1; }

 private:
  std::vector<models::ActionCounts> per_layer_;
};

// One NoC packet, for traces: endpoints (tiles; -1 the off-chip port), injection start to ejection end.
struct Transfer {
  int src, dst, layer;
  double start_ns, end_ns;
  uint64_t bits;
};

// Busy intervals of traced resources, grouped by signal (a tile's datapath, a NoC link), and every
// NoC transfer.
struct TraceLog {
  struct Signal {
    std::string scope, name;
    std::vector<BusyInterval> busy;
  };
  std::deque<Signal> signals;  // a deque: pointers handed out stay valid
  std::vector<BusyInterval>* add(std::string scope, std::string name) {
    signals.push_back({std::move(scope), std::move(name), {}});
    return &signals.back().busy;
  }
  std::vector<Transfer> transfers;
};

struct Context {
  const models::HardwareSpec& hw;
  Stats& stats;
  TraceLog* trace = nullptr;  // null: no waveforms
};

double now_ns();  // current SystemC time in ns

}  // namespace cimsim::hw
