// Network -> crossbars -> PEs -> tiles, and the per-tile work lists the tile controllers execute.
// Plain C++: testable without a simulation.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/hardware_spec.hpp"
#include "workloads/graph.hpp"

namespace cimsim::mapper {

struct MappingError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The most crossbar blocks a mapping may hold (all copies of all layers; docs/mapping.md#limits). The
// compiled mapping keeps about 250 bytes per block while it builds (the partition, the packing and two
// candidate mappings), so this bounds the mapper at about 256 MB; the largest torchvision models
// (6.4e8 weights) need about 3e5 blocks on the default chip.
constexpr int64_t kMaxCrossbarBlocks = int64_t(1) << 20;

// The crossbar blocks of one copy of every weighted layer of `graph` on `hw` (what partitioning makes),
// counted without building them; a MappingError when the count passes kMaxCrossbarBlocks, naming the
// count, the largest layer's share and the bound. map_network() calls it before anything is built.
int64_t check_block_count(const workloads::Graph& graph, const models::HardwareSpec& hw);

// The content of one crossbar: a block of one layer's unrolled weight matrix.
struct CrossbarBlock {
  int layer = 0;
  int tile = 0, pe = 0;        // pe: index within the tile
  int xbar = 0;                // index within the PE
  int group_first = 0;         // first group held (groups on the block diagonal)
  int groups = 1;              // groups held (diagonal packing of grouped/depthwise convolutions)
  int row_block = 0, col_block = 0;  // position in the (per group) partition
  int copy = 0;                // which copy of a duplicated layer (compiled mapping)
  int crossbar = 0;            // global crossbar index: blocks with the same index share one array
  int row_offset = 0, col_offset = 0;  // where the block sits in its crossbar
  int rows_used = 0;           // crossbar rows holding the block (unrolled kernel rows)
  int rows_driven = 0;         // rows driven per read: rows_used, fewer when a smaller kernel runs on
                               // a shared larger array (hypernetwork sharing)
  int outputs = 0;             // output channels it produces (over all its groups)
  int cols_used = 0;           // outputs x cells per weight
  // programmed cells: each diagonal group holds rows_used/groups x cols_used/groups of them
  int64_t cells() const { return int64_t(rows_used) * cols_used / groups; }
};

// How one layer is mapped. For unweighted (digital) layers only `home_tile` and the fusion fields apply.
struct LayerMapping {
  int layer = 0;
  bool weighted = false;
  int rows_per_group = 0;      // unrolled rows: kh * kw * in_channels / groups (fc: input elements)
  int outputs_per_group = 0;
  int groups = 1;
  int groups_per_crossbar = 1; // > 1: diagonal packing
  int row_blocks = 1;          // row splits: partial sums added digitally
  int col_blocks = 1;
  std::vector<int> blocks;     // indices into Mapping::blocks
  std::vector<int> tiles;      // tiles holding its blocks, ascending; tiles[0] is the home tile
  int home_tile = 0;           // where its outputs are accumulated, activated and buffered
  int fused_into = -1;         // an activation applied on its producer's output path: the producer
  int fused_activation = -1;   // the activation this layer applies on its output path, or -1
  int selectors = 0;           // hypernetwork node: its inputs pass edge selectors (one per input)
  int copies = 1;              // duplicated layers: copy k serves output rows k, k + copies, ...
  int crossbars() const { return int(blocks.size()); }
};

enum class MappingMode { compiled, isaac };
const char* mapping_mode_name(MappingMode m);

// Where the mapping's crossbars go, in the order the mapping gives them (pipeline order for compiled,
// topological order for isaac). packed: they fill PEs and tiles in index order, every tile full before
// the next (the fewest tiles). spread: the same crossbars, blocks and order, dealt over `spread_tiles`
// tiles in contiguous runs of equal size (crossbar s of X on tile floor(s x spread_tiles / X), filling
// that tile's PEs from its first): every crossbar gets a larger share of a tile's digital units, buffer
// and NoC links (docs/hypernet.md: the iso-provisioning baseline).
enum class PlacementMode { packed, spread };
const char* placement_name(PlacementMode p);

struct MapOptions {
  MappingMode mode = MappingMode::compiled;
  int crossbars = 0;  // budget: a chip of this many crossbars; 0: the chip is sized to fit (config)
  PlacementMode placement = PlacementMode::packed;
  int spread_tiles = 0;  // spread: the tiles to deal the crossbars over, from the tiles the mapping
                         // needs (packed) to one crossbar per tile; a MappingError outside that range
};

struct Mapping {
  std::string network;
  std::string mode = "isaac";  // mapping_mode_name()
  std::string placement = "packed";  // placement_name()
  int budget = 0;              // crossbars in the budget (0: none given)
  std::string deployment = "individual";  // or "hypernet"
  int selectors = 0;           // edge selectors on the chip (hypernetwork: 14 per cell)
  int chip_tiles = 0;          // tiles on the chip (the config's mesh, or the tiles used when auto)
  int tiles_used = 0;
  int pes_used = 0;
  int crossbars_used = 0;      // crossbars holding at least one block
  int shared_crossbars = 0;    // crossbars holding blocks of more than one layer (compiled packing)
  // the crossbar-only bottleneck (ns per inference: the busiest crossbar, crossbar_bottleneck_ns), and
  // for a compiled mapping with a budget the bound a perfect packing would allow (duplication on area)
  double bottleneck_ns = 0, bottleneck_bound_ns = 0;
  int64_t cells_used = 0;      // programmed cells
  std::vector<CrossbarBlock> blocks;
  std::vector<LayerMapping> layers;  // one per graph layer, same index

  // fraction of the cells in the budget (without one: of the crossbars used) that hold weights
  double crossbar_utilization(const models::HardwareSpec& hw) const;
  // fraction of the cells of the whole chip that hold weights
  double chip_utilization(const models::HardwareSpec& hw) const;
  std::vector<int> blocks_on(int layer, int tile) const;  // block indices of `layer` on `tile`
};

// Maps `graph` (shapes inferred) onto `hw` (docs/mapping.md).
// isaac: each layer on its own crossbars, no packing, no duplication; crossbars in topological order
//   filling PEs and tiles in index order, a layer's blocks ordered by column block then row block so that
//   partial sums of one output stay close.
// compiled: partitioning as above, duplication of layers to balance the pipeline within the budget,
//   packing of small blocks into shared crossbars, placement of crossbars in pipeline order so producers
//   sit near their consumers (mapper/compiler.cpp).
// Both: digital layers live on the home tile of their first input; an activation (ReLU, hard-swish, ...)
// whose producer (conv, fc, add or mul) has no other consumer is fused into that producer.
// Throws MappingError when a weight does not fit a crossbar or the network does not fit the budget or a
// fixed chip, saying how many crossbars it needs.
// Placement (MapOptions::placement): packed, or spread over MapOptions::spread_tiles tiles.
Mapping map_network(const workloads::Graph& graph, const models::HardwareSpec& hw, const MapOptions& options = {});

// Tiles holding at least one crossbar block of the mapping: for a hypernetwork binding, the tiles the
// selected architecture occupies on the hypernetwork chip.
int tiles_with_blocks(const Mapping& m);

// Hypernetwork deployment: runs `graph` (every layer naming its site, Layer::site_of(), in `super`) on
// the chip mapped for the supergraph `super`: a weighted layer uses the crossbars of its site (a smaller
// kernel on a shared larger array drives only its own rows); digital layers live where their first
// input is; layers named `*.node<k>` are node adders whose inputs pass an edge selector. The chip, its
// crossbars and area are the supergraph's, whatever the genotype. `selectors`: selectors on the chip.
// Throws MappingError when a site is missing or does not match the layer.
Mapping bind_to_sites(const workloads::Graph& graph, const workloads::Graph& super,
                      const Mapping& super_mapping, int selectors);

// One item of a tile controller's work list.
struct WorkItem {
  int layer = 0;
  bool home = false;         // this tile accumulates/activates/buffers the layer's outputs
  std::vector<int> blocks;   // crossbar blocks of the layer on this tile
};
struct TileWork {
  int tile = 0;
  std::vector<WorkItem> items;  // in topological order
};
std::vector<TileWork> work_lists(const Mapping& mapping, const workloads::Graph& graph);

// Tile placement on the NoC: tile -> router (tiles_per_router consecutive tiles share one), routers on
// the nearest-square mesh in snake order so consecutive routers are neighbours.
struct RouterGrid {
  int routers = 0, rows = 0, cols = 0;
  int router_of_tile(int tile, int tiles_per_router) const { return tile / tiles_per_router; }
  void position(int router, int& row, int& col) const;
  int hops(int router_a, int router_b) const;  // XY distance
  // The router at a grid position (snake order), -1 for an empty one.
  int router_at(int row, int col) const;
  // The mesh links a packet crosses from router `from` to router `to`: (router, direction 0 east,
  // 1 west, 2 north, 3 south) of each, in order. XY (dimension-ordered) routing; the last row may be
  // partly empty, and when the X-first path would cross an empty position the Y-first path is taken,
  // which then cannot. Empty when from == to. hw::Mesh books these links; the analytical evaluator
  // counts them.
  std::vector<std::pair<int, int>> path(int from, int to) const;
};
RouterGrid router_grid(int tiles, int tiles_per_router);

}  // namespace cimsim::mapper
