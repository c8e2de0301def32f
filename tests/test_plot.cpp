// scripts/plot.py as users meet it: a run JSON, a compare JSON and a sweep's results.csv each become PNGs
// (listed on stdout, real PNG files of some size); the Pareto listing of a sample sweep equals the front
// computed here by hand; bad input ends with exit 2 and one line on stderr. The script needs Debian's
// python3-matplotlib under /usr/bin/python3: without it these tests fail (scripts/setup.sh installs it).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "run_util.hpp"

namespace fs = std::filesystem;
using cimsim::testing::lines_of;
using cimsim::testing::quote;
using cimsim::testing::read_text;
using cimsim::testing::Result;
using cimsim::testing::shell;
using cimsim::testing::scratch_dir;
using cimsim::testing::write_text;

namespace {

const std::string kPython = "/usr/bin/python3";
const std::string kScript = std::string(CIMSIM_SOURCE_DIR) + "/scripts/plot.py";

class PlotTest : public ::testing::Test {
 protected:
  fs::path dir;

  void SetUp() override {
    dir = scratch_dir();
    const auto r = shell(dir, kPython + " -c 'import matplotlib; matplotlib.use(\"Agg\"); import matplotlib.pyplot'");
    ASSERT_EQ(r.code, 0) << kPython << " cannot import matplotlib: scripts/setup.sh installs "
                         << "python3-matplotlib (Debian's package, for /usr/bin/python3); run it.\n"
                         << r.err;
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir);
  }

  Result plot(const std::string& args) { return shell(dir, kPython + " " + quote(kScript) + " " + args); }

  // The PNG paths listed on stdout (every line ending in .png): each exists, is a PNG, and is not tiny.
  std::vector<std::string> check_pngs(const Result& r, const std::vector<std::string>& suffixes) {
    std::vector<std::string> pngs;
    for (const auto& l : lines_of(r.out))
      if (l.size() > 4 && l.compare(l.size() - 4, 4, ".png") == 0) pngs.push_back(l);
    EXPECT_EQ(pngs.size(), suffixes.size()) << r.out;
    for (size_t i = 0; i < pngs.size() && i < suffixes.size(); ++i) {
      const auto& p = pngs[i];
      EXPECT_TRUE(fs::path(p).is_absolute()) << p;
      EXPECT_EQ(fs::path(p).filename().string(), suffixes[i]);
      if (!fs::exists(p)) {
        ADD_FAILURE() << p << " is listed but does not exist";
        continue;
      }
      const auto bytes = read_text(p);
      EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << p << " is not a PNG";
      EXPECT_GT(bytes.size(), 8000u) << p << " is suspiciously small";
    }
    return pngs;
  }
};

TEST_F(PlotTest, RunJsonGivesEnergyAreaLayerAndTimelinePlots) {
  cimsim::testing::run_json(dir, "vgg8", "--hw default --net vgg8");
  const auto r = plot(quote((dir / "vgg8.json").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto pngs = check_pngs(r, {"vgg8_energy.png", "vgg8_area.png", "vgg8_layers.png", "vgg8_timeline.png"});
  for (const auto& p : pngs) EXPECT_EQ(fs::path(p).parent_path(), dir) << "default --out: beside the input";
}

TEST_F(PlotTest, CompareJsonGivesGroupedBars) {
  const auto json = dir / "cmp.json";
  const auto c = shell(dir, std::string(CIMSIM_BINARY) + " compare --hw default --nets darts_v2 --json " +
                                quote(json.string()));
  ASSERT_EQ(c.code, 0) << c.err;
  const auto r = plot(quote(json.string()) + " --out " + quote((dir / "plots").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto pngs = check_pngs(r, {"cmp_compare.png"});
  ASSERT_EQ(pngs.size(), 1u);
  EXPECT_EQ(fs::path(pngs[0]).parent_path(), dir / "plots");
}

// (latency_ns, energy_pj, area_mm2) of the sample, and the front by hand, all three minimized:
//   p0 (100, 50, 30)  front
//   p1 ( 90, 60, 25)  front: the fastest
//   p2 (120, 45, 35)  front
//   p3 (110, 65, 40)  dominated by p0 (better in all three)
//   p4 failed (1, 1, 1 would dominate everything: failed points are omitted)
//   p5 (100, 50, 31)  dominated by p0 (equal, equal, better area)
//   p6 ( 90, 60, 25)  front: equal to p1, and equal is not better
//   p7 (130, 44, 50)  front: the least energy
//   p8 ( 95, 70, 24)  front: the smallest
//   p9 failed, empty metrics and a quoted error with commas
// (latency x 10^4 ns, energy x 10^7 pJ). The columns are those `cimsim sweep` writes: bookkeeping, the axes
// (net and deploy even when not swept), the metrics.
const char* kSweepCsv =
    "point,status,error,wall_s,adc.bits,crossbar.rows,net,deploy,latency_ns,latency_cycles,energy_pj,power_mw,"
    "peak_power_mw,area_mm2,throughput_per_s,crossbars_used,utilization,tiles\n"
    "0,ok,,0.3,4,128,vgg8,individual,1000000,1200000,500000000,500,9000,30,1000,100,0.9,10\n"
    "1,ok,,0.3,4,256,vgg8,individual,900000,1080000,600000000,666.7,9500,25,1111.1,60,0.8,8\n"
    "2,ok,,0.3,4,512,vgg8,individual,1200000,1440000,450000000,375,9100,35,833.3,40,0.7,6\n"
    "3,ok,,0.3,6,128,vgg8,individual,1100000,1320000,650000000,590.9,9600,40,909.1,100,0.9,10\n"
    "4,failed,,0.1,6,256,vgg8,individual,10000,12000,10000000,1,1,1,1,1,1,1\n"
    "5,ok,,0.3,6,512,vgg8,individual,1000000,1200000,500000000,500,9800,31,1000,40,0.7,6\n"
    "6,ok,,0.3,8,128,vgg8,individual,900000,1080000,600000000,666.7,9900,25,1111.1,100,0.9,10\n"
    "7,ok,,0.3,8,256,vgg8,individual,1300000,1560000,440000000,338.5,9900,50,769.2,60,0.8,8\n"
    "8,ok,,0.3,8,512,vgg8,individual,950000,1140000,700000000,736.8,9900,24,1052.6,40,0.7,6\n"
    "9,failed,\"cimsim: error: point 9, adc.bits = 10: too many bits\",0.1,10,128,vgg8,individual,,,,,,,,,,\n";

std::set<std::string> pareto_points(const std::string& out) {
  std::set<std::string> pts;
  for (const auto& l : lines_of(out)) {
    if (l.rfind("pareto point=", 0) != 0) continue;
    const auto start = std::string("pareto point=").size();
    pts.insert(l.substr(start, l.find(' ', start) - start));
  }
  return pts;
}

TEST_F(PlotTest, SweepDirectoryGivesMetricPlotAndParetoFront) {
  fs::create_directories(dir / "adc_sweep");
  write_text(dir / "adc_sweep" / "results.csv", kSweepCsv);
  const auto r = plot(quote((dir / "adc_sweep").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto pngs = check_pngs(r, {"adc_sweep_latency_ns.png", "adc_sweep_pareto.png"});
  for (const auto& p : pngs) EXPECT_EQ(fs::path(p).parent_path(), dir / "adc_sweep");
  EXPECT_EQ(pareto_points(r.out), (std::set<std::string>{"0", "1", "2", "6", "7", "8"})) << r.out;
  // A listed line names the point's axes and its three metrics.
  EXPECT_NE(r.out.find("pareto point=7 adc.bits=8 crossbar.rows=256 latency_ns=1300000 energy_pj=440000000 "
                       "area_mm2=50"),
            std::string::npos)
      << r.out;
}

TEST_F(PlotTest, SweepCsvWithMetricAxisAndColourOptions) {
  const auto csv = write_text(dir / "results.csv", kSweepCsv);
  const auto r = plot(quote(csv) + " --metric energy_pj --x crossbar.rows --color adc.bits --out " +
                      quote((dir / "out").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto stem = dir.filename().string();  // results.csv is named after its directory
  check_pngs(r, {stem + "_energy_pj.png", stem + "_pareto.png"});
  EXPECT_EQ(pareto_points(r.out).size(), 6u);
}

TEST_F(PlotTest, BadInputExitsTwoWithOneLine) {
  const auto neither = write_text(dir / "neither.json", "{\"rows\": 3, \"x\": 1}\n");
  const auto broken = write_text(dir / "broken.json", "{\"energy_pj\": \n");
  const auto badcsv = write_text(dir / "bad.csv", "a,b\n1,2\n");
  fs::create_directories(dir / "nosweep");
  const auto sweep = write_text(dir / "results.csv", kSweepCsv);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {quote(neither), "neither.json"},
      {quote(broken), "broken.json"},
      {quote(badcsv), "bad.csv"},
      {quote((dir / "nosweep").string()), "nosweep"},
      {quote((dir / "missing.json").string()), "missing.json"},
      {quote(sweep) + " --metric joules", "joules"},
      {quote(sweep) + " --x adc.rows", "adc.rows"},
  };
  for (const auto& [args, names] : cases) {
    const auto r = plot(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << args << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("plot.py: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(names), std::string::npos) << "the error names " << names << ": " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_NE(e.path().extension(), ".png") << "bad input wrote " << e.path();
}

// Labels and legends never hide data: 16 Pareto points crowded along one anti-diagonal each get a label
// that overlaps no other label and no marked point, and no legend sits over the plotting area (plot.py
// measures the rendered boxes and reports them with --layout-report).
TEST_F(PlotTest, ParetoLabelsDoNotOverlapAndLegendsStayOffTheCurves) {
  std::string csv = "point,status,error,wall_s,adc.bits,crossbar.rows,latency_ns,energy_pj,area_mm2\n";
  for (int i = 0; i < 16; ++i) {
    const int rows = 64 << (i % 4);
    csv += std::to_string(i) + ",ok,,0.1," + std::to_string(4 + i / 4) + "," + std::to_string(rows) + "," +
           std::to_string(1000000 + 2000 * i) + "," + std::to_string(500000000 - 1500000 * i) + ",30\n";
  }
  write_text(dir / "crowd" / "results.csv", (fs::create_directories(dir / "crowd"), csv));
  const auto r = plot(quote((dir / "crowd").string()) + " --metric energy_pj --layout-report");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(pareto_points(r.out).size(), 16u);
  std::string layout;
  for (const auto& l : lines_of(r.out))
    if (l.rfind("layout ", 0) == 0) layout = l;
  EXPECT_NE(layout.find(" label_overlaps=0"), std::string::npos) << layout;
  EXPECT_NE(layout.find(" legend_overlaps_axes=0"), std::string::npos) << layout;
  EXPECT_EQ(layout.find(" labels=0 "), std::string::npos) << "no label was placed: " << layout;
}

// A planted link where a PNG will go is refused before anything is written; what it points to is untouched.
TEST_F(PlotTest, OutputsNeverFollowLinksOrLeaveTemporaries) {
  const auto sweep = write_text(dir / "results.csv", kSweepCsv);
  const auto stem = dir.filename().string();
  write_text(dir / "precious", "precious\n");
  fs::create_symlink("precious", dir / (stem + "_pareto.png"));
  const auto r = plot(quote(sweep) + " --metric energy_pj");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(read_text(dir / "precious"), "precious\n");
  EXPECT_FALSE(fs::exists(dir / (stem + "_energy_pj.png"))) << "a PNG was written before every target was checked";
  fs::remove(dir / (stem + "_pareto.png"));
  const auto ok = plot(quote(sweep) + " --metric energy_pj");
  ASSERT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(cimsim::testing::leftover_temporaries(dir), std::vector<std::string>{});
}

}  // namespace
