// Golden reports: `cimsim run --hw <config> --net vgg8` for every shipped config, compared with
// tests/golden/vgg8-<config>.json field by field: keys and strings exactly, numbers to a relative
// tolerance of 1e-6. Only a "wall" field (wall-clock time) is ignored. A deliberate model change is
// recorded with scripts/update-goldens.sh, and the diff of the goldens shows what it changed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double kRelTol = 1e-6;
const std::vector<std::string> kShippedConfigs = {"isaac", "edge-rram", "default", "rnc-box", "neurosim-rram"};

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

fs::path golden_path(const std::string& config) {
  return fs::path(CIMSIM_SOURCE_DIR) / "tests" / "golden" / ("vgg8-" + config + ".json");
}

std::string kind(const json& j) {
  if (j.is_number()) return "number";
  return j.type_name();
}

std::string show(const json& j) {
  std::string s = j.dump();
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// Appends every difference between `want` (golden) and `got` under `path` to `diffs`.
void compare(const json& want, const json& got, const std::string& path, std::vector<std::string>& diffs) {
  if (kind(want) != kind(got)) {
    diffs.push_back(path + ": golden is " + kind(want) + " " + show(want) + ", now " + kind(got) + " " +
                    show(got));
    return;
  }
  if (want.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : want.items()) keys.insert(k);
    for (const auto& [k, v] : got.items()) keys.insert(k);
    for (const auto& k : keys) {
      if (k == "wall") continue;
      const std::string p = path + "." + k;
      if (!got.contains(k))
        diffs.push_back(p + ": in the golden, missing now");
      else if (!want.contains(k))
        diffs.push_back(p + ": new, not in the golden (" + show(got[k]) + ")");
      else
        compare(want[k], got[k], p, diffs);
    }
  } else if (want.is_array()) {
    if (want.size() != got.size())
      diffs.push_back(path + ": golden has " + std::to_string(want.size()) + " elements, now " +
                      std::to_string(got.size()));
    for (size_t i = 0; i < std::min(want.size(), got.size()); ++i)
      compare(want[i], got[i], path + "[" + std::to_string(i) + "]", diffs);
  } else if (want.is_number()) {
    const double a = want.get<double>(), b = got.get<double>();
    const double scale = std::max(std::abs(a), std::abs(b));
    if (!(std::abs(a - b) <= kRelTol * scale)) {  // also catches NaN
      std::ostringstream os;
      os.precision(17);
      os << path << ": golden " << a << ", now " << b << " (relative difference "
         << (scale > 0 ? std::abs(a - b) / scale : 0.0) << ")";
      diffs.push_back(os.str());
    }
  } else if (want != got) {
    diffs.push_back(path + ": golden " + show(want) + ", now " + show(got));
  }
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, Vgg8MatchesGolden) {
  const std::string config = GetParam();
  const fs::path golden = golden_path(config);
  ASSERT_TRUE(fs::is_regular_file(golden)) << golden << " is missing: run scripts/update-goldens.sh";
  json want;
  ASSERT_NO_THROW(want = json::parse(read_text(golden))) << golden;

  const fs::path dir =
      fs::temp_directory_path() / ("cimsim-golden-" + config + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "out.json", err = dir / "stderr";
  // The same command as scripts/update-goldens.sh.
  const std::string cmd = quote(CIMSIM_BINARY) + " run --hw " + quote(config) + " --net vgg8 -q --json " +
                          quote(out.string()) + " >/dev/null 2>" + quote(err.string());
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << "\n" << read_text(err);
  json got;
  ASSERT_NO_THROW(got = json::parse(read_text(out)));
  fs::remove_all(dir);

  std::vector<std::string> diffs;
  compare(want, got, "$", diffs);
  if (!diffs.empty()) {
    std::string more;
    for (size_t i = 1; i < std::min<size_t>(diffs.size(), 10); ++i) more += "\n  " + diffs[i];
    if (diffs.size() > 10) more += "\n  ...";
    ADD_FAILURE() << "vgg8 on " << config << " differs from " << golden.filename().string() << " in "
                  << diffs.size() << " fields; first: " << diffs[0] << more
                  << "\nIf the change is intended, run scripts/update-goldens.sh and review the diff.";
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, Golden, ::testing::ValuesIn(kShippedConfigs),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string n = p.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// A config added to configs/ needs its golden (and its entry in kShippedConfigs).
TEST(GoldenFiles, EveryShippedConfigHasAGolden) {
  const std::set<std::string> listed(kShippedConfigs.begin(), kShippedConfigs.end());
  for (const auto& e : fs::directory_iterator(fs::path(CIMSIM_SOURCE_DIR) / "configs")) {
    if (e.path().extension() != ".yaml") continue;
    const std::string name = e.path().stem().string();
    EXPECT_TRUE(listed.count(name)) << "configs/" << name
                                    << ".yaml is not in kShippedConfigs of test_golden.cpp";
    EXPECT_TRUE(fs::is_regular_file(golden_path(name)))
        << golden_path(name) << " is missing: run scripts/update-goldens.sh";
  }
}

}  // namespace
