// One simulation: elaborate the chip for a mapping, run it, and turn counts into the results.
// SystemC elaborates once per process: call simulate() at most once per process.
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "hw/context.hpp"
#include "mapper/mapping.hpp"
#include "models/cost_model.hpp"
#include "tiles/run_state.hpp"
#include "workloads/graph.hpp"

namespace cimsim::sim {

// A run refused or stopped by a run-time limit (docs/config.md, "Bounds"): the work it would take
// (estimate_work), or simulated time past --max-sim-time-ms. A user error: the CLI exits with 2.
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LayerResult {
  std::string name, op;
  double start_ns = 0, end_ns = 0;  // first step began / last output row ready (whole stream)
  double energy_pj = 0;             // dynamic energy of its actions
  int crossbars = 0;
  int64_t weights = 0, macs = 0;
  int home_tile = 0, tiles = 0;
  std::string fused_into;           // a ReLU applied on its producer's output path
  std::string binding;              // the resource this layer kept busy longest ("" if none)
  double binding_busy_ns = 0;       // and how long, over the stream
  double stall_ns = 0;              // its steps waited this long for room in a consumer's window
  uint64_t spilled_rows = 0;        // output rows that found no room and went off-chip
  bool streamed = false;            // its input window found no room: every step pulls all it reads
  models::ActionCounts counts{};
};

struct RunResult {
  // Which evaluator made it: "systemc" (sim::simulate, the event-driven model) or "analytical"
  // (sim::evaluate, closed forms over the same mapping; docs/analytical.md).
  std::string mode = "systemc";
  std::string network, hardware, deployment = "individual";
  std::string mapping_mode = "compiled";
  int budget = 0, shared_crossbars = 0;
  int layers = 0;
  int64_t weights = 0, macs = 0;
  tiles::RunOptions options;
  double clock_ghz = 1.0;
  double latency_ns = 0;     // first input: from start until its outputs are off-chip
  double total_ns = 0;       // whole stream
  double throughput_per_s = 0;
  std::vector<double> done_ns;  // per input
  models::ActionCounts counts{};
  models::EnergyReport energy;  // whole run
  double energy_per_inference_pj = 0;
  double power_mw = 0;          // average over the run
  models::PowerReport peak_power;
  models::AreaReport area;
  double leakage_mw = 0;          // powered hardware (chip.power_gating)
  models::PowerGating power_gating = models::PowerGating::none;
  models::Activity activity;      // tiles and PEs the run keeps busy
  double powered_tiles = 0, powered_pes = 0;  // tiles and PEs that leak (chip.power_gating)
  models::Efficiency peak_efficiency, achieved_efficiency;
  int adc_bits = 0, adc_lossless_bits = 0;
  // The tile's digital units as provisioned (tile.digital: given | auto) against what its crossbars make.
  struct DigitalUnit {
    std::string name, source;
    int count = 0, ops_per_cycle = 0;
    double ops_per_ns = 0;  // count x ops_per_cycle x clock
  };
  bool digital_auto = false;
  double digital_demand_per_ns = 0;  // output values a tile's crossbars make per ns at full rate
  std::vector<DigitalUnit> digital_units;
  // Products of two activations (attention's Q.K^T and A.V): MACs per inference and where they run:
  // the tile's matrix engines, or with none (tile.matrix.count 0) its accumulate units, one MAC per op.
  int64_t activation_macs = 0;
  int matrix_engines = 0, matrix_lanes = 0;
  // tile.matrix.mode: crossbar: the second operands written into spare crossbars, per inference
  // (closed forms from mapper::operand_crossbars; docs/cost-model.md, "Writing crossbars at run time").
  struct OperandWrites {
    bool on = false;
    int tile = 0;                       // the tile with the most spare crossbars
    int64_t crossbars_needed = 0, spare_crossbars = 0;
    int64_t cells_written = 0;          // per inference, all matmul layers
    double write_energy_pj = 0, write_ns = 0;  // per inference (write_ns: the rows' pulses, in sequence)
    double cell_write_energy_fj = 0;
    std::string cell_write_basis;
    double endurance_cycles = 0;
    // the most-written cell (each matmul rewrites the first crossbars): writes per inference, and the
    // inferences until it reaches endurance_cycles; leveled: the same if writes were spread evenly over
    // every cell of the spare crossbars (perfect wear leveling, not modelled)
    double writes_per_cell = 0, lifetime_inferences = 0;
    double leveled_writes_per_cell = 0, leveled_lifetime_inferences = 0;
  } operand_writes;
  std::vector<std::string> pinned;  // "adc.power_mw given: adc does not follow adc.bits, ..."
  // every component's cost entry (config key -> energy per action, leakage, area of one instance) and
  // where each number came from (the config's file:line or the model and its basis)
  std::map<std::string, models::Cost> costs;
  std::map<std::string, std::string> cost_sources;
  // mapping
  int chip_tiles = 0, tiles_used = 0, crossbars_used = 0;
  int64_t crossbars_total = 0;
  double crossbar_utilization = 0, chip_utilization = 0;
  std::vector<LayerResult> layer_results;
  // Buffers (docs/architecture.md, "Buffers"): the peak occupancy of any tile buffer (its reserved input
  // windows and the output rows it held, bits) against its capacity, and the largest reservation.
  double peak_buffer_bits = 0, buffer_capacity_bits = 0, window_bits = 0;
  // Rows that found no room went off-chip: written once, read back by every pull (bits). Rows of the
  // network input that found no room stay off-chip and are read by every pull; input_fetch_bits is all
  // the input read from off-chip (at least the inputs' size).
  uint64_t spilled_rows = 0, input_rows_left_off_chip = 0;
  double spilled_bits = 0, spill_read_bits = 0, input_fetch_bits = 0;
  double stall_ns = 0;  // backpressure: time layers' steps waited for room, summed over layers
  // Contention: time requests waited for a busy resource (crossbar, buffer bank, bus, unit, NoC link,
  // off-chip port), summed over resources. 0 (with stall_ns 0): the run saw no contention at all.
  // The analytical evaluator reports its own calendars' waits (docs/analytical.md).
  double resource_wait_ns = 0;
  // The analytical evaluator's stream figures (docs/analytical.md): its pace (the run's end less the
  // first input's, per further input; one input: its latency), and the resource busiest per inference,
  // which bounds a long stream's pace from below (a short stream's first input takes part of that
  // resource's work, so its period can be shorter).
  struct Analytical {
    double period_ns = 0, busiest_per_inference_ns = 0;
    std::string busiest;
  } analytical;
  double wall_s = 0;
  // the resources that were busy longest (name, busy ns), most first: where the time went
  std::vector<std::pair<std::string, double>> busiest;
};

// The waveform data of a run: busy intervals of traced resources (tile datapaths, NoC links, off-chip
// port) and each tile buffer's occupancy as (time_ns, bits) changes. Filled when given to simulate().
struct TraceData {
  hw::TraceLog log;
  std::vector<std::vector<std::pair<double, double>>> occupancy;
};

// The tiles and PEs a run of `graph` on `mapping` keeps busy: tiles holding its crossbar blocks or its
// layers' home, PEs holding its blocks (power gating, models::powered_counts).
models::Activity activity_of(const workloads::Graph& graph, const mapper::Mapping& mapping);

// Everything of a result that follows from the action counts, the inputs' completion times and the chip:
// energy (dynamic and leakage over the run), power, peak power, area, efficiency, provisioning, costs and
// the per-layer rows (counts, energy; times left 0). Both evaluators use it, so energy and area are
// computed the same way from counts.
RunResult result_from_counts(const workloads::Graph& graph, const models::HardwareSpec& hw,
                             const mapper::Mapping& mapping, const tiles::RunOptions& options,
                             const hw::Stats& stats, const std::vector<double>& done_ns,
                             const RunResult::OperandWrites& writes);
// Keeps the `count` busiest of (resource, busy ns), longest first (ties by name).
void keep_busiest(std::vector<std::pair<std::string, double>>& busy, std::size_t count);
// The window reservations of `plan` fit every tile buffer; else SimulationError naming them.
void check_windows(const workloads::Graph& graph, const tiles::DataflowPlan& plan);
// tile.matrix.mode: crossbar: the spare crossbars the matmul layers take turns on (filled into `pool`),
// refused (SimulationError) when the chip has fewer than the largest operand needs; what the writes cost.
RunResult::OperandWrites plan_operand_writes(const workloads::Graph& graph, const models::HardwareSpec& hw,
                                             const mapper::Mapping& mapping, tiles::OperandPlan& pool);

RunResult simulate(const workloads::Graph& graph, const models::HardwareSpec& hw,
                   const mapper::Mapping& mapping, const tiles::RunOptions& options,
                   TraceData* trace = nullptr);

// The size of a run, bounded before anything is elaborated (limits.hpp): the crossbars it elaborates
// (PEs holding work x pe.crossbars: each a resource of its PE module, a few KB and about 1 us to
// elaborate; docs/performance.md) and its step work: over
// the stream, every executed layer's output rows, each 1 + the PEs and crossbar blocks a step drives.
struct RunSize {
  double elaborated_crossbars = 0.0;
  double step_work = 0.0;
};
RunSize estimate_run(const workloads::Graph& graph, const models::HardwareSpec& hw,
                     const mapper::Mapping& mapping, int inputs);

// One line naming what a stalled run waits for: the time, and the unfinished layers (home tile, the
// row and input each waits at), at most `max_items` of them and a count of the rest.
std::string stall_message(const workloads::Graph& graph, const tiles::RunState& run, double now_ns,
                          std::size_t max_items = 8);

// Every number of a result is finite; else std::logic_error naming the field (an internal fault:
// bounded inputs rule it out, docs/config.md).
void check_finite(const RunResult& r);

// Buffer occupancy of each tile over time: its reserved input windows (from time 0) and the output rows
// held from their write until their last pull (tiles::RunState), as a list of (time_ns, bits) changes
// per tile.
// `ledger(layer)`: the rows of executed layer `layer` (tiles::RunState::progress, or the analytical
// evaluator's ledgers).
std::vector<std::vector<std::pair<double, double>>> buffer_occupancy(
    const tiles::DataflowPlan& run, const std::function<const tiles::RowLedger&(int)>& ledger);
// The buffer fields of a result (spilled rows and bits, input fetched, stalls, streamed layers, window
// and peak occupancy) from the rows' ledgers; refuses (std::logic_error, a model bug) a row pulled more
// or less often than its consumers read it, and a peak above capacity, when `check_pulls` (the SystemC
// run; the analytical evaluator's spill decisions are estimates, docs/analytical.md).
void fill_buffer_results(RunResult& r, const tiles::DataflowPlan& run,
                         const std::function<const tiles::RowLedger&(int)>& ledger, bool check_pulls,
                         std::vector<std::vector<std::pair<double, double>>>* occupancy = nullptr);

}  // namespace cimsim::sim
