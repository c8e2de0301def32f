// Parsing a sweep spec: every key, type and value checked where it is written (FILE:LINE:COL).
// The points themselves, and the validation that needs the base config and the networks: sweep_points.cpp.
#include "sim/sweep_spec.hpp"
#include "sim/spec_yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/text.hpp"
#include "common/yaml_document.hpp"
#include "models/config_loader.hpp"

namespace cimsim::sim {

namespace fs = std::filesystem;

using namespace spec_yaml;

namespace {

// A spec file larger than this is refused before it is read (a list of 10^5 points is ~4 MB).
constexpr std::uintmax_t kMaxSweepSpecBytes = 16u << 20;

bool safe_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// The name a spec without `name:` gets: its file's stem, every other character made '_', bounded.
std::string default_name(const std::string& file) {
  std::string s = fs::path(file).stem().string();
  for (char& c : s)
    if (!safe_name_char(c)) c = '_';
  s = s.substr(0, kMaxSweepNameLength);
  return s.empty() ? "sweep" : s;
}

std::string checked_name(const std::string& file, const YAML::Node& n) {
  const std::string s = scalar(file, n, "name");
  const std::string allowed = "1 to " + std::to_string(kMaxSweepNameLength) +
                              " characters from A-Z a-z 0-9 . _ - (it names the Slurm job and the results)";
  if (s.empty() || s.size() > kMaxSweepNameLength || !std::all_of(s.begin(), s.end(), safe_name_char))
    fail(file, n, "name \"" + common::printable(s, 80) + "\" is not allowed", allowed);
  return s;
}

// Columns of the results table that are not axes: an axis may not take their names.
const std::set<std::string>& reserved_columns() {
  static const std::set<std::string> r = {"point", "status", "error", "wall_s", "net", "deploy", "evaluator",
                                          "latency_ns", "latency_cycles", "energy_pj", "power_mw",
                                          "peak_power_mw", "area_mm2", "throughput_per_s", "crossbars_used",
                                          "utilization", "tiles", "leakage_pj", "tops_per_w", "adc_lossless_bits"};
  return r;
}

}  // namespace

std::vector<std::string> SweepSpec::columns() const {
  std::vector<std::string> c;
  for (const auto& a : axes) c.push_back(a.key);
  for (const auto& p : list)
    for (const auto& [k, v] : p.settings)
      if (std::find(c.begin(), c.end(), k) == c.end()) c.push_back(k);
  c.push_back("net");
  c.push_back("deploy");
  return c;
}

SweepSpec parse_sweep_spec(const std::string& text, const std::string& file) {
  SweepSpec s;
  s.file = file;
  s.name = default_name(file);
  const std::string label = common::printable(file);
  const YAML::Node root = load_spec_map(text, file, "docs/sweeps.md");
  const std::string allowed_keys =
      "name, hw, nets, deploy, mapping, dataflow, inputs, crossbars, mode, axes, points, samples, seed, timeout_s, "
      "allow_pinned";
  std::set<std::string> seen;
  for (const auto& kv : root) {
    const std::string k = key_of(file, kv.first, allowed_keys);
    const YAML::Node& v = kv.second;
    if (!seen.insert(k).second) fail(file, kv.first, "duplicate key '" + common::printable(k, 80) + "'", "each key once");
    if (k == "name") {
      s.name = checked_name(file, v);
      s.name_where = where(file, v);
    } else if (k == "hw") {
      s.hw = scalar(file, v, k);
      s.hw_where = where(file, v);
    } else if (k == "nets") {
      s.nets = list_of(file, v, k, true);
    } else if (k == "deploy") {
      s.deploys = list_of(file, v, k, true);
      for (const auto& d : s.deploys)
        if (d.text != "individual" && d.text != "hypernet")
          throw SweepError(d.where + ": deploy " + common::printable(d.text, 80) +
                           " is not allowed; allowed: individual, hypernet");
    } else if (k == "mapping") {
      s.mapping = one_of(file, v, k, {"compiled", "isaac"});
    } else if (k == "dataflow") {
      s.dataflow = one_of(file, v, k, {"pipelined", "layer_by_layer"});
    } else if (k == "inputs") {
      s.inputs = integer(file, v, k, 1, 1000000);
    } else if (k == "crossbars") {
      s.crossbars = integer(file, v, k, 1, 100000000);
    } else if (k == "mode") {
      s.mode = one_of(file, v, k, {"grid", "zip", "list", "random"});
      s.mode_where = where(file, v);
    } else if (k == "axes") {
      s.axes_where = where(file, kv.first);
      if (!v.IsMap()) fail(file, v, "axes: expected a map of config key -> list of values", "{adc.bits: [4, 8], ...}");
      std::set<std::string> axis_seen;
      for (const auto& a : v) {
        const std::string key = config_key(file, a.first, reserved_columns(), "axes");
        if (!axis_seen.insert(key).second)
          fail(file, a.first, "duplicate axis '" + key + "'", "each config key once in axes (give it all its values)");
        s.axes.push_back({key, where(file, a.first), list_of(file, a.second, key, false)});
      }
    } else if (k == "points") {
      if (!v.IsSequence()) fail(file, v, "points: expected a list of maps", "[{adc.bits: 4}, ...]");
      if (v.size() > std::size_t(kMaxSweepPoints))
        fail(file, v, "points: " + std::to_string(v.size()) + " points",
             "at most " + std::to_string(kMaxSweepPoints) + " (kMaxSweepPoints)");
      for (const auto& p : v) {
        if (!p.IsMap()) fail(file, p, "a point: expected a map of config key -> value", "{adc.bits: 4, ...}");
        SweepListPoint point{where(file, p), {}};
        std::set<std::string> point_seen;
        for (const auto& a : p) {
          const std::string key = config_key(file, a.first, reserved_columns(), "a point");
          if (!point_seen.insert(key).second)
            fail(file, a.first, "duplicate key '" + key + "' in a point", "each config key once per point");
          point.settings.push_back({key, value_of(file, a.second)});
        }
        s.list.push_back(std::move(point));
      }
    } else if (k == "samples") {
      s.samples = integer(file, v, k, 1, long(kMaxSweepPoints));
      s.samples_where = where(file, v);
    } else if (k == "seed") {
      s.seed = uint64_t(integer(file, v, k, 0, 2147483647));
    } else if (k == "timeout_s") {
      s.timeout_s = integer(file, v, k, 1, 86400);
    } else if (k == "allow_pinned") {
      s.allow_pinned = boolean(file, v, k);
    } else {
      fail(file, kv.first, "unknown key '" + common::printable(k, 80) + "'", allowed_keys);
    }
  }
  const std::string at_mode = s.mode_where.empty() ? label + ":1:1" : s.mode_where;
  if (s.mode == "list" && s.list.empty())
    throw SweepError(at_mode + ": mode list needs points; allowed: points: [{key: value}, ...]");
  if (s.mode != "list" && !s.list.empty())
    throw SweepError(at_mode + ": points are for mode list; allowed: mode: list");
  if (s.mode == "random" && s.samples == 0)
    throw SweepError(at_mode + ": mode random needs samples; allowed: samples: N");
  if (s.mode == "zip")
    for (const auto& a : s.axes)
      if (a.values.size() != s.axes.front().values.size())
        throw SweepError(a.where + ": mode zip needs axes of one length; " + a.key + " has " +
                         std::to_string(a.values.size()) + ", " + s.axes.front().key + " has " +
                         std::to_string(s.axes.front().values.size()) + "; allowed: equal lengths");
  // relative paths are relative to the spec
  resolve_beside(file, s.hw);
  for (auto& n : s.nets) resolve_beside(file, n.text);
  return s;
}

SweepSpec load_sweep_spec(const std::string& path) {
  return parse_sweep_spec(
      read_spec_file(path, kMaxSweepSpecBytes, "kMaxSweepSpecBytes", "a sweep spec YAML file (docs/sweeps.md)"), path);
}

}  // namespace cimsim::sim
