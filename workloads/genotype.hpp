// DARTS cell genotypes: the 8 primitives, the Genotype text users paste from the DARTS / P-DARTS code,
// the full 14-edge search space of the hypernetwork, and the published genotypes.
#pragma once

#include <random>
#include <string>
#include <vector>

namespace cimsim::workloads {

enum class Primitive {
  none,
  max_pool_3x3,
  avg_pool_3x3,
  skip_connect,
  sep_conv_3x3,
  sep_conv_5x5,
  dil_conv_3x3,
  dil_conv_5x5,
};

const char* primitive_name(Primitive p);
const std::vector<std::string>& primitive_names();  // in enum order
// Returns false when `name` is not one of primitive_names().
bool primitive_from_name(const std::string& name, Primitive& out);

// A cell has states 0 (s0), 1 (s1) and intermediate nodes 2..5; an edge feeds `node` from state `from`.
constexpr int first_node = 2;
constexpr int last_node = 5;
constexpr int edges_per_cell = 14;
// Index 0..13 of the edge (from -> node): offset(node) + from, offsets 0, 2, 5, 9 for nodes 2..5.
constexpr int edge_index(int from, int node) { return (node - 2) * (node + 1) / 2 + from; }

struct Edge {
  Primitive op = Primitive::none;
  int from = 0;  // 0 .. node-1
  int node = 2;  // 2 .. 5
  bool operator==(const Edge& o) const { return op == o.op && from == o.from && node == o.node; }
};

// Either the DARTS form (8 edges per cell: entries 2i and 2i+1 feed node i+2, two different states) or
// the full-space form (14 edges per cell, one per (from, node) pair, none allowed), per cell type.
struct Genotype {
  std::string name;  // the `NAME =` prefix, or what the caller sets; may be empty
  std::vector<Edge> normal, reduce;
  std::vector<int> normal_concat, reduce_concat;
  bool operator==(const Genotype& o) const {
    return name == o.name && normal == o.normal && reduce == o.reduce && normal_concat == o.normal_concat &&
           reduce_concat == o.reduce_concat;
  }
};

// Parses `[NAME =] Genotype(normal=[('op', i), ...], normal_concat=..., reduce=[...], reduce_concat=...)`:
// fields in any order, single or double quotes, any spacing and line breaks, '#' comments, concat as a
// list or range(a, b), trailing commas. Throws NetworkError with one line
// `SOURCE:LINE:COL: expected <what>, got <what>` (or `unknown primitive ...; allowed: ...`).
Genotype parse_genotype(const std::string& text, const std::string& source);

// The DARTS text form (`NAME = Genotype(...)` when named); parse_genotype() reads it back equal.
std::string to_string(const Genotype& g);

// Uniform over the full space: each of the 14 edges of each cell type holds one of the 8 primitives
// (none included); concat [2, 3, 4, 5]. Named "random".
Genotype random_genotype(std::mt19937_64& rng);

struct BuiltinGenotype {
  const char* name;  // darts_v1, darts_v2, pdarts
  const char* description;
  const char* text;  // verbatim as published (docs: shared reference darts.md)
};
const std::vector<BuiltinGenotype>& builtin_genotypes();
// The parsed built-in genotype; throws NetworkError listing the names when there is none.
Genotype builtin_genotype(const std::string& name);

}  // namespace cimsim::workloads
