// Pieces of the mapper shared by its two strategies (mapping.cpp: the ISAAC-style baseline and the
// hypernetwork binding; compiler.cpp: the compiled mapping). Not part of the mapper's interface.
#pragma once

#include <string>
#include <vector>

#include "mapper/mapping.hpp"

namespace cimsim::mapper {

// Partitions one weighted layer into crossbar blocks (not yet placed): bit slicing, unrolling, row and
// column blocks, diagonal packing of whole groups. Fills the layer's partition fields in `lm`.
std::vector<CrossbarBlock> partition(const workloads::Layer& l, int index, const models::HardwareSpec& hw,
                                     LayerMapping& lm);

// A DARTS node adder: the last part of its name is node<k>.
bool is_node_layer(const std::string& name);

// The input arrives from off-chip into the buffer of its first weighted consumer; digital layers live
// where their first input is; an activation is fused into a sole producer (conv, fc, add or mul).
void place_digital(const workloads::Graph& graph, const std::vector<std::vector<int>>& consumers, Mapping& m);

}  // namespace cimsim::mapper
