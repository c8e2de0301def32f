#include "workloads/loader.hpp"

#include <algorithm>
#include <cctype>

#include "common/text.hpp"
#include "workloads/builtins.hpp"
#include "workloads/darts.hpp"
#include "workloads/network_yaml.hpp"
#include "workloads/neurosim_csv.hpp"
#include "workloads/onnx_loader.hpp"

namespace cimsim::workloads {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  if (text.size() < suffix.size()) return false;
  return std::equal(suffix.rbegin(), suffix.rend(), text.rbegin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

}  // namespace

std::vector<std::string> builtin_network_names() {
  std::vector<std::string> names;
  for (const auto& b : builtin_networks()) names.emplace_back(b.name);
  return names;
}

Graph load_network(const std::string& name_or_path) {
  for (const auto& b : builtin_networks()) {
    if (name_or_path == b.name) return b.make();
  }
  if (ends_with(name_or_path, ".yaml") || ends_with(name_or_path, ".yml")) {
    return load_network_yaml(name_or_path);
  }
  if (ends_with(name_or_path, ".csv")) return load_neurosim_csv(name_or_path);
  if (ends_with(name_or_path, ".genotype")) return load_genotype_file(name_or_path);
  if (ends_with(name_or_path, ".onnx")) return load_onnx(name_or_path);
  std::string names;
  for (const auto& n : builtin_network_names()) names += (names.empty() ? "" : ", ") + n;
  throw NetworkError("unknown network '" + common::printable(name_or_path) + "': expected a built-in name (" + names +
                     ") or a file ending .yaml, .yml (YAML network), .csv (NeuroSim network CSV), "
                     ".genotype (DARTS genotype) or .onnx (ONNX model)");
}

}  // namespace cimsim::workloads
