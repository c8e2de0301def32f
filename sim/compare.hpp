// `cimsim compare`: each architecture deployed on its own chip (individual) and on the all-inclusive
// hypernetwork chip, each simulation its own process; the rows and their ratios.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "workloads/darts.hpp"

namespace cimsim::sim {

struct Metrics {
  double latency_ns = 0, energy_pj = 0, power_mw = 0, area_mm2 = 0;
  double leakage_pj = 0, gated_leakage_pj = 0;  // of energy_pj; what chip.power_gating saved (not in it)
  double tops_per_w = 0;                         // achieved (efficiency.achieved of the run)
  int tiles = 0, crossbars = 0;
  int tiles_busy = 0;  // tiles holding the run's work (power_gating.tiles_busy)
  int budget = 0;      // the run's --crossbars budget, 0 without one
};

struct CompareRow {
  std::string net;
  Metrics individual, hypernet;
  // hypernet / individual
  double latency_ratio() const { return hypernet.latency_ns / individual.latency_ns; }
  double energy_ratio() const { return hypernet.energy_pj / individual.energy_pj; }
  double power_ratio() const { return hypernet.power_mw / individual.power_mw; }
  double area_ratio() const { return hypernet.area_mm2 / individual.area_mm2; }
};

// The individual chip each architecture's hypernetwork deployment is compared with (docs/hypernet.md):
//   iso-provisioning (the default): its crossbars spread (--placement spread) over as many tiles as the
//     architecture occupies on the hypernetwork chip, so each crossbar has the tile share (digital units,
//     buffer, NoC links) the hypernetwork chip gives it; no copies;
//   iso-area: the hypernetwork chip's crossbar count as its --crossbars budget (the compiled mapping
//     duplicates layers into it; the same tiles, so the same area but the selectors);
//   minimal: the fewest tiles its mapping needs (chip: auto).
std::vector<std::string> compare_baselines();  // the names, the default first

struct CompareRequest {
  std::string hw;                     // config path or built-in name
  std::vector<std::string> nets;      // built-ins or .genotype files
  std::vector<std::string> genotypes; // --genotype texts (each one more row)
  workloads::DartsOptions darts;
  std::string dataflow = "pipelined";
  std::string mapping = "compiled";
  std::string baseline = "iso-provisioning";  // one of compare_baselines()
  int jobs = 2;
};

struct CompareResult {
  std::string baseline;    // CompareRequest::baseline
  std::string definition;  // what the individual chip is, in a sentence with its numbers
  std::vector<CompareRow> rows;
};

// Runs 2 simulations per architecture (child processes of this executable). Throws CompareError
// carrying the child's message and exit code when one fails.
struct CompareError : std::runtime_error {
  CompareError(const std::string& what, int code) : std::runtime_error(what), exit_code(code) {}
  int exit_code;
};
CompareResult run_compare(const CompareRequest& request);

// The baseline is stated in each: JSON `baseline` and `baseline_definition`, a CSV column, the table's
// heading.
nlohmann::json compare_json(const CompareResult& result, const std::string& hardware, const std::string& sharing);
std::string compare_csv(const CompareResult& result);
void print_compare(std::ostream& os, const CompareResult& result, const std::string& hardware,
                   const std::string& sharing);

}  // namespace cimsim::sim
