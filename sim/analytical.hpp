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
// and starts when its input rows are ready and its lane's double buffer allows. Steps that pull the same
// rows from the same places on the same copy do the same, so a step's transactions are worked out once
// and then applied at each step's time (an "effect"). Two replays: the first has no contention at all
// (it gives the rows' write and pull times, from which the spills are decided, and each resource's busy
// time); the second books the resources the first kept busy for at least 2 % of its run in calendars
// (hw::Resource, the earliest gap at or after the time asked, as the SystemC run books every resource)
// and takes the (layer, input) pairs in the order they began in the first, so queueing at the off-chip
// port, NoC links, packed crossbars and shared units delays the steps behind it. A wait at a booking
// delays the bookings of the step that start after it ends (not those beside it). The first input's
// latency is at least max over resources r outside the calendars of (first use_r + busy_r + (C - last
// use_r)) (r serves all its work, then the critical path C after its last use still runs); a stream of N
// inputs takes at least latency + (N - 1) x (the busiest resource's busy time per inference).
// Backpressure: in the second replay a producer waits until its single-input consumers' windows have
// room, at the times the first replay's consumers read their rows (earlier than they would with
// contention, so the stalls come out short). Spills are decided on the first replay's schedule.
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
