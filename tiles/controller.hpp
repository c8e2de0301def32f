// A tile controller: runs the work list of its tile. For every layer whose home is this tile it runs one
// thread that walks the layer's output rows (steps) for each input of the stream: waits for the rows it
// reads, moves them over the NoC, drives buffers, bus, PEs (also on the layer's other tiles) and digital
// units through TLM transactions, and publishes when each output row is ready.
// Loosely timed: each thread runs ahead with a quantum keeper and synchronises when it must wait for
// data or its quantum is used up; resources book their time, so contention is seen whatever the order
// of calls.
#pragma once

#include <map>
#include <set>
#include <systemc>
#include <vector>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "hw/context.hpp"
#include "hw/payload.hpp"
#include "mapper/mapping.hpp"
#include "tiles/layer_plan.hpp"
#include "tiles/reduction.hpp"
#include "tiles/run_state.hpp"
#include "tiles/tile.hpp"

namespace cimsim::tiles {

class Controller : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Controller> port;  // to the chip fabric
  Controller(sc_core::sc_module_name name, hw::Context& ctx, RunState& run, const mapper::TileWork& work);

 private:
  void start();
  void run_layer(int layer);
  // One step; returns when its input reads are done (the thread moves on from there). Sets `ready` to
  // when the output row is formed, `where` to the tile that formed it and `store` to the bits to write
  // into its buffer (0: the row is the input rows it pulled, or nothing); run_layer writes them there, or
  // off-chip if that buffer has no room.
  double step_weighted(int layer, int n, int step, double t, double& ready, int& where, uint64_t& store);
  double step_digital(int layer, int n, int step, double t, double& ready, int& where, uint64_t& store);
  double step_input(int layer, int n, int step, double t, double& ready, int& where, uint64_t& store);
  // A matmul's row `step` as an MVM through the spare crossbars its second operand is written into
  // (tile.matrix.mode: crossbar; tiles/controller_attention.cpp), from `t` at tile `home`; step 0 writes
  // the operand first, the last step hands the crossbars to the next matmul. Returns when the output
  // row is back at `home`.
  double step_operand_crossbars(int layer, int step, double t, int home);
  // Whether `bits` more fit in tile `tile`'s buffer from `t` on, beside its windows and held rows.
  bool has_room(int tile, double bits, double t);
  void deliver_outputs(int layer, int n, double t);
  void wait_for(tlm_utils::tlm_quantumkeeper& qk, sc_core::sc_event& ev);
  double wait_row(tlm_utils::tlm_quantumkeeper& qk, int producer, int n, int row);
  double wait_complete(tlm_utils::tlm_quantumkeeper& qk, int producer, int n);
  // Backpressure: when row `s` of input `n` of `layer` may be made without overfilling the windows of
  // the consumers that read only it.
  double wait_for_room(tlm_utils::tlm_quantumkeeper& qk, int layer, int n, int s);

  // Transactions on the fabric.
  double op(int tile, int unit, hw::OpCode code, int layer, uint64_t count, double t);
  // Moves `bits` from tile `src` to tile `dst` or to off-chip memory (dst = hw::Mesh::kOffchip).
  double transfer(int src, int dst, int layer, uint64_t bits, double t);
  // Rows (after, last] of input `n` of `producer`, each of `row_bits`, to tiles that each keep a share
  // of every row: they come from the tiles that hold them, one multicast per source and share, and are
  // written into each destination's buffer. `dests`: (tile, share key, fraction of a row's bits); tiles
  // with the same key take the same bits. Returns, per destination, when its rows are in its buffer.
  using Dest = RowDest;
  std::vector<double> send_rows(int layer, int producer, int n, int after, int last, double row_bits,
                                const std::vector<Dest>& dests, double t);
  double row_bits(int layer) const;  // bits of one output row of `layer`
  double local_ns(const tlm_utils::tlm_quantumkeeper& qk) const;

  // What a weighted layer's step drives (tiles/layer_plan.hpp), built once per layer.
  const LayerPlan& plan_of(int layer);

  hw::Context& ctx_;
  RunState& run_;
  const mapper::TileWork& work_;
  std::map<int, LayerPlan> plans_;
  std::map<int, std::vector<int>> delivered_;  // per layer, per copy: last input row delivered
  std::map<int, int> delivered_input_;
  // Per (layer, lane: a copy, or the tile a digital layer works at): when its two latest steps had their
  // output rows formed (double-buffered operands, run_layer).
  std::map<std::pair<int, int>, std::pair<double, double>> formed_;
  int lane_of(int layer, int n, int step) const;
  // The tile a digital layer's step works at (step_digital).
  int digital_tile(int layer, int n, int step) const;
  double reads_done_ = 0;
  bool input_left_off_chip_ = false;  // set by step_input  // set by a step: when its input rows were read out of the buffer         // per layer: the input of the stream it refers to
};

}  // namespace cimsim::tiles
