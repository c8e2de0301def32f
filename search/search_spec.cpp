// Parsing a search spec (docs/search.md): every key, type and value checked where it is written.
#include "search/search_spec.hpp"

#include <algorithm>
#include <set>

#include "common/text.hpp"
#include "sim/spec_yaml.hpp"

namespace cimsim::search {

using namespace sim::spec_yaml;
using sim::SweepError;

namespace {

constexpr std::uintmax_t kMaxSearchSpecBytes = 1u << 20;
constexpr int kMaxPopulation = 1024, kMaxGenerations = 10000;

struct MetricKey {
  const char* key;  // as a constraint names it
  Metric metric;
};
constexpr MetricKey kConstraintKeys[] = {{"latency_us", Metric::latency}, {"throughput_per_s", Metric::throughput},
                                         {"energy_uj", Metric::energy},   {"area_mm2", Metric::area},
                                         {"power_mw", Metric::power},     {"accuracy", Metric::accuracy}};

const char* kAllowedKeys =
    "space, regime, network, networks, deploy, hw, mapping, crossbars, inputs, knobs, objectives, constraints, "
    "accuracy, vit, population, generations, seed, resimulate";

std::vector<int> int_list(const std::string& file, const YAML::Node& n, const std::string& key, int lo, int hi) {
  if (!n.IsSequence() || n.size() == 0 || n.size() > 64)
    fail(file, n, key + ": expected a list of 1 to 64 integers", "[a, b, ...]");
  std::vector<int> v;
  for (const auto& x : n) v.push_back(integer(file, x, key, lo, hi));
  return v;
}

}  // namespace

const char* space_name(Space s) {
  switch (s) {
    case Space::darts: return "darts";
    case Space::darts_full: return "darts_full";
    case Space::ofa_mbv3: return "ofa_mbv3";
    case Space::vit: return "vit";
    case Space::fixed: return "fixed";
  }
  return "?";
}

const char* regime_name(Regime r) {
  switch (r) {
    case Regime::fixed_chip: return "fixed_chip";
    case Regime::fixed_network: return "fixed_network";
    case Regime::joint: return "joint";
  }
  return "?";
}

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::latency: return "latency";
    case Metric::throughput: return "throughput";
    case Metric::energy: return "energy";
    case Metric::area: return "area";
    case Metric::power: return "power";
    case Metric::accuracy: return "accuracy";
  }
  return "?";
}

const char* metric_unit(Metric m) {
  switch (m) {
    case Metric::latency: return "us";
    case Metric::throughput: return "inferences/s";
    case Metric::energy: return "uJ";
    case Metric::area: return "mm2";
    case Metric::power: return "mW";
    case Metric::accuracy: return "%";
  }
  return "?";
}

bool SearchSpec::uses_accuracy() const {
  if (std::find(objectives.begin(), objectives.end(), Metric::accuracy) != objectives.end()) return true;
  return std::any_of(constraints.begin(), constraints.end(),
                     [](const Constraint& c) { return c.metric == Metric::accuracy; });
}

SearchSpec parse_search_spec(const std::string& text, const std::string& file) {
  SearchSpec s;
  s.file = file;
  const std::string label = common::printable(file);
  const YAML::Node root = load_spec_map(text, file, "docs/search.md");
  std::set<std::string> seen;
  bool space_given = false, regime_given = false;
  std::string space_where = label + ":1:1", regime_where = label + ":1:1", deploy_where = label + ":1:1";
  for (const auto& kv : root) {
    const std::string k = key_of(file, kv.first, kAllowedKeys);
    const YAML::Node& v = kv.second;
    if (!seen.insert(k).second) fail(file, kv.first, "duplicate key '" + common::printable(k, 80) + "'", "each key once");
    if (k == "space") {
      const std::string x = one_of(file, v, k, {"darts", "darts_full", "ofa_mbv3", "vit", "fixed"});
      space_given = true;
      space_where = where(file, v);
      for (Space sp : {Space::darts, Space::darts_full, Space::ofa_mbv3, Space::vit, Space::fixed})
        if (x == space_name(sp)) s.space = sp;
    } else if (k == "regime") {
      const std::string x = one_of(file, v, k, {"fixed_chip", "fixed_network", "joint"});
      regime_given = true;
      regime_where = where(file, v);
      for (Regime r : {Regime::fixed_chip, Regime::fixed_network, Regime::joint})
        if (x == regime_name(r)) s.regime = r;
    } else if (k == "network") {
      s.network = scalar(file, v, k);
      s.network_where = where(file, v);
    } else if (k == "networks") {
      s.networks = list_of(file, v, k, true);
    } else if (k == "deploy") {
      s.deploy = one_of(file, v, k, {"individual", "hypernet"});
      deploy_where = where(file, v);
    } else if (k == "hw") {
      s.hw = scalar(file, v, k);
      s.hw_where = where(file, v);
    } else if (k == "mapping") {
      s.mapping = one_of(file, v, k, {"compiled", "isaac"});
    } else if (k == "crossbars") {
      s.crossbars = integer(file, v, k, 1, 100000000);
    } else if (k == "inputs") {
      s.inputs = integer(file, v, k, 1, 64);
    } else if (k == "knobs") {
      if (!v.IsMap()) fail(file, v, "knobs: expected a map of config key -> list of values", "{adc.bits: [4, 8], ...}");
      std::set<std::string> knob_seen;
      for (const auto& a : v) {
        // the crossbar budget of the compiled mapping, or a hardware config key
        const bool budget = a.first.IsScalar() && a.first.Scalar() == kCrossbarBudgetKnob;
        // (a config's name and description are labels, not knobs)
        const std::string key =
            budget ? std::string(kCrossbarBudgetKnob) : config_key(file, a.first, {"name", "description"}, "knobs");
        if (!knob_seen.insert(key).second) fail(file, a.first, "duplicate knob '" + key + "'", "each config key once");
        s.knobs.push_back({key, where(file, a.first), list_of(file, a.second, key, false)});
        std::set<std::string> values;
        for (const auto& value : s.knobs.back().values)
          if (!values.insert(value.text).second)
            throw SweepError(value.where + ": " + key + " lists " + common::printable(value.text, 80) +
                             " twice; allowed: each value once");
        if (budget)
          for (const auto& value : s.knobs.back().values) {
            long n = 0;
            size_t used = 0;
            try {
              n = std::stol(value.text, &used);
            } catch (const std::exception&) {
            }
            if (!value.scalar || used != value.text.size() || n < 1 || n > 100000000)
              throw SweepError(value.where + ": crossbars = " + common::printable(value.text, 80) +
                               " is not allowed; allowed: an integer in [1, 100000000] (the compiled mapping's crossbar budget)");
          }
      }
    } else if (k == "objectives") {
      s.objectives_where = where(file, v);
      if (!v.IsSequence() || v.size() < 2 || v.size() > 6)
        fail(file, v, "objectives: expected a list of 2 to 6 metrics (NSGA-II is multi-objective)",
             "latency, throughput, energy, area, power, accuracy");
      s.objectives.clear();
      for (const auto& x : v) {
        const std::string m = scalar(file, x, "objectives");
        bool found = false;
        for (Metric mt : {Metric::latency, Metric::throughput, Metric::energy, Metric::area, Metric::power,
                          Metric::accuracy})
          if (m == metric_name(mt)) {
            if (std::find(s.objectives.begin(), s.objectives.end(), mt) != s.objectives.end())
              fail(file, x, "objective " + m + " twice", "each metric once");
            s.objectives.push_back(mt), found = true;
          }
        if (!found)
          fail(file, x, "objective " + common::printable(m, 80) + " is not allowed",
               "latency, throughput, energy, area, power, accuracy");
      }
    } else if (k == "constraints") {
      if (!v.IsMap()) fail(file, v, "constraints: expected a map", "{area_mm2: {max: 100}, accuracy: {min: 97}}");
      std::string keys;
      for (const auto& mk : kConstraintKeys) keys += std::string(keys.empty() ? "" : ", ") + mk.key;
      for (const auto& c : v) {
        const std::string key = key_of(file, c.first, keys);
        const MetricKey* mk = nullptr;
        for (const auto& x : kConstraintKeys)
          if (key == x.key) mk = &x;
        if (!mk) fail(file, c.first, "unknown constraint '" + common::printable(key, 80) + "'", keys);
        if (!c.second.IsMap() || c.second.size() == 0)
          fail(file, c.second, key + ": expected {max: X} and/or {min: X}", "{max: X}, {min: X}");
        for (const auto& b : c.second) {
          const std::string side = key_of(file, b.first, "max, min");
          if (side != "max" && side != "min") fail(file, b.first, key + ": '" + common::printable(side, 80) + "'", "max, min");
          s.constraints.push_back({mk->metric, side == "max", number(file, b.second, key + "." + side, 0, 1e30),
                                   where(file, b.second)});
        }
      }
    } else if (k == "accuracy") {
      s.accuracy_where = where(file, v);
      if (!v.IsMap()) fail(file, v, "accuracy: expected a map", "{table: FILE.csv} or {command: [PROGRAM, ARG...], timeout_s: 60}");
      for (const auto& a : v) {
        const std::string key = key_of(file, a.first, "table, command, timeout_s");
        if (key == "table") {
          s.accuracy_table = scalar(file, a.second, "accuracy.table");
        } else if (key == "command") {
          if (!a.second.IsSequence() || a.second.size() == 0 || a.second.size() > 64)
            fail(file, a.second, "accuracy.command: expected a list [PROGRAM, ARG...] (run without a shell)",
                 "[python3, eval.py, --fast]");
          for (const auto& x : a.second) s.accuracy_command.push_back(scalar(file, x, "accuracy.command"));
        } else if (key == "timeout_s") {
          s.accuracy_timeout_s = number(file, a.second, "accuracy.timeout_s", 0.001, 86400);
        } else {
          fail(file, a.first, "unknown key '" + common::printable(key, 80) + "' in accuracy", "table, command, timeout_s");
        }
      }
      if (s.accuracy_table.empty() == s.accuracy_command.empty())
        fail(file, v, "accuracy: give exactly one of table and command", "{table: FILE.csv} or {command: [...]}");
    } else if (k == "vit") {
      if (!v.IsMap()) fail(file, v, "vit: expected a map", "{depth: [...], heads: [...], width: [...], mlp_ratio: [...]}");
      for (const auto& a : v) {
        const std::string key = key_of(file, a.first, "depth, heads, width, mlp_ratio");
        if (key == "depth") s.vit_depth = int_list(file, a.second, "vit.depth", 1, 48);
        else if (key == "heads") s.vit_heads = int_list(file, a.second, "vit.heads", 1, 64);
        else if (key == "width") s.vit_width = int_list(file, a.second, "vit.width", 8, 4096);
        else if (key == "mlp_ratio") {
          if (!a.second.IsSequence() || a.second.size() == 0 || a.second.size() > 64)
            fail(file, a.second, "vit.mlp_ratio: expected a list of 1 to 64 numbers", "[2, 3, 4]");
          s.vit_mlp_x10.clear();
          for (const auto& x : a.second)
            s.vit_mlp_x10.push_back(int(number(file, x, "vit.mlp_ratio", 0.5, 16) * 10 + 0.5));
        } else {
          fail(file, a.first, "unknown key '" + common::printable(key, 80) + "' in vit", "depth, heads, width, mlp_ratio");
        }
      }
    } else if (k == "population") {
      s.population = integer(file, v, k, 8, kMaxPopulation);
      if (s.population % 4) fail(file, v, "population " + std::to_string(s.population), "a multiple of 4 (NSGA-II pairs parents)");
    } else if (k == "generations") {
      s.generations = integer(file, v, k, 1, kMaxGenerations);
    } else if (k == "seed") {
      s.seed = uint64_t(integer(file, v, k, 0, 2147483647));
    } else if (k == "resimulate") {
      s.resimulate = integer(file, v, k, 0, 1000);
    } else {
      fail(file, kv.first, "unknown key '" + common::printable(k, 80) + "'", kAllowedKeys);
    }
  }
  // the regime and the space agree
  if (!space_given && s.regime == Regime::fixed_network) s.space = Space::fixed;
  if (!regime_given && s.space == Space::fixed) s.regime = Regime::fixed_network;
  if (s.regime == Regime::fixed_network && s.space != Space::fixed)
    throw SweepError(space_where + ": regime fixed_network varies the chip only; allowed: space: fixed (with network: NET)");
  if (s.regime != Regime::fixed_network && s.space == Space::fixed)
    throw SweepError(regime_where + ": space fixed has one network; allowed: regime: fixed_network");
  if (s.regime == Regime::fixed_chip && !s.knobs.empty())
    throw SweepError(s.knobs.front().where + ": regime fixed_chip varies the network only; allowed: no knobs (or regime: joint)");
  if (s.regime != Regime::fixed_chip && s.knobs.empty())
    throw SweepError(regime_where + ": regime " + regime_name(s.regime) + " varies the chip; allowed: knobs: {KEY: [values], ...}");
  for (const auto& a : s.constraints)
    for (const auto& b : s.constraints)
      if (a.metric == b.metric && a.at_most && !b.at_most && b.bound > a.bound)
        throw SweepError(b.where + ": " + metric_name(b.metric) + " at least " + common::printable(std::to_string(b.bound)) +
                         " and at most " + common::printable(std::to_string(a.bound)) +
                         ": no candidate can meet both; allowed: a minimum at or below the maximum");
  for (const auto& k : s.knobs)
    if (k.key == kCrossbarBudgetKnob && s.mapping == "isaac")
      throw SweepError(k.where + ": a crossbar budget knob with mapping isaac; allowed: mapping: compiled (the budget is the compiled mapping's)");
  if (!s.networks.empty() && s.space == Space::fixed)
    throw SweepError(s.networks.front().where + ": networks choose among networks; allowed: space darts, darts_full, ofa_mbv3 or vit with networks, or network: NET with space fixed");
  if (s.deploy == "hypernet" && (s.regime != Regime::fixed_chip || (s.space != Space::darts && s.space != Space::darts_full)))
    throw SweepError(deploy_where + ": deploy hypernet runs DARTS genotypes on one all-inclusive chip; allowed: with space darts or darts_full and regime fixed_chip");
  if (s.uses_accuracy() && s.accuracy_table.empty() && s.accuracy_command.empty())
    throw SweepError((s.objectives_where.empty() ? label + ":1:1" : s.objectives_where) +
                     ": accuracy is asked for (an objective or a constraint) but the spec gives no accuracy source; "
                     "allowed: accuracy: {table: FILE.csv} or accuracy: {command: [PROGRAM, ARG...]} (cimsim invents none)");
  // relative paths are relative to the spec
  resolve_beside(file, s.hw);
  resolve_beside(file, s.network);
  resolve_beside(file, s.accuracy_table);
  for (auto& n : s.networks) resolve_beside(file, n.text);
  return s;
}

SearchSpec load_search_spec(const std::string& path) {
  return parse_search_spec(
      read_spec_file(path, kMaxSearchSpecBytes, "kMaxSearchSpecBytes", "a search spec YAML file (docs/search.md)"),
      path);
}

}  // namespace cimsim::search
