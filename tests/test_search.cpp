// cimsim search (search/search.hpp, docs/search.md): the spec, the genes of each space, the objectives and
// the constraint penalty against direct evaluations, reproducibility, checkpoint and resume, the user's
// accuracy, the hypernetwork chip's constant area, and the SystemC re-simulation of the front.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "models/config_loader.hpp"
#include "run_util.hpp"
#include "search/accuracy.hpp"
#include "search/search.hpp"
#include "search/search_spec.hpp"
#include "sim/analytical.hpp"
#include "sim/deploy.hpp"
#include "sim/report.hpp"
#include "workloads/darts.hpp"
#include "workloads/genotype.hpp"

using namespace cimsim;
using namespace cimsim::testing;
namespace fs = std::filesystem;
using search::Metric;
using search::SearchSpec;

namespace {

const std::string kSource = CIMSIM_SOURCE_DIR;

SearchSpec spec_of(const fs::path& dir, const std::string& text) {
  return search::load_search_spec(write_text(dir / "spec.yaml", text));
}

std::string spec_error(const std::string& text) {
  return error_of<sim::SweepError>([&] { search::parse_search_spec(text, "s.yaml"); });
}

// The genes of `g` in the darts space (search.hpp: per node its input pair, then its two ops), for a
// genotype in the DARTS form with its pairs in ascending order of input.
std::vector<double> darts_genes(const workloads::Genotype& g) {
  std::vector<double> x;
  for (const auto* cell : {&g.normal, &g.reduce})
    for (int i = 0; i < 4; ++i) {
      const auto& e1 = (*cell)[size_t(2 * i)];
      const auto& e2 = (*cell)[size_t(2 * i + 1)];
      const int a = std::min(e1.from, e2.from), b = std::max(e1.from, e2.from);
      int pair = 0;
      for (int p = 0; p < a; ++p) pair += (i + 2) - p - 1;
      pair += b - a - 1;
      const auto& first = e1.from == a ? e1 : e2;
      const auto& second = e1.from == a ? e2 : e1;
      x.push_back(pair);
      x.push_back(int(first.op) - 1);
      x.push_back(int(second.op) - 1);
    }
  return x;
}

std::string front_csv(const fs::path& dir) { return read_text(dir / "front.csv"); }

}  // namespace

TEST(SearchSpec, ExamplesParseWithTheirGeneCounts) {
  // closed forms: the darts form has per cell 4 nodes x (1 pair + 2 ops); the full form 14 edges per cell;
  // OFA 1 resolution + 5 depths + 20 kernels + 20 expansions; ViT 4; plus one gene per knob
  const std::map<std::string, size_t> genes = {{"darts-joint", 24 + 8},
                                               {"darts-published-joint", 1 + 8},
                                               {"darts-published-fixed-chip", 1},
                                               {"darts-hypernet-fixed-chip", 28},
                                               {"darts-v2-fixed-network", 8},
                                               {"ofa-mbv3-rnc-box", 46},
                                               {"vit-joint", 4 + 3}};
  size_t seen = 0;
  for (const auto& e : fs::directory_iterator(kSource + "/workloads/search")) {
    if (e.path().extension() != ".yaml") continue;
    const SearchSpec s = search::load_search_spec(e.path().string());
    const auto it = genes.find(e.path().stem().string());
    ASSERT_NE(it, genes.end()) << e.path() << ": a new example needs its gene count here";
    EXPECT_EQ(search::gene_bounds(s).size(), it->second) << e.path();
    ++seen;
  }
  EXPECT_EQ(seen, genes.size());
  // at least one example per space and per regime
  std::set<std::string> spaces, regimes;
  for (const auto& [name, n] : genes) {
    const SearchSpec s = search::load_search_spec(kSource + "/workloads/search/" + name + ".yaml");
    spaces.insert(search::space_name(s.space));
    regimes.insert(search::regime_name(s.regime));
  }
  EXPECT_EQ(spaces, (std::set<std::string>{"darts", "darts_full", "ofa_mbv3", "vit", "fixed"}));
  EXPECT_EQ(regimes, (std::set<std::string>{"fixed_chip", "fixed_network", "joint"}));
}

TEST(SearchSpec, ErrorsNameThePlaceAndWhatIsAllowed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"space: darts\nregime: fixed_chip\nbogus: 1\n", "s.yaml:3:1: unknown key 'bogus'; allowed: space, regime"},
      {"space: resnet\n", "s.yaml:1:8: space resnet is not allowed; allowed: darts, darts_full, ofa_mbv3, vit, fixed"},
      {"space: darts\nregime: fixed_chip\nobjectives: [latency]\n",
       "s.yaml:3:13: objectives: expected a list of 2 to 6 metrics (NSGA-II is multi-objective)"},
      {"space: darts\nregime: fixed_chip\nobjectives: [latency, latency]\n", "objective latency twice"},
      {"space: darts\nregime: fixed_chip\nobjectives: [latency, accuracy]\n",
       "s.yaml:3:13: accuracy is asked for (an objective or a constraint) but the spec gives no accuracy source"},
      {"space: darts\nregime: fixed_chip\nconstraints: {accuracy: {min: 97}}\n", "gives no accuracy source"},
      {"space: darts\nregime: fixed_chip\npopulation: 10\n", "s.yaml:3:13: population 10; allowed: a multiple of 4"},
      {"space: darts\nregime: joint\n", "regime joint varies the chip; allowed: knobs:"},
      {"space: darts\nregime: fixed_chip\nknobs: {adc.bits: [4, 8]}\n", "s.yaml:3:9: regime fixed_chip varies the network only"},
      {"space: darts\nregime: fixed_network\n", "s.yaml:1:8: regime fixed_network varies the chip only"},
      {"space: darts\nregime: joint\ndeploy: hypernet\nknobs: {adc.bits: [4]}\n",
       "s.yaml:3:9: deploy hypernet runs DARTS genotypes on one all-inclusive chip"},
      {"space: darts\nregime: joint\nknobs: {adc.bitz: [4]}\n", "s.yaml:3:9: unknown config key 'adc.bitz' in knobs"},
      {"space: darts\nregime: fixed_chip\nconstraints: {area_mm2: {max: -1}}\n", "area_mm2.max = -1 is not allowed"},
      {"space: darts\nregime: fixed_chip\nconstraints: {area: {max: 1}}\n", "unknown constraint 'area'; allowed: latency_us,"},
      {"space: darts\nregime: fixed_chip\naccuracy: {table: a.csv, command: [x]}\n", "give exactly one of table and command"},
      {"space: darts\nregime: fixed_chip\n---\nspace: vit\n", "s.yaml:3:1: a second YAML document"},
      {"space: darts\nregime: fixed_chip\nconstraints: {area_mm2: {min: 50, max: 5}}\n",
       "s.yaml:3:31: area at least 50.000000 and at most 5.000000: no candidate can meet both"},
      {"space: fixed\nnetwork: vgg8\nknobs: {tile.pes: [4, 8, 4]}\n", "s.yaml:3:26: tile.pes lists 4 twice; allowed: each value once"},
      {"space: fixed\nnetwork: vgg8\nknobs: {name: [a, b]}\n", "s.yaml:3:9: unknown config key 'name' in knobs"},
  };
  for (const auto& [text, want] : cases) EXPECT_NE(spec_error(text).find(want), std::string::npos) << text << "\n" << spec_error(text);
}

TEST(SearchSpec, BadKnobValueIsReportedAtTheValue) {
  const fs::path dir = scratch_dir();
  const SearchSpec s = spec_of(dir, "space: darts\nregime: joint\nknobs:\n  adc.bits: [4, 99]\n");
  const std::string e = error_of<sim::SweepError>([&] { search::evaluate_candidate(s, std::vector<double>(25, 0)); });
  EXPECT_NE(e.find("spec.yaml:4:17: adc.bits"), std::string::npos) << e;
  EXPECT_NE(e.find("99"), std::string::npos) << e;
}

TEST(Search, DartsGenesDecodeToTheGenotypeAndEvaluateAsTheEvaluatorDoes) {
  const fs::path dir = scratch_dir();
  const SearchSpec s = spec_of(dir, "space: darts\nregime: fixed_chip\nhw: default\n");
  const workloads::Genotype v2 = workloads::builtin_genotype("darts_v2");
  const search::Outcome o = search::evaluate_candidate(s, darts_genes(v2));
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.name, "darts_v2");  // a published genotype is recognised (an accuracy table may name it)
  // the genes list a node's two edges by input, which DARTS-V2 does not always: the same cells
  workloads::Genotype sorted = v2;
  sorted.name.clear();
  for (auto* cell : {&sorted.normal, &sorted.reduce})
    for (size_t i = 0; i < cell->size(); i += 2)
      if ((*cell)[i].from > (*cell)[i + 1].from) std::swap((*cell)[i], (*cell)[i + 1]);
  EXPECT_EQ(workloads::parse_genotype(o.arch, "front"), sorted);  // the text pastes back into DARTS code
  // the objectives are the analytical evaluator's figures for that genotype on the default chip, to the digit
  sim::Workload w;
  w.genotype = sorted;
  w.graph = workloads::build_network_cifar(sorted, {}, "candidate");
  const auto hw = models::load_hardware("default");
  const auto d = sim::deploy(w, {}, hw, sim::Deploy::individual);
  const sim::RunResult r = sim::evaluate(d.graph, hw, d.mapping, {});
  EXPECT_DOUBLE_EQ(o.metrics.at("latency_us"), r.latency_ns / 1e3);
  EXPECT_DOUBLE_EQ(o.metrics.at("area_mm2"), r.area.total_mm2);
  EXPECT_DOUBLE_EQ(o.metrics.at("energy_uj"), r.energy.total_pj / 1e6);
  EXPECT_DOUBLE_EQ(o.metrics.at("power_mw"), r.power_mw);
  ASSERT_EQ(o.f.size(), 2u);  // default objectives: latency, energy
  EXPECT_DOUBLE_EQ(o.f[0], r.latency_ns / 1e3);
  EXPECT_DOUBLE_EQ(o.f[1], r.energy.total_pj / 1e6);
  EXPECT_EQ(o.violation, 0);
  EXPECT_FALSE(o.accuracy);  // no source: none invented
}

TEST(Search, ConstraintsPenalizeByTheirRelativeViolation) {
  const fs::path dir = scratch_dir();
  const SearchSpec free = spec_of(dir, "space: fixed\nnetwork: vgg8\nknobs: {adc.bits: [8]}\nobjectives: [latency, area]\n");
  const search::Outcome base = search::evaluate_candidate(free, {0});
  ASSERT_TRUE(base.ok) << base.error;
  const double area = base.metrics.at("area_mm2"), lat = base.metrics.at("latency_us");
  // an area bound at half the area: violated by (area - bound) / bound = 1; a met latency bound adds none
  std::ostringstream text;
  text.precision(17);
  text << "space: fixed\nnetwork: vgg8\nknobs: {adc.bits: [8]}\nobjectives: [latency, area]\nconstraints:\n"
       << "  area_mm2: {max: " << area / 2 << "}\n  latency_us: {max: " << lat * 2 << "}\n";
  const search::Outcome o = search::evaluate_candidate(spec_of(dir, text.str()), {0});
  ASSERT_TRUE(o.ok);
  EXPECT_NEAR(o.violation, 1.0, 1e-12);
  for (double f : o.f) EXPECT_DOUBLE_EQ(f, search::kInfeasible * (1 + o.violation));
  // a lower bound on throughput (at least twice what it reaches): violated by 1/2
  std::ostringstream t2;
  t2.precision(17);
  t2 << "space: fixed\nnetwork: vgg8\nknobs: {adc.bits: [8]}\nobjectives: [throughput, area]\nconstraints:\n"
     << "  throughput_per_s: {min: " << base.metrics.at("throughput_per_s") * 2 << "}\n";
  const search::Outcome o2 = search::evaluate_candidate(spec_of(dir, t2.str()), {0});
  EXPECT_NEAR(o2.violation, 0.5, 1e-12);
  // throughput is maximized: its objective is the negative
  const search::Outcome o3 = search::evaluate_candidate(
      spec_of(dir, "space: fixed\nnetwork: vgg8\nknobs: {adc.bits: [8]}\nobjectives: [throughput, area]\n"), {0});
  EXPECT_DOUBLE_EQ(o3.f[0], -o3.metrics.at("throughput_per_s"));
}

TEST(Search, HypernetChipAreaIsTheSameForEveryGenotype) {
  const fs::path dir = scratch_dir();
  const SearchSpec s = spec_of(dir, "space: darts_full\nregime: fixed_chip\ndeploy: hypernet\nhw: default\n");
  std::mt19937_64 rng(3);
  double area = -1;
  std::set<double> latencies;
  for (int k = 0; k < 4; ++k) {
    std::vector<double> x;
    for (int b : search::gene_bounds(s)) x.push_back(std::uniform_int_distribution<int>(0, b)(rng));
    const search::Outcome o = search::evaluate_candidate(s, x);
    ASSERT_TRUE(o.ok) << o.error;
    if (area < 0) area = o.metrics.at("area_mm2");
    EXPECT_DOUBLE_EQ(o.metrics.at("area_mm2"), area);  // nothing is remapped: the chip's area
    latencies.insert(o.metrics.at("latency_us"));
  }
  EXPECT_GT(latencies.size(), 1u);  // the genotypes differ, so do their latencies
}

TEST(Search, SeededRunsAreReproducibleAndResumeEqualsAStraightRun) {
  const fs::path dir = scratch_dir();
  const std::string text =
      "space: ofa_mbv3\nregime: joint\nhw: rnc-box\nknobs: {adc.bits: [6, 8], tile.buffer.size_kib: [64, 128]}\n"
      "objectives: [latency, energy, area]\npopulation: 8\ngenerations: 3\nresimulate: 0\nseed: 5\n";
  const SearchSpec s = spec_of(dir, text);
  std::ostringstream log;
  search::SearchOptions o;
  o.spec_path = (dir / "spec.yaml").string();
  o.jobs = 2;
  o.out = (dir / "a").string();
  const auto a = search::run_search(s, o, log);
  o.out = (dir / "b").string();
  o.jobs = 1;  // thread count does not change the result
  search::run_search(s, o, log);
  EXPECT_EQ(front_csv(dir / "a"), front_csv(dir / "b"));
  EXPECT_FALSE(a.front.empty());
  EXPECT_EQ(a.generations, 3);
  // 1 generation, then resumed to 3
  o.out = (dir / "c").string();
  o.generations = 1;
  search::run_search(s, o, log);
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "c" / "checkpoint.json"))["generation"], 1);
  o.generations = 3;
  EXPECT_NE(error_of<sim::SweepError>([&] { search::run_search(s, o, log); }).find("holds a search (checkpoint.json); allowed: --resume"),
            std::string::npos);
  o.resume = true;
  search::run_search(s, o, log);
  EXPECT_EQ(front_csv(dir / "a"), front_csv(dir / "c"));
  EXPECT_EQ(lines_of(read_text(dir / "c" / "history.csv")).size(), 1u + 4u);  // header, generations 0..3
  // the resumed history counts what the uninterrupted one does (the restored population is not counted
  // again); only the wall times differ
  auto without_wall = [](const std::string& csv) {
    std::string out;
    for (const auto& line : lines_of(csv)) {
      std::vector<std::string> f;
      std::stringstream in(line);
      for (std::string x; std::getline(in, x, ',');) f.push_back(x);
      for (size_t k = 0; k < f.size(); ++k)
        if (k != 4) out += f[k] + ",";
      out += "\n";
    }
    return out;
  };
  EXPECT_EQ(without_wall(read_text(dir / "a" / "history.csv")), without_wall(read_text(dir / "c" / "history.csv")));
  // another spec cannot resume it
  const SearchSpec other = spec_of(dir, text + "constraints: {area_mm2: {max: 1000}}\n");
  o.spec_path = (dir / "spec.yaml").string();
  EXPECT_NE(error_of<sim::SweepError>([&] { search::run_search(other, o, log); }).find("was written for another spec"),
            std::string::npos);
  // the log: one line per generation
  EXPECT_NE(log.str().find("search: generation 3/3: "), std::string::npos) << log.str();
}

TEST(Search, AResumeRefusesAChangedBaseConfig) {
  const fs::path dir = scratch_dir();
  write_text(dir / "chip.yaml", "name: chip\ncrossbar: {rows: 128}\n");
  const SearchSpec s = spec_of(dir, "space: fixed\nnetwork: vgg8\nhw: chip.yaml\nknobs: {adc.per_crossbar: [1, 2]}\n"
                                    "objectives: [latency, area]\npopulation: 8\ngenerations: 1\nresimulate: 0\n");
  std::ostringstream log;
  search::SearchOptions o;
  o.out = (dir / "out").string();
  o.spec_path = (dir / "spec.yaml").string();
  search::run_search(s, o, log);
  write_text(dir / "chip.yaml", "name: chip\ncrossbar: {rows: 64}\n");
  o.resume = true;
  o.generations = 2;
  EXPECT_NE(error_of<sim::SweepError>([&] { search::run_search(search::load_search_spec(o.spec_path), o, log); })
                .find("was written for another spec, base config"),
            std::string::npos);
}

TEST(Search, FrontIsNonDominatedAndFeasible) {
  const fs::path dir = scratch_dir();
  const SearchSpec s = spec_of(dir,
                               "space: fixed\nnetwork: vgg8\nhw: default\nknobs:\n  crossbar.rows: [64, 128, 256]\n"
                               "  adc.bits: [4, 6, 8]\n  tile.buffer.size_kib: [32, 64, 128]\n"
                               "objectives: [latency, energy, area]\npopulation: 12\ngenerations: 4\nresimulate: 0\n");
  std::ostringstream log;
  search::SearchOptions o;
  o.out = (dir / "out").string();
  const auto sum = search::run_search(s, o, log);
  ASSERT_FALSE(sum.front.empty());
  for (const auto& p : sum.front) {
    EXPECT_TRUE(p.analytical.ok);
    EXPECT_EQ(p.analytical.violation, 0);
    for (const auto& q : sum.front) {
      bool no_worse = true, better = false;
      for (size_t m = 0; m < p.analytical.f.size(); ++m) {
        no_worse = no_worse && q.analytical.f[m] <= p.analytical.f[m];
        better = better || q.analytical.f[m] < p.analytical.f[m];
      }
      EXPECT_FALSE(no_worse && better) << "a front point is dominated";
    }
  }
  std::set<std::string> distinct;  // each (network, hardware) once
  for (const auto& p : sum.front) {
    std::string k = p.analytical.arch;
    for (const auto& v : p.analytical.knob_values) k += "|" + v;
    EXPECT_TRUE(distinct.insert(k).second) << k;
  }
  // front.json holds what front.csv does
  const auto j = nlohmann::json::parse(read_text(dir / "out" / "front.json"));
  EXPECT_EQ(j["front"].size(), sum.front.size());
  EXPECT_EQ(j["accuracy_source"], "none");
  EXPECT_EQ(lines_of(front_csv(dir / "out")).size(), sum.front.size() + 1);
}

TEST(Search, AccuracyTableChoosesAmongPublishedNetworksAtAFloor) {
  const fs::path dir = scratch_dir();
  fs::copy_file(kSource + "/workloads/search/darts-accuracy.csv", dir / "acc.csv");
  fs::copy_file(kSource + "/workloads/genotypes/pc_darts.genotype", dir / "pc_darts.genotype");
  const SearchSpec s = spec_of(dir,
                               "space: darts\nregime: joint\nnetworks: [darts_v1, darts_v2, pdarts, pc_darts.genotype]\n"
                               "accuracy: {table: acc.csv}\nhw: default\nknobs: {adc.bits: [6, 8]}\n"
                               "objectives: [latency, accuracy]\nconstraints: {accuracy: {min: 97.3}}\n"
                               "population: 8\ngenerations: 3\nresimulate: 0\n");
  // each network's accuracy is the table's, by name (a file is named by its stem)
  const std::map<std::string, double> published = {{"darts_v1", 97.0}, {"darts_v2", 97.24}, {"pdarts", 97.5}, {"pc_darts", 97.43}};
  for (int n = 0; n < 4; ++n) {
    const search::Outcome o = search::evaluate_candidate(s, {double(n), 0});
    ASSERT_TRUE(o.accuracy) << o.name;
    EXPECT_DOUBLE_EQ(*o.accuracy, published.at(o.name));
    EXPECT_EQ(o.violation > 0, *o.accuracy < 97.3) << o.name;
    if (o.violation == 0) {
      EXPECT_DOUBLE_EQ(o.f[1], -*o.accuracy);  // accuracy is maximized
    }
  }
  std::ostringstream log;
  search::SearchOptions o;
  o.out = (dir / "out").string();
  const auto sum = search::run_search(s, o, log);
  ASSERT_FALSE(sum.front.empty());
  for (const auto& p : sum.front) EXPECT_TRUE(p.analytical.name == "pdarts" || p.analytical.name == "pc_darts") << p.analytical.name;
  EXPECT_NE(sum.accuracy_source.find("table"), std::string::npos);
}

TEST(Search, FrontIsResimulatedWithSystemC) {
  const fs::path dir = scratch_dir();
  const SearchSpec s = spec_of(dir,
                               "space: ofa_mbv3\nregime: fixed_chip\nhw: rnc-box\nobjectives: [latency, energy]\n"
                               "population: 8\ngenerations: 1\nresimulate: 2\n");
  std::ostringstream log;
  search::SearchOptions o;
  o.out = (dir / "out").string();
  o.self = CIMSIM_BINARY;
  const auto sum = search::run_search(s, o, log);
  int simulated = 0;
  for (const auto& p : sum.front) {
    if (!p.simulated) continue;
    ++simulated;
    EXPECT_TRUE(p.systemc_error.empty());
    // the two evaluators: area identical; latency within the analytical evaluator's documented bound
    // (docs/analytical.md: 10 % where resources contend)
    EXPECT_DOUBLE_EQ(p.systemc.at("area_mm2"), p.analytical.metrics.at("area_mm2"));
    EXPECT_NEAR(p.systemc.at("latency_us"), p.analytical.metrics.at("latency_us"), 0.10 * p.systemc.at("latency_us"));
    // the SystemC run's files: its config and report, to rerun by hand
    EXPECT_TRUE(fs::exists(fs::path(p.dir) / "hw.yaml"));
    EXPECT_TRUE(fs::exists(fs::path(p.dir) / "systemc.json"));
  }
  EXPECT_EQ(simulated, int(std::min<size_t>(2, sum.front.size())));
  const auto j = nlohmann::json::parse(read_text(dir / "out" / "front.json"));
  for (const auto& p : j["front"]) {
    if (!p["systemc"].is_null()) {
      EXPECT_GT(p["systemc"]["latency_us"].get<double>(), 0);
    }
  }
}

TEST(SearchCli, RunsAnExampleAndRefusesBadInputWithExit2) {
  const fs::path dir = scratch_dir();
  write_text(dir / "s.yaml",
             "space: vit\nregime: fixed_chip\nvit: {depth: [2, 3], heads: [2, 4], width: [64, 128], mlp_ratio: [2]}\n"
             "hw: default\nobjectives: [latency, area]\npopulation: 8\ngenerations: 1\nresimulate: 1\n");
  const std::string bin = CIMSIM_BINARY;
  const Result ok = shell(dir, bin + " search " + quote((dir / "s.yaml").string()) + " --out " + quote((dir / "o").string()) + " --jobs 2");
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.err.find("accuracy: none (the hardware objectives alone)"), std::string::npos) << ok.err;
  EXPECT_NE(ok.err.find("search: generation 1/1: "), std::string::npos) << ok.err;
  EXPECT_NE(ok.out.find("cimsim search: "), std::string::npos);
  for (const char* f : {"front.csv", "front.json", "history.csv", "checkpoint.json"}) EXPECT_TRUE(fs::exists(dir / "o" / f)) << f;
  // the front's architecture runs again with `cimsim run --net`
  const auto j = nlohmann::json::parse(read_text(dir / "o" / "front.json"));
  const std::string arch = j["front"][0]["architecture"];
  const Result again = shell(dir, bin + " run --mode analytical -q --net " + quote(arch));
  EXPECT_EQ(again.code, 0) << again.err;
  // bad inputs: one line, exit 2, nothing written
  write_text(dir / "bad.yaml", "space: vit\nregime: nope\n");
  const Result bad = shell(dir, bin + " search " + quote((dir / "bad.yaml").string()) + " --out " + quote((dir / "o2").string()));
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(lines_of(bad.err).size(), 1u) << bad.err;
  EXPECT_NE(bad.err.find("bad.yaml:2:9: regime nope is not allowed"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir / "o2"));
  const Result again_out = shell(dir, bin + " search " + quote((dir / "s.yaml").string()) + " --out " + quote((dir / "o").string()));
  EXPECT_EQ(again_out.code, 2);
  EXPECT_NE(again_out.err.find("allowed: --resume to continue it, or a new --out"), std::string::npos) << again_out.err;
}

TEST(Search, IslandsMergeToTheNonDominatedPointsOfTheirUnion) {
  const fs::path dir = scratch_dir();
  const SearchSpec s = spec_of(dir,
                               "space: fixed\nnetwork: vgg8\nhw: default\nknobs:\n  crossbar.rows: [64, 128, 256]\n"
                               "  adc.bits: [4, 6, 8]\n  tile.buffer.size_kib: [32, 64, 128]\n"
                               "objectives: [latency, energy]\npopulation: 8\ngenerations: 2\nresimulate: 0\n");
  std::ostringstream log;
  search::SearchOptions o;
  std::vector<std::vector<double>> all;
  for (int i = 0; i < 3; ++i) {
    o.out = (dir / "islands" / std::to_string(i)).string();
    fs::create_directories(dir / "islands");
    o.island = i;
    for (const auto& p : search::run_search(s, o, log).front) all.push_back(p.analytical.f);
  }
  EXPECT_EQ(search::merge_search(dir.string()), 3);
  const auto j = nlohmann::json::parse(read_text(dir / "front.json"));
  // every island point is either in the merged front or dominated by one of it; no merged point is dominated
  std::vector<std::vector<double>> merged;
  for (const auto& p : j["front"]) merged.push_back(p["f"].get<std::vector<double>>());
  auto dominates = [](const std::vector<double>& a, const std::vector<double>& b) {
    bool better = false;
    for (size_t k = 0; k < a.size(); ++k) {
      if (a[k] > b[k]) return false;
      better = better || a[k] < b[k];
    }
    return better;
  };
  for (const auto& f : all) {
    const bool kept = std::find(merged.begin(), merged.end(), f) != merged.end();
    const bool beaten = std::any_of(merged.begin(), merged.end(), [&](const auto& m) { return dominates(m, f); });
    EXPECT_TRUE(kept != beaten);
  }
  EXPECT_EQ(j["islands"].size(), 3u);
  EXPECT_EQ(j["islands"][1]["seed"], 2);  // island I runs from the spec's seed + I
  EXPECT_EQ(lines_of(read_text(dir / "front.csv")).size(), merged.size() + 1);
  // nothing to merge: an error that says what is expected
  EXPECT_NE(error_of<sim::SweepError>([&] { search::merge_search((dir / "islands" / "0").string()); }).find("holds no islands"),
            std::string::npos);
}

TEST(Search, CrossbarBudgetIsAKnobOfTheCompiledMapping) {
  const fs::path dir = scratch_dir();
  const SearchSpec s = spec_of(dir, "space: fixed\nnetwork: vgg8\nknobs: {crossbars: [100, 3171, 6342]}\nobjectives: [latency, area]\n");
  const search::Outcome small = search::evaluate_candidate(s, {0});
  EXPECT_FALSE(small.ok);  // vgg8 needs 3171 crossbars on the default chip: a failed candidate, penalized
  EXPECT_NE(small.error.find("needs 3171 crossbars"), std::string::npos) << small.error;
  EXPECT_GT(small.violation, 0);
  const search::Outcome fit = search::evaluate_candidate(s, {1}), twice = search::evaluate_candidate(s, {2});
  ASSERT_TRUE(fit.ok && twice.ok);
  // twice the crossbars: layers duplicated, faster, and a larger chip (a worse part is never better)
  EXPECT_LT(twice.metrics.at("latency_us"), fit.metrics.at("latency_us"));
  EXPECT_GT(twice.metrics.at("area_mm2"), fit.metrics.at("area_mm2"));
  EXPECT_NE(spec_error("space: fixed\nnetwork: vgg8\nknobs: {crossbars: [64, x]}\n").find("s.yaml:3:25: crossbars = x is not allowed"),
            std::string::npos);
  EXPECT_NE(spec_error("space: fixed\nnetwork: vgg8\nmapping: isaac\nknobs: {crossbars: [64]}\n").find("a crossbar budget knob with mapping isaac"),
            std::string::npos);
}

TEST(Search, LossyAdcFrontPointsAreFlagged) {
  const fs::path dir = scratch_dir();
  const SearchSpec s = spec_of(dir, "space: fixed\nnetwork: vgg8\nknobs: {adc.bits: [4, 6]}\nobjectives: [latency, energy]\n"
                                    "population: 8\ngenerations: 1\nresimulate: 0\n");
  const search::Outcome o = search::evaluate_candidate(s, {0});
  EXPECT_EQ(o.metrics.at("adc_bits"), 4);
  EXPECT_EQ(o.metrics.at("adc_lossless_bits"), 8);  // 128 rows of 2-bit cells, 1-bit DACs, ISAAC's encoding
  std::ostringstream log;
  search::SearchOptions opt;
  opt.out = (dir / "out").string();
  search::run_search(s, opt, log);
  EXPECT_NE(log.str().find("below the lossless resolution"), std::string::npos) << log.str();
}

TEST(SearchCli, BadInputWritesNothingAndSlurmOptionsGoTogether) {
  const fs::path dir = scratch_dir();
  const std::string bin = CIMSIM_BINARY;
  // a knob value the config refuses: found before the directory is made
  write_text(dir / "bad-knob.yaml", "space: fixed\nnetwork: vgg8\nknobs: {tile.pes: [4, 0]}\n");
  const Result r = shell(dir, bin + " search " + quote((dir / "bad-knob.yaml").string()) + " --out " + quote((dir / "o1").string()));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("bad-knob.yaml:3:23: tile.pes = 0 is out of range"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "o1"));
  // Slurm's options without --slurm, and --slurm with a resume
  write_text(dir / "ok.yaml", "space: fixed\nnetwork: vgg8\nknobs: {adc.per_crossbar: [1, 2]}\nobjectives: [latency, area]\n");
  for (const std::string& opts : {std::string("--islands 3"), std::string("--submit"), std::string("--slurm --resume"),
                                  std::string("--slurm --island 2")}) {
    const Result u = shell(dir, bin + " search " + quote((dir / "ok.yaml").string()) + " --out " + quote((dir / "o2").string()) + " " + opts);
    EXPECT_EQ(u.code, 2) << opts;
    EXPECT_EQ(lines_of(u.err).size(), 1u) << opts << ": " << u.err;
    EXPECT_FALSE(fs::exists(dir / "o2")) << opts;
  }
  // a Slurm search directory is not overwritten
  EXPECT_EQ(shell(dir, bin + " search " + quote((dir / "ok.yaml").string()) + " --out " + quote((dir / "o3").string()) + " --slurm").code, 0);
  const Result again = shell(dir, bin + " search " + quote((dir / "ok.yaml").string()) + " --out " + quote((dir / "o3").string()) + " --slurm");
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.err.find("already holds a Slurm search"), std::string::npos) << again.err;
}

TEST(Search, MergeRefusesIslandsOfDifferentSearches) {
  const fs::path dir = scratch_dir();
  std::ostringstream log;
  search::SearchOptions o;
  fs::create_directories(dir / "islands");
  const std::string base = "space: fixed\nnetwork: vgg8\nknobs: {adc.per_crossbar: [1, 2]}\nobjectives: [latency, area]\n"
                           "population: 8\ngenerations: 1\nresimulate: 0\n";
  for (int i = 0; i < 2; ++i) {
    o.out = (dir / "islands" / std::to_string(i)).string();
    o.island = i;
    // island 1's spec has another constraint: its front is not comparable
    const std::string text = base + (i == 1 ? "constraints: {area_mm2: {max: 1000}}\n" : "");
    o.spec_path = write_text(dir / ("spec" + std::to_string(i) + ".yaml"), text);
    search::run_search(search::load_search_spec(o.spec_path), o, log);
  }
  EXPECT_NE(error_of<sim::SweepError>([&] { search::merge_search(dir.string()); }).find("is a front of another search"),
            std::string::npos);
}
