// A tile: PEs, the banked buffer, the bus between them, the tile output register and the digital units
// for pooling, activation and accumulation, and matrix engines (products of two activations) if it has any. Its controller lives in tiles/controller.hpp.
#pragma once

#include <memory>
#include <systemc>
#include <vector>

#include "hw/context.hpp"
#include "hw/units.hpp"
#include "models/limits.hpp"
#include "tiles/pe.hpp"

namespace cimsim::tiles {

// Addresses on the chip fabric: tile * kStride + unit; the NoC and the off-chip port sit at "tile"
// chip_tiles. A tile's PEs are units pe0 .. pe0 + tile.pes - 1: the stride leaves room for the most
// PEs a config allows, so no PE address is another tile's.
enum Unit : int { buffer = 0, bus = 1, out_reg = 2, pool = 3, activation = 4, accumulate = 5, matrix = 6, pe0 = 16 };
constexpr uint64_t kStride = 8192;
static_assert(Unit::pe0 + models::limits::kMaxPesPerTile <= kStride, "PE addresses would overlap the next tile");
enum ChipUnit : int { noc = 0, offchip = 1 };
// The rate of a tile's throughput unit, items per ns: bits for the bus and the output register (bus
// width per cycle), ops for pool, activation, accumulate (count x ops_per_cycle per cycle) and matrix
// (MACs). 0 for the buffer and PEs, which are not throughput units.
double unit_items_per_ns(const models::HardwareSpec& hw, Unit unit);
// The edge selectors of hypernetwork node `layer` sit at selector_address(chip_tiles, layer).
inline uint64_t selector_address(int chip_tiles, int layer) {
  return uint64_t(chip_tiles + 1) * kStride + uint64_t(layer);
}

class Tile : public sc_core::sc_module {
 public:
  // `pe_used[p]`: PE p holds crossbars of the mapping; only those are elaborated (an idle PE does
  // nothing a simulation could see; its area and leakage come from the cost model).
  Tile(sc_core::sc_module_name name, hw::Context& ctx, int id, const std::vector<bool>& pe_used);
  int id() const { return id_; }
  hw::Buffer buffer;
  hw::ThroughputUnit bus;
  hw::ThroughputUnit output_register;
  hw::ThroughputUnit pool;
  hw::ThroughputUnit activation;
  hw::ThroughputUnit accumulate;
  hw::ThroughputUnit matrix;  // tile.matrix.count engines (none: unused; the accumulate units do matmuls)
  std::vector<std::unique_ptr<Pe>> pes;  // null where not elaborated

 private:
  int id_;
};

}  // namespace cimsim::tiles
