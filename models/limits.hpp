// The bounds of a hardware configuration and of one simulation (docs/config.md, "Bounds").
// Every integer and every real number a config can give is bounded, and so is every product the
// simulator forms from them (tiles, crossbars, times, energies), so that nothing overflows an int,
// becomes infinite, saturates SystemC time or exhausts memory. Plain constants: the schema
// (config_schema.cpp), the loader's cross-checks and the simulation all use these names.
#pragma once

#include <cstdint>

namespace cimsim::models::limits {

// ---- chip size ---------------------------------------------------------------------------------------
// Tiles per mesh dimension (chip.tiles: [rows, cols]).
constexpr int kMaxMeshDim = 1024;
// Tiles of one chip: rows x cols, and ceil(--crossbars / crossbars per tile). A chip's tiles cost
// memory only when they hold work (idle tiles are never elaborated), so this bounds index arithmetic.
constexpr std::int64_t kMaxChipTiles = std::int64_t(kMaxMeshDim) * kMaxMeshDim;
// Crossbars of one chip: tiles x tile.pes x pe.crossbars, and the --crossbars budget. Crossbar
// indices, budgets and counts are ints in the mapper and the reports; 10^8 keeps them far below 2^31.
constexpr std::int64_t kMaxChipCrossbars = 100'000'000;
// PEs per tile and crossbars per PE (each an address on the tile's fabric: tiles::kStride).
constexpr int kMaxPesPerTile = 4096;
constexpr int kMaxCrossbarsPerPe = 4096;

// ---- time ----------------------------------------------------------------------------------------------
// The digital clock: one cycle between 10 ps and 1 us.
constexpr double kMinClockGhz = 1e-3;
constexpr double kMaxClockGhz = 100.0;
// Any fixed latency (crossbar read, buffer access, off-chip) in ns, and any latency in cycles (router
// hop, selector): at most 1 ms, resp. 10^6 cycles (1 s at the slowest clock).
constexpr double kMinReadLatencyNs = 1e-3;  // 1 ps, the SystemC time resolution
constexpr double kMaxLatencyNs = 1e6;
constexpr double kMaxLatencyCycles = 1e6;
// Rates: an ADC between 1 kS/s and 1 TS/s; a link or the off-chip interface between 1 kb/s and 1 Pb/s.
// Below, one action takes longer than a run could; above, it takes less than the 1 ps resolution.
constexpr double kMinSampleRateGsps = 1e-6;
constexpr double kMaxSampleRateGsps = 1e3;
constexpr double kMinBandwidthGbps = 1e-6;
constexpr double kMaxBandwidthGbps = 1e6;

// ---- costs and sizes -------------------------------------------------------------------------------------
// Energy per action (pJ), dynamic power at the full rate and leakage of one instance (mW), area of one
// instance (um2): at most 10^12 each (1 J, 1 GW, 1 m2). With the bounds above, every energy, power and
// area a report computes (counts up to 2^64 x instances up to 2^56 x time up to the SystemC limit)
// stays finite.
constexpr double kMaxEnergyPj = 1e12;
constexpr double kMaxPowerMw = 1e12;
constexpr double kMaxAreaUm2 = 1e12;
// ADC resolution (adc.bits, and what `adc.bits: auto` may resolve to).
constexpr int kMaxAdcBits = 24;
// Buffer and register capacities: at most 10^8 KiB (about 100 GB) and 10^9 B, so that the modelled area of
// the largest (components.hpp) stays below kMaxAreaUm2.
constexpr double kMaxBufferKib = 1e8;
constexpr double kMaxRegisterBytes = 1e9;

// ---- one simulation -------------------------------------------------------------------------------------
// SystemC time is a 64-bit count of 1 ps: it saturates at 2^64 ps (about 213 days). No simulated time
// may pass 2^62 ps (about 53 days, 4.6e15 ns): a run that would is stopped with an error.
constexpr double kTimeCeilingNs = 4611686018427387.904;  // 2^62 ps in ns
// `cimsim run --max-sim-time-ms`: the default (1000 s of simulated time; an inference takes ms) and
// the largest value allowed (below the ceiling above).
constexpr double kDefaultMaxSimTimeMs = 1e6;
constexpr double kMaxMaxSimTimeMs = 4e9;
// The size of one `cimsim run` (sim::estimate_run), bounded so that a run stays under about 20 s and
// 2 GB on one core: the crossbars it elaborates (a few KB and about 1 us each) and its step work (layer
// rows x (1 + the PEs and crossbar blocks each step drives), summed over the stream of --inputs).
constexpr double kMaxElaboratedCrossbars = 100'000;
constexpr double kMaxRunWork = 5e6;

}  // namespace cimsim::models::limits
