// The analytical evaluator (cimsim run --mode analytical; docs/analytical.md): the same mapping and the
// same dataflow as the SystemC run (sim::simulate), evaluated without an event-driven kernel.
//
// Action counts: every step of every layer issues the transactions tiles::Controller issues (same row
// pulls, multicasts, reductions, PE bursts: tiles::DataflowPlan, tiles::build_layer_plan, tiles::Pe::count,
// mapper::RouterGrid::path are shared), each counted as its target counts it. Where no row spills, the
// counts, and so dynamic energy and area, equal the SystemC run's exactly. Which rows spill depends on
// the schedule; here it is decided on the contention-free schedule (docs/analytical.md, "Spills").
//
// Latency: each step takes its unloaded time (each transaction its closed-form service time: crossbar
// bursts with ADC sharing, buffer banks, bus, digital units, NoC serialization and hops, off-chip port),
// and a step starts when its input rows are ready and its lane's double buffer allows (no resource is
// booked, so nothing waits for another layer). That critical path C is exact when the SystemC run sees
// no contention. With contention, the first input's latency is
//     max(C, max over resources r of (first use_r + busy_r + (C - last use_r)))
// (resource r must serve all its work, then the critical path after its last use still runs), and a
// stream of N inputs takes latency + (N - 1) x P, with P the larger of the busiest resource's busy time
// per inference and the contention-free pace. Backpressure stalls are not modelled.
//
// Thread safety: evaluate() builds no SystemC object and touches no global state; it may run on many
// threads at once (cimsim sweep --mode analytical).
#pragma once

#include "mapper/mapping.hpp"
#include "models/hardware_spec.hpp"
#include "sim/simulate.hpp"
#include "tiles/dataflow_plan.hpp"
#include "workloads/graph.hpp"

namespace cimsim::sim {

// The result of `graph` on `mapping` of `hw` with `options`, RunResult::mode "analytical". Errors as
// simulate(): SimulationError for a run past the work bound or the simulated-time limit, a tile whose
// input windows do not fit, or attention operands without spare crossbars.
RunResult evaluate(const workloads::Graph& graph, const models::HardwareSpec& hw, const mapper::Mapping& mapping,
                   const tiles::RunOptions& options);

}  // namespace cimsim::sim
