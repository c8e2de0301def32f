// The rules of the dataflow that follow from a workload and its mapping alone, without simulating:
// which rows each step of a layer reads, which copy of a duplicated layer computes a row, how often a
// row is pulled, and the buffer plan (reserved input windows, streamed layers). The SystemC run
// (tiles::RunState, tiles::Controller) and the analytical evaluator (sim/analytical.hpp) share them.
// Plain C++: no SystemC object, safe to build on any thread.
#pragma once

#include <limits>
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

// The buffers of a run (docs/architecture.md, "Buffers"). Every tile's buffer holds (1) the input
// windows of the layers that run on it, reserved for the whole run (ISAAC sizes its eDRAM so), and
// (2) output rows waiting until every consumer has pulled them. A row that finds no room goes off-chip.
struct BufferPlan {
  double capacity_bits = 0;
  std::vector<double> window_bits;  // per tile: the reserved input windows
  // per tile: (bits, layer) of each window reserved there
  std::vector<std::vector<std::pair<double, int>>> windows;
  // per layer: its window did not fit beside the others on a tile, so it keeps none: every step
  // pulls all the rows it reads (from the producer's buffer, or off-chip), none are reused in place
  std::vector<char> streamed;
};

// Output rows of one layer over the stream (both evaluators keep one per layer): row r of input n is ready at ready_ns[n * rows + r].
struct RowLedger {
  int rows = 1;
  std::vector<double> ready_ns;
  std::vector<int> where;           // same index: the tile whose buffer holds the row
  std::vector<double> complete_ns;  // per input: when its last row was ready (max over rows)
  double start_ns = std::numeric_limits<double>::infinity();  // first step began
  double end_ns = 0.0;                                         // last row ready
  // per step (over the stream): when it and every step before it had read their input rows from the
  // buffer into the PEs' or units' registers: the rows before the next step's first have left the
  // window then (backpressure)
  std::vector<double> freed_ns;
  // Output rows held in a tile buffer until every consumer has pulled them (same index as ready_ns):
  // pulls still to come, when the last came, and whether the row went off-chip for want of room.
  std::vector<int> pending;
  std::vector<double> release_ns;
  std::vector<char> spilled;
  double held_bits = 0;  // bits of one held row (0: a DARTS `none` stores nothing)
  // Backpressure: time its steps waited for room in a consumer's window, and the intervals.
  double stall_ns = 0;
  std::vector<std::pair<double, double>> stalls;
  // rows written off-chip (the input: left there), and pulls of them from off-chip
  uint64_t spilled_rows = 0, spill_reads = 0;
};

struct DataflowPlan {
  DataflowPlan(const workloads::Graph& g, const mapper::Mapping& m, RunOptions o);
  const workloads::Graph& graph;
  const mapper::Mapping& mapping;
  RunOptions options;
  std::vector<std::vector<int>> consumers;  // effective consumers (fused ReLUs resolved)
  std::vector<int> rows;                    // per layer: its output rows (the steps of one input)
  std::vector<int> order;                   // executed layers, topological
  std::vector<int> sinks;                   // the layer whose output leaves the chip (the last)

  int source_of(int layer) const;  // the layer whose progress stands for `layer`
  // Which copy of a duplicated layer computes output row `step` of input `n`: with at most as many
  // copies as rows, copy k owns the k-th contiguous band of rows (so it needs only its band's input
  // rows and the kernel's halo); with more copies than rows, steps take the copies in turn over the
  // stream, so the extra copies serve other inputs.
  int copy_of(int layer, int n, int step) const;
  int home_of(int layer) const { return mapping.layers[source_of(layer)].home_tile; }

  // Backpressure window (rows of `producer`, counted over the stream) of single-input consumer
  // `consumer`: the rows one of its steps reads plus one step's stride; a duplicated consumer, whose
  // copies work on their bands (or on other inputs) at once, also holds the whole map (and as many as its
  // copies serve inputs at once), and a duplicated producer, whose copies make their bands at once, may
  // be a whole map ahead.
  int window_rows(int producer, int consumer) const;
  // Backpressure applies to `consumer` of `producer` (pipelined): it reads only that producer (a DARTS
  // `none` reads nothing).
  bool backpressured_by(int consumer) const;
  // How many steps of `consumer` (counted over the stream) must have read their rows before row `s` of
  // input `n` of `producer` may be made, its window being `window` rows (window_rows): those whose first
  // row is at or before row n x rows + s - window of the stream; 0 for none.
  int64_t room_steps(int producer, int consumer, int n, int s, int window) const;
  // Rows of its input `k` the steps of `layer` read at most (first to last row of one step).
  int step_span(int layer, int k = 0) const;
  // How many times row `row` (of input `n`) of `producer` will be pulled by its consumers (and by the
  // off-chip port if it is the network's output): the count Controller::send_rows brings to zero.
  int pulls_of(int producer, int n, int row) const;

  // A weighted layer's copies: per copy, (tile, fraction of an input row its PEs read) for each tile in
  // block order; the first is the copy's home, where its outputs are reduced and buffered.
  std::vector<std::vector<std::pair<int, double>>> copy_tiles(int layer) const;
  // The tiles where output rows of `layer` can be buffered: its copies' homes for a weighted layer, the
  // tiles of its first input's rows for a digital one (it works where they are), else its home.
  std::vector<int> row_homes(int layer) const;
  // Reserves every layer's input window at the tiles it runs on (BufferPlan): the rows one step reads
  // (a step pulls its new rows once the previous step has read its rows into registers), at most the
  // whole input; a weighted layer's tiles keep the share of a row their PEs read. Zero-copy layers
  // (concat, identity, pad, slice, flatten) and DARTS `none` reserve nothing: their output rows are the
  // rows they pulled. Where a tile's windows exceed its capacity, the largest there is streamed instead
  // (BufferPlan::streamed), until the rest fit.
  void plan_buffers(double capacity_bits, int activation_bits);
  BufferPlan buffers;

  // The last and first row of its input `k` (the producer's output row index) that step `step` of
  // `layer` reads; last < first: the step reads nothing of that input (a concatenation along rows
  // before or after that input's part). A matmul's second operand is read whole by every step.
  int last_row_needed(int layer, int step, int k = 0) const;
  int first_row_needed(int layer, int step, int k = 0) const;
  // The rows (before, last] of its input `k` that step `step` of digital layer `layer` pulls: those it
  // has not pulled for an earlier step; streamed (no window of its own), every row the step reads.
  std::pair<int, int> digital_pull(int layer, int step, int k) const;
  // The rows (have, last] of its input that step `step` of weighted layer `layer` pulls to its copy,
  // whose tiles hold rows up to `delivered` of this input (-1: none); streamed, every row the step reads.
  std::pair<int, int> weighted_pull(int layer, int step, int delivered) const;
  // Addressing, not data movement: a concatenation, identity, padding, cropping, flattening or a
  // reshape that keeps the layout; its output rows are the rows it pulled.
  static bool addressing(const workloads::Layer& l);
};

}  // namespace cimsim::tiles
