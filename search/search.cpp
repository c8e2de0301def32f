// cimsim search: NSGA-II over networks and chip knobs (search/search.hpp, docs/search.md).
#include "search/search.hpp"

#include <pagmo/algorithms/nsga2.hpp>
#include <pagmo/batch_evaluators/member_bfe.hpp>
#include <pagmo/bfe.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/utils/multi_objective.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "common/text.hpp"
#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "search/accuracy.hpp"
#include "search/front.hpp"
#include "sim/analytical.hpp"
#include "sim/deploy.hpp"
#include "sim/output_file.hpp"
#include "sim/report.hpp"
#include "sim/simulate.hpp"
#include "sim/spec_yaml.hpp"
#include "sim/subprocess.hpp"
#include "sim/sweep.hpp"
#include "workloads/darts.hpp"
#include "workloads/genotype.hpp"
#include "workloads/search_space.hpp"

namespace cimsim::search {

namespace fs = std::filesystem;
using json = nlohmann::json;
using sim::SweepError;
using workloads::Edge;
using workloads::Genotype;
using workloads::Primitive;

namespace {

// ---- the genes of each space -----------------------------------------------------------------------

constexpr int kDartsNodes = 4;          // intermediate nodes 2..5 of a cell
constexpr int kDartsOps = 7;            // the primitives but none
constexpr int kDartsFullOps = 8;        // none included
constexpr int kOfaResolutions = 25;     // 128, 132, ..., 224
constexpr int kOfaBlocks = 20;          // 5 stages x 4 block slots

// (a, b), a < b, the two states feeding a node with `states` earlier states, by index.
std::pair<int, int> input_pair(int states, int index) {
  for (int a = 0; a < states; ++a)
    for (int b = a + 1; b < states; ++b)
      if (index-- == 0) return {a, b};
  return {0, 1};
}
int pairs_of(int states) { return states * (states - 1) / 2; }

// Genes of one cell of the DARTS form: per node its input pair, then its two ops.
std::vector<int> darts_cell_bounds() {
  std::vector<int> b;
  for (int i = 0; i < kDartsNodes; ++i) {
    b.push_back(pairs_of(i + 2) - 1);
    b.push_back(kDartsOps - 1);
    b.push_back(kDartsOps - 1);
  }
  return b;
}
std::vector<Edge> darts_cell(const std::vector<int>& g, size_t& at) {
  std::vector<Edge> edges;
  for (int i = 0; i < kDartsNodes; ++i) {
    const auto [a, b] = input_pair(i + 2, g[at++]);
    const int op1 = g[at++] + 1, op2 = g[at++] + 1;  // skip none
    edges.push_back({Primitive(op1), a, i + 2});
    edges.push_back({Primitive(op2), b, i + 2});
  }
  return edges;
}
std::vector<Edge> darts_full_cell(const std::vector<int>& g, size_t& at) {
  std::vector<Edge> edges(workloads::edges_per_cell);
  for (int node = workloads::first_node; node <= workloads::last_node; ++node)
    for (int from = 0; from < node; ++from) edges[size_t(workloads::edge_index(from, node))] = {Primitive(g[at++]), from, node};
  return edges;
}

// A cell's edges in a canonical order: by node, then input, then op (the order DARTS lists a node's two
// edges in does not change the cell it describes).
std::vector<Edge> canonical(std::vector<Edge> edges) {
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    return std::tie(a.node, a.from, a.op) < std::tie(b.node, b.from, b.op);
  });
  return edges;
}

bool same_cells(const Genotype& a, const Genotype& b) {
  return canonical(a.normal) == canonical(b.normal) && canonical(a.reduce) == canonical(b.reduce) &&
         a.normal_concat == b.normal_concat && a.reduce_concat == b.reduce_concat;
}

// A built-in genotype equal to `g` (a published architecture the search found): its name, else "".
std::string known_name(const Genotype& g) {
  for (const auto& b : workloads::builtin_genotypes())
    if (same_cells(workloads::builtin_genotype(b.name), g)) return b.name;
  return "";
}

// ---- metrics: the same from both evaluators' JSON reports ----------------------------------------------

std::map<std::string, double> metrics_of(const json& j, int inputs) {
  return {{"latency_us", j["latency"]["ns"].get<double>() / 1e3},
          {"throughput_per_s", j["throughput_per_s"].get<double>()},
          {"energy_uj", j["energy_pj"]["total"].get<double>() / double(inputs) / 1e6},
          {"area_mm2", j["area_mm2"]["total"].get<double>()},
          {"power_mw", j["power_mw"].get<double>()},
          // an ADC below the lossless resolution of its column sums loses accuracy the model does not see
          {"adc_bits", j["adc"]["bits"].get<double>()},
          {"adc_lossless_bits", j["adc"]["lossless_bits"].get<double>()}};
}
const char* metric_key(Metric m) {
  switch (m) {
    case Metric::latency: return "latency_us";
    case Metric::throughput: return "throughput_per_s";
    case Metric::energy: return "energy_uj";
    case Metric::area: return "area_mm2";
    case Metric::power: return "power_mw";
    case Metric::accuracy: return "accuracy";
  }
  return "?";
}

std::string num(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

// ---- the engine: decoding, evaluating, caching ---------------------------------------------------------

class Engine {
 public:
  // Everything the spec names is loaded and checked here (errors at their place in the spec); nothing is
  // written. The accuracy source is opened by open_accuracy.
  Engine(const SearchSpec& spec, int jobs) : spec_(spec), jobs_(std::max(1, jobs)) {
    map_.mode = spec.mapping == "isaac" ? mapper::MappingMode::isaac : mapper::MappingMode::compiled;
    map_.crossbars = spec.crossbars;
    opt_.inputs = spec.inputs;
    // the base config, then every knob value on it alone (an error at the value)
    base_yaml_ = sim::spec_yaml::base_config_text(spec.hw, spec.hw_where.empty() ? spec.file + ":1:1" : spec.hw_where);
    try {
      base_hw_ = models::parse_hardware(base_yaml_, spec.hw);
      base_node_ = YAML::Load(base_yaml_);
    } catch (const YAML::Exception& e) {
      throw SweepError((spec.hw_where.empty() ? spec.file + ":1:1" : spec.hw_where) + ": hw: " + common::printable(e.what()));
    }
    for (const auto& k : spec.knobs)
      for (const auto& v : k.values) {
        if (k.key == kCrossbarBudgetKnob) continue;  // an integer, checked by the spec
        try {
          models::parse_hardware(sim::spec_yaml::config_with(base_node_, {{k.key, v}}), "<search knob>");
        } catch (const models::ConfigError& e) {
          std::string m = e.what();
          const size_t p = m.find(": ", std::string("<search knob>").size());
          if (m.rfind("<search knob>", 0) == 0 && p != std::string::npos) m = m.substr(p + 2);
          const bool names_key = m.find(k.key) != std::string::npos;  // the loader's message names it already
          throw SweepError(v.where + ": " + (names_key ? "" : k.key + " = " + common::printable(v.text, 80) + ": ") +
                           common::printable(m, 400));
        }
      }
    // networks named in the spec: resolved once (errors at their place)
    auto resolve = [&](const std::string& net, const std::string& where) {
      sim::WorkloadRequest r;
      r.net = net;
      try {
        return sim::resolve_workload(r);
      } catch (const workloads::NetworkError& e) {
        throw SweepError((where.empty() ? spec.file + ":1:1" : where) + ": " + common::printable(e.what(), 400));
      }
    };
    for (const auto& n : spec.networks) listed_.push_back(resolve(n.text, n.where));
    if (spec.space == Space::fixed) fixed_ = resolve(spec.network, spec.network_where);
    if (spec.deploy == "hypernet") {
      for (size_t i = 0; i < listed_.size(); ++i)
        if (!listed_[i].genotype)
          throw SweepError(spec.networks[i].where + ": " + common::printable(spec.networks[i].text, 80) +
                           " is not a DARTS genotype; allowed: with deploy hypernet, darts_v1, darts_v2, pdarts or a .genotype file");
      hypernet_ = sim::build_hypernet_chip(darts_, base_hw_, map_);
    }
    if (!spec.accuracy_table.empty()) accuracy_ = AccuracySource::table(spec.accuracy_table);
    bounds_ = gene_bounds(spec);
    for (size_t i = 0; i < bounds_.size(); ++i)
      if (bounds_[i] > 0) {
        active_.push_back(i);
        active_bounds_.push_back(bounds_[i]);
      }
  }

  // The accuracy command, its answers cached in `cache_path` ("" none); a table was read by the constructor.
  void open_accuracy(const std::string& cache_path) {
    if (!spec_.accuracy_command.empty())
      accuracy_ = AccuracySource::command(spec_.accuracy_command, spec_.accuracy_timeout_s, cache_path);
  }
  // The text that identifies what the spec evaluates: the base config's and the accuracy table's contents
  // (a resume or a merge refuses another).
  std::string inputs_text() const {
    return base_yaml_ + "\n" + (spec_.accuracy_table.empty() ? std::string() : sim::read_file(spec_.accuracy_table));
  }
  const std::vector<int>& bounds() const { return bounds_; }
  // The genes NSGA-II varies: those with a choice (a node with one input pair, a knob with one value has
  // none: NSGA-II refuses a bound range of zero). Their upper bounds, and a full gene vector from them.
  const std::vector<int>& active_bounds() const { return active_bounds_; }
  std::vector<int> full_genes(const std::vector<double>& active) const {
    std::vector<int> g(bounds_.size(), 0);
    for (size_t i = 0; i < active_.size() && i < active.size(); ++i) g[active_[i]] = int(std::lround(active[i]));
    return g;
  }
  const SearchSpec& spec() const { return spec_; }
  AccuracySource& accuracy() { return accuracy_; }
  long evaluations() const { return evaluations_; }
  double eval_s() const { return eval_s_; }

  // The outcomes of `xs` (cached ones from the cache), the rest on the threads.
  // `count`: add the new ones to evaluations() (a resumed population's are not: they were counted before).
  std::vector<Outcome> evaluate_all(const std::vector<std::vector<int>>& xs, bool count = true) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<size_t> todo;
    std::vector<Outcome> out(xs.size());
    {
      std::set<std::vector<int>> queued;
      for (size_t i = 0; i < xs.size(); ++i)
        if (!cache_.count(xs[i]) && queued.insert(xs[i]).second) todo.push_back(i);
    }
    std::vector<Outcome> fresh(todo.size());
    std::atomic<size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mu;
    auto worker = [&] {
      for (size_t k; (k = next.fetch_add(1)) < todo.size();) {
        try {
          fresh[k] = evaluate(xs[todo[k]]);
        } catch (...) {  // the accuracy command failed: the search stops with its error
          std::lock_guard<std::mutex> lock(failure_mu);
          if (!failure) failure = std::current_exception();
          next = todo.size();
        }
      }
    };
    std::vector<std::thread> threads;
    const int n = int(std::min<size_t>(size_t(jobs_), todo.size()));
    for (int t = 1; t < n; ++t) threads.emplace_back(worker);
    if (n > 0) worker();
    for (auto& t : threads) t.join();
    if (failure) std::rethrow_exception(failure);
    for (size_t k = 0; k < todo.size(); ++k) cache_.emplace(xs[todo[k]], std::move(fresh[k]));
    for (size_t i = 0; i < xs.size(); ++i) out[i] = cache_.at(xs[i]);
    if (count) evaluations_ += long(todo.size());
    eval_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }

  // A candidate's chip: its knobs' values (in the spec's order, as the spec wrote them), the config settings
  // among them and the crossbar budget (the spec's `crossbars` unless a knob picks it).
  struct Chip {
    std::vector<sim::SweepValue> values;
    std::vector<std::pair<std::string, sim::SweepValue>> settings;
    int crossbars = 0;
  };
  Chip chip_of(const std::vector<int>& g) const {
    Chip c;
    c.crossbars = spec_.crossbars;
    size_t at = g.size() - spec_.knobs.size();  // the knobs' genes close the vector
    for (const auto& k : spec_.knobs) {
      const sim::SweepValue& v = k.values[size_t(g[at++])];
      c.values.push_back(v);
      if (k.key == kCrossbarBudgetKnob) c.crossbars = std::stoi(v.text);
      else c.settings.push_back({k.key, v});
    }
    return c;
  }
  // The base config with the chip's settings, as YAML text.
  std::string config_text(const Chip& c) const { return sim::spec_yaml::config_with(base_node_, c.settings); }

  // One candidate, as described in search.hpp.
  Outcome evaluate(const std::vector<int>& g) const {
    Outcome o;
    size_t at = 0;
    sim::Workload w;
    std::optional<Genotype> genotype;
    try {
      decode_network(g, at, o, w, genotype);
    } catch (const workloads::NetworkError& e) {
      o.error = common::printable(e.what(), 400);
    }
    const Chip chip = chip_of(g);
    for (const auto& v : chip.values) o.knob_values.push_back(v.text);
    mapper::MapOptions map = map_;
    map.crossbars = chip.crossbars;
    if (o.error.empty()) {
      try {
        const models::HardwareSpec hw =
            chip.settings.empty() ? base_hw_ : models::parse_hardware(config_text(chip), "search candidate");
        const sim::Deployment d = hypernet_ ? sim::bind_genotype(*hypernet_, *genotype, darts_, hw, "candidate")
                                            : sim::deploy(w, darts_, hw, sim::Deploy::individual, map);
        sim::RunResult r = sim::evaluate(d.graph, hw, d.mapping, opt_);
        r.layer_results.clear();  // no metric reads them; most of to_json's time
        o.metrics = metrics_of(sim::to_json(r), spec_.inputs);
        o.ok = true;
      } catch (const models::ConfigError& e) {
        o.error = common::printable(e.what(), 400);
      } catch (const workloads::NetworkError& e) {
        o.error = common::printable(e.what(), 400);
      } catch (const mapper::MappingError& e) {
        o.error = common::printable(e.what(), 400);
      } catch (const sim::SimulationError& e) {
        o.error = common::printable(e.what(), 400);
      } catch (const std::bad_alloc&) {
        o.error = "out of memory: this machine has too little memory for the candidate (or for --jobs of them at once)";
      } catch (const std::exception& e) {  // a bug: the candidate fails, the search goes on and reports it
        o.error = "internal error: " + common::printable(e.what(), 300) + " (a bug: please report it with the spec)";
      }
    }
    if (o.ok && accuracy_.available()) o.accuracy = accuracy_.lookup({o.space, o.arch, o.name});
    score(o);
    return o;
  }

 private:
  void decode_network(const std::vector<int>& g, size_t& at, Outcome& o, sim::Workload& w,
                      std::optional<Genotype>& genotype) const {
    o.space = space_name(spec_.space);
    if (spec_.space == Space::fixed) {
      w = *fixed_;
      o.arch = o.name = w.graph.name;
      if (w.genotype) o.arch = workloads::to_string(*w.genotype);
      return;
    }
    if (!spec_.networks.empty()) {
      const size_t i = size_t(g[at++]);
      w = listed_[i];
      o.name = w.graph.name;  // a built-in's name, a file's stem: what an accuracy table names
      if (!w.genotype) o.space = "network";  // not a DARTS genotype: a listed network of its own
      o.arch = w.genotype ? workloads::to_string(Genotype{"", w.genotype->normal, w.genotype->reduce,
                                                          w.genotype->normal_concat, w.genotype->reduce_concat})
                          : o.name;
      genotype = w.genotype;
      return;
    }
    switch (spec_.space) {
      case Space::darts:
      case Space::darts_full: {
        Genotype gt;
        const bool full = spec_.space == Space::darts_full;
        gt.normal = full ? darts_full_cell(g, at) : darts_cell(g, at);
        gt.reduce = full ? darts_full_cell(g, at) : darts_cell(g, at);
        gt.normal_concat = gt.reduce_concat = {2, 3, 4, 5};
        o.arch = workloads::to_string(gt);
        o.name = known_name(gt);
        genotype = gt;
        if (!hypernet_) {
          w.graph = workloads::build_network_cifar(gt, darts_, "candidate");
          w.genotype = gt;
        }
        return;
      }
      case Space::ofa_mbv3: {
        workloads::OfaMbv3 a;
        a.resolution = 128 + 4 * g[at++];
        for (int& d : a.depths) d = 2 + g[at++];
        static constexpr int kernels[] = {3, 5, 7}, expands[] = {3, 4, 6};
        for (int& k : a.kernels) k = kernels[g[at++]];
        for (int& e : a.expands) e = expands[g[at++]];
        o.arch = workloads::to_string(a);
        w.graph = workloads::build_ofa_mbv3(a, 1000, "candidate");
        return;
      }
      case Space::vit: {
        workloads::VitArch a;
        a.depth = spec_.vit_depth[size_t(g[at++])];
        a.heads = spec_.vit_heads[size_t(g[at++])];
        a.width = spec_.vit_width[size_t(g[at++])];
        a.mlp_ratio_x10 = spec_.vit_mlp_x10[size_t(g[at++])];
        o.arch = workloads::to_string(a);
        w.graph = workloads::build_vit_arch(a, "candidate");
        return;
      }
      case Space::fixed: break;
    }
  }

  // Objectives and constraint violation (search.hpp).
  void score(Outcome& o) const {
    double v = 0;
    if (!o.ok) v = 1e6;
    auto value = [&o](Metric m) -> std::optional<double> {
      if (m == Metric::accuracy) return o.accuracy;
      return o.metrics.at(metric_key(m));
    };
    if (o.ok) {
      for (const auto& c : spec_.constraints) {
        const auto x = value(c.metric);
        if (!x) {
          v += 1;  // an accuracy the source does not know
          continue;
        }
        const double scale = std::max(std::abs(c.bound), 1e-12);
        v += c.at_most ? std::max(0.0, (*x - c.bound) / scale) : std::max(0.0, (c.bound - *x) / scale);
      }
      for (Metric m : spec_.objectives)
        if (!value(m)) v += 1;
    }
    o.violation = v;
    o.f.clear();
    for (Metric m : spec_.objectives) {
      if (v > 0) {
        o.f.push_back(kInfeasible * (1 + v));
        continue;
      }
      const double x = *value(m);
      o.f.push_back(m == Metric::throughput || m == Metric::accuracy ? -x : x);
    }
  }

  SearchSpec spec_;
  int jobs_;
  workloads::DartsOptions darts_;
  mapper::MapOptions map_;
  tiles::RunOptions opt_;
  std::string base_yaml_;
  YAML::Node base_node_;
  models::HardwareSpec base_hw_;
  std::vector<sim::Workload> listed_;
  std::optional<sim::Workload> fixed_;
  std::optional<sim::HypernetChip> hypernet_;
  mutable AccuracySource accuracy_ = AccuracySource::none();  // lookup() is thread-safe
  std::vector<int> bounds_, active_bounds_;
  std::vector<size_t> active_;
  std::map<std::vector<int>, Outcome> cache_;
  long evaluations_ = 0;
  double eval_s_ = 0;
};

std::vector<int> genes_of(const pagmo::vector_double& x) {
  std::vector<int> g(x.size());
  for (size_t i = 0; i < x.size(); ++i) g[i] = int(std::lround(x[i]));
  return g;
}

// The pagmo problem: integer genes, the objectives, fitness in batches on the engine's threads.
struct Problem {
  std::shared_ptr<Engine> engine;
  pagmo::vector_double fitness(const pagmo::vector_double& x) const {
    return engine->evaluate_all({engine->full_genes(x)}).front().f;
  }
  std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
    const auto& b = engine->active_bounds();
    return {pagmo::vector_double(b.size(), 0.0), pagmo::vector_double(b.begin(), b.end())};
  }
  pagmo::vector_double::size_type get_nobj() const { return engine->spec().objectives.size(); }
  pagmo::vector_double::size_type get_nix() const { return engine->active_bounds().size(); }
  pagmo::vector_double batch_fitness(const pagmo::vector_double& dvs) const {
    const size_t dim = engine->active_bounds().size();
    std::vector<std::vector<int>> xs;
    for (size_t i = 0; i + dim <= dvs.size(); i += dim)
      xs.push_back(engine->full_genes(pagmo::vector_double(dvs.begin() + std::ptrdiff_t(i), dvs.begin() + std::ptrdiff_t(i + dim))));
    pagmo::vector_double out;
    for (const Outcome& o : engine->evaluate_all(xs)) out.insert(out.end(), o.f.begin(), o.f.end());
    return out;
  }
  std::string get_name() const { return "cimsim co-design"; }
};

// ---- the search directory ------------------------------------------------------------------------------

void write(const fs::path& p, const std::string& text) {
  try {
    sim::write_output(p.string(), text);
  } catch (const std::runtime_error& e) {
    throw SweepError(common::printable(e.what()) + "; allowed: a writable search directory");
  }
}

uint64_t digest(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

bool feasible(const Outcome& o) { return o.ok && o.violation == 0; }

// What a candidate is, whatever genes gave it (genes a shallow OFA stage or a missing edge leave unused
// can differ for the same network): its architecture text and its knobs' values.
std::string candidate_key(const Outcome& o) {
  std::string k = o.arch;
  for (const auto& v : o.knob_values) k += '\x1f' + v;
  return k;
}

// The indices of the non-dominated points among `fs` (pagmo's sorting needs two points at least).
std::vector<pagmo::pop_size_t> first_front(const std::vector<pagmo::vector_double>& fs) {
  if (fs.size() < 2) return fs.empty() ? std::vector<pagmo::pop_size_t>{} : std::vector<pagmo::pop_size_t>{0};
  return std::get<0>(pagmo::fast_non_dominated_sorting(fs)).front();
}

struct Generation {
  int generation = 0;
  long evaluations = 0;
  int feasible = 0, front = 0;
  int failed = 0;          // candidates that did not map or evaluate
  std::string failure;     // the first one's error
  int infeasible = 0;      // evaluated, but a constraint is violated (or an accuracy asked for is unknown)
  std::vector<double> best;  // per objective, best feasible value in its unit (throughput, accuracy: the highest)
  double wall_s = 0;
};

Generation summarize(const SearchSpec& spec, int gen, long evals, const std::vector<Outcome>& pop, double wall) {
  Generation g;
  g.generation = gen;
  g.evaluations = evals;
  g.wall_s = wall;
  std::vector<pagmo::vector_double> fs_;
  std::set<std::string> seen;  // each candidate once, however many times the population holds it
  for (const auto& o : pop) {
    if (!seen.insert(candidate_key(o)).second) continue;
    if (feasible(o)) fs_.push_back(o.f);
    else if (o.ok) ++g.infeasible;
    if (!o.ok && g.failed++ == 0) g.failure = o.error;
  }
  g.feasible = int(fs_.size());
  g.front = int(first_front(fs_).size());
  for (size_t m = 0; m < spec.objectives.size(); ++m) {
    double best = std::numeric_limits<double>::quiet_NaN();
    for (const auto& f : fs_) best = std::isnan(best) ? f[m] : std::min(best, f[m]);
    const bool negated = spec.objectives[m] == Metric::throughput || spec.objectives[m] == Metric::accuracy;
    g.best.push_back(negated ? -best : best);
  }
  return g;
}

json generation_json(const Generation& g) {
  json j = {{"generation", g.generation}, {"evaluations", g.evaluations}, {"feasible", g.feasible},
            {"front", g.front},           {"wall_s", g.wall_s}};
  j["best"] = json::array();
  for (double b : g.best) j["best"].push_back(std::isnan(b) ? json(nullptr) : json(b));
  return j;
}

std::string progress_line(const SearchSpec& spec, const Generation& g, int generations) {
  std::string s = "search: generation " + std::to_string(g.generation) + "/" + std::to_string(generations) + ": " +
                  std::to_string(g.evaluations) + " evaluations; population: " + std::to_string(g.feasible) + " distinct feasible, front " +
                  std::to_string(g.front);
  for (size_t m = 0; m < spec.objectives.size(); ++m)
    if (!std::isnan(g.best[m]))
      s += std::string(", ") + (spec.objectives[m] == Metric::throughput || spec.objectives[m] == Metric::accuracy ? "max " : "min ") +
           metric_name(spec.objectives[m]) + " " + num(g.best[m]) + " " + metric_unit(spec.objectives[m]);
  if (g.infeasible > 0) s += ", " + std::to_string(g.infeasible) + " violate a constraint";
  if (g.failed > 0) s += ", " + std::to_string(g.failed) + " failed (" + common::printable(g.failure, 200) + ")";
  return s + " [" + num(g.wall_s) + " s]";
}

// front.csv from front.json: a row per front point, the knobs' values, accuracy, and each metric from
// both evaluators (the SystemC column empty where the point was not re-simulated).
std::string front_csv_text(const json& fj) {
  static const char* const cols[] = {"latency_us", "throughput_per_s", "energy_uj", "area_mm2", "power_mw", "adc_bits", "adc_lossless_bits"};
  std::string csv = "point,space,name,architecture";
  for (const auto& k : fj.at("knobs")) csv += "," + common::csv_field(k.get<std::string>());
  csv += ",accuracy";
  for (const char* c : cols) csv += std::string(",") + c + "_analytical," + c + "_systemc";
  csv += ",systemc_error\n";
  for (const auto& p : fj.at("front")) {
    csv += std::to_string(p.at("point").get<int>()) + "," + common::csv_field(p.at("space")) + "," + common::csv_field(p.at("name")) + "," +
           common::csv_field(p.at("architecture"));
    for (const auto& k : fj.at("knobs")) csv += "," + common::csv_field(p.at("hardware").at(k.get<std::string>()));
    csv += "," + (p.at("accuracy").is_null() ? std::string() : num(p.at("accuracy").get<double>()));
    for (const char* c : cols)
      csv += "," + num(p.at("analytical").at(c).get<double>()) + "," +
             (p.at("systemc").is_null() ? std::string() : num(p.at("systemc").at(c).get<double>()));
    csv += "," + common::csv_field(p.value("systemc_error", "")) + "\n";
  }
  return csv;
}

}  // namespace

void write_front(const fs::path& dir, const json& fj) {
  write(dir / "front.csv", front_csv_text(fj));
  write(dir / "front.json", fj.dump(2) + "\n");
}


std::vector<int> gene_bounds(const SearchSpec& spec) {
  std::vector<int> b;
  if (!spec.networks.empty()) {
    b.push_back(int(spec.networks.size()) - 1);
  } else {
    switch (spec.space) {
      case Space::darts:
        for (int c = 0; c < 2; ++c)
          for (int x : darts_cell_bounds()) b.push_back(x);
        break;
      case Space::darts_full: b.assign(2 * workloads::edges_per_cell, kDartsFullOps - 1); break;
      case Space::ofa_mbv3:
        b.push_back(kOfaResolutions - 1);
        for (int i = 0; i < 5; ++i) b.push_back(2);
        for (int i = 0; i < 2 * kOfaBlocks; ++i) b.push_back(2);
        break;
      case Space::vit:
        b.push_back(int(spec.vit_depth.size()) - 1);
        b.push_back(int(spec.vit_heads.size()) - 1);
        b.push_back(int(spec.vit_width.size()) - 1);
        b.push_back(int(spec.vit_mlp_x10.size()) - 1);
        break;
      case Space::fixed: break;
    }
  }
  for (const auto& k : spec.knobs) b.push_back(int(k.values.size()) - 1);
  return b;
}

Outcome evaluate_candidate(const SearchSpec& spec, const std::vector<double>& x) {
  Engine e(spec, 1);
  return e.evaluate(genes_of(x));
}

SearchSummary run_search(const SearchSpec& spec_in, const SearchOptions& o, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  SearchSpec spec = spec_in;
  if (o.population > 0) spec.population = o.population;
  if (o.generations > 0) spec.generations = o.generations;
  if (spec.population < 8 || spec.population % 4)
    throw SweepError("--population " + std::to_string(spec.population) + "; allowed: a multiple of 4, at least 8");
  // everything the spec names, checked before anything is written
  auto engine = std::make_shared<Engine>(spec, o.jobs);
  const std::vector<int>& bounds = engine->active_bounds();
  const size_t dim = bounds.size();
  if (dim == 0) throw SweepError(spec.file + ":1:1: the spec varies nothing; allowed: a network space or knobs");
  // the directory: made if absent; a search in it is continued only when asked
  const fs::path dir = fs::absolute(o.out);
  const fs::path checkpoint = dir / "checkpoint.json";
  std::error_code ec;
  const bool has_checkpoint = fs::exists(fs::symlink_status(checkpoint, ec));
  if (has_checkpoint && !o.resume)
    throw SweepError("--out " + common::printable(o.out) +
                     " holds a search (checkpoint.json); allowed: --resume to continue it, or a new --out");
  if (!has_checkpoint && o.resume)
    throw SweepError("--resume: " + common::printable(checkpoint.string()) + " does not exist; allowed: the --out of a search that ran");
  // what the run evaluates (the spec's text, the base config, the accuracy table) and how: a resume or a
  // merge refuses another
  const std::string spec_text = o.spec_path.empty() ? std::string() : sim::read_file(o.spec_path);
  const std::string search_digest =
      std::to_string(digest(spec_text + "\n" + engine->inputs_text() + "\npopulation=" + std::to_string(spec.population)));
  const std::string spec_digest = search_digest + "/" + std::to_string(o.island);
  json resumed;
  if (o.resume) {
    try {
      resumed = json::parse(sim::read_file(checkpoint.string()));
      if (resumed.at("spec_digest").get<std::string>() != spec_digest)
        throw SweepError("--resume: " + common::printable(checkpoint.string()) +
                         " was written for another spec, base config, accuracy table, population or island; allowed: "
                         "the same ones");
    } catch (const json::exception& e) {
      throw SweepError("--resume: " + common::printable(checkpoint.string()) + " is not a checkpoint (" +
                       common::printable(e.what(), 200) + "); allowed: the file a search wrote");
    }
  }
  sim::prepare_sweep_dir(o.out);
  engine->open_accuracy(spec.accuracy_command.empty() ? "" : (dir / "accuracy-cache.csv").string());
  log << "search: " << space_name(spec.space) << " space, " << regime_name(spec.regime) << ", " << dim << " genes, "
      << spec.objectives.size() << " objectives, population " << spec.population << ", " << spec.generations
      << " generations, accuracy: " << engine->accuracy().describe() << (engine->accuracy().available() ? "" : " (the hardware objectives alone)")
      << "\n";

  pagmo::problem prob{Problem{engine}};
  const uint64_t seed = spec.seed + uint64_t(o.island);  // island I of a Slurm run: seed + I
  pagmo::population pop(prob, 0u, unsigned(seed));
  std::vector<Generation> history;
  int gen0 = 0;
  auto outcomes_of = [&](const pagmo::population& p, bool count = true) {
    std::vector<std::vector<int>> xs;
    for (const auto& x : p.get_x()) xs.push_back(engine->full_genes(x));
    return engine->evaluate_all(xs, count);
  };
  double wall_before = 0;  // a resumed search's wall time before this process
  auto elapsed = [&] { return wall_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  auto save = [&](int gen) {
    json j = {{"version", 1}, {"spec_digest", spec_digest}, {"generation", gen}};
    j["population"] = json::array();
    for (size_t i = 0; i < pop.size(); ++i) j["population"].push_back({{"x", pop.get_x()[i]}, {"f", pop.get_f()[i]}});
    j["history"] = json::array();
    for (const auto& g : history) j["history"].push_back(generation_json(g));
    write(checkpoint, j.dump() + "\n");
    std::string csv = "generation,evaluations,feasible,front,wall_s";
    for (Metric m : spec.objectives) csv += std::string(",best_") + metric_name(m) + "_" + metric_unit(m);
    csv += "\n";
    for (const auto& g : history) {
      csv += std::to_string(g.generation) + "," + std::to_string(g.evaluations) + "," + std::to_string(g.feasible) + "," +
             std::to_string(g.front) + "," + num(g.wall_s);
      for (double b : g.best) csv += "," + (std::isnan(b) ? std::string() : num(b));
      csv += "\n";
    }
    write(dir / "history.csv", csv);
  };
  if (o.resume) {
    const json& j = resumed;
    try {
      gen0 = j.at("generation").get<int>();
      for (const auto& p : j.at("population")) {
        auto x = p.at("x").get<pagmo::vector_double>();
        auto f = p.at("f").get<pagmo::vector_double>();
        if (x.size() != dim || f.size() != spec.objectives.size()) throw SweepError("--resume: the checkpoint's genes do not fit the spec");
        pop.push_back(x, f);
      }
      for (const auto& g : j.at("history")) {
        Generation h;
        h.generation = g.at("generation").get<int>();
        h.evaluations = g.at("evaluations").get<long>();
        h.feasible = g.at("feasible").get<int>();
        h.front = g.at("front").get<int>();
        h.wall_s = g.at("wall_s").get<double>();
        for (const auto& b : g.at("best")) h.best.push_back(b.is_null() ? std::numeric_limits<double>::quiet_NaN() : b.get<double>());
        history.push_back(h);
      }
    } catch (const json::exception& e) {
      throw SweepError("--resume: " + common::printable(checkpoint.string()) + " is not a checkpoint (" +
                       common::printable(e.what(), 200) + "); allowed: the file a search wrote");
    }
    if (int(pop.size()) != spec.population) throw SweepError("--resume: the checkpoint's population differs from the spec's");
    // the restored population's outcomes (already counted before the stop: not counted again)
    outcomes_of(pop, false);
    if (!history.empty()) wall_before = history.back().wall_s;
    log << "search: resumed at generation " << gen0 << " from " << common::printable(checkpoint.string()) << "\n";
  } else {
    std::mt19937_64 rng(seed);
    std::vector<pagmo::vector_double> xs(size_t(spec.population), pagmo::vector_double(dim));
    std::vector<std::vector<int>> full;
    for (auto& x : xs) {
      for (size_t i = 0; i < dim; ++i) x[i] = std::uniform_int_distribution<int>(0, bounds[i])(rng);
      full.push_back(engine->full_genes(x));
    }
    const auto outs = engine->evaluate_all(full);
    for (size_t i = 0; i < xs.size(); ++i) pop.push_back(xs[i], outs[i].f);
    const long base = history.empty() ? 0 : history.back().evaluations;
    history.push_back(summarize(spec, 0, base + engine->evaluations(), outs, elapsed()));
    log << progress_line(spec, history.back(), spec.generations) << "\n";
    save(0);
  }
  const long evals_before = history.empty() ? 0 : history.back().evaluations - engine->evaluations();
  for (int g = gen0 + 1; g <= spec.generations; ++g) {
    pagmo::nsga2 algo(1u, 0.95, 10., 1.0 / double(dim), 20., unsigned((seed * 7919u + uint64_t(g)) & 0x7fffffffu));
    algo.set_bfe(pagmo::bfe{pagmo::member_bfe{}});
    pop = algo.evolve(pop);
    history.push_back(summarize(spec, g, evals_before + engine->evaluations(), outcomes_of(pop), elapsed()));
    log << progress_line(spec, history.back(), spec.generations) << "\n";
    save(g);
  }

  // the front: the feasible non-dominated candidates, each once
  SearchSummary sum;
  sum.generations = std::max(gen0, spec.generations);
  sum.accuracy_source = engine->accuracy().describe();
  const auto outs = outcomes_of(pop);
  std::vector<pagmo::vector_double> fs_;
  std::vector<size_t> idx;
  std::set<std::string> seen;
  for (size_t i = 0; i < pop.size(); ++i)
    if (feasible(outs[i]) && seen.insert(candidate_key(outs[i])).second) {
      fs_.push_back(outs[i].f);
      idx.push_back(i);
    }
  {
    for (auto k : first_front(fs_)) {
      FrontPoint p;
      p.x = pop.get_x()[idx[k]];
      p.analytical = outs[idx[k]];
      sum.front.push_back(p);
    }
  }
  std::sort(sum.front.begin(), sum.front.end(), [](const FrontPoint& a, const FrontPoint& b) {
    return a.analytical.f < b.analytical.f;
  });
  // SystemC re-simulation of up to `resimulate` points spread over the front (its order is by the first objective)
  std::vector<size_t> chosen;
  const size_t n = sum.front.size(), want = std::min(n, size_t(spec.resimulate));
  for (size_t k = 0; k < want; ++k) {
    const size_t i = want == 1 ? 0 : k * (n - 1) / (want - 1);
    if (chosen.empty() || chosen.back() != i) chosen.push_back(i);
  }
  std::vector<sim::Job> jobs;
  const std::string self = o.self.empty() ? sim::self_executable() : o.self;
  for (size_t c = 0; c < chosen.size(); ++c) {
    FrontPoint& p = sum.front[chosen[c]];
    const fs::path pd = dir / "front" / std::to_string(chosen[c]);
    fs::create_directories(pd, ec);
    p.dir = pd.string();
    // the knobs' values as the spec wrote them (a list stays a list); the crossbar budget is an option
    const auto g = engine->full_genes(p.x);
    const Engine::Chip chip = engine->chip_of(g);
    const int budget = chip.crossbars;
    write(pd / "hw.yaml", engine->config_text(chip));
    std::string net = p.analytical.name.empty() ? p.analytical.arch : p.analytical.name;
    if (spec.space == Space::fixed) net = spec.network;
    else if (!spec.networks.empty()) net = spec.networks[size_t(g[0])].text;
    else if (spec.space == Space::darts || spec.space == Space::darts_full) {
      write(pd / "net.genotype", p.analytical.arch + "\n");
      net = (pd / "net.genotype").string();
    }
    sim::Job job;
    job.argv = {self, "run", "--hw", (pd / "hw.yaml").string(), "--net", net, "--mapping", spec.mapping,
                "--inputs", std::to_string(spec.inputs), "--json", (pd / "systemc.json").string()};
    if (spec.deploy == "hypernet") job.argv.insert(job.argv.end(), {"--deploy", "hypernet"});
    if (budget > 0) job.argv.insert(job.argv.end(), {"--crossbars", std::to_string(budget)});
    {  // the exact command, to rerun the point by hand
      std::string cmd;
      for (const auto& a : job.argv) cmd += (cmd.empty() ? "" : " ") + sim::shell_quote(a);
      write(pd / "command", cmd + "\n");
    }
    job.stdout_path = (pd / "stdout.txt").string();
    job.stderr_path = (pd / "stderr.txt").string();
    jobs.push_back(job);
  }
  if (!jobs.empty()) {
    log << "search: re-simulating " << jobs.size() << " front point(s) with SystemC\n";
    sim::run_jobs(jobs, std::max(1, o.jobs));
  }
  for (size_t c = 0; c < chosen.size(); ++c) {
    FrontPoint& p = sum.front[chosen[c]];
    if (jobs[c].exit_code != 0) {
      p.systemc_error = "exit " + std::to_string(jobs[c].exit_code) + ": " + common::printable(sim::child_error(jobs[c].stderr_path), 400);
      continue;
    }
    try {
      p.systemc = metrics_of(json::parse(sim::read_file((fs::path(p.dir) / "systemc.json").string())), spec.inputs);
      p.simulated = true;
    } catch (const json::exception& e) {
      p.systemc_error = std::string("unreadable report: ") + e.what();
    }
  }

  // front.json, and front.csv from it
  json fj = {{"spec", spec.file},
             {"space", space_name(spec.space)},
             {"regime", regime_name(spec.regime)},
             {"deploy", spec.deploy},
             {"hw", spec.hw},
             {"population", spec.population},
             {"generations", sum.generations},
             {"seed", spec.seed + uint64_t(o.island)},
             {"accuracy_source", sum.accuracy_source}};
  fj["objectives"] = json::array();
  for (Metric m : spec.objectives) fj["objectives"].push_back(metric_name(m));
  fj["knobs"] = json::array();
  for (const auto& k : spec.knobs) fj["knobs"].push_back(k.key);
  fj["front"] = json::array();
  for (size_t i = 0; i < sum.front.size(); ++i) {
    const FrontPoint& p = sum.front[i];
    const Outcome& a = p.analytical;
    json pj = {{"point", i}, {"space", a.space}, {"name", a.name}, {"architecture", a.arch}, {"f", a.f}};
    pj["hardware"] = json::object();
    for (size_t k = 0; k < spec.knobs.size(); ++k) pj["hardware"][spec.knobs[k].key] = a.knob_values[k];
    pj["accuracy"] = a.accuracy ? json(*a.accuracy) : json(nullptr);
    pj["analytical"] = a.metrics;
    pj["systemc"] = p.simulated ? json(p.systemc) : json(nullptr);
    if (!p.systemc_error.empty()) pj["systemc_error"] = p.systemc_error;
    if (!p.dir.empty()) pj["dir"] = p.dir;
    fj["front"].push_back(pj);
  }
  sum.evaluations = history.empty() ? 0 : history.back().evaluations;  // all generations, resumed ones too
  sum.eval_s = engine->eval_s();
  sum.wall_s = elapsed();
  fj["evaluations"] = sum.evaluations;
  fj["search_digest"] = search_digest;  // the same for the islands of one search (search merge checks it)
  fj["wall_s"] = sum.wall_s;
  write_front(dir, fj);
  const auto lossy = std::count_if(sum.front.begin(), sum.front.end(), [](const FrontPoint& p) {
    return p.analytical.metrics.at("adc_bits") < p.analytical.metrics.at("adc_lossless_bits");
  });
  if (lossy > 0)
    log << "search: warning: " << lossy << " front point(s) have an ADC below the lossless resolution of their column "
        << "sums (adc_bits < adc_lossless_bits in front.json): the accuracy they lose is not in cimsim's figures; "
           "let the accuracy source account for it, or keep adc.bits: auto\n";
  log << "search: front of " << sum.front.size() << " point(s) in " << (dir / "front.csv").string() << " and front.json; "
      << sum.evaluations << " evaluations in " << num(sum.wall_s) << " s\n";
  return sum;
}

}  // namespace cimsim::search
