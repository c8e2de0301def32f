// Strict hardware YAML decoding: built-ins, defaults and their sources, and every class of error
// (message: "FILE:LINE:COL: what; allowed: ...", one line).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "models/builtin_configs.hpp"
#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "models/cost_model.hpp"

using namespace cimsim::models;

namespace {

const std::string kSource = CIMSIM_SOURCE_DIR;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Parses `yaml` as t.yaml and returns the error message ("" if none).
std::string error_of(const std::string& yaml) {
  return cimsim::testing::message_or_empty<ConfigError>([&] { parse_hardware(yaml, "t.yaml"); });
}

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

}  // namespace

TEST(Builtins, NamesLoadFromAnyDirectory) {
  const auto names = builtin_hardware_names();
  ASSERT_EQ(names, (std::vector<std::string>{"default", "edge-rram", "isaac", "neurosim-rram", "rnc-box"}));
  for (const auto& n : names) {
    const HardwareSpec hw = load_hardware(n);
    EXPECT_EQ(hw.name, n);
    EXPECT_EQ(hw.file, "");
  }
}

TEST(Builtins, EmbeddedCopiesMatchConfigsFolder) {
  std::size_t n = 0;
  const BuiltinConfig* b = builtin_configs(&n);
  ASSERT_EQ(n, 5u);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(b[i].text, read_file(kSource + "/configs/" + b[i].name + ".yaml")) << b[i].name << ": rebuild";
  }
}

TEST(Builtins, IsaacAndDefault) {
  const HardwareSpec isaac = load_hardware("isaac");
  EXPECT_EQ(isaac.chip.tiles(), 168);
  EXPECT_FALSE(isaac.chip.auto_size);
  EXPECT_EQ(isaac.precision.weight_bits, 16);
  EXPECT_EQ(isaac.crossbar.signed_weights, SignedScheme::offset);
  EXPECT_EQ(isaac.tile.buffer.kind, BufferKind::edram);
  EXPECT_EQ(isaac.sources.at("adc.bits").rfind("configs/isaac.yaml:", 0), 0u) << isaac.sources.at("adc.bits");
  EXPECT_HAS(isaac.sources.at("adc.cost.energy_pj"), "model: Walden FOM");
  EXPECT_TRUE(isaac.pinned.empty()) << isaac.pinned.front().given;  // the shipped configs pin nothing

  const HardwareSpec def = load_hardware("default");
  EXPECT_EQ(def.precision.weight_bits, 8);
  EXPECT_EQ(def.precision.activation_bits, 8);
  EXPECT_TRUE(def.chip.auto_size);
  EXPECT_EQ(def.crossbar.bits_per_cell, 2);
  EXPECT_EQ(def.sources.at("precision.weight_bits"), "configs/default.yaml:8:16");
}

// The defaults are ISAAC: every cost equals what the models give at isaac.yaml's parameters.
TEST(Defaults, AreIsaacAndNameTheirSource) {
  const HardwareSpec d = parse_hardware("name: d\n", "d.yaml");
  const HardwareSpec isaac = load_hardware("isaac");
  const Cost* dc[] = {&d.crossbar.cost, &d.dac.cost, &d.sample_hold.cost, &d.adc.cost, &d.shift_add.cost,
                      &d.pe.input_register.cost, &d.pe.output_register.cost, &d.tile.buffer.cost,
                      &d.tile.bus.cost, &d.tile.output_register.cost, &d.tile.pool.cost,
                      &d.tile.activation.cost, &d.tile.accumulate.cost, &d.noc.router.cost, &d.offchip.cost};
  const Cost* ic[] = {&isaac.crossbar.cost, &isaac.dac.cost, &isaac.sample_hold.cost, &isaac.adc.cost,
                      &isaac.shift_add.cost, &isaac.pe.input_register.cost, &isaac.pe.output_register.cost,
                      &isaac.tile.buffer.cost, &isaac.tile.bus.cost, &isaac.tile.output_register.cost,
                      &isaac.tile.pool.cost, &isaac.tile.activation.cost, &isaac.tile.accumulate.cost,
                      &isaac.noc.router.cost, &isaac.offchip.cost};
  for (std::size_t i = 0; i < std::size(dc); ++i) {
    EXPECT_NEAR(dc[i]->energy_pj, ic[i]->energy_pj, 1e-12 * ic[i]->energy_pj) << i;
    EXPECT_NEAR(dc[i]->area_um2, ic[i]->area_um2, 1e-9 * ic[i]->area_um2) << i;
  }
  EXPECT_EQ(d.chip.tiles(), 168);
  EXPECT_HAS(d.sources.at("adc.cost.energy_pj"), "Walden FOM");
  EXPECT_HAS(d.sources.at("crossbar.cell_read_energy_fj"), "ISAAC (Shafiee et al., ISCA 2016) Table I");
  EXPECT_HAS(d.sources.at("chip.tiles"), "168 tiles");
  for (const auto& k : hardware_schema()) {
    if (k.sources_key.empty()) continue;  // power_mw fills energy_pj's source
    EXPECT_EQ(d.sources.count(k.sources_key), 1u) << k.sources_key;
    EXPECT_FALSE(k.source.empty()) << k.key;
  }
}

TEST(UserFile, OverridesOneKeyAndKeepsDefaults) {
  const std::string path = testing::TempDir() + "cimsim_one_key.yaml";
  {
    std::ofstream out(path);
    out << "# a comment\nadc:\n  bits: 6\n";
  }
  const HardwareSpec hw = load_hardware(path);
  EXPECT_EQ(hw.adc.bits, 6);
  EXPECT_EQ(hw.sources.at("adc.bits"), path + ":3:9");
  EXPECT_EQ(hw.file, path);
  EXPECT_EQ(hw.name, "cimsim_one_key");
  // a SAR ADC: one comparison per bit, ISAAC's 8 bits at 1.28 GS/s
  EXPECT_NEAR(hw.adc.sample_rate_gsps, 1.28 * 8 / 6, 1e-12);
  EXPECT_HAS(hw.sources.at("adc.sample_rate_gsps"), "SAR");
  EXPECT_EQ(hw.crossbar.rows, 128);
  EXPECT_EQ(hw.tile.pes, 12);
  std::remove(path.c_str());
}

TEST(PowerMw, DerivesEnergyAfterEveryOtherKey) {
  // power_mw is written before the sample rate it depends on.
  const HardwareSpec hw = parse_hardware("adc:\n  power_mw: 4\n  sample_rate_gsps: 2.0\n", "t.yaml");
  // its full rate is capped by the crossbar: 128 columns per 100 ns read = 1.28 G conversions/s < 2 GS/s
  EXPECT_DOUBLE_EQ(hw.adc.cost.energy_pj, 4.0 * 1e9 / 1.28e9);
  EXPECT_EQ(hw.sources.at("adc.cost.energy_pj").rfind("t.yaml:2:13 (power_mw 4", 0), 0u);
  // A crossbar reads all its cells once per phase period: max(read, 128 conversions / 1 ADC / 1.28 GS/s).
  const HardwareSpec x = parse_hardware("crossbar:\n  power_mw: 1\n  read_latency_ns: 400\n", "t.yaml");
  EXPECT_NEAR(x.crossbar.cost.energy_pj, 1.0 * 400e-9 * 1e9 / (128 * 128), 1e-12);
  ASSERT_EQ(x.pinned.size(), 1u);
  EXPECT_EQ(x.pinned[0].given, "crossbar.power_mw");
}

TEST(Errors, UnknownKeyListsTheAllowedKeysAtItsLevel) {
  const std::string e = error_of("adc:\n  bits: 8\n  bitz: 8\n");
  EXPECT_EQ(e, "t.yaml:3:3: unknown key \"adc.bitz\" in adc; allowed: bits, flip_encoding, kind, sample_rate_gsps, "
            "fom_fj_per_step, thermal_knee_bits, per_crossbar, "
               "energy_pj, power_mw, leakage_mw, area_um2");
  const std::string top = error_of("name: x\ncrossbars: {}\n");
  EXPECT_HAS(top, "t.yaml:2:1: unknown key \"crossbars\"; allowed: name, description, technology, precision, "
                  "crossbar, dac, sample_hold, adc, shift_add, pe, tile, chip, noc, offchip");
  EXPECT_HAS(error_of("tile:\n  buffer:\n    sise_kib: 3\n"),
             "t.yaml:3:5: unknown key \"tile.buffer.sise_kib\" in tile.buffer; allowed: kind, size_kib, banks");
}

// A key of any length is quoted cut to 80 characters: the message stays one short line
// (the fuzzer found a key of about 1 KB pasted whole with the rest of its line).
TEST(Errors, LongKeysAreQuotedCut) {
  const std::string key(1000, 'k');  // (yaml-cpp takes plain keys up to 1024 characters)
  const std::string unknown = error_of("adc:\n  " + key + ": 8\n");
  EXPECT_EQ(unknown.rfind("t.yaml:2:3: unknown key \"adc." + std::string(76, 'k') + "... (", 0), 0u) << unknown;
  EXPECT_LT(unknown.size(), 400u);
  EXPECT_HAS(unknown, "... (924 more bytes)\" in adc; allowed: bits, ");
  const std::string top = error_of(key + ": 1\n");
  EXPECT_EQ(top.rfind("t.yaml:1:1: unknown key \"" + std::string(80, 'k') + "... (920 more bytes)\"; allowed: ", 0), 0u)
      << top;
}

TEST(Errors, WrongType) {
  EXPECT_EQ(error_of("crossbar:\n  rows: many\n"),
            "t.yaml:2:9: crossbar.rows: expected an integer, got \"many\"; allowed: integer in [1, 4096]");
  EXPECT_HAS(error_of("crossbar:\n  rows: 12.5\n"), "t.yaml:2:9: crossbar.rows: expected an integer");
  EXPECT_HAS(error_of("adc:\n  bits: \"8\"\n"), "t.yaml:2:9: adc.bits: expected an integer, got string \"8\"");
  EXPECT_HAS(error_of("technology:\n  clock_ghz: fast\n"),
             "t.yaml:2:14: technology.clock_ghz: expected a number, got \"fast\"; allowed: number >= 0.001 and <= 100");
  EXPECT_HAS(error_of("adc:\n  bits: [8]\n"), "adc.bits: expected an integer, got a list");
  EXPECT_HAS(error_of("adc:\n  bits:\n"), "adc.bits: expected an integer, got null");
  EXPECT_HAS(error_of("adc: 8\n"), "t.yaml:1:6: adc must be a map, got \"8\"; allowed: bits,");
  EXPECT_HAS(error_of("name: [a]\n"), "name: expected a string, got a list; allowed: any string");
}

TEST(Errors, OutOfRange) {
  EXPECT_EQ(error_of("adc:\n  bits: 25\n"), "t.yaml:2:9: adc.bits = 25 is out of range; allowed: auto, or an integer in [1, 24]");
  EXPECT_HAS(error_of("crossbar:\n  rows: 0\n"), "crossbar.rows = 0 is out of range; allowed: integer in [1, 4096]");
  EXPECT_HAS(error_of("crossbar:\n  bits_per_cell: 9\n"), "allowed: integer in [1, 8]");
  EXPECT_HAS(error_of("technology:\n  clock_ghz: 0\n"), "technology.clock_ghz = 0 is out of range; allowed: number >= 0.001 and <= 100");
  EXPECT_HAS(error_of("dac:\n  energy_pj: -1\n"), "t.yaml:2:14: dac.energy_pj = -1 is out of range; allowed: number >= 0");
  EXPECT_HAS(error_of("adc:\n  power_mw: -2\n"), "adc.power_mw = -2 is out of range; allowed: number >= 0");
  EXPECT_HAS(error_of("crossbar:\n  cols: 64\nadc:\n  per_crossbar: 65\n"),
             "t.yaml:4:17: adc.per_crossbar = 65 exceeds crossbar.cols = 64; allowed: integer in [1, crossbar.cols]");
  EXPECT_HAS(error_of("crossbar:\n  cols: 16\n  bits_per_cell: 1\n  signed_weights: differential\n"),
             "t.yaml:3:18: one weight needs 32 columns");
}

TEST(Errors, BadEnum) {
  EXPECT_EQ(error_of("crossbar:\n  signed_weights: twos\n"),
            "t.yaml:2:19: crossbar.signed_weights: bad value \"twos\"; allowed: differential, offset");
  EXPECT_HAS(error_of("tile:\n  buffer:\n    kind: flash\n"), "allowed: edram, sram");
}

TEST(Errors, PowerAndEnergyBothGiven) {
  EXPECT_EQ(error_of("adc:\n  energy_pj: 1\n  power_mw: 2\n"),
            "t.yaml:3:13: adc: both energy_pj and power_mw given; allowed: one of energy_pj, power_mw");
}

TEST(Errors, BadTiles) {
  const std::string allowed = "allowed: auto, or [rows, cols] with integers in [1, 1024]";
  EXPECT_HAS(error_of("chip:\n  tiles: [12]\n"), "t.yaml:2:10: chip.tiles: expected auto or [rows, cols]");
  EXPECT_HAS(error_of("chip:\n  tiles: [12]\n"), allowed);
  EXPECT_HAS(error_of("chip:\n  tiles: big\n"), "chip.tiles: expected auto or [rows, cols], got \"big\"");
  EXPECT_HAS(error_of("chip:\n  tiles: [4, 0]\n"), "t.yaml:2:14: chip.tiles: bad mesh dimension \"0\"");
  EXPECT_HAS(error_of("chip:\n  tiles: [4, x]\n"), allowed);
  const HardwareSpec hw = parse_hardware("chip:\n  tiles: [3, 5]\n", "t.yaml");
  EXPECT_EQ(hw.chip.tiles(), 15);
  EXPECT_EQ(hw.sources.at("chip.tiles"), "t.yaml:2:10");
}

TEST(Errors, SyntaxErrorHasTheParserMark) {
  const std::string e = error_of("adc:\n  bits: [8, 9\n");
  EXPECT_EQ(e.rfind("t.yaml:", 0), 0u) << e;
  EXPECT_HAS(e, "YAML syntax error");
  EXPECT_HAS(e, "; allowed: valid YAML");
}

TEST(Errors, MissingFile) {
  try {
    load_hardware("/nonexistent/chip.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/chip.yaml: cannot open; allowed: a built-in name (default, edge-rram, "
                           "isaac, neurosim-rram, rnc-box) or a readable YAML file");
  }
}

TEST(Errors, TopLevelNotAMap) {
  EXPECT_HAS(error_of("- adc\n- dac\n"), "t.yaml:1:1: the top level must be a map of sections; allowed: name,");
  EXPECT_HAS(error_of("42\n"), "the top level must be a map");
  EXPECT_HAS(error_of(""), "t.yaml:1:1: the top level must be a map");
}

TEST(Errors, DuplicateKey) {
  EXPECT_HAS(error_of("adc:\n  bits: 8\n  bits: 6\n"), "t.yaml:3:3: duplicate key \"adc.bits\"");
}

TEST(Errors, AreOneLine) {
  for (const char* y : {"adc:\n  bitz: 1\n", "adc: [1, 2\n", "chip:\n  tiles: {a: 1}\n", "x: 1\n"}) {
    const std::string e = error_of(y);
    EXPECT_FALSE(e.empty()) << y;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    EXPECT_HAS(e, "; allowed: ");
  }
}

// docs/config.md's key reference is generated from the schema; CIMSIM_UPDATE_DOCS=1 rewrites it.
TEST(Docs, KeyReferenceMatchesTheSchema) {
  const std::string path = kSource + "/docs/config.md";
  const std::string doc = read_file(path);
  const std::string begin = "<!-- BEGIN KEY REFERENCE (generated by hardware_schema_markdown) -->\n";
  const std::string end = "<!-- END KEY REFERENCE -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  const std::string table = hardware_schema_markdown();
  const std::string current = doc.substr(b + begin.size(), e - b - begin.size());
  if (current != table && std::getenv("CIMSIM_UPDATE_DOCS") != nullptr) {
    std::ofstream(path) << doc.substr(0, b + begin.size()) + table + doc.substr(e);
    return;
  }
  EXPECT_EQ(current, table) << "run with CIMSIM_UPDATE_DOCS=1 to regenerate " << path;
}

// The ADC model (components.hpp): energy = FOM x 2^bits up to the thermal knee, x 4 per bit above it;
// area by the survey fit; a SAR's rate 1 / (bits x t_bit). Given values pin it.
TEST(Adc, ResolutionMovesEnergyAreaAndRate) {
  const double fom_pj = 1.8 / 1.28 / 256;  // PUMA's dynamic 1.8 mW of ISAAC's ADC / 1.28 GS/s / 2^8
  const HardwareSpec six = parse_hardware("adc: {bits: 6}\n", "six.yaml");
  EXPECT_NEAR(six.adc.cost.energy_pj, fom_pj * 64, 1e-12);
  // area ~ rate^0.181 x energy^0.299 from ISAAC's 1200 um2 (at 32 nm)
  EXPECT_NEAR(six.adc.cost.area_um2, 1200 * std::pow(8.0 / 6, 0.181) * std::pow(0.25, 0.299), 1e-6);
  const HardwareSpec ten = parse_hardware("adc: {bits: 10}\n", "ten.yaml");
  EXPECT_NEAR(ten.adc.cost.energy_pj, fom_pj * 1024, 1e-12);
  const HardwareSpec twelve = parse_hardware("adc: {bits: 12}\n", "t.yaml");  // 1.5 bits past the knee
  EXPECT_NEAR(twelve.adc.cost.energy_pj, fom_pj * std::pow(2, 10.5) * std::pow(4, 1.5), 1e-9);
  EXPECT_NEAR(twelve.adc.sample_rate_gsps, 1.28 * 8 / 12, 1e-12);
  EXPECT_TRUE(twelve.pinned.empty());
  // given values are used as given, and said to pin the model
  const HardwareSpec given = parse_hardware("adc: {bits: 6, energy_pj: 3, area_um2: 700}\n", "g.yaml");
  EXPECT_DOUBLE_EQ(given.adc.cost.energy_pj, 3.0);
  EXPECT_DOUBLE_EQ(given.adc.cost.area_um2, 700.0);
  ASSERT_EQ(given.pinned.size(), 1u);
  EXPECT_EQ(given.pinned[0].component, "adc");
  EXPECT_EQ(given.pinned[0].given, "adc.energy_pj, adc.area_um2");
  EXPECT_NE(std::find(given.pinned[0].knobs.begin(), given.pinned[0].knobs.end(), "adc.bits"),
            given.pinned[0].knobs.end());
  const HardwareSpec power = parse_hardware("adc: {bits: 6, power_mw: 2}\n", "p.yaml");
  // 6-bit SAR at 1.71 GS/s, but the crossbar supplies only 128 columns per 100 ns: 1.28 G/s; mW / GS/s = pJ
  EXPECT_NEAR(power.adc.cost.energy_pj, 2.0 / 1.28, 1e-12);
  const HardwareSpec rate = parse_hardware("adc: {sample_rate_gsps: 2}\n", "r.yaml");
  ASSERT_EQ(rate.pinned.size(), 1u);
  EXPECT_EQ(rate.pinned[0].given, "adc.sample_rate_gsps");
}

// `adc.bits: auto` is the lossless resolution (ISAAC section IV).
TEST(Adc, AutoIsTheLosslessResolution) {
  EXPECT_EQ(parse_hardware("adc: {bits: auto}\n", "a.yaml").adc.bits, 8);  // ISAAC: 128 rows, 2-bit cells, 1-bit DAC
  EXPECT_EQ(parse_hardware("adc: {bits: auto, flip_encoding: false}\n", "a.yaml").adc.bits, 9);
  const HardwareSpec hw = parse_hardware("crossbar: {rows: 256, bits_per_cell: 4}\ndac: {bits: 2}\nadc: {bits: auto}\n", "a.yaml");
  // 256 x 15 x 3 = 11520 -> 14 bits, one less with the encoding
  EXPECT_EQ(hw.adc.bits, 13);
  EXPECT_EQ(hw.adc.lossless_bits, 13);
  EXPECT_HAS(hw.sources.at("adc.bits"), "auto");
  EXPECT_EQ(parse_hardware("adc: {bits: 6}\n", "a.yaml").adc.lossless_bits, 8);
  // the levels the data uses: 1-bit activations through 8-bit DACs, 1-bit weights in 8-bit cells
  EXPECT_EQ(parse_hardware("precision: {activation_bits: 1}\ndac: {bits: 8}\nadc: {bits: auto}\n", "a.yaml").adc.bits, 8);
  EXPECT_EQ(parse_hardware("precision: {weight_bits: 1}\ncrossbar: {bits_per_cell: 8}\nadc: {bits: auto}\n", "a.yaml").adc.bits, 7);
  // a device of an access resistance alone is incomplete, not ignored
  EXPECT_HAS(error_of("crossbar: {device: {access_kohm: 25}}\n"), "crossbar.device lacks r_on_kohm, r_off_kohm, read_voltage_v");
  EXPECT_HAS(error_of("crossbar: {rows: 4096, bits_per_cell: 8}\ndac: {bits: 8}\nadc: {bits: auto}\n"),
             "adc.bits: auto needs 27 bits");
}
