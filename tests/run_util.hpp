// Test helpers: a scratch directory per test, and running the cimsim binary as its own process
// (SystemC elaborates once per process, so comparing two simulations means two processes).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "workloads/graph.hpp"

namespace cimsim::testing {

// The message of the error of type E (by default workloads::NetworkError) that `f` throws (a test failure
// when it throws none).
template <class E = workloads::NetworkError, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception of the type asked for";
  return "";
}

// The message of the E that `f` throws, or "" when it throws none (for checks that a value passes).
template <class E, class F>
std::string message_or_empty(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

inline std::filesystem::path scratch_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("cimsim-") + info->test_suite_name() + "-" + info->name() + "-" +
              std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Temporaries an output left behind under `dir` (sim/output_file names them ".NAME.cimsim-XXXXXXXX").
inline std::vector<std::string> leftover_temporaries(const std::filesystem::path& dir) {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".cimsim-") != std::string::npos) v.push_back(e.path().string());
  return v;
}

// A command's exit code and what it printed.
struct Result {
  int code = -1;
  std::string out, err;
};

// `s` as one single-quoted shell word.
inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream is(text);
  for (std::string l; std::getline(is, l);) v.push_back(l);
  return v;
}

// Runs `cmd` in the shell, its stdout and stderr captured through files in `dir`.
inline Result shell(const std::filesystem::path& dir, const std::string& cmd) {
  const auto out = dir / ".stdout", err = dir / ".stderr";
  const int status = std::system((cmd + " >" + quote(out.string()) + " 2>" + quote(err.string())).c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_text(out);
  r.err = read_text(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

// Runs `cimsim run <args> --json <dir>/<tag>.json -q` and returns the parsed report.
inline nlohmann::json run_json(const std::filesystem::path& dir, const std::string& tag,
                               const std::string& args) {
  const auto out = dir / (tag + ".json");
  const std::string cmd = std::string(CIMSIM_BINARY) + " run " + args + " -q --json " + out.string() +
                          " 2> " + (dir / (tag + ".err")).string();
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd << "\n" << read_text(dir / (tag + ".err"));
  auto j = nlohmann::json::parse(read_text(out));
  // invariants of every run: no resource busy more than the whole run; the run ends when every layer
  // has; no tile buffer holds more than its capacity (cimsim itself refuses to report a run that breaks
  // the first or the last)
  EXPECT_LE(j["buffer"]["peak_occupancy_bits"].get<double>(), j["buffer"]["capacity_bits"].get<double>()) << cmd;
  for (const auto& b : j["busiest"]) EXPECT_LE(b["busy_fraction"].get<double>(), 1.0 + 1e-9) << cmd;
  for (const auto& l : j["layers"])
    EXPECT_LE(l["end_cycle"].get<double>(), j["latency"]["cycles"].get<double>() * (1 + 1e-12) +
                                                 (j["inputs"].get<int>() > 1 ? 1e300 : 0.0))
        << cmd << " " << l["name"];
  return j;
}

}  // namespace cimsim::testing
