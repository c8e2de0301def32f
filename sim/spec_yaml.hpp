// What the sweep spec (sim/sweep_spec.cpp) and the search spec (search/search_spec.cpp) share: reading the
// file (bounded), one YAML map per file, and values checked where they are written. Every error is a
// SweepError "FILE:LINE:COL: what; allowed: what is" (the CLI prints it, exit 2).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sim/sweep_spec.hpp"

namespace cimsim::sim::spec_yaml {

// The file's text: a regular file of at most `max_bytes` (named `bound_name` in the error), else a
// SweepError naming `what` is allowed.
std::string read_spec_file(const std::string& path, std::uintmax_t max_bytes, const std::string& bound_name,
                           const std::string& what);
// The one YAML map `text` holds (a second document, a syntax error or a non-map is an error pointing to
// `doc`, the page that describes the format).
YAML::Node load_spec_map(const std::string& text, const std::string& file, const std::string& doc);

std::string where(const std::string& file, const YAML::Node& n);  // "FILE:LINE:COL"
[[noreturn]] void fail(const std::string& file, const YAML::Node& n, const std::string& what,
                       const std::string& allowed);
// A map key: a plain scalar, else an error at the key.
std::string key_of(const std::string& file, const YAML::Node& k, const std::string& allowed);
std::string scalar(const std::string& file, const YAML::Node& n, const std::string& key);
// A config value as the spec wrote it: a scalar, or a flow sequence such as chip.tiles' [12, 14].
SweepValue value_of(const std::string& file, const YAML::Node& n);
// A scalar or a non-empty list of at most kMaxSweepValues values.
std::vector<SweepValue> list_of(const std::string& file, const YAML::Node& n, const std::string& key,
                                bool scalars_only);
int integer(const std::string& file, const YAML::Node& n, const std::string& key, long lo, long hi);
double number(const std::string& file, const YAML::Node& n, const std::string& key, double lo, double hi);
bool boolean(const std::string& file, const YAML::Node& n, const std::string& key);
// A scalar that must be one of `allowed`: "KEY X is not allowed; allowed: a, b" at the value otherwise.
std::string one_of(const std::string& file, const YAML::Node& n, const std::string& key,
                   const std::vector<std::string>& allowed);
// `path` as written in the spec at `file`: a relative path that names a file beside the spec becomes that
// file's path; anything else (a built-in name, an absolute path) is kept.
void resolve_beside(const std::string& file, std::string& path);
// A dotted hardware config key (docs/config.md) that is not in `reserved`, else an error at the key.
std::string config_key(const std::string& file, const YAML::Node& k, const std::set<std::string>& reserved,
                       const std::string& in);

// The YAML text of a base hardware config: a built-in name or a file of at most 1 MiB; `where` is its
// place in the spec, for the error.
std::string base_config_text(const std::string& hw, const std::string& where);
// `base` (a config's YAML) with each dotted key set to its value (a scalar stays a scalar, a flow list is
// read back as the list it was), as YAML text.
std::string config_with(const YAML::Node& base, const std::vector<std::pair<std::string, SweepValue>>& settings);

}  // namespace cimsim::sim::spec_yaml
