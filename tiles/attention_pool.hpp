// The spare crossbars attention's operands are written into at run time (tile.matrix.mode: crossbar;
// mapper/operand_crossbars.hpp). One set, sized for the largest operand, serves every matmul layer in
// turn: layer k of input n holds it from its operand's write to its last MVM, then the next matmul (in
// topological order, inputs one after another) writes its own operand. The turn order follows the data
// dependencies (a matmul never waits for a later one), so taking turns cannot deadlock.
#pragma once

#include <map>
#include <systemc>
#include <vector>

#include "hw/resource.hpp"
#include "mapper/operand_crossbars.hpp"

namespace cimsim::tiles {

// What the turns are (plain: the analytical evaluator plans them too).
struct OperandPlan {
  bool on = false;                                  // tile.matrix.mode: crossbar and the graph has matmuls
  int tile = 0;                                     // where the spare crossbars are (the most of them)
  std::vector<int> layers;                          // matmul layers, topological order
  std::map<int, mapper::OperandCrossbars> operand;  // per matmul layer
  long turn_of(int layer, int n) const {
    for (size_t k = 0; k < layers.size(); ++k)
      if (layers[k] == layer) return long(n) * long(layers.size()) + long(k);
    return -1;
  }
};

// The turns as the SystemC run takes them.
struct AttentionPool : OperandPlan {
  long turn = 0;                                    // turns taken: n x layers.size() + k is next
  double free_ns = 0;                               // when the holder's last MVM ended
  sc_core::sc_event advanced;
  hw::Resource resource;                            // the spare crossbars, one use at a time
};

}  // namespace cimsim::tiles
