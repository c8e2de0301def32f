// Design-space sweeps: the spec (YAML, validated like the configs) and the points it describes.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace cimsim::sim {

struct SweepError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Bounds on what a spec may ask for (docs/sweeps.md). The point count is computed with checked arithmetic
// and refused before any point is built; a point costs about 2 KB (its config) and ~0.1 ms to validate.
inline constexpr std::int64_t kMaxSweepPoints = 100000;      // points of one sweep, all modes
inline constexpr std::size_t kMaxSweepNameLength = 64;       // `name`: [A-Za-z0-9._-]
inline constexpr std::size_t kMaxSweepValues = 10000;        // values of one axis, nets, deploys

// A value as the spec wrote it, and where.
struct SweepValue {
  std::string text;    // a scalar as text, or a sequence/map in YAML flow form ("[12, 14]")
  bool scalar = true;  // false: `text` is YAML flow text to be parsed back
  std::string where;   // "FILE:LINE:COL" in the spec
};

struct SweepAxis {
  std::string key;    // dotted config key
  std::string where;  // the key's place in the spec
  std::vector<SweepValue> values;
};

// One point of mode list: its settings, and where the point starts in the spec.
struct SweepListPoint {
  std::string where;
  std::vector<std::pair<std::string, SweepValue>> settings;
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
  std::string name_where;              // where `name` was given ("" when it is the file's stem)
  std::string hw = "default";          // base config: a built-in name or a path (relative to the spec)
  std::string hw_where;
  std::vector<SweepValue> nets{{"vgg8", true, ""}};
  std::vector<SweepValue> deploys{{"individual", true, ""}};
  std::string mapping = "compiled", dataflow = "pipelined";
  int inputs = 1, crossbars = 0;
  std::string mode = "grid";           // grid | zip | list | random
  std::string mode_where, axes_where, samples_where;
  std::vector<SweepAxis> axes;         // in spec order
  std::vector<SweepListPoint> list;    // mode list
  int samples = 0;                     // mode random
  uint64_t seed = 1;
  double timeout_s = 600;
  bool allow_pinned = false;           // an axis may move a knob whose cost the config pins
  std::vector<std::string> columns() const;  // axis columns, then net, deploy
};

// Parses and validates a spec: unknown or duplicate keys, wrong types, axis keys that are not config keys
// are one-line errors `FILE:LINE:COL: ...; allowed: ...`.
SweepSpec load_sweep_spec(const std::string& path);
SweepSpec parse_sweep_spec(const std::string& text, const std::string& file);

// The number of points the spec describes (nets x deploys x axis combinations), computed with checked
// arithmetic; a SweepError naming the count and kMaxSweepPoints when it is larger.
std::int64_t sweep_point_count(const SweepSpec& spec);

// Every point of the spec, in a deterministic order. Before any point is built: the count is bounded, the
// base config, every network and every axis value are validated (errors at their place in the spec);
// then each point's whole config is validated (a combination the loader rejects names the point).
std::vector<SweepPoint> sweep_points(const SweepSpec& spec);

}  // namespace cimsim::sim
