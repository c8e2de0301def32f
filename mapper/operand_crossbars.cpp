#include "mapper/operand_crossbars.hpp"

#include <algorithm>
#include <set>

namespace cimsim::mapper {

namespace {
int64_t ceil_div64(int64_t a, int64_t b) { return (a + b - 1) / b; }
}  // namespace

OperandCrossbars operand_crossbars(const workloads::Layer& layer, const workloads::Shape& b,
                                   const models::HardwareSpec& hw) {
  OperandCrossbars o;
  o.groups = std::max(1, layer.groups);
  // transpose_b: B is g*d x N, the crossbars hold B^T per head: d rows (summed) x N outputs;
  // else B is g*d x N, the crossbars hold B per head as N rows (summed) x d outputs
  const int per_head = b.c / o.groups;
  o.rows_per_group = layer.transpose_b ? per_head : b.h;
  o.outputs_per_group = layer.transpose_b ? b.h : per_head;
  const int slices = (hw.precision.activation_bits + hw.crossbar.bits_per_cell - 1) / hw.crossbar.bits_per_cell;
  o.cells_per_element = hw.crossbar.signed_weights == models::SignedScheme::differential ? 2 * slices : slices;
  o.outputs_per_crossbar = std::max(1, hw.crossbar.cols / o.cells_per_element);
  o.row_blocks = int(ceil_div64(o.rows_per_group, hw.crossbar.rows));
  o.col_blocks = int(ceil_div64(o.outputs_per_group, o.outputs_per_crossbar));
  const int64_t g = o.groups, rows = o.rows_per_group, outs = o.outputs_per_group, c = o.cells_per_element;
  o.crossbars = g * o.row_blocks * o.col_blocks;
  o.cells = g * rows * outs * c;
  o.write_rows = std::min(o.rows_per_group, hw.crossbar.rows);
  o.max_cols = std::min(o.outputs_per_group, o.outputs_per_crossbar) * o.cells_per_element;
  o.drives_per_phase = g * rows * o.col_blocks;
  o.cell_reads_per_phase = g * rows * outs * c;
  o.columns_per_phase = g * o.row_blocks * outs * c;
  o.partial_adds = g * (o.row_blocks - 1) * outs;
  return o;
}

int64_t spare_crossbars(const Mapping& m, const models::HardwareSpec& hw) {
  // a --crossbars budget is the chip's crossbars: the spare ones are within it
  const int64_t chip = m.budget > 0 ? int64_t(m.budget) : int64_t(m.chip_tiles) * hw.crossbars_per_tile();
  return std::max<int64_t>(0, chip - m.crossbars_used);
}

int spare_tile(const Mapping& m) {
  std::vector<std::set<int>> used(size_t(std::max(1, m.chip_tiles)));
  for (const auto& b : m.blocks)
    if (b.tile >= 0 && b.tile < m.chip_tiles) used[size_t(b.tile)].insert(b.crossbar);
  int best = 0;
  for (int t = 1; t < m.chip_tiles; ++t)
    if (used[size_t(t)].size() < used[size_t(best)].size()) best = t;
  return best;
}

int64_t operand_crossbars_needed(const workloads::Graph& graph, const models::HardwareSpec& hw, int* layer) {
  int64_t most = 0;
  for (size_t i = 0; i < graph.layers.size(); ++i) {
    const auto& l = graph.layers[i];
    if (l.op != workloads::OpKind::matmul || l.inputs.size() != 2) continue;
    const int64_t n = operand_crossbars(l, graph.layers[size_t(l.inputs[1])].out, hw).crossbars;
    if (n > most) {
      most = n;
      if (layer) *layer = int(i);
    }
  }
  return most;
}

}  // namespace cimsim::mapper
