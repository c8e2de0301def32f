// The compiled mapping: duplication, packing and placement (docs/mapping.md).
#pragma once

#include <vector>

#include "mapper/mapping.hpp"

namespace cimsim::mapper {

// What the duplication balances: a weighted layer's crossbar time for one inference with one copy
// (output vectors x input phases x phase period) and the cells one copy occupies.
struct LayerCost {
  int layer = 0;
  double time_ns = 0;
  double area_cells = 0;
  int max_copies = 1;  // copies split a layer's output rows: more copies than rows do not help
};

// Copies per layer (1..max_copies) minimizing the pipeline's bottleneck, max_i time_i / copies_i, subject
// to sum_i copies_i * area_i <= area_cells. Exact: the smallest feasible bottleneck is found by bisection,
// and copies_i = ceil(time_i / bottleneck) is the cheapest assignment reaching it.
std::vector<int> duplicate(const std::vector<LayerCost>& layers, double area_cells);
double bottleneck_ns(const std::vector<LayerCost>& layers, const std::vector<int>& copies);

// The crossbar-only bottleneck of a mapping (ns per inference): the busiest crossbar, each reading once per
// activation of every block it holds (copies share their layer's activations). RNC's latency model; the
// simulation adds buffers, buses, digital units and the NoC.
double crossbar_bottleneck_ns(const workloads::Graph& graph, const models::HardwareSpec& hw, const Mapping& m);

// The busiest tile resource other than crossbars, estimated per inference (ns), with the dataflow of
// tiles::Controller (copies own bands of rows; multicast; reduction in PE, tile and a tree; digital
// layers where their first input's rows are): NoC endpoint links (what a tile injects and ejects), mesh
// links on the XY routes, tile buffer bandwidth, activation, accumulation and pooling units.
double tile_load_ns(const workloads::Graph& graph, const models::HardwareSpec& hw, const Mapping& m);

// Input rows one copy of layer `l` receives per inference, on average, when it has `copies` copies
// (tiles::RunState::copy_of): with at most as many copies as output rows, a band of ceil(H_out / copies)
// output rows needs (band - 1) x stride + (kh - 1) x dilation + 1 input rows, at most H_in (the band and
// its halo); with more copies than rows, each step reads its kernel's rows on a copy of its own, so
// H_out x min(H_in, kh) / copies. A fully connected layer reads all H_in rows.
double copy_input_rows(const workloads::Layer& l, int copies);

// The compiled mapping of `graph` (weighted layers only: chip size, budget checks and digital layers
// are map_network's).
Mapping compile(const workloads::Graph& graph, const models::HardwareSpec& hw, const MapOptions& options);

}  // namespace cimsim::mapper
