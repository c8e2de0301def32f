// The analytical evaluator (cimsim run --mode analytical; docs/analytical.md): the same mapping and the
// same dataflow as the SystemC run (sim::simulate), evaluated without an event-driven kernel.
//
// Action counts: every step of every layer issues the transactions tiles::Controller issues (same row
// pulls, multicasts, reductions, PE bursts: tiles::DataflowPlan, tiles::build_layer_plan, tiles::Pe::count,
// mapper::RouterGrid::path are shared), each counted as its target counts it. Where no row spills, the
// counts, and so dynamic energy and area, equal the SystemC run's exactly. Which rows spill depends on
// the schedule; here it is decided on the contention-free schedule (docs/analytical.md, "Spills").
//
// Latency: each transaction takes its closed-form service time (crossbar bursts with ADC sharing,
// buffer banks, bus, digital units, NoC serialization and hops, off-chip port). Steps that pull the
// same rows from the same places on the same copy do the same, so a step's transactions are worked out
// once and then applied at each step's time (an "effect": counts, and bookings as offsets and
// durations). Steps are replayed in the order the SystemC threads execute them: a layer thread
// synchronises to its last step's end, and one waiting for a row wakes when the producer's step that
// made it executes. Every booking takes the earliest gap at or after the time asked in its resource's
// calendar (hw::Resource, as the SystemC run books it); a wait delays the bookings of the step that
// start after the waiting one ends. Two replays: the first books nothing and keeps every row (it counts
// each row's pulls and times each consumer's reads), and the spills are decided on its schedule (per
// tile, rows in write order, a row kept if it fits beside the windows and the kept rows whose last pull
// comes after its step began); the second books calendars, holds producers for their single-input
// consumers' room at the first's read times (backpressure) and spills those rows: it is the result.
// Where the SystemC run waits for nothing, the schedules are the same; elsewhere docs/analytical.md
// gives the measured agreement and where the differences come from (booking order, backpressure and
// spills timed on another schedule, the buffer banks booked as one).
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
