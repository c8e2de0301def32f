// The cimsim command line: run, map, list.
// Bad input (config, network, mapping, options) is one line on stderr and exit code 2, with no output
// file written; outputs are written only after the run succeeded, each atomically.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <set>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <string>
#include <systemc>

#include "common/text.hpp"
#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "models/limits.hpp"
#include "search/accuracy.hpp"
#include "search/search.hpp"
#include "sim/compare.hpp"
#include "sim/deploy.hpp"
#include "sim/report.hpp"
#include "sim/analytical.hpp"
#include "sim/simulate.hpp"
#include "sim/trace_json.hpp"
#include "sim/sweep.hpp"
#include "sim/sweep_spec.hpp"
#include "sim/vcd.hpp"
#include "workloads/builtins.hpp"
#include "workloads/loader.hpp"
#include "workloads/onnx_writer.hpp"

namespace fs = std::filesystem;
using namespace cimsim;

namespace {

// SystemC prints its banner when its kernel starts, before sc_main: switch it off that early.
const bool banner_off = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;

// An error is one line on stderr, whatever the message quotes: control characters escaped, at most this
// many bytes of message (a 144 KB name would otherwise flood the terminal).
constexpr std::size_t kMaxErrorChars = 600;

int report_error(const std::exception& e, int code) {
  std::cerr << "cimsim: error: " << common::printable(e.what(), kMaxErrorChars) << '\n';
  return code;
}

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Common {
  std::string hw = "default";
  sim::WorkloadRequest workload;
  std::string deploy = "individual";
  bool chip_auto = false;
  std::string mapping = "compiled";
  int crossbars = 0;
  std::string placement = "packed";
  int spread_tiles = 0;
  bool strict = false;
};

// The built-in chips, for --help: "default, edge-rram, isaac, rnc-box".
std::string builtin_chips() {
  std::string s;
  for (const auto& h : models::builtin_hardware_names()) s += (s.empty() ? "" : ", ") + h;
  return s;
}

void add_darts_options(CLI::App* cmd, workloads::DartsOptions& d) {
  cmd->add_option("--darts-c", d.c, "DARTS networks: initial channels C")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--darts-layers", d.layers, "DARTS networks: cells")->check(CLI::Range(3, 200))->capture_default_str();
  cmd->add_option("--classes", d.classes, "DARTS networks: classes")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--input-size", d.input_size, "DARTS networks: input height and width")
      ->check(CLI::Range(4, 4096))
      ->capture_default_str();
}

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("--hw", c.hw, "hardware config: a YAML file or a built-in (" + builtin_chips() + ")")
      ->capture_default_str();
  cmd->add_option("--net", c.workload.net,
                  "network: a built-in (cimsim list), a .yaml network, a NeuroSim .csv, a .genotype or an "
                  ".onnx file")
      ->capture_default_str();
  cmd->add_option("--genotype", c.workload.genotype_text,
                  "a DARTS genotype as the DARTS code prints it: \"Genotype(normal=[...], ...)\"");
  cmd->add_option("--deploy", c.deploy,
                  "individual (a chip holding this network) or hypernet (the all-inclusive DARTS "
                  "hypernetwork chip, this genotype selected by switch settings)")
      ->check(CLI::IsMember({"individual", "hypernet"}))
      ->capture_default_str();
  cmd->add_flag("--chip-auto", c.chip_auto, "size the chip to the mapping, whatever tile count the config names");
  cmd->add_option("--mapping", c.mapping,
                  "compiled (packing, duplication within the budget, pipeline-order placement) or isaac "
                  "(each layer on its own crossbars)")
      ->check(CLI::IsMember({"compiled", "isaac"}))
      ->capture_default_str();
  cmd->add_option("--crossbars", c.crossbars,
                  "crossbar budget: a chip of this many crossbars (compiled: duplicates layers into it)")
      ->check(CLI::Range(1, 100000000));
  cmd->add_option("--placement", c.placement,
                  "packed (crossbars fill tiles in order: the fewest tiles) or spread (the same crossbars dealt "
                  "evenly over more tiles: --spread-tiles N, or for a DARTS genotype the tiles it occupies on "
                  "the hypernetwork chip)")
      ->check(CLI::IsMember({"packed", "spread"}))
      ->capture_default_str();
  cmd->add_option("--spread-tiles", c.spread_tiles, "--placement spread: the tiles to deal the crossbars over")
      ->check(CLI::Range(1, int(models::limits::kMaxChipTiles)));
  cmd->add_flag("--strict", c.strict,
                "refuse an ADC below the lossless resolution of its column sums (adc.lossless_bits) instead of "
                "warning");
  add_darts_options(cmd, c.workload.darts);
}

// An ADC below the lossless resolution of its column sums: a warning on stderr, or with --strict a
// ConfigError (exit 2) at the adc.bits value.
void check_adc(const models::HardwareSpec& hw, const std::string& hw_name, bool strict) {
  if (hw.adc.bits >= hw.adc.lossless_bits) return;
  const auto src = hw.sources.find("adc.bits");
  const std::string at = src != hw.sources.end() && src->second.find(':') != std::string::npos
                             ? common::printable(src->second.substr(0, src->second.find(' ')), 200)
                             : common::printable(hw_name, 200);
  const std::string what = at + ": adc.bits = " + std::to_string(hw.adc.bits) + " is below the lossless " +
                           std::to_string(hw.adc.lossless_bits) + " bits of " + std::to_string(hw.crossbar.rows) +
                           " rows x " + std::to_string(hw.summed_cell_bits()) +
                           "-bit cells x " + std::to_string(hw.summed_input_bits()) +
                           "-bit DAC inputs";
  if (strict)
    throw models::ConfigError(what + "; allowed with --strict: adc.bits >= " + std::to_string(hw.adc.lossless_bits) +
                              ", or adc.bits: auto");
  std::cerr << "cimsim: warning: " << what << ": column sums are truncated (--strict refuses this)\n";
}

// The config, the workload and its deployment, in that order: any bad input is reported before
// anything runs.
struct Prepared {
  models::HardwareSpec hw;
  sim::Deployment deployment;
};
Prepared prepare(const Common& c) {
  models::HardwareSpec hw = models::load_hardware(c.hw);
  if (c.chip_auto) hw.chip.auto_size = true;
  check_adc(hw, c.hw, c.strict);
  const sim::Workload w = sim::resolve_workload(c.workload);
  mapper::MapOptions map;
  map.mode = c.mapping == "isaac" ? mapper::MappingMode::isaac : mapper::MappingMode::compiled;
  map.crossbars = c.crossbars;
  map.placement = c.placement == "spread" ? mapper::PlacementMode::spread : mapper::PlacementMode::packed;
  map.spread_tiles = c.spread_tiles;
  if (c.spread_tiles > 0 && map.placement != mapper::PlacementMode::spread)
    throw UsageError("--spread-tiles " + std::to_string(c.spread_tiles) + ": allowed with --placement spread only");
  sim::Deployment d = sim::deploy(w, c.workload.darts, hw, sim::deploy_from_name(c.deploy), map);
  return {std::move(hw), std::move(d)};
}

// What a run or map reads: the config file and the network file, if they are files.
sim::OutputPlan plan_for(const Common& c) {
  sim::OutputPlan plan;
  plan.input(c.hw);
  plan.input(c.workload.net);
  return plan;
}

int cmd_run(const Common& c, const std::string& dataflow, int inputs, double quantum_ns,
            const std::string& json_out, const std::string& csv_dir, const std::string& vcd_out,
            const std::string& trace_out, bool quiet, double max_sim_time_ms, const std::string& mode) {
  const bool analytical = mode == "analytical";
  if (analytical && (!vcd_out.empty() || !trace_out.empty()))
    throw UsageError(std::string(!vcd_out.empty() ? "--vcd" : "--trace") +
                     ": waveforms and traces come from the event-driven run; allowed with --mode systemc only");
  sim::OutputPlan plan = plan_for(c);
  plan.output(json_out, "--json");
  plan.output(vcd_out, "--vcd");
  // --vcd F also writes F.gtkw (a GTKWave save file) and F.layers.txt (its layer names) beside F
  const bool gtkw = !vcd_out.empty() && sim::gtkw_wanted(vcd_out);
  const std::string gtkw_out = gtkw ? vcd_out + sim::kGtkwSuffix : "";
  const std::string layers_out = gtkw ? vcd_out + sim::kLayerFilterSuffix : "";
  const sim::GtkwFiles gtkw_files = gtkw ? sim::gtkw_files(vcd_out) : sim::GtkwFiles{};
  plan.output(gtkw_out, "--vcd (F.gtkw)");
  plan.output(layers_out, "--vcd (F.layers.txt)");
  plan.output(trace_out, "--trace");
  const fs::path csv(csv_dir);
  if (!csv_dir.empty()) {
    plan.output_dir(csv_dir, "--csv");
    plan.output((csv / "layers.csv").string(), "--csv (layers.csv)");
    plan.output((csv / "components.csv").string(), "--csv (components.csv)");
  }
  const Prepared p = prepare(c);
  const models::HardwareSpec& hw = p.hw;
  const workloads::Graph& graph = p.deployment.graph;
  const mapper::Mapping& mapping = p.deployment.mapping;
  tiles::RunOptions opt;
  opt.dataflow = dataflow == "pipelined" ? tiles::Dataflow::pipelined : tiles::Dataflow::layer_by_layer;
  opt.inputs = inputs;
  opt.quantum_ns = quantum_ns;
  opt.max_sim_ns = max_sim_time_ms * 1e6;
  sim::TraceData trace;
  const bool traced = !vcd_out.empty() || !trace_out.empty();
  const sim::RunResult r = analytical ? sim::evaluate(graph, hw, mapping, opt)
                                      : sim::simulate(graph, hw, mapping, opt, traced ? &trace : nullptr);
  if (!quiet) sim::print_table(std::cout, r);
  if (!json_out.empty()) {
    nlohmann::json j = sim::to_json(r);
    if (mapping.placement != mapper::placement_name(mapper::PlacementMode::packed)) {  // absent: packed
      j["mapping"]["placement"] = mapping.placement;
      j["mapping"]["spread_tiles"] = mapping.tiles_used;
    }
    sim::write_output(json_out, sim::json_text(j));
  }
  if (!csv_dir.empty()) {
    std::error_code ec;
    fs::create_directories(csv, ec);
    if (ec) throw sim::OutputError(csv_dir + ": cannot create the directory: " + ec.message());
    sim::write_output((csv / "layers.csv").string(), sim::layers_csv(r));
    sim::write_output((csv / "components.csv").string(), sim::components_csv(r));
  }
  std::vector<std::string> names;
  for (const auto& l : graph.layers) names.push_back(l.name);
  if (!vcd_out.empty()) {
    const auto signals = sim::vcd_signals(trace);
    sim::write_output(vcd_out, sim::vcd_text(signals, names));
    if (gtkw) {
      sim::write_output(layers_out, sim::layer_filter_text(names));
      sim::write_output(gtkw_out, sim::gtkw_text(signals, gtkw_files));
    }
  }
  if (!trace_out.empty()) sim::write_output(trace_out, sim::trace_json(trace, names, r));
  if (!quiet) {
    if (!json_out.empty()) std::cout << "\n  json         " << json_out << '\n';
    if (!csv_dir.empty()) std::cout << "  csv          " << csv_dir << "/{layers,components}.csv\n";
    if (!vcd_out.empty()) std::cout << "  vcd          " << vcd_out << " (open with gtkwave)\n";
    if (gtkw) std::cout << "  gtkw         " << gtkw_out << " (open with: gtkwave " << gtkw_out << ")\n";
    if (!trace_out.empty()) std::cout << "  trace        " << trace_out << " (open in ui.perfetto.dev)\n";
  }
  return 0;
}

int cmd_map(const Common& c, const std::string& json_out) {
  plan_for(c).output(json_out, "--json");
  const Prepared p = prepare(c);
  const models::HardwareSpec& hw = p.hw;
  const workloads::Graph& graph = p.deployment.graph;
  const mapper::Mapping& mapping = p.deployment.mapping;
  sim::print_mapping(std::cout, graph, hw, mapping);
  if (!json_out.empty()) sim::write_output(json_out, sim::json_text(sim::mapping_json(graph, hw, mapping)));
  return 0;
}

struct CompareArgs {
  sim::CompareRequest request;
  std::string nets = "darts_v1,darts_v2,pdarts";
  std::string json_out, csv_out;
  bool quiet = false;
  bool strict = false;
};

int cmd_compare(CompareArgs& a) {
  // validate everything here, before any simulation starts
  std::stringstream list(a.nets);
  for (std::string n; std::getline(list, n, ',');)
    if (!n.empty()) a.request.nets.push_back(n);
  sim::OutputPlan plan;
  plan.input(a.request.hw);
  for (const auto& n : a.request.nets) plan.input(n);
  plan.output(a.json_out, "--json");
  plan.output(a.csv_out, "--csv");
  const models::HardwareSpec hw = models::load_hardware(a.request.hw);
  check_adc(hw, a.request.hw, a.strict);
  if (a.request.nets.empty() && a.request.genotypes.empty()) throw UsageError("--nets: give at least one network");
  for (const auto& n : a.request.nets) {
    sim::WorkloadRequest w;
    w.net = n;
    w.darts = a.request.darts;
    if (!sim::resolve_workload(w).genotype)
      throw UsageError("--nets " + n + ": compare takes DARTS genotypes (darts_v1, darts_v2, pdarts, .genotype files)");
  }
  for (const auto& g : a.request.genotypes) {
    sim::WorkloadRequest w;
    w.genotype_text = g;
    w.darts = a.request.darts;
    sim::resolve_workload(w);
  }
  const std::string sharing = hw.hypernet.sharing == models::Sharing::shared ? "shared" : "none";
  const sim::CompareResult result = sim::run_compare(a.request);
  if (!a.quiet) sim::print_compare(std::cout, result, hw.name + ", " + a.request.mapping + " mapping", sharing);
  if (!a.json_out.empty()) sim::write_output(a.json_out, sim::json_text(sim::compare_json(result, hw.name, sharing)));
  if (!a.csv_out.empty()) sim::write_output(a.csv_out, sim::compare_csv(result));
  return 0;
}

int cmd_export(const Common& c, const std::string& onnx_out) {
  sim::OutputPlan plan = plan_for(c);
  plan.output(onnx_out, "--onnx");
  const sim::Workload w = sim::resolve_workload(c.workload);
  std::string bytes;
  if (!workloads::to_onnx(w.graph).SerializeToString(&bytes))
    throw UsageError(onnx_out + ": the model does not serialize as ONNX (over protobuf's 2 GB limit?)");
  sim::write_output(onnx_out, bytes);
  std::cout << "cimsim export: " << w.graph.name << " (" << w.graph.layers.size() - 1 << " layers, "
            << w.graph.weights() << " weights) -> " << onnx_out << '\n';
  return 0;
}

struct SweepArgs {
  std::string spec, out, shard, merge_dir, mode = "systemc";
  int jobs = 1, shards = 0;
  bool retry_failed = false, slurm = false, submit = false;
};

struct SearchArgs {
  std::string spec, out, merge_dir;
  int jobs = 1, population = 0, generations = 0, island = 0, islands = 4;
  bool resume = false, slurm = false, submit = false, islands_given = false;
};

int cmd_search(const SearchArgs& a) {
  if (a.spec.empty()) throw UsageError("search: give a spec file (cimsim search SPEC --out DIR)");
  if (a.out.empty()) throw UsageError("search: --out DIR is required");
  if (!a.slurm && (a.islands_given || a.submit))
    throw UsageError("search: --islands and --submit go with --slurm (cimsim search SPEC --out DIR --slurm --islands N)");
  if (a.slurm && (a.resume || a.island > 0))
    throw UsageError("search: --slurm writes a new job array (its tasks resume themselves); allowed: --slurm without "
                     "--resume or --island");
  const search::SearchSpec spec = search::load_search_spec(a.spec);
  if (a.slurm) {  // a job array of islands instead of running here
    std::error_code ec;
    if (fs::exists(fs::symlink_status(fs::path(a.out) / "search.sbatch", ec)))
      throw UsageError("search: " + common::printable(a.out) + " already holds a Slurm search (search.sbatch); allowed: "
                       "a new --out (submit the script there again with sbatch to rerun unfinished islands)");
    sim::prepare_sweep_dir(a.out);
    sim::prepare_sweep_dir((fs::path(a.out) / "slurm").string());
    sim::prepare_sweep_dir((fs::path(a.out) / "islands").string());
    const std::string script = (fs::path(a.out) / "search.sbatch").string();
    sim::write_output(script, search::search_slurm_script(a.spec, a.out, a.islands, a.jobs, a.population, a.generations));
    std::cout << "cimsim search: " << a.islands << " islands as array tasks: " << sim::shell_quote(script) << '\n';
    if (a.submit) sim::submit_slurm(script);
    else std::cout << "submit with: sbatch " << sim::shell_quote(script) << "   (or: cimsim search SPEC --out DIR --slurm --submit)\n";
    std::cout << "then: cimsim search merge " << sim::shell_quote(a.out) << '\n';
    return 0;
  }
  // nothing the search writes may be one of the files it reads
  sim::OutputPlan plan;
  plan.input(a.spec);
  plan.input(spec.hw);
  plan.input(spec.network);
  plan.input(spec.accuracy_table);
  for (const auto& n : spec.networks) plan.input(n.text);
  plan.output_dir(a.out, "--out");
  for (const char* f : {"front.csv", "front.json", "checkpoint.json", "history.csv", "accuracy-cache.csv"})
    plan.output((fs::path(a.out) / f).string(), std::string("--out (") + f + ")");
  search::SearchOptions o;
  o.out = a.out;
  o.jobs = a.jobs;
  o.population = a.population;
  o.generations = a.generations;
  o.resume = a.resume;
  o.spec_path = a.spec;
  o.island = a.island;
  const search::SearchSummary s = search::run_search(spec, o, std::cerr);
  std::cout << "cimsim search: " << common::count_of(int(s.front.size()), "front point") << ", "
            << s.evaluations << " evaluations in " << s.wall_s << " s: " << common::printable(a.out)
            << "/front.csv, front.json, history.csv\n";
  return 0;
}

int cmd_sweep(const SweepArgs& a) {
  if (a.spec.empty()) throw UsageError("sweep: give a spec file (cimsim sweep SPEC --out DIR)");
  if (a.out.empty()) throw UsageError("sweep: --out DIR is required");
  sim::SweepOptions o;
  o.out = a.out;
  o.jobs = a.jobs;
  o.evaluator = a.mode;
  o.retry_failed = a.retry_failed;
  o.tty = isatty(STDERR_FILENO) != 0;
  if (!a.shard.empty()) {
    std::tie(o.shard, o.shards) = sim::parse_shard(a.shard);
  }
  const sim::SweepSpec spec = sim::load_sweep_spec(a.spec);
  // nothing the sweep writes may be one of the files it reads (the spec, its base config, its networks)
  sim::OutputPlan plan;
  plan.input(a.spec);
  plan.input(spec.hw);  // the spec's relative paths are already resolved against its directory
  for (const auto& n : spec.nets) plan.input(n.text);
  plan.output_dir(a.out, "--out");
  for (const char* f : {"results.sqlite", "results.csv", "results.jsonl", "sweep.sbatch"})
    plan.output((fs::path(a.out) / f).string(), std::string("--out (") + f + ")");
  const auto points = sim::sweep_points(spec);  // validates every point before anything runs
  if (a.slurm) {
    const int shards = a.shards > 0 ? a.shards : std::min<int>(int(points.size()), 16);
    sim::prepare_sweep_dir(a.out);
    sim::prepare_sweep_dir((fs::path(a.out) / "slurm").string());
    const std::string script = (fs::path(a.out) / "sweep.sbatch").string();
    sim::write_output(script, sim::slurm_script(spec, a.spec, a.out, shards, a.jobs, a.mode));
    std::cout << "cimsim sweep: " << points.size() << " points in " << shards << " array tasks: " << sim::shell_quote(script) << '\n';
    if (a.submit) sim::submit_slurm(script);
    else std::cout << "submit with: sbatch " << sim::shell_quote(script) << "   (or: cimsim sweep SPEC --out DIR --slurm --submit)\n";
    return 0;
  }
  const auto sum = sim::run_sweep(spec, points, o, std::cerr);
  std::cout << "cimsim sweep: " << spec.name << ": " << sum.points << (sum.points == 1 ? " point" : " points") << (o.shards > 1 ? " in this shard" : "")
            << ": " << sum.ok << " ok, " << sum.failed << " failed (" << sum.ran << " ran now, " << sum.skipped
            << " already done, " << sum.retried << " retried); results in " << common::printable(a.out)
            << (o.shards > 1 ? "/shards (merge with: cimsim sweep merge DIR)" : "/results.{sqlite,csv,jsonl}") << '\n';
  return sum.failed > 0 ? sim::kSweepExitPointsFailed : 0;
}

int cmd_list() {
  // A DARTS network is listed once, under the genotypes (it is one: --deploy hypernet and compare take it).
  std::set<std::string> genotypes;
  size_t w = 0;
  for (const auto& g : workloads::builtin_genotypes()) {
    genotypes.insert(g.name);
    w = std::max(w, std::strlen(g.name));
  }
  for (const auto& b : workloads::builtin_networks()) w = std::max(w, std::strlen(b.name));
  for (const auto& h : models::builtin_hardware_names()) w = std::max(w, h.size());
  auto line = [&](const std::string& name, const std::string& what) {
    std::cout << "  " << std::left << std::setw(int(w) + 2) << name << what << '\n';
  };
  std::cout << "networks (--net NAME):\n";
  for (const auto& b : workloads::builtin_networks())
    if (!genotypes.count(b.name)) line(b.name, b.description);
  std::cout << "DARTS genotypes (--net NAME, --deploy individual|hypernet, compare --nets; NetworkCIFAR, C = 36, "
               "20 cells unless --darts-c/--darts-layers):\n";
  for (const auto& g : workloads::builtin_genotypes()) line(g.name, g.description);
  std::cout << "hardware configs (--hw NAME; the YAML is configs/NAME.yaml):\n";
  for (const auto& h : models::builtin_hardware_names()) line(h, models::load_hardware(h).description);
  return 0;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  CLI::App app{"cimsim: cycle-approximate SystemC/TLM simulator of memristive compute-in-memory chips"};
  app.set_version_flag("--version", std::string("cimsim ") + CIMSIM_VERSION);
  app.require_subcommand(1);
  Common common;
  std::string dataflow = "pipelined", json_out, csv_dir, vcd_out, trace_out;
  int inputs = 1;
  double quantum_ns = 1000.0;
  double max_sim_time_ms = models::limits::kDefaultMaxSimTimeMs;
  bool quiet = false;
  std::string run_mode = "systemc";

  auto* run = app.add_subcommand("run", "simulate a network on a chip: latency, energy, power, area");
  add_common(run, common);
  run->add_option("--dataflow", dataflow, "layer_by_layer or pipelined (ISAAC-style)")
      ->check(CLI::IsMember({"layer_by_layer", "pipelined"}))
      ->capture_default_str();
  run->add_option("--inputs", inputs, "a stream of N inputs: latency of the first, and throughput")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  run->add_option("--json", json_out, "write the JSON report here");
  run->add_option("--csv", csv_dir, "write layers.csv and components.csv into this directory");
  run->add_option("--vcd", vcd_out,
                  "write a VCD waveform here, and beside it F.gtkw and F.layers.txt: open with gtkwave F.gtkw");
  run->add_option("--trace", trace_out, "write a Perfetto / Chrome trace (JSON) here (ui.perfetto.dev)");
  run->add_option("--quantum-ns", quantum_ns, "temporal decoupling quantum")
      ->check(CLI::Validator(
          [](std::string& v) {
            try {
              return std::stod(v) > 0 ? std::string() : std::string("must be > 0 (ns)");
            } catch (const std::exception&) {
              return std::string("must be a number > 0 (ns)");
            }
          },
          "NS > 0", "positive"))
      ->capture_default_str();
  run->add_flag("-q,--quiet", quiet, "no terminal table");
  run->add_option("--mode", run_mode,
                  "systemc (the event-driven SystemC/TLM model) or analytical (the same transactions replayed in "
                  "process without SystemC, a few times faster; docs/analytical.md)")
      ->check(CLI::IsMember({"systemc", "analytical"}))
      ->capture_default_str();
  run->add_option("--max-sim-time-ms", max_sim_time_ms,
                  "stop the run with an error when simulated time passes this (ms of simulated time)")
      ->check(CLI::Validator(
          [](std::string& v) {  // CLI::Range lets nan through (every comparison with it is false)
            double ms = 0;
            try {
              ms = std::stod(v);
            } catch (const std::exception&) {
              ms = -1;
            }
            return ms > 0 && ms <= models::limits::kMaxMaxSimTimeMs
                       ? std::string()
                       : "must be a number of ms in (0, " +
                             std::to_string(static_cast<long long>(models::limits::kMaxMaxSimTimeMs)) + "]";
          },
          "MS in (0, 4e9]", "max-sim-time"))
      ->capture_default_str();

  std::string map_json;
  auto* map = app.add_subcommand("map", "map a network onto a chip and print the mapping (no simulation)");
  add_common(map, common);
  map->add_option("--json", map_json, "write the mapping as JSON here");

  CompareArgs cmp;
  cmp.request.hw = "default";
  cmp.request.jobs = int(std::max(1u, std::thread::hardware_concurrency()));
  auto* compare = app.add_subcommand(
      "compare", "each DARTS architecture on its own chip and on the all-inclusive hypernetwork chip");
  compare->add_option("--hw", cmp.request.hw,
                      "hardware config: a YAML file or a built-in (" + builtin_chips() +
                          "); the tile design: both chips are sized to their mappings")
      ->capture_default_str();
  compare->add_option("--nets", cmp.nets, "comma-separated DARTS networks or .genotype files")->capture_default_str();
  compare->add_option("--genotype", cmp.request.genotypes, "one more architecture: a genotype text (repeatable)");
  compare->add_option("--dataflow", cmp.request.dataflow, "layer_by_layer or pipelined")
      ->check(CLI::IsMember({"layer_by_layer", "pipelined"}))
      ->capture_default_str();
  compare->add_option("--mapping", cmp.request.mapping, "compiled or isaac, for both chips")
      ->check(CLI::IsMember({"compiled", "isaac"}))
      ->capture_default_str();
  compare->add_option("--baseline", cmp.request.baseline,
                      "the individual chip: iso-provisioning (its crossbars spread over as many tiles as the "
                      "architecture occupies on the hypernetwork chip), iso-area (the hypernetwork chip's crossbar "
                      "count as its --crossbars budget) or minimal (the fewest tiles)")
      ->check(CLI::IsMember(sim::compare_baselines()))
      ->capture_default_str();
  compare->add_option("--jobs", cmp.request.jobs, "simulations run side by side")->check(CLI::Range(1, 256))->capture_default_str();
  compare->add_option("--json", cmp.json_out, "write the comparison as JSON here");
  compare->add_option("--csv", cmp.csv_out, "write the comparison as CSV here");
  compare->add_flag("-q,--quiet", cmp.quiet, "no terminal table");
  compare->add_flag("--strict", cmp.strict,
                    "refuse an ADC below the lossless resolution of its column sums instead of warning");
  add_darts_options(compare, cmp.request.darts);

  Common exp_common;
  std::string onnx_out;
  auto* exp = app.add_subcommand("export", "write a network (built-in, YAML, CSV, genotype) as an ONNX model");
  exp->add_option("--net", exp_common.workload.net, "the network")->capture_default_str();
  exp->add_option("--genotype", exp_common.workload.genotype_text, "a DARTS genotype instead of --net");
  add_darts_options(exp, exp_common.workload.darts);
  exp->add_option("--onnx", onnx_out, "the ONNX file to write")->required();

  SweepArgs sw;
  sw.jobs = int(std::max(1u, std::thread::hardware_concurrency()));
  auto* sweep = app.add_subcommand("sweep", "run a design-space sweep (docs/sweeps.md)");
  sweep->add_option("spec", sw.spec, "the sweep spec (YAML)");
  sweep->add_option("--out", sw.out, "the sweep directory (results.sqlite, results.csv, results.jsonl)");
  sweep->add_option("--jobs", sw.jobs,
                    "worker processes, or threads with --mode analytical (default: the cores)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  sweep->add_option("--mode", sw.mode,
                    "systemc (each point a `cimsim run` process) or analytical (sim::evaluate, the points "
                    "in this process on --jobs threads; docs/sweeps.md)")
      ->check(CLI::IsMember({"systemc", "analytical"}))
      ->capture_default_str();
  sweep->add_option("--shard", sw.shard, "run only shard I of N (I/N)");
  sweep->add_flag("--retry-failed", sw.retry_failed, "run the points that failed before again");
  sweep->add_flag("--slurm", sw.slurm, "write an sbatch job-array script (one task per shard) instead of running");
  sweep->add_option("--shards", sw.shards, "array tasks for --slurm (default: min(points, 16))")->check(CLI::Range(1, 100000));
  sweep->add_flag("--submit", sw.submit, "with --slurm: submit the script with sbatch");
  auto* merge = sweep->add_subcommand("merge", "merge the shards of a Slurm sweep into DIR/results.*");
  merge->add_option("dir", sw.merge_dir, "the sweep directory")->required();

  SearchArgs se;
  se.jobs = int(std::max(1u, std::thread::hardware_concurrency()));
  auto* searchc = app.add_subcommand(
      "search", "multi-objective co-design search (NSGA-II) over networks and chip knobs (docs/search.md)");
  searchc->add_option("spec", se.spec, "the search spec (YAML; examples in workloads/search/)");
  searchc->add_option("--out", se.out, "the search directory (front.csv, front.json, history.csv, checkpoint.json)");
  searchc->add_option("--jobs", se.jobs, "threads evaluating candidates (default: the cores)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  searchc->add_option("--population", se.population, "override the spec's population (a multiple of 4)")
      ->check(CLI::Range(8, 1024));
  searchc->add_option("--generations", se.generations, "override the spec's generations")->check(CLI::Range(1, 10000));
  searchc->add_flag("--resume", se.resume, "continue the search in --out from its checkpoint");
  searchc->add_option("--island", se.island, "run as island I of a multi-start search: the spec's seed + I")
      ->check(CLI::Range(0, 100000));
  searchc->add_flag("--slurm", se.slurm, "write an sbatch job array of --islands independent runs instead of running");
  auto* islands_opt =
      searchc->add_option("--islands", se.islands, "array tasks for --slurm (default 4)")->check(CLI::Range(1, 10000));
  searchc->add_flag("--submit", se.submit, "with --slurm: submit the script with sbatch");
  auto* search_merge = searchc->add_subcommand("merge", "merge the islands of a Slurm search into DIR/front.*");
  search_merge->add_option("dir", se.merge_dir, "the search directory")->required();

  auto* list = app.add_subcommand("list", "built-in networks and hardware configs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "cimsim: error: " << common::printable(e.what(), kMaxErrorChars) << " (see cimsim --help)\n";
    return 2;
  }
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  try {
    if (*run)
      return cmd_run(common, dataflow, inputs, quantum_ns, json_out, csv_dir, vcd_out, trace_out, quiet,
                     max_sim_time_ms, run_mode);
    if (*map) return cmd_map(common, map_json);
    if (*compare) return cmd_compare(cmp);
    if (*exp) return cmd_export(exp_common, onnx_out);
    if (*merge) {
      const int rows = sim::merge_sweep(sw.merge_dir);
      std::cout << "cimsim sweep merge: " << common::count_of(rows, "point") << " in "
                << common::printable(sw.merge_dir) << "/results.{sqlite,csv,jsonl}\n";
      return 0;
    }
    if (*sweep) return cmd_sweep(sw);
    if (*search_merge) {
      const int n = search::merge_search(se.merge_dir);
      std::cout << "cimsim search merge: " << common::count_of(n, "island") << " in " << common::printable(se.merge_dir)
                << "/front.{csv,json}\n";
      return 0;
    }
    if (*searchc) {
      se.islands_given = islands_opt->count() > 0;
      return cmd_search(se);
    }
    if (*list) return cmd_list();
  } catch (const models::ConfigError& e) {
    return report_error(e, 2);
  } catch (const workloads::NetworkError& e) {
    return report_error(e, 2);
  } catch (const mapper::MappingError& e) {
    return report_error(e, 2);
  } catch (const sim::CompareError& e) {
    return report_error(e, e.exit_code);
  } catch (const sim::SweepError& e) {
    return report_error(e, 2);
  } catch (const search::AccuracyError& e) {
    return report_error(e, 2);
  } catch (const sim::OutputError& e) {
    return report_error(e, 2);
  } catch (const sim::SimulationError& e) {
    return report_error(e, 2);
  } catch (const UsageError& e) {
    return report_error(e, 2);
  } catch (const std::filesystem::filesystem_error& e) {
    return report_error(e, 2);  // the file system refused (permissions, a full disk): the message names the path
  } catch (const std::bad_alloc&) {
    std::cerr << "cimsim: error: out of memory: the input is within cimsim's bounds (docs/errors.md) but this "
                 "machine has too little memory for it\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cimsim: internal error: " << common::printable(e.what(), kMaxErrorChars)
              << " (a bug: please report it with the command line)\n";
    return 1;
  }
  return 0;
}
