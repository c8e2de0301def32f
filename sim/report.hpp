// What a run reports: JSON (the contract in DESIGN.md), CSV per layer and per component, and the
// terminal table. Pure formatting of a RunResult.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "mapper/mapping.hpp"
#include "models/hardware_spec.hpp"
#include "sim/output_file.hpp"  // write_output: every report file goes through it
#include "sim/simulate.hpp"
#include "workloads/graph.hpp"

namespace cimsim::sim {

nlohmann::json to_json(const RunResult& r);
// `j` as report text (indent 2, newline-terminated). Names are validated as UTF-8 where they are read;
// should a byte slip through, it becomes U+FFFD rather than an exception.
std::string json_text(const nlohmann::json& j);
std::string layers_csv(const RunResult& r);
std::string components_csv(const RunResult& r);
void print_table(std::ostream& os, const RunResult& r);

// `cimsim map`: the mapping without simulating.
nlohmann::json mapping_json(const workloads::Graph& g, const models::HardwareSpec& hw,
                            const mapper::Mapping& m);
void print_mapping(std::ostream& os, const workloads::Graph& g, const models::HardwareSpec& hw,
                   const mapper::Mapping& m);

}  // namespace cimsim::sim
