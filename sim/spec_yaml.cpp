// Helpers shared by the sweep and search specs (sim/spec_yaml.hpp).
#include "sim/spec_yaml.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/text.hpp"
#include "common/yaml_document.hpp"
#include "models/config_loader.hpp"

namespace cimsim::sim::spec_yaml {

namespace fs = std::filesystem;

std::string read_spec_file(const std::string& path, std::uintmax_t max_bytes, const std::string& bound_name,
                           const std::string& what) {
  const std::string label = common::printable(path);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw SweepError(label + ": cannot open (not a regular file); allowed: " + what);
  const auto size = fs::file_size(path, ec);
  if (!ec && size > max_bytes)
    throw SweepError(label + ": " + std::to_string(size) + " bytes; allowed: a spec of at most " +
                     std::to_string(max_bytes) + " bytes (" + bound_name + ")");
  std::ifstream f(path);
  if (!f) throw SweepError(label + ": cannot open; allowed: " + what);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

YAML::Node load_spec_map(const std::string& text, const std::string& file, const std::string& doc) {
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
                     ": " + common::printable(e.msg) + "; allowed: a YAML map (" + doc + ")");
  }
  if (!root.IsMap()) throw SweepError(label + ":1:1: expected a map; allowed: a YAML map (" + doc + ")");
  return root;
}

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

double number(const std::string& file, const YAML::Node& n, const std::string& key, double lo, double hi) {
  const std::string s = scalar(file, n, key);
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size() && v >= lo && v <= hi) return v;
  } catch (const std::exception&) {
  }
  fail(file, n, key + " = " + common::printable(s) + " is not allowed",
       "a number in [" + common::printable(std::to_string(lo)) + ", " + common::printable(std::to_string(hi)) + "]");
}

bool boolean(const std::string& file, const YAML::Node& n, const std::string& key) {
  const std::string b = scalar(file, n, key);
  if (b != "true" && b != "false") fail(file, n, key + ": expected true or false", "true, false");
  return b == "true";
}

std::string one_of(const std::string& file, const YAML::Node& n, const std::string& key,
                   const std::vector<std::string>& allowed) {
  const std::string x = scalar(file, n, key);
  if (std::find(allowed.begin(), allowed.end(), x) == allowed.end())
    fail(file, n, key + " " + common::printable(x, 80) + " is not allowed", common::joined(allowed, allowed.size()));
  return x;
}

void resolve_beside(const std::string& file, std::string& p) {
  const fs::path dir = fs::path(file).parent_path();
  std::error_code ec;  // a name the file system refuses (too long, ...) is simply not a file beside the spec
  if ((p.find('/') != std::string::npos || p.find('.') != std::string::npos) && fs::path(p).is_relative() &&
      fs::exists(dir / p, ec))
    p = (dir / p).string();
}

std::string config_key(const std::string& file, const YAML::Node& k, const std::set<std::string>& reserved,
                       const std::string& in) {
  static const std::set<std::string> keys = [] {
    std::set<std::string> s;
    for (const auto& e : models::hardware_schema()) s.insert(e.key);
    return s;
  }();
  const std::string key = key_of(file, k, "a dotted config key (docs/config.md)");
  if (!keys.count(key) || reserved.count(key))
    fail(file, k, "unknown config key '" + common::printable(key, 80) + "' in " + in,
         "a dotted config key (docs/config.md)");
  return key;
}

}  // namespace cimsim::sim::spec_yaml
