// cimsim-split: one `cimsim run`, timed phase by phase (bench/run.sh runs it and takes medians).
//   build/cimsim-split [--hw NAME|FILE] [--net NAME|FILE] [--inputs N] [--mapping compiled|isaac]
// prints one tab-separated line of seconds:
//   load_map  elaboration  binding  sc_start  reports  simulate  total
// load_map     models::load_hardware + sim::resolve_workload + sim::deploy (parse, map; an ONNX file is
//              read here)
// elaboration  from the sim::simulate call to the end of module construction (the run's bounds, the
//              run state and work lists, then tiles::Chip: tiles, PEs, sockets, bindings)
// binding      SystemC's end of elaboration inside sc_start: port binding, elaboration callbacks
// sc_start     the rest of sim::simulate: the event-driven run, then the result (energy, area, ...)
// reports      sim::print_table and sim::to_json + sim::json_text (what `cimsim run --json` writes), in
//              memory
// simulate     the sim::simulate call (elaboration + binding + sc_start); total: all of the above
// The split comes from the caller's side only: a probe module built before sim::simulate gets SystemC's
// before_end_of_elaboration and start_of_simulation callbacks first. SystemC elaborates once per process,
// so a process times one run: this is a program, not a Google Benchmark loop.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <systemc>

#include "models/config_loader.hpp"
#include "sim/deploy.hpp"
#include "sim/report.hpp"
#include "sim/simulate.hpp"

using namespace cimsim;
using Clock = std::chrono::steady_clock;

namespace {

const bool banner_off = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

struct Probe : sc_core::sc_module {
  Clock::time_point constructed, started;
  explicit Probe(sc_core::sc_module_name name) : sc_module(name) {}
  void before_end_of_elaboration() override { constructed = Clock::now(); }
  void start_of_simulation() override { started = Clock::now(); }
};

int usage(const char* what) {
  std::fprintf(stderr, "cimsim-split: %s\nusage: cimsim-split [--hw H] [--net N] [--inputs N] [--mapping compiled|isaac]\n",
               what);
  return 2;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  (void)banner_off;
  std::string hw_name = "default", mapping = "compiled";
  sim::WorkloadRequest request;
  int inputs = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage(("missing value after " + a).c_str());
    const std::string v = argv[++i];
    if (a == "--hw") hw_name = v;
    else if (a == "--net") request.net = v;
    else if (a == "--inputs") inputs = std::atoi(v.c_str());
    else if (a == "--mapping") mapping = v;
    else return usage(("unknown option " + a).c_str());
  }
  if (inputs < 1) return usage("--inputs must be at least 1");
  try {
    const auto t0 = Clock::now();
    const models::HardwareSpec hw = models::load_hardware(hw_name);
    const sim::Workload workload = sim::resolve_workload(request);
    mapper::MapOptions map;
    map.mode = mapping == "isaac" ? mapper::MappingMode::isaac : mapper::MappingMode::compiled;
    const sim::Deployment d = sim::deploy(workload, request.darts, hw, sim::Deploy::individual, map);
    tiles::RunOptions options;
    options.inputs = inputs;
    Probe probe("cimsim_split_probe");
    const auto t1 = Clock::now();
    const sim::RunResult r = sim::simulate(d.graph, hw, d.mapping, options);
    const auto t2 = Clock::now();
    std::ostringstream table;
    sim::print_table(table, r);
    const std::string json = sim::json_text(sim::to_json(r));
    const auto t3 = Clock::now();
    if (table.str().empty() || json.empty()) return usage("empty report");
    std::printf("%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\n", seconds(t0, t1), seconds(t1, probe.constructed),
                seconds(probe.constructed, probe.started), seconds(probe.started, t2), seconds(t2, t3),
                seconds(t1, t2), seconds(t0, t3));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cimsim-split: error: %s\n", e.what());
    return 2;
  }
}
