// Reads cimsim's YAML network format (docs/workloads.md): an input shape and a list of layers.
// Strict: unknown keys, wrong types, unknown ops and bad references are errors naming file:line:column.
#pragma once

#include <string>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

// Loads a YAML network file; without a `name:` key the graph is named after the file's stem.
// Throws NetworkError ("cannot open FILE", or "FILE:LINE:COLUMN: message[; allowed: ...]").
Graph load_network_yaml(const std::string& path);

// The same for text already in memory; `source` names it in error messages, `default_name`
// names the graph when the text has no `name:` key.
Graph parse_network_yaml(const std::string& text, const std::string& source,
                         const std::string& default_name);

}  // namespace cimsim::workloads
