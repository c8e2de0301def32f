// The cimsim command line: run, map, list.
// Bad input (config, network, mapping, options) is one line on stderr and exit code 2, with no output
// file written; outputs are written only after the run succeeded, each atomically.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <string>
#include <systemc>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "models/limits.hpp"
#include "sim/compare.hpp"
#include "sim/deploy.hpp"
#include "sim/report.hpp"
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
};

void add_darts_options(CLI::App* cmd, workloads::DartsOptions& d) {
  cmd->add_option("--darts-c", d.c, "DARTS networks: initial channels C")->check(CLI::Range(1, 4096))->capture_default_str();
  cmd->add_option("--darts-layers", d.layers, "DARTS networks: cells")->check(CLI::Range(3, 200))->capture_default_str();
  cmd->add_option("--classes", d.classes, "DARTS networks: classes")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--input-size", d.input_size, "DARTS networks: input height and width")
      ->check(CLI::Range(4, 4096))
      ->capture_default_str();
}

void add_common(CLI::App* cmd, Common& c) {
  cmd->add_option("--hw", c.hw,
                  "hardware config: a YAML file or a built-in (isaac, edge-rram, default)")
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
  add_darts_options(cmd, c.workload.darts);
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
  const sim::Workload w = sim::resolve_workload(c.workload);
  mapper::MapOptions map;
  map.mode = c.mapping == "isaac" ? mapper::MappingMode::isaac : mapper::MappingMode::compiled;
  map.crossbars = c.crossbars;
  sim::Deployment d = sim::deploy(w, c.workload.darts, hw, sim::deploy_from_name(c.deploy), map);
  return {std::move(hw), std::move(d)};
}

// An output path must not be one of the user's inputs: nothing a user gave is overwritten.
void check_output(const std::string& out, const Common& c) {
  if (out.empty()) return;
  std::error_code ec;
  for (const std::string& in : {c.hw, c.workload.net})
    if (fs::exists(in, ec) && fs::exists(out, ec) && fs::equivalent(in, out, ec))
      throw UsageError(out + ": is an input of this run; choose another output path");
  if (fs::is_directory(out, ec)) throw UsageError(out + ": is a directory; give a file path");
  const fs::path parent = fs::path(out).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw UsageError(out + ": directory " + parent.string() + " does not exist");
}

int cmd_run(const Common& c, const std::string& dataflow, int inputs, double quantum_ns,
            const std::string& json_out, const std::string& csv_dir, const std::string& vcd_out,
            const std::string& trace_out, bool quiet, double max_sim_time_ms) {
  check_output(json_out, c);
  check_output(vcd_out, c);
  check_output(trace_out, c);
  auto same = [](const std::string& a, const std::string& b) {
    return !a.empty() && !b.empty() && fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal();
  };
  if (same(json_out, vcd_out))
    throw UsageError(json_out + ": given for both --json and --vcd; choose two paths");
  if (same(trace_out, json_out))
    throw UsageError(trace_out + ": given for both --trace and --json; choose two paths");
  if (same(trace_out, vcd_out))
    throw UsageError(trace_out + ": given for both --trace and --vcd; choose two paths");
  if (!csv_dir.empty() && fs::exists(csv_dir) && !fs::is_directory(csv_dir))
    throw UsageError(csv_dir + ": --csv takes a directory");
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
  const sim::RunResult r = sim::simulate(graph, hw, mapping, opt, traced ? &trace : nullptr);
  if (!quiet) sim::print_table(std::cout, r);
  if (!json_out.empty()) sim::write_file_atomic(json_out, sim::to_json(r).dump(2) + "\n");
  if (!csv_dir.empty()) {
    fs::create_directories(csv_dir);
    sim::write_file_atomic((fs::path(csv_dir) / "layers.csv").string(), sim::layers_csv(r));
    sim::write_file_atomic((fs::path(csv_dir) / "components.csv").string(), sim::components_csv(r));
  }
  std::vector<std::string> names;
  for (const auto& l : graph.layers) names.push_back(l.name);
  if (!vcd_out.empty()) sim::write_file_atomic(vcd_out, sim::vcd_text(trace, names));
  if (!trace_out.empty()) sim::write_file_atomic(trace_out, sim::trace_json(trace, names, r));
  if (!quiet) {
    if (!json_out.empty()) std::cout << "\n  json         " << json_out << '\n';
    if (!csv_dir.empty()) std::cout << "  csv          " << csv_dir << "/{layers,components}.csv\n";
    if (!vcd_out.empty()) std::cout << "  vcd          " << vcd_out << " (open with gtkwave)\n";
    if (!trace_out.empty()) std::cout << "  trace        " << trace_out << " (open in ui.perfetto.dev)\n";
  }
  return 0;
}

int cmd_map(const Common& c, const std::string& json_out) {
  check_output(json_out, c);
  const Prepared p = prepare(c);
  const models::HardwareSpec& hw = p.hw;
  const workloads::Graph& graph = p.deployment.graph;
  const mapper::Mapping& mapping = p.deployment.mapping;
  sim::print_mapping(std::cout, graph, hw, mapping);
  if (!json_out.empty()) sim::write_file_atomic(json_out, sim::mapping_json(graph, hw, mapping).dump(2) + "\n");
  return 0;
}

struct CompareArgs {
  sim::CompareRequest request;
  std::string nets = "darts_v1,darts_v2,pdarts";
  std::string json_out, csv_out;
};

int cmd_compare(CompareArgs& a) {
  for (const std::string& out : {a.json_out, a.csv_out}) {
    Common c;
    c.hw = a.request.hw;
    check_output(out, c);
  }
  if (!a.json_out.empty() && a.json_out == a.csv_out)
    throw UsageError(a.json_out + ": given for both --json and --csv; choose two paths");
  // validate everything here, before any simulation starts
  const models::HardwareSpec hw = models::load_hardware(a.request.hw);
  std::stringstream list(a.nets);
  for (std::string n; std::getline(list, n, ',');)
    if (!n.empty()) a.request.nets.push_back(n);
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
  const auto rows = sim::run_compare(a.request);
  sim::print_compare(std::cout, rows, hw.name + ", " + a.request.mapping + " mapping", sharing);
  if (!a.json_out.empty()) sim::write_file_atomic(a.json_out, sim::compare_json(rows, hw.name, sharing).dump(2) + "\n");
  if (!a.csv_out.empty()) sim::write_file_atomic(a.csv_out, sim::compare_csv(rows));
  return 0;
}

int cmd_export(const Common& c, const std::string& onnx_out) {
  check_output(onnx_out, c);
  const sim::Workload w = sim::resolve_workload(c.workload);
  const std::string tmp = onnx_out + ".tmp";
  workloads::save_onnx(w.graph, tmp);
  if (std::rename(tmp.c_str(), onnx_out.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw UsageError(onnx_out + ": cannot write");
  }
  std::cout << "cimsim export: " << w.graph.name << " (" << w.graph.layers.size() - 1 << " layers, "
            << w.graph.weights() << " weights) -> " << onnx_out << '\n';
  return 0;
}

struct SweepArgs {
  std::string spec, out, shard, merge_dir;
  int jobs = 1, shards = 0;
  bool retry_failed = false, slurm = false, submit = false;
};

int cmd_sweep(const SweepArgs& a) {
  if (a.spec.empty()) throw UsageError("sweep: give a spec file (cimsim sweep SPEC --out DIR)");
  if (a.out.empty()) throw UsageError("sweep: --out DIR is required");
  sim::SweepOptions o;
  o.out = a.out;
  o.jobs = a.jobs;
  o.retry_failed = a.retry_failed;
  o.tty = isatty(STDERR_FILENO) != 0;
  if (!a.shard.empty()) {
    const auto slash = a.shard.find('/');
    try {
      if (slash == std::string::npos) throw std::invalid_argument("no /");
      o.shard = std::stoi(a.shard.substr(0, slash));
      o.shards = std::stoi(a.shard.substr(slash + 1));
    } catch (const std::exception&) {
      throw UsageError("--shard " + a.shard + ": expected I/N with 0 <= I < N");
    }
    if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards)
      throw UsageError("--shard " + a.shard + ": expected I/N with 0 <= I < N");
  }
  const sim::SweepSpec spec = sim::load_sweep_spec(a.spec);
  const auto points = sim::sweep_points(spec);  // validates every point before anything runs
  if (a.slurm) {
    const int shards = a.shards > 0 ? a.shards : std::min<int>(int(points.size()), 16);
    fs::create_directories(fs::path(a.out) / "slurm");
    const std::string script = (fs::path(a.out) / "sweep.sbatch").string();
    sim::write_file_atomic(script, sim::slurm_script(spec, a.spec, a.out, shards, a.jobs));
    std::cout << "cimsim sweep: " << points.size() << " points in " << shards << " array tasks: " << script << '\n';
    if (a.submit) {
      const std::string cmd = "sbatch --parsable " + script;
      const int rc = std::system(cmd.c_str());
      if (rc != 0) throw UsageError("sbatch failed (exit " + std::to_string(rc) + "): is Slurm running here?");
    } else {
      std::cout << "submit with: sbatch " << script << "   (or: cimsim sweep SPEC --out DIR --slurm --submit)\n";
    }
    return 0;
  }
  const auto sum = sim::run_sweep(spec, points, o, std::cerr);
  std::cout << "cimsim sweep: " << spec.name << ": " << sum.points << " points" << (o.shards > 1 ? " in this shard" : "")
            << ", " << sum.ok << " ran ok, " << sum.failed << " failed, " << sum.skipped
            << " already done; results in " << a.out << (o.shards > 1 ? "/shards (merge with: cimsim sweep merge DIR)"
                                                                     : "/results.{sqlite,csv,jsonl}")
            << '\n';
  return 0;
}

int cmd_list() {
  std::cout << "networks:\n";
  for (const auto& b : workloads::builtin_networks()) std::cout << "  " << b.name << "  " << b.description << '\n';
  for (const auto& g : workloads::builtin_genotypes()) std::cout << "  " << g.name << "  " << g.description << '\n';
  std::cout << "hardware configs:\n";
  for (const auto& h : models::builtin_hardware_names()) {
    const auto spec = models::load_hardware(h);
    std::cout << "  " << h << "  " << spec.description << '\n';
  }
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
  run->add_option("--vcd", vcd_out, "write a VCD waveform here (GTKWave)");
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
  compare->add_option("--hw", cmp.request.hw, "hardware config (the tile design; both chips are sized to their mappings)")
      ->capture_default_str();
  compare->add_option("--nets", cmp.nets, "comma-separated DARTS networks or .genotype files")->capture_default_str();
  compare->add_option("--genotype", cmp.request.genotypes, "one more architecture: a genotype text (repeatable)");
  compare->add_option("--dataflow", cmp.request.dataflow, "layer_by_layer or pipelined")
      ->check(CLI::IsMember({"layer_by_layer", "pipelined"}))
      ->capture_default_str();
  compare->add_option("--mapping", cmp.request.mapping, "compiled or isaac, for both chips")
      ->check(CLI::IsMember({"compiled", "isaac"}))
      ->capture_default_str();
  compare->add_option("--jobs", cmp.request.jobs, "simulations run side by side")->check(CLI::Range(1, 256))->capture_default_str();
  compare->add_option("--json", cmp.json_out, "write the comparison as JSON here");
  compare->add_option("--csv", cmp.csv_out, "write the comparison as CSV here");
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
  sweep->add_option("--jobs", sw.jobs, "worker processes (default: the cores)")->check(CLI::Range(1, 1024))->capture_default_str();
  sweep->add_option("--shard", sw.shard, "run only shard I of N (I/N)");
  sweep->add_flag("--retry-failed", sw.retry_failed, "run the points that failed before again");
  sweep->add_flag("--slurm", sw.slurm, "write an sbatch job-array script (one task per shard) instead of running");
  sweep->add_option("--shards", sw.shards, "array tasks for --slurm (default: min(points, 16))")->check(CLI::Range(1, 100000));
  sweep->add_flag("--submit", sw.submit, "with --slurm: submit the script with sbatch");
  auto* merge = sweep->add_subcommand("merge", "merge the shards of a Slurm sweep into DIR/results.*");
  merge->add_option("dir", sw.merge_dir, "the sweep directory")->required();

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
    std::cerr << "cimsim: error: " << e.what() << " (see cimsim --help)\n";
    return 2;
  }
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  try {
    if (*run)
      return cmd_run(common, dataflow, inputs, quantum_ns, json_out, csv_dir, vcd_out, trace_out, quiet,
                     max_sim_time_ms);
    if (*map) return cmd_map(common, map_json);
    if (*compare) return cmd_compare(cmp);
    if (*exp) return cmd_export(exp_common, onnx_out);
    if (*merge) {
      const int rows = sim::merge_sweep(sw.merge_dir);
      std::cout << "cimsim sweep merge: " << rows << " points in " << sw.merge_dir << "/results.{sqlite,csv,jsonl}\n";
      return 0;
    }
    if (*sweep) return cmd_sweep(sw);
    if (*list) return cmd_list();
  } catch (const models::ConfigError& e) {
    std::cerr << "cimsim: error: " << e.what() << '\n';
    return 2;
  } catch (const workloads::NetworkError& e) {
    std::cerr << "cimsim: error: " << e.what() << '\n';
    return 2;
  } catch (const mapper::MappingError& e) {
    std::cerr << "cimsim: error: " << e.what() << '\n';
    return 2;
  } catch (const sim::CompareError& e) {
    std::cerr << "cimsim: error: " << e.what() << '\n';
    return e.exit_code;
  } catch (const sim::SweepError& e) {
    std::cerr << "cimsim: error: " << e.what() << '\n';
    return 2;
  } catch (const sim::SimulationError& e) {
    std::cerr << "cimsim: error: " << e.what() << '\n';
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "cimsim: error: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cimsim: internal error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
