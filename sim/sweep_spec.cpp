// Parsing a sweep spec: every key, type and value checked where it is written (FILE:LINE:COL).
// The points themselves, and the validation that needs the base config and the networks: sweep_points.cpp.
#include "sim/sweep_spec.hpp"

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

namespace {

// A spec file larger than this is refused before it is read (a list of 10^5 points is ~4 MB).
constexpr std::uintmax_t kMaxSweepSpecBytes = 16u << 20;

std::string where(const std::string& file, const YAML::Node& n) {
  const auto m = n.Mark();
  const int line = m.line < 0 ? 1 : m.line + 1, col = m.column < 0 ? 1 : m.column + 1;
  return common::printable(file) + ":" + std::to_string(line) + ":" + std::to_string(col);
}

[[noreturn]] void fail(const std::string& file, const YAML::Node& n, const std::string& what,
                       const std::string& allowed) {
  throw SweepError(where(file, n) + ": " + what + "; allowed: " + allowed);
}

// A map key: a plain scalar, else an error at the key.
std::string key_of(const std::string& file, const YAML::Node& k, const std::string& allowed) {
  if (!k.IsScalar()) fail(file, k, "a key must be a plain name", allowed);
  return k.Scalar();
}

std::string scalar(const std::string& file, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(file, n, key + ": expected a single value", "a string or number");
  return n.Scalar();
}

// A config value as the spec wrote it: a scalar, or a flow sequence such as chip.tiles' [12, 14].
SweepValue value_of(const std::string& file, const YAML::Node& n) {
  if (n.IsScalar()) return {n.Scalar(), true, where(file, n)};
  YAML::Emitter e;
  e << YAML::Flow << n;
  return {e.c_str(), false, where(file, n)};
}

std::vector<SweepValue> list_of(const std::string& file, const YAML::Node& n, const std::string& key,
                                bool scalars_only) {
  if (n.IsScalar()) return {value_of(file, n)};
  if (!n.IsSequence() || n.size() == 0) fail(file, n, key + ": expected a non-empty list", "[a, b, ...]");
  if (n.size() > kMaxSweepValues)
    fail(file, n, key + ": " + std::to_string(n.size()) + " values",
         "at most " + std::to_string(kMaxSweepValues) + " values per list (kMaxSweepValues)");
  std::vector<SweepValue> v;
  for (const auto& x : n) {
    if (scalars_only && !x.IsScalar()) fail(file, x, key + ": expected a name", "a string");
    v.push_back(value_of(file, x));
  }
  return v;
}

int integer(const std::string& file, const YAML::Node& n, const std::string& key, long lo, long hi) {
  const std::string s = scalar(file, n, key);
  try {
    size_t used = 0;
    const long v = std::stol(s, &used);
    if (used == s.size() && v >= lo && v <= hi) return int(v);
  } catch (const std::exception&) {
  }
  fail(file, n, key + " = " + common::printable(s) + " is not allowed",
       "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

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

// A config key used as an axis or a list point's setting: known, not a reserved column.
std::string config_key(const std::string& file, const YAML::Node& k, const std::set<std::string>& keys,
                       const std::string& in) {
  const std::string key = key_of(file, k, "a dotted config key (docs/config.md)");
  if (!keys.count(key) || reserved_columns().count(key))
    fail(file, k, "unknown config key '" + common::printable(key, 80) + "' in " + in,
         "a dotted config key (docs/config.md)");
  return key;
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
  YAML::Node root;
  try {
    if (const auto second = common::second_document(text))
      throw SweepError(label + ":" + std::to_string(second->line + 1) + ":" + std::to_string(second->column + 1) +
                       ": a second YAML document; allowed: one document per spec (remove the '---' line and what "
                       "follows)");
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw SweepError(label + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                     ": " + common::printable(e.msg) + "; allowed: a YAML map (docs/sweeps.md)");
  }
  if (!root.IsMap()) throw SweepError(label + ":1:1: expected a map; allowed: a YAML map (docs/sweeps.md)");
  const std::string allowed_keys =
      "name, hw, nets, deploy, mapping, dataflow, inputs, crossbars, mode, axes, points, samples, seed, timeout_s, "
      "allow_pinned";
  std::set<std::string> keys;
  for (const auto& k : models::hardware_schema()) keys.insert(k.key);
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
      s.mapping = scalar(file, v, k);
      if (s.mapping != "compiled" && s.mapping != "isaac")
        fail(file, v, "mapping " + common::printable(s.mapping, 80) + " is not allowed", "compiled, isaac");
    } else if (k == "dataflow") {
      s.dataflow = scalar(file, v, k);
      if (s.dataflow != "pipelined" && s.dataflow != "layer_by_layer")
        fail(file, v, "dataflow " + common::printable(s.dataflow, 80) + " is not allowed", "pipelined, layer_by_layer");
    } else if (k == "inputs") {
      s.inputs = integer(file, v, k, 1, 1000000);
    } else if (k == "crossbars") {
      s.crossbars = integer(file, v, k, 1, 100000000);
    } else if (k == "mode") {
      s.mode = scalar(file, v, k);
      s.mode_where = where(file, v);
      if (s.mode != "grid" && s.mode != "zip" && s.mode != "list" && s.mode != "random")
        fail(file, v, "mode " + common::printable(s.mode, 80) + " is not allowed", "grid, zip, list, random");
    } else if (k == "axes") {
      s.axes_where = where(file, kv.first);
      if (!v.IsMap()) fail(file, v, "axes: expected a map of config key -> list of values", "{adc.bits: [4, 8], ...}");
      std::set<std::string> axis_seen;
      for (const auto& a : v) {
        const std::string key = config_key(file, a.first, keys, "axes");
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
          const std::string key = config_key(file, a.first, keys, "a point");
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
      const std::string b = scalar(file, v, k);
      if (b != "true" && b != "false") fail(file, v, "allow_pinned: expected true or false", "true, false");
      s.allow_pinned = b == "true";
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
  const fs::path dir = fs::path(file).parent_path();
  auto resolve = [&dir](std::string& p) {
    std::error_code ec;  // a name the file system refuses (too long, ...) is simply not a file beside the spec
    if ((p.find('/') != std::string::npos || p.find('.') != std::string::npos) && fs::path(p).is_relative() &&
        fs::exists(dir / p, ec))
      p = (dir / p).string();
  };
  resolve(s.hw);
  for (auto& n : s.nets) resolve(n.text);
  return s;
}

SweepSpec load_sweep_spec(const std::string& path) {
  const std::string label = common::printable(path);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw SweepError(label + ": cannot open (not a regular file); allowed: a sweep spec YAML file (docs/sweeps.md)");
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxSweepSpecBytes)
    throw SweepError(label + ": " + std::to_string(size) + " bytes; allowed: a spec of at most " +
                     std::to_string(kMaxSweepSpecBytes) + " bytes (kMaxSweepSpecBytes)");
  std::ifstream f(path);
  if (!f) throw SweepError(label + ": cannot open; allowed: a sweep spec YAML file (docs/sweeps.md)");
  std::stringstream s;
  s << f.rdbuf();
  return parse_sweep_spec(s.str(), path);
}

}  // namespace cimsim::sim
