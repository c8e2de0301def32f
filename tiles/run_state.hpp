// What the tile controllers share during one run: the workload, its mapping, the rows each layer has
// produced (with the time each became ready) and the completion of each input of the stream.
#pragma once

#include <limits>
#include <systemc>
#include <vector>

#include "mapper/mapping.hpp"
#include "models/limits.hpp"
#include "workloads/graph.hpp"

namespace cimsim::tiles {

enum class Dataflow { layer_by_layer, pipelined };

struct RunOptions {
  Dataflow dataflow = Dataflow::pipelined;
  int inputs = 1;            // a stream of N inputs
  double quantum_ns = 1000;  // temporal decoupling quantum
  // A run whose simulated time would pass this is stopped with an error (cimsim run --max-sim-time-ms).
  double max_sim_ns = models::limits::kDefaultMaxSimTimeMs * 1e6;
};

// The first point at which a layer thread's time passed RunOptions::max_sim_ns (or was not finite).
struct Overrun {
  bool hit = false;
  double at_ns = 0.0;
  int layer = -1, input = 0, row = 0;
};

// Output rows of one layer over the stream: row r of input n is ready at ready_ns[n * rows + r].
struct Progress {
  int rows = 1;
  std::vector<double> ready_ns;
  std::vector<int> where;           // same index: the tile whose buffer holds the row
  std::vector<double> complete_ns;  // per input: when its last row was ready (max over rows)
  sc_core::sc_event advanced;
  double start_ns = std::numeric_limits<double>::infinity();  // first step began
  double end_ns = 0.0;                                         // last row ready
  // per step of this layer: the first row of its (first) input it still needs; for buffer occupancy
  std::vector<int> first_input_row;
  std::vector<double> step_end_ns;
};

struct RunState {
  RunState(const workloads::Graph& g, const mapper::Mapping& m, RunOptions o);
  const workloads::Graph& graph;
  const mapper::Mapping& mapping;
  RunOptions options;
  std::vector<std::vector<int>> consumers;  // effective consumers (fused ReLUs resolved)
  std::vector<Progress> progress;           // per layer; fused ReLUs use their producer's
  std::vector<int> order;                   // executed layers, topological
  std::vector<int> sinks;                   // the layer whose output leaves the chip (the last)
  std::vector<double> done_ns;              // per input: all sink outputs delivered off-chip
  std::vector<int> sinks_done;
  sc_core::sc_event input_done;
  Overrun overrun;

  // False (and the run stopped: sc_stop) when `t_ns` passes the time limit or is not finite; the first
  // such point is kept in `overrun`. Layer threads call it after every step.
  bool within_limit(double t_ns, int layer, int input, int row);

  int source_of(int layer) const;  // the layer whose progress stands for `layer`
  // Which copy of a duplicated layer computes output row `step` of input `n`: with at most as many
  // copies as rows, copy k owns the k-th contiguous band of rows (so it needs only its band's input
  // rows and the kernel's halo); with more copies than rows, steps take the copies in turn over the
  // stream, so the extra copies serve other inputs.
  int copy_of(int layer, int n, int step) const;
  // The tile whose buffer holds row `row` of input `n` of `producer` (ready already).
  int row_tile(int producer, int n, int row) const;
  int home_of(int layer) const { return mapping.layers[source_of(layer)].home_tile; }
  // The last row of producer `input` (its output row index) that step `step` of `layer` reads.
  int last_row_needed(int layer, int step) const;
  int first_row_needed(int layer, int step) const;
};

}  // namespace cimsim::tiles
