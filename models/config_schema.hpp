// The schema of the hardware config (one table: every key, its type, default, range, unit and the
// source of its default). Internal to models/: config_loader.cpp decodes against it.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "models/cost_model.hpp"
#include "models/hardware_spec.hpp"

namespace cimsim::models::schema {

constexpr double kInf = std::numeric_limits<double>::infinity();
extern const char* const kIsaac;

enum class Kind { integer, number, text, choice, tiles, power, bits_or_auto };

struct Key {
  std::string path;         // dotted YAML key
  std::string sources_key;  // HardwareSpec::sources key ("" for power_mw: it fills energy_pj's)
  Kind kind = Kind::number;
  double def = 0.0;      // integer / number default, choice index
  std::string def_text;  // text / tiles default
  double lo = 0.0, hi = kInf;
  bool lo_open = false;  // lo itself not allowed
  std::vector<std::string> choices;
  std::string unit, description, source;
  std::function<double&(HardwareSpec&)> num;
  std::function<int&(HardwareSpec&)> integer;
  std::function<std::string&(HardwareSpec&)> text;
  std::function<void(HardwareSpec&, int)> set_choice;
  Action action = Action::count_;  // power: action whose energy_pj it derives
  bool modelled = false;  // the default is what a component model computes (components.hpp)
  std::string component;  // cost keys: the component entry ("adc", "tile.buffer")
};
using Keys = std::vector<Key>;

std::string fmt(double v);
std::string join(const std::vector<std::string>& v, const char* sep);
std::string allowed_text(const Key& k);  // the allowed values, for messages and docs

const Keys& keys();                                               // the schema, in document order
const Key* find_key(const std::string& path);                     // nullptr if absent
std::vector<std::string> children_of(const std::string& prefix);  // leaf keys and sections ("" = top)
bool is_section(const std::string& path);
void apply_defaults(HardwareSpec& hw);  // every default, and its source

}  // namespace cimsim::models::schema
