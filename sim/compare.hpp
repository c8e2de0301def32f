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

struct CompareRequest {
  std::string hw;                     // config path or built-in name
  std::vector<std::string> nets;      // built-ins or .genotype files
  std::vector<std::string> genotypes; // --genotype texts (each one more row)
  workloads::DartsOptions darts;
  std::string dataflow = "pipelined";
  std::string mapping = "compiled";
  int jobs = 2;
};

// Runs 2 simulations per architecture (child processes of this executable). Throws CompareError
// carrying the child's message and exit code when one fails.
struct CompareError : std::runtime_error {
  CompareError(const std::string& what, int code) : std::runtime_error(what), exit_code(code) {}
  int exit_code;
};
std::vector<CompareRow> run_compare(const CompareRequest& request);

nlohmann::json compare_json(const std::vector<CompareRow>& rows, const std::string& hardware,
                            const std::string& sharing);
std::string compare_csv(const std::vector<CompareRow>& rows);
void print_compare(std::ostream& os, const std::vector<CompareRow>& rows, const std::string& hardware,
                   const std::string& sharing);

}  // namespace cimsim::sim
