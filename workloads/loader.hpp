// One entry point for every network source the command line accepts.
#pragma once

#include <string>
#include <vector>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

// A built-in name (see builtin_network_names()), or a path ending .yaml/.yml (cimsim's YAML network
// format) or .csv (NeuroSim network CSV). Throws NetworkError otherwise, listing what is accepted.
Graph load_network(const std::string& name_or_path);

std::vector<std::string> builtin_network_names();

}  // namespace cimsim::workloads
