// Design-space sweeps: the spec (YAML, validated like the configs) and the points it describes.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace cimsim::sim {

struct SweepError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One design point: the hardware config text (base config with the point's overrides) and the run's
// arguments; `values` are the axis values by column name ("adc.bits", "net", "deploy").
struct SweepPoint {
  int index = 0;
  std::map<std::string, std::string> values;  // column -> value as text
  std::string hw_yaml;                        // the full config of this point
  std::string net;
  std::string deploy = "individual";
};

struct SweepSpec {
  std::string name, file;
  std::string hw = "default";          // base config: a built-in name or a path (relative to the spec)
  std::vector<std::string> nets{"vgg8"};
  std::vector<std::string> deploys{"individual"};
  std::string mapping = "compiled", dataflow = "pipelined";
  int inputs = 1, crossbars = 0;
  std::string mode = "grid";           // grid | zip | list | random
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;  // in spec order
  std::vector<std::map<std::string, std::string>> list;              // mode list
  int samples = 0;                     // mode random
  uint64_t seed = 1;
  double timeout_s = 600;
  std::vector<std::string> columns() const;  // axis columns, then net, deploy
};

// Parses and validates a spec: unknown keys, wrong types, axis keys that are not config keys and values
// a config would reject are one-line errors `FILE:LINE:COL: ...; allowed: ...`.
SweepSpec load_sweep_spec(const std::string& path);
SweepSpec parse_sweep_spec(const std::string& text, const std::string& file);

// Every point of the spec, in a deterministic order; each point's config is validated.
std::vector<SweepPoint> sweep_points(const SweepSpec& spec);

}  // namespace cimsim::sim
