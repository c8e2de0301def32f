// Strict, table-driven decoding of hardware YAML (see config_loader.hpp and docs/config.md).
#include "models/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "common/yaml_document.hpp"
#include "models/builtin_configs.hpp"
#include "models/components.hpp"
#include "models/config_schema.hpp"
#include "models/cost_model.hpp"
#include "models/limits.hpp"

namespace cimsim::models {
namespace {
using namespace schema;

// Decodes one document against the schema, remembering where each user value was.
// A config's text values (name, description) appear in every report.
constexpr std::size_t kMaxTextBytes = 1024;

class Decoder {
 public:
  explicit Decoder(std::string label) : label_(std::move(label)) {}

  HardwareSpec run(const std::string& text) {
    YAML::Node root;
    try {
      // a second document (after `---`) is an error, not silently ignored
      if (const auto second = common::second_document(text))
        fail(*second, "a second YAML document (after ---) in a hardware config", "one document per file");
      root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      fail(e.mark, "YAML syntax error: " + common::printable(e.msg), "valid YAML");
    }
    if (!root.IsMap()) {
      fail(root.Mark(), "the top level must be a map of sections", join(children_of(""), ", "));
    }
    HardwareSpec hw;
    apply_defaults(hw);
    walk(root, "", hw);
    if (given_.count("name") == 0) hw.name = std::filesystem::path(label_).stem().string();
    check_cross(hw);
    check_chip_size(hw);
    resolve(hw);
    derive_power(hw);
    hw.file = label_;
    return hw;
  }

 private:
  [[noreturn]] void fail(const YAML::Mark& m, const std::string& what, const std::string& allowed) const {
    throw ConfigError(where(m) + ": " + what + "; allowed: " + allowed);
  }

  std::string where(const YAML::Mark& m) const {
    const int line = m.line < 0 ? 1 : m.line + 1;
    const int col = m.column < 0 ? 1 : m.column + 1;
    return label_ + ":" + std::to_string(line) + ":" + std::to_string(col);
  }

  static std::string describe(const YAML::Node& n) {
    if (n.IsNull()) return "null";
    if (n.IsMap()) return "a map";
    if (n.IsSequence()) return "a list";
    return (n.Tag() == "!" ? "string \"" : "\"") + common::printable(n.Scalar(), 80) + "\"";
  }


  void walk(const YAML::Node& map, const std::string& prefix, HardwareSpec& hw) {
    std::set<std::string> seen;
    const auto allowed = [&prefix] { return join(children_of(prefix), ", "); };
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node kn = it->first;
      if (!kn.IsScalar()) fail(kn.Mark(), "a key must be a plain name", allowed());
      const std::string name = kn.Scalar();
      const std::string path = prefix.empty() ? name : prefix + "." + name;
      // a key a user wrote is quoted cut to 80 characters (a file may hold a key of any length)
      if (!seen.insert(name).second) fail(kn.Mark(), "duplicate key \"" + common::printable(path, 80) + "\"", allowed());
      const YAML::Node v = it->second;
      if (const Key* k = find_key(path)) {
        given_[path] = v.Mark();
        leaf(*k, v, hw);
      } else if (is_section(path)) {
        if (v.IsNull()) continue;  // a section with every key commented out
        if (!v.IsMap()) fail(v.Mark(), path + " must be a map, got " + describe(v), join(children_of(path), ", "));
        walk(v, path, hw);
      } else {
        fail(kn.Mark(), "unknown key \"" + common::printable(path, 80) + "\"" + (prefix.empty() ? "" : " in " + prefix),
             allowed());
      }
    }
  }

  double number(const Key& k, const YAML::Node& v, bool integral) const {
    const char* expected = integral ? "an integer" : "a number";
    if (!v.IsScalar() || v.Tag() == "!") {
      fail(v.Mark(), k.path + ": expected " + std::string(expected) + ", got " + describe(v), allowed_text(k));
    }
    const std::string& s = v.Scalar();
    const char* end = s.data() + s.size();
    double x = 0.0;
    bool ok = false;
    if (integral) {
      long long i = 0;
      const auto r = std::from_chars(s.data(), end, i);
      ok = r.ec == std::errc() && r.ptr == end;
      x = static_cast<double>(i);
    } else {
      const auto r = std::from_chars(s.data(), end, x);
      ok = r.ec == std::errc() && r.ptr == end && std::isfinite(x);
    }
    if (!ok) fail(v.Mark(), k.path + ": expected " + std::string(expected) + ", got " + describe(v), allowed_text(k));
    const bool below = k.lo_open ? x <= k.lo : x < k.lo;
    if (below || x > k.hi) fail(v.Mark(), k.path + " = " + common::printable(s, 80) + " is out of range", allowed_text(k));
    return x;
  }

  void leaf(const Key& k, const YAML::Node& v, HardwareSpec& hw) {
    const std::string at = where(v.Mark());
    switch (k.kind) {
      case Kind::integer: k.integer(hw) = static_cast<int>(number(k, v, true)); break;
      case Kind::bits_or_auto:
        if (v.IsScalar() && v.Tag() != "!" && v.Scalar() == "auto") {
          hw.adc.bits_auto = true;
        } else {
          k.integer(hw) = static_cast<int>(number(k, v, true));
          hw.adc.bits_auto = false;
        }
        break;
      case Kind::number: k.num(hw) = number(k, v, false); break;
      case Kind::power: power_[k.path] = number(k, v, false); return;
      case Kind::text:
        if (!v.IsScalar()) fail(v.Mark(), k.path + ": expected a string, got " + describe(v), allowed_text(k));
        // names and descriptions go into reports (JSON must be UTF-8) and terminals: clean text only
        if (!common::is_clean_utf8(v.Scalar()) || v.Scalar().size() > kMaxTextBytes)
          fail(v.Mark(), k.path + ": \"" + common::printable(v.Scalar(), 80) +
                             "\" is not valid UTF-8 text without control characters, or is longer than " +
                             std::to_string(kMaxTextBytes) + " bytes (shown escaped)",
               "printable UTF-8 text of at most " + std::to_string(kMaxTextBytes) + " bytes");
        k.text(hw) = v.Scalar();
        break;
      case Kind::choice: {
        const auto c = std::find(k.choices.begin(), k.choices.end(), v.IsScalar() ? v.Scalar() : "");
        if (!v.IsScalar() || c == k.choices.end()) {
          fail(v.Mark(), k.path + ": bad value " + describe(v), allowed_text(k));
        }
        k.set_choice(hw, static_cast<int>(c - k.choices.begin()));
        break;
      }
      case Kind::tiles: tiles(k, v, hw); break;
    }
    hw.sources[k.sources_key] = at;
  }

  void tiles(const Key& k, const YAML::Node& v, HardwareSpec& hw) const {
    if (v.IsScalar() && v.Scalar() == "auto") {
      hw.chip.auto_size = true;
      return;
    }
    if (!v.IsSequence() || v.size() != 2) {
      fail(v.Mark(), "chip.tiles: expected auto or [rows, cols], got " + describe(v), allowed_text(k));
    }
    int dims[2] = {0, 0};
    for (std::size_t i = 0; i < 2; ++i) {
      const YAML::Node e = v[i];
      long long x = 0;
      const std::string s = e.IsScalar() && e.Tag() != "!" ? e.Scalar() : "";
      const auto r = std::from_chars(s.data(), s.data() + s.size(), x);
      if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || x < 1 || x > limits::kMaxMeshDim) {
        fail(e.Mark(), "chip.tiles: bad mesh dimension " + describe(e), allowed_text(k));
      }
      dims[i] = static_cast<int>(x);
    }
    hw.chip.auto_size = false;
    hw.chip.mesh_rows = dims[0];
    hw.chip.mesh_cols = dims[1];
  }

  // Where to point for a constraint among several keys: the first of them the user gave.
  YAML::Mark mark_of(std::initializer_list<const char*> paths) const {
    for (const char* p : paths) {
      const auto it = given_.find(p);
      if (it != given_.end()) return it->second;
    }
    return YAML::Mark();
  }

  void check_cross(const HardwareSpec& hw) const {
    if (hw.adc.per_crossbar > hw.crossbar.cols) {
      fail(mark_of({"adc.per_crossbar", "crossbar.cols"}),
           "adc.per_crossbar = " + std::to_string(hw.adc.per_crossbar) + " exceeds crossbar.cols = " +
               std::to_string(hw.crossbar.cols),
           "integer in [1, crossbar.cols]");
    }
    if (hw.cells_per_weight() > hw.crossbar.cols) {
      fail(mark_of({"precision.weight_bits", "crossbar.bits_per_cell", "crossbar.signed_weights", "crossbar.cols"}),
           "one weight needs " + std::to_string(hw.cells_per_weight()) + " columns (weight_bits / bits_per_cell" +
               (hw.crossbar.signed_weights == SignedScheme::differential ? " x 2 for differential" : "") +
               ") but crossbar.cols = " + std::to_string(hw.crossbar.cols),
           "ceil(weight_bits / bits_per_cell) x (2 if differential) <= crossbar.cols");
    }
  }

  // A chip's crossbars (tiles x PEs x crossbars), multiplied out with overflow checks, are bounded
  // before anything is mapped or built (limits.hpp: kMaxChipCrossbars).
  void check_chip_size(const HardwareSpec& hw) const {
    const std::int64_t rows = hw.chip.mesh_rows, cols = hw.chip.mesh_cols;
    const std::int64_t per_tile = std::int64_t(hw.tile.pes) * hw.pe.crossbars;
    if (!hw.chip.auto_size) {
      const auto xbars = common::product_within({rows, cols, per_tile}, limits::kMaxChipCrossbars);
      if (!xbars) {
        const auto p = common::checked_product({rows, cols, per_tile});
        fail(mark_of({"chip.tiles", "tile.pes", "pe.crossbars"}),
             "chip.tiles [" + std::to_string(rows) + ", " + std::to_string(cols) + "] x tile.pes " +
                 std::to_string(hw.tile.pes) + " x pe.crossbars " + std::to_string(hw.pe.crossbars) + " = " +
                 (p ? std::to_string(*p) : std::string("more than 2^63")) + " crossbars",
             "at most " + std::to_string(limits::kMaxChipCrossbars) + " crossbars per chip");
      }
    }
  }

  bool given(const std::string& path) const { return given_.count(path) != 0 || power_.count(path) != 0; }

  // What the config leaves out, from the component models (components.hpp): the cell read energy from
  // the device, `adc.bits: auto`, the ADC's conversion rate and every cost entry. A cost the config
  // gives stays as given; the knobs its model would have followed are listed in hw.pinned.
  // tile.digital: auto: each digital unit count the config leaves out keeps up with the tile's crossbars
  // at their full rate: output values per ns = crossbars x outputs per crossbar / (phases x phase
  // period); a unit does ops_per_cycle x clock per ns; each value needs at most one op of each kind.
  void resolve_digital(HardwareSpec& hw) {
    auto& t = hw.tile;
    const int outputs = std::max(1, hw.crossbar.cols / hw.cells_per_weight());
    const double vector_ns = double(hw.input_phases()) * hw.phase_period_ns(hw.crossbar.cols);
    t.digital_demand_per_ns = double(hw.crossbars_per_tile()) * outputs / vector_ns;
    if (!t.digital_auto) return;
    const std::pair<const char*, DigitalUnitSpec*> units[] = {
        {"pool", &t.pool}, {"activation", &t.activation}, {"accumulate", &t.accumulate}};
    for (const auto& [name, u] : units) {
      const std::string key = std::string("tile.") + name + ".count";
      if (given(key)) continue;
      const double per_unit = double(u->ops_per_cycle) * hw.technology.clock_ghz;
      u->count = int(std::clamp(std::ceil(t.digital_demand_per_ns / per_unit - 1e-9), 1.0, 4096.0));
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "auto (tile.digital): %d units of %d ops per cycle at %g GHz keep up with %d crossbars "
                    "x %d outputs per %g ns vector (%g values per ns)",
                    u->count, u->ops_per_cycle, hw.technology.clock_ghz, hw.crossbars_per_tile(), outputs,
                    vector_ns, t.digital_demand_per_ns);
      hw.sources[key] = buf;
    }
  }

  void resolve(HardwareSpec& hw) {
    resolve_device(hw);
    hw.crossbar.cell_write_energy_fj = cell_write_energy_fj(hw, &hw.crossbar.cell_write_basis);
    if (!(hw.crossbar.cell_write_energy_fj * 1e-3 <= limits::kMaxEnergyPj))
      fail(mark_of({"crossbar.device.write_voltage_v", "crossbar.device.write_pulse_ns", "crossbar.device.r_on_kohm"}),
           "crossbar.device gives " + fmt(hw.crossbar.cell_write_energy_fj * 1e-3) + " pJ per cell written",
           "at most " + fmt(limits::kMaxEnergyPj) + " pJ per cell written (a lower write voltage or a shorter pulse)");
    auto& adc = hw.adc;
    const int cell_bits = hw.summed_cell_bits(), input_bits = hw.summed_input_bits();
    adc.lossless_bits = lossless_adc_bits(hw.crossbar.rows, cell_bits, input_bits, adc.flip_encoding);
    if (adc.bits_auto) {
      if (adc.lossless_bits > limits::kMaxAdcBits)
        fail(mark_of({"adc.bits"}), "adc.bits: auto needs " + std::to_string(adc.lossless_bits) +
                                       " bits for crossbar.rows " + std::to_string(hw.crossbar.rows) + ", " +
                                       std::to_string(cell_bits) + "-bit cells and " +
                                       std::to_string(input_bits) + "-bit DAC inputs",
             "at most " + std::to_string(limits::kMaxAdcBits) + " bits: fewer rows, bits per cell or DAC bits");
      adc.bits = adc.lossless_bits;
      hw.sources["adc.bits"] = where(given_.at("adc.bits")) + " (auto: lossless resolution, ISAAC section IV)";
    }
    if (adc.flash && given("adc.fom_fj_per_step"))
      fail(mark_of({"adc.fom_fj_per_step"}),
           "adc.fom_fj_per_step prices a SAR ADC's steps; with adc.kind: flash the energy is its 2^bits - 1 "
           "comparisons (docs/cost-model.md#adc)",
           "adc.fom_fj_per_step with adc.kind: sar, or adc.energy_pj to give a flash ADC's energy");
    if (!given("adc.sample_rate_gsps")) {
      adc.sample_rate_gsps = adc_model_rate_gsps(hw);
      hw.sources["adc.sample_rate_gsps"] =
          std::string("model: ") + (adc.flash ? "flash ADC, one comparison per conversion" : "SAR ADC, one comparison per bit") +
          " at ISAAC's 97.66 ps per comparison (8 bits at 1.28 GS/s), node-scaled delay (Stillmaker and Baas 2017)";
    } else {
      hw.pinned.push_back({"adc", "adc.sample_rate_gsps", {"adc.bits", "adc.kind", "technology.node_nm", "technology.transistors"}});
    }
    resolve_digital(hw);
    for (const CostEntry& e : cost_entries()) {
      const Estimate est = e.model(hw);
      const std::string c = e.key;
      Cost& cost = const_cast<Cost&>(e.cost(hw));  // hw is ours to fill
      std::vector<std::string> pins, knobs;
      const auto set = [&](const char* field, double& value, double model_value, bool is_given, const char* key) {
        if (is_given) {
          pins.push_back(c + "." + key);
          for (const auto& k : model_knobs(c, field))
            if (std::find(knobs.begin(), knobs.end(), k) == knobs.end()) knobs.push_back(k);
          return;
        }
        check_modelled(c, field, model_value);
        value = model_value;
        hw.sources[c + ".cost." + field] = "model: " + est.basis;
      };
      set("energy_pj", cost.energy_pj, est.cost.energy_pj, given(c + ".energy_pj") || given(c + ".power_mw"),
          given(c + ".power_mw") ? "power_mw" : "energy_pj");
      set("leakage_mw", cost.leakage_mw, est.cost.leakage_mw, given(c + ".leakage_mw"), "leakage_mw");
      set("area_um2", cost.area_um2, est.cost.area_um2, given(c + ".area_um2"), "area_um2");
      if (!pins.empty()) hw.pinned.push_back({c, join(pins, ", "), knobs});
    }
  }

  // A modelled cost stays within the bounds a given one has (limits.hpp), so that every report stays finite
  // and meaningful: parameters at the edge of their ranges (a 24-bit ADC at a huge FOM, a 10^9 KiB buffer
  // refreshed every ns) are refused, pointing at the first of the component's knobs the config gave.
  void check_modelled(const std::string& comp, const std::string& field, double v) const {
    const bool energy = field == "energy_pj", leakage = field == "leakage_mw";
    const double hi = energy ? limits::kMaxEnergyPj : leakage ? limits::kMaxPowerMw : limits::kMaxAreaUm2;
    if (v <= hi) return;
    const char* what = energy ? "energy per action" : leakage ? "leakage" : "area";
    const char* unit = energy ? "pJ" : leakage ? "mW" : "um2";
    const auto& knobs = model_knobs(comp, field);
    const auto first_given = [&]() {
      for (const auto& k : knobs)
        for (const auto& [path, mark] : given_)
          if (path == k || path.rfind(k + ".", 0) == 0) return mark;
      return YAML::Mark();
    };
    fail(first_given(), comp + ": its model gives " + what + " " + fmt(v) + " " + unit + " at these parameters (" +
                            join(knobs, ", ") + ")",
         "parameters whose modelled " + std::string(what) + " is at most " + fmt(hi) + " " + unit);
  }

  // crossbar.device: all of r_on_kohm, r_off_kohm and read_voltage_v, or none; then the cell read energy
  // follows from it.
  void resolve_device(HardwareSpec& hw) {
    auto& x = hw.crossbar;
    const std::vector<std::string> need = {"crossbar.device.r_on_kohm", "crossbar.device.r_off_kohm",
                                           "crossbar.device.read_voltage_v"};
    int n = 0;
    for (const auto& k : need) n += given(k) ? 1 : 0;
    const bool pulse = given("crossbar.device.read_pulse_ns");
    const bool others = pulse || given("crossbar.device.access_kohm");
    if (n == 0 && !others) return;
    const YAML::Mark at = mark_of({"crossbar.device.r_on_kohm", "crossbar.device.r_off_kohm",
                                   "crossbar.device.read_voltage_v", "crossbar.device.read_pulse_ns",
                                   "crossbar.device.access_kohm"});
    if (n < 3) {
      std::vector<std::string> missing;
      for (const auto& k : need)
        if (!given(k)) missing.push_back(k.substr(k.rfind('.') + 1));
      fail(at, "crossbar.device lacks " + join(missing, ", "),
           "all of r_on_kohm, r_off_kohm, read_voltage_v (read_pulse_ns, access_kohm optional), or no crossbar.device");
    }
    if (given("crossbar.cell_read_energy_fj"))
      fail(given_.at("crossbar.cell_read_energy_fj"), "crossbar.cell_read_energy_fj and crossbar.device both given",
           "one of them: the device computes the cell read energy");
    if (x.device.r_off_kohm < x.device.r_on_kohm)
      fail(given_.at("crossbar.device.r_off_kohm"),
           "crossbar.device.r_off_kohm = " + fmt(x.device.r_off_kohm) + " is below r_on_kohm = " + fmt(x.device.r_on_kohm),
           "r_off_kohm >= r_on_kohm");
    x.device.given = true;
    if (!pulse) {
      x.device.read_pulse_ns = x.read_latency_ns;
      hw.sources["crossbar.device.read_pulse_ns"] = "crossbar.read_latency_ns";
    }
    x.cell_read_energy_fj = device_cell_read_energy_fj(x.device);
    if (!(x.cell_read_energy_fj * 1e-3 <= limits::kMaxEnergyPj))
      fail(at, "crossbar.device gives " + fmt(x.cell_read_energy_fj * 1e-3) + " pJ per cell read",
           "at most " + fmt(limits::kMaxEnergyPj) + " pJ per cell read (a larger R_on, a lower voltage or a shorter pulse)");
    hw.sources["crossbar.cell_read_energy_fj"] =
        where(at) + " (crossbar.device: V^2 x (1/(R_on + R_access) + 1/(R_off + R_access)) / 2 x pulse = " +
        fmt(x.cell_read_energy_fj) + " fJ)";
  }

  // power_mw -> energy_pj, once every rate-defining key is known.
  void derive_power(HardwareSpec& hw) {
    for (const auto& [path, mw] : power_) {
      const std::string comp = path.substr(0, path.rfind('.'));
      const Key* energy = find_key(comp + ".energy_pj");
      const Key* power = find_key(path);
      if (given_.count(comp + ".energy_pj") != 0) {
        fail(given_.at(path), comp + ": both energy_pj and power_mw given", "one of energy_pj, power_mw");
      }
      const double rate = full_rate_per_s(hw, power->action);
      const double pj = mw * 1e9 / rate;
      if (!(pj <= limits::kMaxEnergyPj)) {
        fail(given_.at(path), path + " = " + fmt(mw) + " at " + fmt(rate) + " actions/s is " + fmt(pj) +
                                  " pJ per action",
             "at most " + fmt(limits::kMaxEnergyPj) + " pJ per action (" + comp + ".energy_pj)");
      }
      energy->num(hw) = pj;
      hw.sources[energy->sources_key] = where(given_.at(path)) + " (power_mw " + fmt(mw) + " at " + fmt(rate) +
                                        " actions/s)";
    }
  }

  std::string label_;
  std::map<std::string, YAML::Mark> given_;  // user keys and where their values are
  std::map<std::string, double> power_;      // power_mw values, derived last
};

}  // namespace

HardwareSpec parse_hardware(const std::string& yaml_text, const std::string& file_label) {
  return Decoder(file_label).run(yaml_text);
}

std::vector<std::string> builtin_hardware_names() {
  std::size_t n = 0;
  const BuiltinConfig* b = builtin_configs(&n);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.emplace_back(b[i].name);
  return names;
}

HardwareSpec load_hardware(const std::string& name_or_path) {
  std::size_t n = 0;
  const BuiltinConfig* b = builtin_configs(&n);
  for (std::size_t i = 0; i < n; ++i) {
    if (name_or_path == b[i].name) {
      HardwareSpec hw = parse_hardware(b[i].text, "configs/" + name_or_path + ".yaml");
      hw.file = "";
      return hw;
    }
  }
  std::error_code ec;
  std::ifstream in;
  if (std::filesystem::is_regular_file(name_or_path, ec)) in.open(name_or_path);
  if (!in.is_open()) {
    throw ConfigError(name_or_path + ": cannot open; allowed: a built-in name (" +
                      join(builtin_hardware_names(), ", ") + ") or a readable YAML file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  HardwareSpec hw = parse_hardware(text.str(), name_or_path);
  hw.file = name_or_path;
  return hw;
}

std::vector<ConfigKeyInfo> hardware_schema() {
  std::vector<ConfigKeyInfo> out;
  const char* const type_names[] = {"integer", "number", "string", "enum", "tiles", "number", "integer or auto"};
  for (const auto& k : keys()) {
    ConfigKeyInfo i;
    i.key = k.path;
    i.sources_key = k.sources_key;
    i.type = type_names[static_cast<int>(k.kind)];
    i.unit = k.unit;
    if (k.modelled) i.default_value = "model";
    else if (k.path.rfind("crossbar.device.", 0) == 0 && k.def == 0) i.default_value = "none";
    else if (k.kind == Kind::integer || k.kind == Kind::number || k.kind == Kind::bits_or_auto) i.default_value = fmt(k.def);
    else if (k.kind == Kind::power) i.default_value = "-";
    else i.default_value = k.def_text;
    i.allowed = allowed_text(k);
    i.description = k.description;
    i.source = k.source;
    out.push_back(std::move(i));
  }
  return out;
}

std::string hardware_schema_markdown() {
  std::string s = "| key | type | unit | default | allowed | description | source of the default |\n"
                  "|---|---|---|---|---|---|---|\n";
  for (const auto& i : hardware_schema()) {
    s += "| `" + i.key + "` | " + i.type + " | " + i.unit + " | " + i.default_value + " | " + i.allowed +
         " | " + i.description + " | " + i.source + " |\n";
  }
  return s;
}

}  // namespace cimsim::models
