// Strict YAML decoding of a hardware configuration (configs/*.yaml) into a HardwareSpec.
// One schema table (config_loader.cpp) drives decoding, validation, HardwareSpec::sources and the key
// reference in docs/config.md: every key has a type, unit, default, allowed range and the source of its
// default. Every problem is a ConfigError whose what() is one line:
//   FILE:LINE:COL: <what is wrong>; allowed: <allowed keys / values / range>
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "models/hardware_spec.hpp"

namespace cimsim::models {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A built-in name ("isaac", "edge-rram", "default": copies of configs/*.yaml embedded in the binary)
// or the path of a YAML file.
HardwareSpec load_hardware(const std::string& name_or_path);
// Decodes YAML text; `file_label` names it in messages and sources.
HardwareSpec parse_hardware(const std::string& yaml_text, const std::string& file_label);
std::vector<std::string> builtin_hardware_names();

// One key of the schema, as documented (docs/config.md).
struct ConfigKeyInfo {
  std::string key;          // dotted YAML key, "adc.bits"
  std::string sources_key;  // key of HardwareSpec::sources it fills ("adc.cost.energy_pj")
  std::string type;         // integer, number, string, enum, tiles
  std::string unit;
  std::string default_value;
  std::string allowed;
  std::string description;
  std::string source;  // where the default comes from
};
std::vector<ConfigKeyInfo> hardware_schema();
// The key reference table of docs/config.md (Markdown), generated from the schema.
std::string hardware_schema_markdown();

}  // namespace cimsim::models
