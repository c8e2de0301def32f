// DARTS networks: NetworkCIFAR (the evaluation network of DARTS and P-DARTS, inference form, BN folded,
// no auxiliary head) built from a Genotype, and the all-inclusive hypernetwork supergraph whose layers are
// the hardware sites every genotype of the full 8^28 space runs on. Layer naming: docs/workloads.md.
#pragma once

#include <string>

#include "workloads/genotype.hpp"
#include "workloads/graph.hpp"

namespace cimsim::workloads {

struct DartsOptions {
  int c = 36;       // initial channels C (the stem has 3C)
  int layers = 20;  // cells; reductions at layers/3 and 2*layers/3
  int classes = 10;
  int input_size = 32;  // square RGB input
};

// NetworkCIFAR for the genotype. Throws NetworkError for bad options or a genotype whose shapes do not
// fit (a reduction cell concatenating s0 or s1).
Graph build_network_cifar(const Genotype& g, const DartsOptions& o, const std::string& name);

// The supergraph: every edge of every cell carries every candidate op with hardware (none has none) and
// every node adds all of its edges. shared: the four convolutions of an edge share one 5x5 depthwise +
// pointwise pair per stage (`cells.{i}.edge{e}.shared.*`).
Graph build_hypernet_cifar(const DartsOptions& o, bool shared);

// build_network_cifar with every layer's `site` set to the supergraph layer it runs on. The genotype must
// concatenate nodes 2..5 in both cells (the supergraph's cell outputs).
Graph build_network_cifar_for_hypernet(const Genotype& g, const DartsOptions& o, bool shared,
                                       const std::string& name);

// The CLI's --genotype: parses `text` (source "genotype") and builds NetworkCIFAR named after the
// genotype (or "genotype" when it has no name).
Graph network_from_genotype_text(const std::string& text, const DartsOptions& o);
// A .genotype file: the graph is named after the file stem.
Graph load_genotype_file(const std::string& path, const DartsOptions& o = {});

// The built-in networks darts_v1, darts_v2, pdarts at default options.
Graph darts_v1_network();
Graph darts_v2_network();
Graph pdarts_network();

}  // namespace cimsim::workloads
