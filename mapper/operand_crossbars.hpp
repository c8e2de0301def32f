// Attention's products on crossbars written at run time (tile.matrix.mode: crossbar; ReTransformer, Yang
// et al., ICCAD 2020): a matmul's second operand (K^T for Q.K^T, V for A.V) is programmed into crossbars
// the mapping left unused, and each row of the first operand is one MVM through them. Plain C++: the
// footprint of an operand and the spare crossbars of a mapping, testable without a simulation.
#pragma once

#include <cstdint>
#include <vector>

#include "mapper/mapping.hpp"

namespace cimsim::mapper {

// The second operand of one matmul layer as a weight matrix: per head (group) `rows_per_group` rows (the
// summed dimension: d for Q.K^T, tokens for A.V) by `outputs_per_group` outputs (tokens, or d), each
// element in `cells_per_element` cells (activation_bits sliced over bits_per_cell, x 2 differential).
// Partitioned as a weighted layer is (docs/architecture.md, Mapping), head by head, without diagonal
// packing of heads.
struct OperandCrossbars {
  int groups = 1, rows_per_group = 0, outputs_per_group = 0, cells_per_element = 1;
  int outputs_per_crossbar = 1, row_blocks = 1, col_blocks = 1;
  int64_t crossbars = 0;  // groups x row_blocks x col_blocks
  int64_t cells = 0;      // cells written: groups x rows x outputs x cells_per_element (elements x cells)
  int write_rows = 0;     // rows of its fullest crossbar: rows are written one after another
  int max_cols = 0;       // columns used in its fullest crossbar (sets a phase's conversion time)
  // Per MVM (one row of the first operand), per input phase: rows driven (each crossbar of a row block
  // drives its rows), cells read, and columns sampled and converted (each row block converts its own)
  int64_t drives_per_phase = 0, cell_reads_per_phase = 0, columns_per_phase = 0;
  int64_t partial_adds = 0;  // per MVM: adds of the row blocks' partial sums, (row_blocks - 1) x outputs
};

// `layer` must be a matmul whose second input has shape `b` (C x H x 1).
OperandCrossbars operand_crossbars(const workloads::Layer& layer, const workloads::Shape& b,
                                   const models::HardwareSpec& hw);

// Spare crossbars of a mapping: crossbars of its chip (of its --crossbars budget, when it has one) that
// hold no block.
int64_t spare_crossbars(const Mapping& m, const models::HardwareSpec& hw);
// The tile with the most spare crossbars (the lowest index among equals): where the operands are written.
int spare_tile(const Mapping& m);
// Crossbars the largest matmul operand of `graph` needs (0: none), and which layer that is.
int64_t operand_crossbars_needed(const workloads::Graph& graph, const models::HardwareSpec& hw, int* layer = nullptr);

}  // namespace cimsim::mapper
