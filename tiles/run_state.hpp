// What the tile controllers share during one run: the workload, its mapping, the rows each layer has
// produced (with the time each became ready) and the completion of each input of the stream.
#pragma once

#include <limits>
#include <systemc>
#include <vector>

#include "tiles/attention_pool.hpp"
#include "tiles/dataflow_plan.hpp"

namespace cimsim::tiles {

// The first point at which a layer thread's time passed RunOptions::max_sim_ns (or was not finite).
struct Overrun {
  bool hit = false;
  double at_ns = 0.0;
  int layer = -1, input = 0, row = 0;
};

// A layer's rows as the SystemC run produces them, with the event its consumers wait on.
struct Progress : RowLedger {
  sc_core::sc_event advanced;
};

// The dataflow plan of one SystemC run plus what happens during it: the rows each layer has produced
// (Progress), the rows held per tile buffer, the stream's completion, and the events threads wait on.
struct RunState : DataflowPlan {
  RunState(const workloads::Graph& g, const mapper::Mapping& m, RunOptions o);
  std::vector<Progress> progress;           // per layer; fused ReLUs use their producer's
  std::vector<double> done_ns;              // per input: all sink outputs delivered off-chip
  std::vector<int> sinks_done;
  sc_core::sc_event input_done;
  Overrun overrun;

  // False (and the run stopped: sc_stop) when `t_ns` passes the time limit or is not finite; the first
  // such point is kept in `overrun`. Layer threads call it after every step.
  bool within_limit(double t_ns, int layer, int input, int row);

  // The tile whose buffer holds row `row` of input `n` of `producer` (ready already).
  int row_tile(int producer, int n, int row) const;
  // Where consumers pull row `row` of input `n` of `producer` from: its tile, or the off-chip port
  // (hw::Mesh::kOffchip, -1) when it was spilled.
  int row_source(int producer, int n, int row) const;
  // A pull of rows (after, last] of input `n` of `producer` at `t_ns`.
  void pulled(int producer, int n, int after, int last, double t_ns);
  // DataflowPlan::plan_buffers, and an empty ledger of held rows per tile.
  void plan_buffers(double capacity_bits, int activation_bits);

  // tile.matrix.mode: crossbar: the spare crossbars matmul layers take turns on (set up by simulate())
  AttentionPool attention;

  // Buffers: the rows held per tile.
  struct Held {
    int layer;
    size_t index;
  };
  std::vector<std::vector<Held>> held;  // per tile
  // Bits held in tile `tile`'s buffer at any time from `t_ns` on, beyond its windows: every row not yet
  // released or released after t_ns (a row whose pulls are still to come counts: conservative, so the
  // buffer never overflows whatever order the threads run in). Forgets rows released before `now_ns`.
  double held_bits(int tile, double t_ns, double now_ns);
};

}  // namespace cimsim::tiles
