// The points of a sweep spec, and everything validated before any of them runs: the point count (checked
// arithmetic, bounded before anything is built), the base config, every network, then every point's whole
// config (a value wrong on its own is reported at its place in the spec, a bad combination at the point).
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "models/builtin_configs.hpp"
#include "models/config_loader.hpp"
#include "sim/deploy.hpp"
#include "sim/spec_yaml.hpp"
#include "sim/sweep_spec.hpp"
#include "workloads/graph.hpp"

namespace cimsim::sim {

namespace {

using Settings = std::vector<std::pair<std::string, SweepValue>>;

// A base config file larger than this is refused before it is read (the shipped ones are ~2 KB).
constexpr std::uintmax_t kMaxBaseConfigBytes = 1u << 20;

// The place of a spec-level default that has none of its own: the spec's first line.
std::string at(const SweepSpec& spec, const std::string& where) {
  return where.empty() ? common::printable(spec.file) + ":1:1" : where;
}

// The base config's YAML text.
std::string base_text(const SweepSpec& spec) { return spec_yaml::base_config_text(spec.hw, at(spec, spec.hw_where)); }

std::string config_text(const YAML::Node& base, const Settings& settings) { return spec_yaml::config_with(base, settings); }

// What the config loader said, without its place in the generated config (the caller names the spec's).
constexpr const char* kGenerated = "<sweep point>";
std::string reason(const models::ConfigError& e) {
  std::string m = e.what();
  if (m.rfind(kGenerated, 0) == 0) {  // "<sweep point>:LINE:COL: what"
    const std::size_t p = m.find(": ", std::string(kGenerated).size());
    if (p != std::string::npos) m = m.substr(p + 2);
  }
  return m;
}

void check_networks(const SweepSpec& spec) {
  bool hypernet = false;
  for (const auto& d : spec.deploys) hypernet = hypernet || d.text == "hypernet";
  for (const auto& n : spec.nets) {
    WorkloadRequest r;
    r.net = n.text;
    Workload w;
    try {
      w = resolve_workload(r);
    } catch (const workloads::NetworkError& e) {
      throw SweepError(at(spec, n.where) + ": nets: " + common::printable(e.what(), 400));
    } catch (const models::ConfigError& e) {
      throw SweepError(at(spec, n.where) + ": nets: " + common::printable(e.what(), 400));
    }
    if (hypernet && !w.genotype)
      throw SweepError(at(spec, n.where) + ": nets: " + common::printable(n.text, 80) +
                       " cannot be deployed on the hypernetwork (deploy: hypernet); allowed: a DARTS genotype "
                       "(darts_v1, darts_v2, pdarts or a .genotype file)");
  }
}

// Why a point's config is invalid, at the right place in the spec: a value the loader rejects on its own
// (on the base config, with the same reason) at the value; a combination of values at the point.
[[noreturn]] void point_error(const YAML::Node& base, const SweepPoint& p, const Settings& settings,
                              const std::string& where, const std::string& why) {
  for (const auto& [k, v] : settings) {
    try {
      models::parse_hardware(config_text(base, {{k, v}}), kGenerated);
    } catch (const models::ConfigError& e) {
      if (reason(e) != why) continue;
      const bool names_key = why.find(k) != std::string::npos;
      throw SweepError(v.where + ": " + (names_key ? "" : k + " = " + common::printable(v.text, 80) + ": ") +
                       common::printable(why, 400));
    }
  }
  std::vector<std::string> vals;
  for (const auto& [k, v] : settings) vals.push_back(k + " = " + v.text);
  throw SweepError(where + ": point " + std::to_string(p.index) + " (" + common::joined(vals, 6) +
                   ") is not a valid config: " + common::printable(why, 400));
}

// The axis combinations of the spec, each with the place in the spec that describes it.
std::vector<std::pair<Settings, std::string>> combinations(const SweepSpec& spec) {
  std::vector<std::pair<Settings, std::string>> combos;
  const std::string axes_where = at(spec, spec.axes_where);
  if (spec.mode == "list") {
    for (const auto& p : spec.list) combos.push_back({p.settings, p.where});
  } else if (spec.mode == "zip") {
    const size_t n = spec.axes.empty() ? 1 : spec.axes.front().values.size();
    for (size_t i = 0; i < n; ++i) {
      Settings c;
      for (const auto& a : spec.axes) c.push_back({a.key, a.values[i]});
      combos.push_back({c, axes_where});
    }
  } else if (spec.mode == "random") {
    std::mt19937_64 rng(spec.seed);
    for (int i = 0; i < spec.samples; ++i) {
      Settings c;
      for (const auto& a : spec.axes) c.push_back({a.key, a.values[size_t(rng() % a.values.size())]});
      combos.push_back({c, axes_where});
    }
  } else {  // grid: the last axis varies fastest
    combos.push_back({{}, axes_where});
    for (const auto& a : spec.axes) {
      std::vector<std::pair<Settings, std::string>> next;
      next.reserve(combos.size() * a.values.size());  // bounded: sweep_point_count() came first
      for (const auto& c : combos)
        for (const auto& x : a.values) {
          auto d = c;
          d.first.push_back({a.key, x});
          next.push_back(std::move(d));
        }
      combos = std::move(next);
    }
  }
  return combos;
}

}  // namespace

std::int64_t sweep_point_count(const SweepSpec& spec) {
  std::optional<std::int64_t> combos = 1;
  std::string how;
  if (spec.mode == "list") {
    combos = std::int64_t(spec.list.size());
  } else if (spec.mode == "zip") {
    combos = spec.axes.empty() ? 1 : std::int64_t(spec.axes.front().values.size());
  } else if (spec.mode == "random") {
    combos = spec.samples;
  } else {
    for (const auto& a : spec.axes) {
      combos = combos ? common::checked_mul(*combos, std::int64_t(a.values.size())) : std::nullopt;
      how += (how.empty() ? "" : " x ") + std::to_string(a.values.size());
    }
  }
  const auto total = combos ? common::checked_product({*combos, std::int64_t(spec.nets.size()),
                                                       std::int64_t(spec.deploys.size())})
                            : std::nullopt;
  if (!total || *total > kMaxSweepPoints) {
    const std::string count = total ? std::to_string(*total) : "more than 9.2e18";
    const std::string where = spec.mode == "list"     ? at(spec, spec.mode_where)
                              : spec.mode == "random" ? at(spec, spec.samples_where)
                                                      : at(spec, spec.axes_where);
    throw SweepError(where + ": the sweep has " + count + " points (" + (how.empty() ? "" : how + " axis values x ") +
                     std::to_string(spec.nets.size()) + " nets x " + std::to_string(spec.deploys.size()) +
                     " deployments); allowed: at most " + std::to_string(kMaxSweepPoints) +
                     " points (kMaxSweepPoints; split the sweep)");
  }
  return *total;
}

namespace {
// A knob a point moves must not be one whose cost the config gives (HardwareSpec::pinned): the sweep
// would answer that the knob costs nothing. An error at the axis (or list point) unless the spec says
// allow_pinned: true.
void check_not_pinned(const SweepSpec& spec, const models::HardwareSpec& hw, const Settings& settings,
                      const std::string& point_where) {
  for (const auto& [key, value] : settings) {
    for (const auto& pin : hw.pinned) {
      for (const auto& knob : pin.knobs) {
        if (key != knob && key.rfind(knob + ".", 0) != 0) continue;
        std::string at = point_where;
        for (const auto& a : spec.axes)
          if (a.key == key) at = a.where;
        // who pins it: the point's own settings (another axis), or the base config
        bool by_spec = false;
        for (const auto& [k2, v2] : settings)
          if (pin.given.find(k2) != std::string::npos) by_spec = true;
        const std::string by = by_spec ? "the spec's own settings" : common::printable(spec.hw, 200);
        throw SweepError(at + ": " + key + " moves " + pin.component + ", whose cost " + by + " pins (" + pin.given +
                         " given: it does not follow " + key + "); allowed: drop " + pin.given + " from " +
                         (by_spec ? "the spec" : "the config") +
                         " so the model follows the knob, or allow_pinned: true in the spec");
      }
    }
  }
}
}  // namespace

std::vector<SweepPoint> sweep_points(const SweepSpec& spec) {
  const std::int64_t count = sweep_point_count(spec);  // before anything is built
  const std::string base = base_text(spec);
  YAML::Node base_node;
  try {
    models::parse_hardware(base, spec.hw);  // the base config's own errors name its file
    base_node = YAML::Load(base);
  } catch (const YAML::Exception& e) {
    throw SweepError(at(spec, spec.hw_where) + ": hw: " + common::printable(e.what()));
  }
  check_networks(spec);
  const auto combos = combinations(spec);
  std::vector<SweepPoint> points;
  points.reserve(std::size_t(count));
  for (const auto& net : spec.nets)
    for (const auto& deploy : spec.deploys)
      for (const auto& [settings, where] : combos) {
        SweepPoint p;
        p.index = int(points.size());
        for (const auto& [k, v] : settings) p.values[k] = v.text;
        p.values["net"] = net.text;
        p.values["deploy"] = deploy.text;
        p.net = net.text;
        p.deploy = deploy.text;
        p.hw_yaml = config_text(base_node, settings);
        models::HardwareSpec point_hw;
        try {  // a combination of valid values the loader rejects (adc.per_crossbar > crossbar.cols)
          point_hw = models::parse_hardware(p.hw_yaml, kGenerated);
        } catch (const models::ConfigError& e) {
          point_error(base_node, p, settings, where, reason(e));
        }
        if (!spec.allow_pinned) check_not_pinned(spec, point_hw, settings, where);
        points.push_back(std::move(p));
      }
  return points;
}

namespace spec_yaml {

std::string base_config_text(const std::string& hw, const std::string& where) {
  std::size_t n = 0;
  const models::BuiltinConfig* b = models::builtin_configs(&n);
  for (std::size_t i = 0; i < n; ++i)
    if (hw == b[i].name) return b[i].text;
  std::error_code ec;
  const bool regular = std::filesystem::is_regular_file(hw, ec);
  const auto size = regular ? std::filesystem::file_size(hw, ec) : 0;
  std::ifstream f;
  if (regular && !ec && size <= kMaxBaseConfigBytes) f.open(hw);
  if (!f.is_open())
    throw SweepError(where + ": hw: cannot open " + common::printable(hw) +
                     (regular && size > kMaxBaseConfigBytes ? " (" + std::to_string(size) + " bytes)" : "") +
                     "; allowed: a built-in config or a YAML file of at most " + std::to_string(kMaxBaseConfigBytes) +
                     " bytes");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// `root` with `key` (dotted) set to `value`.
static void set_key(YAML::Node root, const std::string& key, const SweepValue& value) {
  std::vector<std::string> parts;
  std::stringstream in(key);
  for (std::string p; std::getline(in, p, '.');) parts.push_back(p);
  YAML::Node node = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!node[parts[i]] || !node[parts[i]].IsMap()) node[parts[i]] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[parts[i]]);
  }
  // a scalar stays one scalar (the emitter quotes it if it must); a list is read back as the list it was
  node[parts.back()] = value.scalar ? YAML::Node(value.text) : YAML::Load(value.text);
}

std::string config_with(const YAML::Node& base, const std::vector<std::pair<std::string, SweepValue>>& settings) {
  YAML::Node root = YAML::Clone(base);
  for (const auto& [k, v] : settings) set_key(root, k, v);
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace spec_yaml

}  // namespace cimsim::sim
