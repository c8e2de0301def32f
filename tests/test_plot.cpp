// scripts/plot.py as users meet it: a run JSON, a compare JSON, a sweep's results.csv and a search directory
// each become PNGs (listed on stdout, real PNG files of some size); the Pareto listing of a sample sweep
// equals the front computed here by hand, a search's "front" listing equals its front.json; bad input ends
// with exit 2 and one line on stderr. The script needs Debian's
// python3-matplotlib under /usr/bin/python3: without it these tests fail (scripts/setup.sh installs it).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
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


// ---- search directories (cimsim search --out DIR: front.json, history.csv)

// A small co-design search: VGG-8 held fixed, three knobs of the default chip, the given objectives.
std::string search_spec(const std::string& objectives, int resimulate) {
  return "space: fixed\nregime: fixed_network\nnetwork: vgg8\nhw: default\nknobs:\n"
         "  crossbar.rows: [64, 128, 256]\n  tile.pes: [4, 8, 16]\n  adc.per_crossbar: [1, 2, 4]\n"
         "objectives: [" + objectives + "]\npopulation: 8\ngenerations: 2\nseed: 1\nresimulate: " +
         std::to_string(resimulate) + "\n";
}

// `cimsim search` of `spec` into `out` (two threads, as the machines running the tests have).
void run_search(const fs::path& dir, const std::string& spec, const fs::path& out, const std::string& extra = "") {
  const auto r = shell(dir, std::string(CIMSIM_BINARY) + " search " + quote(spec) + " --out " + quote(out.string()) +
                                " --jobs 2" + extra);
  ASSERT_EQ(r.code, 0) << r.err;
}

// The "front key=value ..." lines on stdout, each as its fields.
std::vector<std::map<std::string, std::string>> front_lines(const std::string& out) {
  std::vector<std::map<std::string, std::string>> rows;
  for (const auto& l : lines_of(out)) {
    if (l.rfind("front ", 0) != 0) continue;
    std::map<std::string, std::string> f;
    std::istringstream words(l.substr(6));
    for (std::string w; words >> w;) {
      const auto eq = w.find('=');
      f[w.substr(0, eq)] = eq == std::string::npos ? "" : w.substr(eq + 1);
    }
    rows.push_back(f);
  }
  return rows;
}

std::string layout_line(const std::string& out) {
  for (const auto& l : lines_of(out))
    if (l.rfind("layout ", 0) == 0) return l;
  return "";
}

// A listed figure (6 significant digits) equals front.json's.
void expect_figure(const std::map<std::string, std::string>& line, const std::string& key, double want) {
  ASSERT_EQ(line.count(key), 1u) << "no " << key;
  EXPECT_NEAR(std::stod(line.at(key)), want, 1e-5 * std::abs(want)) << key;
}

TEST_F(PlotTest, SearchDirectoryGivesFrontAndHistoryPlots) {
  const auto spec = write_text(dir / "s.yaml", search_spec("latency, energy, area", 1));
  run_search(dir, spec, dir / "search");
  const auto r = plot(quote((dir / "search").string()) + " --layout-report");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto pngs = check_pngs(r, {"front.png", "history.png"});
  for (const auto& p : pngs) EXPECT_EQ(fs::path(p).parent_path(), dir / "search") << "default --out: the search";
  // one line per front.json point, in its order, with its name and its analytical figures
  const auto fj = nlohmann::json::parse(read_text(dir / "search" / "front.json"));
  const auto lines = front_lines(r.out);
  ASSERT_EQ(lines.size(), fj["front"].size()) << r.out;
  ASSERT_GE(lines.size(), 2u) << "a front of one point tests little: " << r.out;
  int resimulated = 0;
  for (size_t k = 0; k < lines.size(); ++k) {
    const auto& p = fj["front"][k];
    EXPECT_EQ(lines[k].at("point"), std::to_string(p["point"].get<int>()));
    EXPECT_EQ(lines[k].at("name"), "vgg8");
    expect_figure(lines[k], "latency_us", p["f"][0].get<double>());
    expect_figure(lines[k], "energy_uj", p["f"][1].get<double>());
    expect_figure(lines[k], "area_mm2", p["f"][2].get<double>());
    EXPECT_EQ(lines[k].at("systemc"), p["systemc"].is_null() ? "no" : "yes");
    resimulated += lines[k].at("systemc") == "yes";
  }
  EXPECT_EQ(resimulated, 1) << "resimulate: 1";
  // three objectives: three pairwise panels, every point labelled without overlap
  const auto layout = layout_line(r.out);
  EXPECT_NE(layout.find(" panels=3"), std::string::npos) << layout;
  EXPECT_NE(layout.find(" label_overlaps=0"), std::string::npos) << layout;
  EXPECT_NE(layout.find(" legend_overlaps_axes=0"), std::string::npos) << layout;
  EXPECT_EQ(cimsim::testing::leftover_temporaries(dir / "search"), std::vector<std::string>{});
}

// Two objectives, one maximized: one panel, and the listing gives throughput as it is (front.json's f negates it).
TEST_F(PlotTest, TwoObjectiveSearchGivesOnePanel) {
  const auto spec = write_text(dir / "s.yaml", search_spec("throughput, area", 0));
  run_search(dir, spec, dir / "search");
  const auto r = plot(quote((dir / "search" / "front.json").string()) + " --out " + quote((dir / "plots").string()) +
                      " --layout-report");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto pngs = check_pngs(r, {"front.png", "history.png"});
  for (const auto& p : pngs) EXPECT_EQ(fs::path(p).parent_path(), dir / "plots");
  EXPECT_NE(layout_line(r.out).find(" panels=1"), std::string::npos) << r.out;
  const auto fj = nlohmann::json::parse(read_text(dir / "search" / "front.json"));
  const auto lines = front_lines(r.out);
  ASSERT_EQ(lines.size(), fj["front"].size()) << r.out;
  for (size_t k = 0; k < lines.size(); ++k) {
    expect_figure(lines[k], "throughput_per_s", -fj["front"][k]["f"][0].get<double>());
    EXPECT_GT(std::stod(lines[k].at("throughput_per_s")), 0.0);
    expect_figure(lines[k], "area_mm2", fj["front"][k]["f"][1].get<double>());
    EXPECT_EQ(lines[k].count("latency_us"), 0u) << "not an objective";
    EXPECT_EQ(lines[k].at("systemc"), "no");
  }
}

// A merged Slurm search has no history.csv of its own: each island's is plotted; its points name their island.
TEST_F(PlotTest, MergedSlurmSearchPlotsEachIslandsHistory) {
  const auto spec = write_text(dir / "s.yaml", search_spec("latency, energy", 0));
  fs::create_directories(dir / "search" / "islands");
  run_search(dir, spec, dir / "search" / "islands" / "0", " --island 0");
  run_search(dir, spec, dir / "search" / "islands" / "1", " --island 1");
  const auto m = shell(dir, std::string(CIMSIM_BINARY) + " search merge " + quote((dir / "search").string()));
  ASSERT_EQ(m.code, 0) << m.err;
  ASSERT_FALSE(fs::exists(dir / "search" / "history.csv"));
  const auto r = plot(quote((dir / "search").string()));
  ASSERT_EQ(r.code, 0) << r.err;
  check_pngs(r, {"front.png", "history.png"});
  const auto fj = nlohmann::json::parse(read_text(dir / "search" / "front.json"));
  const auto lines = front_lines(r.out);
  ASSERT_EQ(lines.size(), fj["front"].size()) << r.out;
  for (size_t k = 0; k < lines.size(); ++k)
    EXPECT_EQ(lines[k].at("island"), std::to_string(fj["front"][k]["island"].get<int>())) << r.out;
  fs::remove(dir / "search" / "islands" / "1" / "history.csv");
  const auto gone = plot(quote((dir / "search").string()));
  EXPECT_EQ(gone.code, 2) << gone.out;
  EXPECT_NE(gone.err.find("islands/1/history.csv"), std::string::npos) << gone.err;
}

// A front written by hand: accuracy (maximized, from a table), a point without a name (its architecture,
// shortened, stands in), a failed re-simulation, a generation without a feasible point.
const char* kFrontJson = R"json({"spec": "s.yaml", "space": "darts", "regime": "joint", "deploy": "individual",
 "hw": "default", "population": 8, "generations": 2, "seed": 1, "accuracy_source": "table t.csv",
 "objectives": ["latency", "accuracy"], "knobs": ["crossbar.rows"],
 "front": [
  {"point": 0, "space": "darts", "name": "pc_darts", "architecture": "Genotype(normal=[])", "f": [4491.6, -97.43],
   "hardware": {"crossbar.rows": "128"}, "accuracy": 97.43,
   "analytical": {"latency_us": 4491.6, "throughput_per_s": 222.6, "energy_uj": 9154.9, "area_mm2": 30.1, "power_mw": 2038},
   "systemc": {"latency_us": 4400.2, "throughput_per_s": 227.2, "energy_uj": 9600.3, "area_mm2": 30.1, "power_mw": 2181}},
  {"point": 1, "space": "darts", "name": "",
   "architecture": "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5])",
   "f": [12385.2, -97.5], "hardware": {"crossbar.rows": "256"}, "accuracy": 97.5,
   "analytical": {"latency_us": 12385.2, "throughput_per_s": 80.7, "energy_uj": 26651.9, "area_mm2": 20.5, "power_mw": 2152},
   "systemc": null, "systemc_error": "cimsim: error: out of memory"}],
 "evaluations": 22, "wall_s": 1.0}
)json";
const char* kHistoryCsv =
    "generation,evaluations,feasible,front,wall_s,best_latency_us,best_accuracy_%\n"
    "0,8,0,0,0.3,,\n"
    "1,15,5,2,0.6,5461.32,97.5\n"
    "2,22,8,2,0.9,4491.6,97.5\n";

fs::path write_search(const fs::path& d, const std::string& front, const std::string& history) {
  fs::create_directories(d);
  write_text(d / "front.json", front);
  if (!history.empty()) write_text(d / "history.csv", history);
  return d;
}

TEST_F(PlotTest, HandWrittenSearchListsAccuracyAsItIs) {
  const auto d = write_search(dir / "hand", kFrontJson, kHistoryCsv);
  const auto r = plot(quote(d.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  check_pngs(r, {"front.png", "history.png"});
  std::vector<std::string> listed;
  for (const auto& l : lines_of(r.out))
    if (l.rfind("front ", 0) == 0) listed.push_back(l);
  EXPECT_EQ(listed, (std::vector<std::string>{
                        "front point=0 name=pc_darts latency_us=4491.6 accuracy=97.43 systemc=yes",
                        "front point=1 name=Genotype(normal=[('sep_conv_3x3',1),('skip_co... latency_us=12385.2 "
                        "accuracy=97.5 systemc=failed"}))
      << r.out;
}

TEST_F(PlotTest, BadSearchInputExitsTwoWithOneLine) {
  const std::string front = kFrontJson, history = kHistoryCsv;
  auto replaced = [](std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
  };
  struct Case {
    std::string name, front, history, names;
  };
  const std::vector<Case> cases = {
      {"notjson", "{\"front\": [\n", history, "front.json:2:1: not JSON"},
      {"noobjectives", replaced(front, "\"objectives\"", "\"goals\""), history, "objectives"},
      {"unknownobjective", replaced(front, "\"accuracy\"]", "\"beauty\"]"), history, "beauty"},
      {"badf", replaced(front, "[12385.2, -97.5]", "[12385.2]"), history, "front[1]"},
      {"badsystemc", replaced(front, "{\"latency_us\": 4400.2,", "{\"latency_us\": \"fast\","), history,
       "front[0].systemc"},
      {"badnumber", front, replaced(history, "1,15,5,2", "1,15,five,2"), "history.csv:3: feasible 'five'"},
      {"otherobjectives", front, replaced(history, "best_accuracy_%", "best_energy_uJ"), "history.csv: header"},
      {"nohistory", front, "", "history.csv: missing"},
  };
  for (const auto& c : cases) {
    const auto d = write_search(dir / c.name, c.front, c.history);
    const auto r = plot(quote(d.string()));
    EXPECT_EQ(r.code, 2) << c.name << "\n" << r.out << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << c.name << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("plot.py: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(c.names), std::string::npos) << c.name << ": the error names " << c.names << ": " << r.err;
    EXPECT_EQ(r.out, "") << c.name;
    EXPECT_FALSE(fs::exists(d / "front.png") || fs::exists(d / "history.png")) << c.name << " wrote a PNG";
  }
}

}  // namespace
