// The bounds of a hardware config (models/limits.hpp, docs/config.md "Bounds"): every bounded key of
// the schema passes at its bound and is refused just outside it; products (the chip's crossbars, the
// energy a power_mw implies) are bounded; a second YAML document is an error; the hostile cases 16, 17
// and 19 are refused with one line naming the file, line, column, value and bound.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "models/limits.hpp"

using namespace cimsim::models;

namespace {

std::string error_of(const std::string& yaml) {
  return cimsim::testing::message_or_empty<ConfigError>([&] { parse_hardware(yaml, "t.yaml"); });
}

// "a.b.c: V" as nested YAML flow maps: {a: {b: {c: V}}}.
std::string yaml_of(const std::string& key, const std::string& value) {
  std::string head, tail;
  std::string rest = key;
  for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
    head += rest.substr(0, dot) + ": {";
    tail += "}";
    rest = rest.substr(dot + 1);
  }
  return head + rest + ": " + value + tail + "\n";
}

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

}  // namespace

// Every integer and number key with a finite upper bound: the bound itself passes, just above it is
// refused naming the key, the value and the allowed range; likewise at the lower bound.
TEST(ConfigBounds, EveryKeyPassesAtItsBoundsAndIsRefusedJustOutside) {
  int checked = 0;
  for (const auto& k : hardware_schema()) {
    if (k.type != "integer" && k.type != "number") continue;
    if (k.key.size() > 9 && k.key.compare(k.key.size() - 9, 9, ".power_mw") == 0) continue;  // below
    double lo = 0, hi = 0;
    bool lo_open = false;
    if (k.type == "integer") {
      ASSERT_EQ(std::sscanf(k.allowed.c_str(), "integer in [%lf, %lf]", &lo, &hi), 2) << k.key << ": " << k.allowed;
    } else {
      char op[3] = {};
      ASSERT_EQ(std::sscanf(k.allowed.c_str(), "number %2s %lf and <= %lf", op, &lo, &hi), 3)
          << k.key << " has no finite upper bound: " << k.allowed;
      lo_open = std::string(op) == ">";
    }
    // a context in which the bound alone is legal (the ADCs a crossbar has are at most its columns)
    const std::string ctx = k.key == "adc.per_crossbar"  ? "crossbar: {cols: 4096}\n"
                            : k.key == "crossbar.cols" ? "precision: {weight_bits: 1}\n"
                                                       : "";
    const bool integral = k.type == "integer";
    // a crossbar.device key needs the rest of the device beside it: {crossbar: {device: {KEY: V, ...}}}
    const auto with_device = [&k](std::string y) {
      if (k.key.rfind("crossbar.device.", 0) != 0) return y;
      std::string rest;
      for (const char* d : {"r_on_kohm: 0.001", "r_off_kohm: 1000000000", "read_voltage_v: 0.2"})
        if (k.key.find(std::string(d).substr(0, std::string(d).find(':'))) == std::string::npos) rest += std::string(", ") + d;
      return y.insert(y.find('}'), rest);
    };
    const auto yaml_of = [&with_device](const std::string& key, const std::string& v) { return with_device(::yaml_of(key, v)); };
    const std::string at_hi = integral ? std::to_string(std::llround(hi)) : num(hi);
    const std::string above = integral ? std::to_string(std::llround(hi) + 1) : num(hi * (1 + 1e-12));
    EXPECT_EQ(error_of(ctx + yaml_of(k.key, at_hi)), "") << k.key << " = " << at_hi;
    const std::string e = error_of(ctx + yaml_of(k.key, above));
    EXPECT_HAS(e, k.key + " = " + above + " is out of range; allowed: " + k.allowed);
    EXPECT_EQ(e.rfind("t.yaml:", 0), 0u) << e;
    if (!lo_open) {
      EXPECT_EQ(error_of(ctx + yaml_of(k.key, integral ? std::to_string(std::llround(lo)) : num(lo))), "") << k.key;
    }
    const std::string below = integral ? std::to_string(std::llround(lo) - 1)
                                       : (lo > 0 ? num(lo * (1 - 1e-12)) : lo_open ? "0" : "-1e-300");
    EXPECT_HAS(error_of(ctx + yaml_of(k.key, below)), k.key + " = " + below + " is out of range");
    ++checked;
  }
  EXPECT_GT(checked, 80);  // every component's energy, leakage and area, and every size, rate, latency
}

// The eight keys that become simulated time each have a lower and an upper bound (case 19: a link of
// 1e-300 Gb/s saturated SystemC time at 2^64 ps and reported it as a latency).
TEST(ConfigBounds, EveryRateAndLatencyThatBecomesTimeIsBounded) {
  const char* keys[] = {"technology.clock_ghz",     "crossbar.read_latency_ns", "adc.sample_rate_gsps",
                        "tile.buffer.access_latency_ns", "noc.hop_latency_cycles", "noc.link_bandwidth_gbps",
                        "offchip.bandwidth_gbps",   "offchip.latency_ns",       "hypernet.selector.latency_cycles"};
  for (const char* k : keys) {
    const std::string key = k;
    const bool latency = key.find("latency") != std::string::npos;  // 0 allowed: a tiny one is ~0
    for (const char* bad : {"1e-300", "1e300", ".nan", ".inf", "nan", "inf", "-.inf", "-1"}) {
      if (latency && std::string(bad) == "1e-300") continue;
      const std::string e = error_of(yaml_of(k, bad));
      EXPECT_FALSE(e.empty()) << k << " = " << bad;
      EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    }
  }
  const std::string e = error_of("noc: {link_bandwidth_gbps: 1e-300}\n");
  EXPECT_EQ(e, "t.yaml:1:28: noc.link_bandwidth_gbps = 1e-300 is out of range; allowed: number >= 1e-06 and <= 1000000");
}

// tiles x PEs x crossbars is multiplied out with overflow checks and bounded (case 17 overflowed an
// int and reported crossbars_total: 0).
TEST(ConfigBounds, ChipCrossbarsAreBounded) {
  // 96 crossbars per tile (the defaults: 12 PEs x 8): 1,041,408 tiles pass, 1,042,432 do not
  EXPECT_EQ(error_of("chip: {tiles: [1024, 1017]}\n"), "");
  EXPECT_EQ(error_of("chip: {tiles: [1024, 1018]}\n"),
            "t.yaml:1:15: chip.tiles [1024, 1018] x tile.pes 12 x pe.crossbars 8 = 100073472 crossbars; "
            "allowed: at most 100000000 crossbars per chip");
  // int64 overflow is reported, not wrapped: the all-max chip
  EXPECT_HAS(error_of("chip: {tiles: [1024, 1024]}\ntile: {pes: 4096}\npe: {crossbars: 4096}\n"),
             "= 17592186044416 crossbars; allowed: at most 100000000 crossbars per chip");
  EXPECT_HAS(error_of("chip: {tiles: [1025, 1]}\n"), "chip.tiles: bad mesh dimension \"1025\"");
  // auto-sized chips are bounded after mapping (sim::deploy)
  EXPECT_EQ(error_of("chip: {tiles: auto}\ntile: {pes: 4096}\npe: {crossbars: 4096}\n"), "");
}

// An energy derived from power_mw is bounded like a given energy_pj (it divides by a rate).
TEST(ConfigBounds, PowerGivesAnEnergyWithinItsBound) {
  EXPECT_EQ(error_of("adc: {power_mw: 1e3}\n"), "");
  const std::string e = error_of("adc: {sample_rate_gsps: 1e-6, power_mw: 1e12}\n");
  EXPECT_HAS(e, "t.yaml:1:41: adc.power_mw = 1e+12 at 1000 actions/s is 1e+18 pJ per action; allowed: at most 1e+12 pJ");
}

TEST(ConfigBounds, ASecondYamlDocumentIsAnError) {
  EXPECT_EQ(error_of("adc: {bits: 8}\n---\nadc: {bits: 9}\n"),
            "t.yaml:2:1: a second YAML document (after ---) in a hardware config; allowed: one document per file");
  EXPECT_HAS(error_of("# c\n---\nadc: {bits: 8}\n---\n"), "t.yaml:4:1: a second YAML document");
  EXPECT_HAS(error_of("adc: {bits: 8}\n...\nadc: {bits: 9}\n"), "t.yaml:3:1: a second YAML document");
  EXPECT_EQ(error_of("---\nadc: {bits: 8}\n"), "");  // one document with its start marker
  EXPECT_EQ(error_of("adc: {bits: 8}\n...\n"), "");   // and with its end marker
}

// The hostile cases of issue 8 (../shared/cases/hostile), as files: one line each, exit 2 in the CLI.
TEST(ConfigBounds, HostileCases) {
  EXPECT_EQ(error_of("chip: {tiles: [1024, 1024]}\n"),
            "t.yaml:1:15: chip.tiles [1024, 1024] x tile.pes 12 x pe.crossbars 8 = 100663296 crossbars; "
            "allowed: at most 100000000 crossbars per chip");  // 16
  EXPECT_HAS(error_of("chip: {tiles: [1024, 1024]}\ntile: {pes: 4096}\npe: {crossbars: 4096}\n"),
             "17592186044416 crossbars");  // 17
  EXPECT_HAS(error_of("noc: {link_bandwidth_gbps: 1e-300}\n"), "1e-300 is out of range");  // 19
}
