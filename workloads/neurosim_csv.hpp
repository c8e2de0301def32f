// Reads NeuroSim's network description (NetWork_*.csv): one layer a row,
// `IFM_H, IFM_W, IFM_C, kH, kW, OFM_C, followedByPool, stride`. See docs/workloads.md.
#pragma once

#include <string>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

// Loads a NeuroSim CSV file; the graph is named after the file's stem. Throws NetworkError
// ("cannot open FILE", or "FILE:LINE[:COLUMN]: message").
Graph load_neurosim_csv(const std::string& path);

// The same for text already in memory; `source` names it in error messages.
Graph parse_neurosim_csv(const std::string& text, const std::string& source, const std::string& name);

}  // namespace cimsim::workloads
