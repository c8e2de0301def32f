// The analytical evaluator (cimsim run --mode analytical; docs/analytical.md): the same mapping and the
// same dataflow as the SystemC run (sim::simulate), evaluated without an event-driven kernel.
//
// Action counts: every step of every layer issues the transactions tiles::Controller issues (same row
// pulls, multicasts, reductions, PE bursts: tiles::DataflowPlan, tiles::build_layer_plan, tiles::Pe::count,
// mapper::RouterGrid::path are shared), each counted as its target counts it. Where no row spills, the
// counts, and so dynamic energy and area, equal the SystemC run's exactly. Which rows spill depends on
// the schedule; here it is decided as the replay gets to each row (docs/analytical.md).
//
// Latency: each transaction takes its closed-form service time (crossbar bursts with ADC sharing,
// buffer banks, bus, digital units, NoC serialization and hops, off-chip port). Steps that pull the
// same rows from the same places on the same copy do the same, so a step's transactions are worked out
// once and then applied at each step's time (an "effect": counts, and bookings as offsets and
// durations). Steps are replayed in the order the SystemC threads execute them: a layer thread
// synchronises to its last step's end, and one waiting for a row wakes when the producer's step that
// made it executes. Every booking takes the earliest gap at or after the time asked in its resource's
// calendar (hw::Resource, as the SystemC run books it); a wait delays the bookings of the step that
// start after the waiting one ends. The replay makes the controller's room tests as it reaches them: a
// producer's step waits until its single-input consumers' steps have made room in their windows
// (Controller::wait_for_room), and a row goes off-chip when, as it is formed, its tile's buffer has no
// room beside the windows and the rows not yet pulled by every consumer (Controller::has_room; a row's
// pulls are DataflowPlan::pulls_of). One replay of the stream; its counts and times are the result.
// Where the SystemC run waits for nothing, the schedules are the same; elsewhere docs/analytical.md gives
// the measured agreement and where the differences come from (booking order, waits propagated by
// offsets, room tests on the evaluator's schedule, the buffer banks booked as one).
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
