#include "sim/sweep_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "models/builtin_configs.hpp"
#include "models/config_loader.hpp"
#include "workloads/loader.hpp"

namespace cimsim::sim {

namespace fs = std::filesystem;

namespace {

std::string where(const std::string& file, const YAML::Node& n) {
  const auto m = n.Mark();
  return file + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

[[noreturn]] void fail(const std::string& file, const YAML::Node& n, const std::string& what,
                       const std::string& allowed) {
  throw SweepError(where(file, n) + ": " + what + "; allowed: " + allowed);
}

std::string scalar(const std::string& file, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(file, n, key + ": expected a single value", "a string or number");
  return n.as<std::string>();
}

// A config value as YAML text: a scalar, or a flow sequence such as chip.tiles' [12, 14].
std::string value_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.as<std::string>();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

std::vector<std::string> list_of(const std::string& file, const YAML::Node& n, const std::string& key) {
  std::vector<std::string> v;
  if (n.IsScalar()) return {n.as<std::string>()};
  if (!n.IsSequence() || n.size() == 0) fail(file, n, key + ": expected a non-empty list", "[a, b, ...]");
  for (const auto& x : n) v.push_back(value_text(x));
  return v;
}

int integer(const std::string& file, const YAML::Node& n, const std::string& key, int lo, int hi) {
  const std::string s = scalar(file, n, key);
  try {
    size_t used = 0;
    const long v = std::stol(s, &used);
    if (used == s.size() && v >= lo && v <= hi) return int(v);
  } catch (const std::exception&) {
  }
  fail(file, n, key + " = " + s + " is not allowed",
       "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
}

std::set<std::string> config_keys() {
  std::set<std::string> keys;
  for (const auto& k : models::hardware_schema()) keys.insert(k.key);
  return keys;
}

// The base config's YAML text.
std::string base_text(const SweepSpec& spec) {
  std::size_t n = 0;
  const models::BuiltinConfig* b = models::builtin_configs(&n);
  for (std::size_t i = 0; i < n; ++i)
    if (spec.hw == b[i].name) return b[i].text;
  std::ifstream f(spec.hw);
  if (!f) throw SweepError(spec.file + ": hw: cannot open " + spec.hw + "; allowed: a built-in config or a YAML file");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The base config with `key` (dotted) set to `value`.
void set_key(YAML::Node root, const std::string& key, const std::string& value) {
  std::vector<std::string> parts;
  std::stringstream in(key);
  for (std::string p; std::getline(in, p, '.');) parts.push_back(p);
  YAML::Node node = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!node[parts[i]] || !node[parts[i]].IsMap()) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[parts[i]]);
  }
  // numbers stay numbers: let YAML read the value as it would in a config file
  node[parts.back()] = YAML::Load(value);
}

}  // namespace

std::vector<std::string> SweepSpec::columns() const {
  std::vector<std::string> c;
  for (const auto& [k, v] : axes) c.push_back(k);
  for (const auto& p : list)
    for (const auto& [k, v] : p)
      if (std::find(c.begin(), c.end(), k) == c.end()) c.push_back(k);
  c.push_back("net");
  c.push_back("deploy");
  return c;
}

SweepSpec parse_sweep_spec(const std::string& text, const std::string& file) {
  SweepSpec s;
  s.file = file;
  s.name = fs::path(file).stem().string();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw SweepError(file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                     ": " + e.msg + "; allowed: a YAML map (docs/sweeps.md)");
  }
  if (!root.IsMap()) throw SweepError(file + ":1:1: expected a map; allowed: a YAML map (docs/sweeps.md)");
  const std::string allowed_keys =
      "name, hw, nets, deploy, mapping, dataflow, inputs, crossbars, mode, axes, points, samples, seed, timeout_s";
  const auto keys = config_keys();
  for (const auto& kv : root) {
    const std::string k = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (k == "name") s.name = scalar(file, v, k);
    else if (k == "hw") s.hw = scalar(file, v, k);
    else if (k == "nets") s.nets = list_of(file, v, k);
    else if (k == "deploy") {
      s.deploys = list_of(file, v, k);
      for (const auto& d : s.deploys)
        if (d != "individual" && d != "hypernet") fail(file, v, "deploy " + d + " is not allowed", "individual, hypernet");
    } else if (k == "mapping") {
      s.mapping = scalar(file, v, k);
      if (s.mapping != "compiled" && s.mapping != "isaac") fail(file, v, "mapping " + s.mapping + " is not allowed", "compiled, isaac");
    } else if (k == "dataflow") {
      s.dataflow = scalar(file, v, k);
      if (s.dataflow != "pipelined" && s.dataflow != "layer_by_layer") fail(file, v, "dataflow " + s.dataflow + " is not allowed", "pipelined, layer_by_layer");
    } else if (k == "inputs") s.inputs = integer(file, v, k, 1, 1000000);
    else if (k == "crossbars") s.crossbars = integer(file, v, k, 1, 100000000);
    else if (k == "mode") {
      s.mode = scalar(file, v, k);
      if (s.mode != "grid" && s.mode != "zip" && s.mode != "list" && s.mode != "random")
        fail(file, v, "mode " + s.mode + " is not allowed", "grid, zip, list, random");
    } else if (k == "axes") {
      if (!v.IsMap()) fail(file, v, "axes: expected a map of config key -> list of values", "{adc.bits: [4, 8], ...}");
      for (const auto& a : v) {
        const std::string key = a.first.as<std::string>();
        if (!keys.count(key)) fail(file, a.first, "unknown config key '" + key + "' in axes", "a dotted config key (docs/config.md)");
        s.axes.push_back({key, list_of(file, a.second, key)});
      }
    } else if (k == "points") {
      if (!v.IsSequence()) fail(file, v, "points: expected a list of maps", "[{adc.bits: 4}, ...]");
      for (const auto& p : v) {
        if (!p.IsMap()) fail(file, p, "a point: expected a map of config key -> value", "{adc.bits: 4, ...}");
        std::map<std::string, std::string> point;
        for (const auto& a : p) {
          const std::string key = a.first.as<std::string>();
          if (!keys.count(key)) fail(file, a.first, "unknown config key '" + key + "' in a point", "a dotted config key (docs/config.md)");
          point[key] = value_text(a.second);
        }
        s.list.push_back(point);
      }
    } else if (k == "samples") s.samples = integer(file, v, k, 1, 1000000);
    else if (k == "seed") s.seed = uint64_t(integer(file, v, k, 0, 2147483647));
    else if (k == "timeout_s") {
      s.timeout_s = integer(file, v, k, 1, 86400);
    } else fail(file, kv.first, "unknown key '" + k + "'", allowed_keys);
  }
  if (s.mode == "list" && s.list.empty()) throw SweepError(file + ":1:1: mode list needs points; allowed: points: [{key: value}, ...]");
  if (s.mode != "list" && !s.list.empty()) throw SweepError(file + ":1:1: points are for mode list; allowed: mode: list");
  if (s.mode == "random" && s.samples == 0) throw SweepError(file + ":1:1: mode random needs samples; allowed: samples: N");
  if (s.mode == "zip")
    for (const auto& [k, v] : s.axes)
      if (v.size() != s.axes.front().second.size())
        throw SweepError(file + ":1:1: mode zip needs axes of one length; " + k + " has " + std::to_string(v.size()) +
                         ", " + s.axes.front().first + " has " + std::to_string(s.axes.front().second.size()) +
                         "; allowed: equal lengths");
  // relative paths are relative to the spec
  const fs::path dir = fs::path(file).parent_path();
  auto resolve = [&dir](std::string& p) {
    if ((p.find('/') != std::string::npos || p.find('.') != std::string::npos) && fs::path(p).is_relative() &&
        fs::exists(dir / p))
      p = (dir / p).string();
  };
  resolve(s.hw);
  for (auto& n : s.nets) resolve(n);
  return s;
}

SweepSpec load_sweep_spec(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw SweepError(path + ": cannot open; allowed: a sweep spec YAML file (docs/sweeps.md)");
  std::stringstream s;
  s << f.rdbuf();
  return parse_sweep_spec(s.str(), path);
}

std::vector<SweepPoint> sweep_points(const SweepSpec& spec) {
  // the axis combinations
  std::vector<std::map<std::string, std::string>> combos;
  if (spec.mode == "list") {
    combos = spec.list;
  } else if (spec.mode == "zip") {
    const size_t n = spec.axes.empty() ? 1 : spec.axes.front().second.size();
    for (size_t i = 0; i < n; ++i) {
      std::map<std::string, std::string> c;
      for (const auto& [k, v] : spec.axes) c[k] = v[i];
      combos.push_back(c);
    }
  } else if (spec.mode == "random") {
    std::mt19937_64 rng(spec.seed);
    for (int i = 0; i < spec.samples; ++i) {
      std::map<std::string, std::string> c;
      for (const auto& [k, v] : spec.axes) c[k] = v[size_t(rng() % v.size())];
      combos.push_back(c);
    }
  } else {  // grid: the last axis varies fastest
    combos.push_back({});
    for (const auto& [k, v] : spec.axes) {
      std::vector<std::map<std::string, std::string>> next;
      for (const auto& c : combos)
        for (const auto& x : v) {
          auto d = c;
          d[k] = x;
          next.push_back(d);
        }
      combos = std::move(next);
    }
  }
  const std::string base = base_text(spec);
  std::vector<SweepPoint> points;
  for (const auto& net : spec.nets)
    for (const auto& deploy : spec.deploys)
      for (const auto& c : combos) {
        SweepPoint p;
        p.index = int(points.size());
        p.values = c;
        p.values["net"] = net;
        p.values["deploy"] = deploy;
        p.net = net;
        p.deploy = deploy;
        YAML::Node root = YAML::Load(base);
        for (const auto& [k, v] : c) set_key(root, k, v);
        YAML::Emitter out;
        out << root;
        p.hw_yaml = std::string(out.c_str()) + "\n";
        try {  // every point's config must be valid before anything runs
          models::parse_hardware(p.hw_yaml, spec.file + " point " + std::to_string(p.index));
        } catch (const models::ConfigError& e) {
          std::string what = e.what();
          throw SweepError(spec.file + ": point " + std::to_string(p.index) + " is not a valid config: " + what);
        }
        points.push_back(std::move(p));
      }
  return points;
}

}  // namespace cimsim::sim
