// VCD waveforms for GTKWave: per tile datapath busy and current layer, per tile buffer occupancy, per
// NoC link and the off-chip port busy. Written from the intervals a run logged, one line per change.
//
// One function (vcd_signals) enumerates what the VCD declares, with each signal's changes; the VCD text
// and the GTKWave save file (gtkw_text, `--vcd F` writes it as F.gtkw) are both made from that list, so
// the save file names exactly the signals the VCD holds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/simulate.hpp"

namespace cimsim::sim {

// The VCD's top scope: a signal is `chip.<scope>.<name>` in GTKWave.
inline constexpr const char* kVcdTop = "chip";

enum class SignalKind {
  busy,   // a 1-bit wire: 1 while the unit works
  layer,  // a 32-bit integer: the index of the layer a tile works on, -1 while idle
  level,  // a 32-bit integer: a level (a buffer's bits)
};

struct VcdChange {
  int64_t t_ps;
  int64_t value;
};

struct VcdSignal {
  std::string scope, name;  // "tile_3", "busy"; "noc", "r4_E"; "offchip", "busy"
  SignalKind kind = SignalKind::busy;
  int64_t initial = 0;             // the value at time 0
  std::vector<VcdChange> changes;  // after time 0: times increasing, each a real change
  int width() const { return kind == SignalKind::busy ? 1 : 32; }
};

// Every signal the VCD of `trace` declares, in declaration order.
std::vector<VcdSignal> vcd_signals(const TraceData& trace);

// `layer_names[i]`: name of layer i (values of the `layer` signals are layer indices; -1 idle).
std::string vcd_text(const std::vector<VcdSignal>& signals, const std::vector<std::string>& layer_names);
std::string vcd_text(const TraceData& trace, const std::vector<std::string>& layer_names);

// The time of the last change of any signal (where the VCD ends), in ps.
int64_t vcd_end_ps(const std::vector<VcdSignal>& signals);
// How long `s` is nonzero between time 0 and `end_ps`, in ps.
int64_t busy_ps(const VcdSignal& s, int64_t end_ps);

// ---- the GTKWave save file ---------------------------------------------------------------------------

// The files `--vcd F` writes beside F, by absolute path: F itself, F.gtkw and F.layers.txt (the translate
// filter that shows a `layer` value as the layer's name). A save file is line-based and GTKWave reads its
// paths raw, so a path holding a control character (a newline, a tab, ...) cannot be named in it: that is
// an OutputError naming the path.
inline constexpr const char* kGtkwSuffix = ".gtkw";
inline constexpr const char* kLayerFilterSuffix = ".layers.txt";
struct GtkwFiles {
  std::string vcd, gtkw, layers;
};
GtkwFiles gtkw_files(const std::string& vcd_path);

// Whether `--vcd F` also writes F.gtkw and F.layers.txt: not when F is a character device or a FIFO
// (/dev/null, a pipe), where a save file beside it would make no sense.
bool gtkw_wanted(const std::string& vcd_path);

// How many NoC links the save file shows: the busiest by busy time.
inline constexpr std::size_t kGtkwBusiestLinks = 8;

// The NoC links (scope "noc") the save file shows: the `n` with the largest busy time over the run, never
// an idle one, in decreasing busy time (ties: declaration order). Indices into `signals`.
std::vector<std::size_t> busiest_links(const std::vector<VcdSignal>& signals, std::size_t n = kGtkwBusiestLinks);

// The GTKWave save file: the VCD by path, the whole run in view, and in groups: every other scope's
// signals (the off-chip port), the busiest NoC links, then for each signal name tiles declare every
// tile's (`layer` first, by name through the filter file; then busy, buffer_bits as analog steps, and
// whatever else a tile logs). Each trace is the VCD's full name (chip.tile_3.busy) with an alias
// ("tile_3 busy") GTKWave shows instead of its default, the last component alone.
std::string gtkw_text(const std::vector<VcdSignal>& signals, const GtkwFiles& files);

// The translate filter file: one line per layer index with its name, and -1 (idle) as a dash.
std::string layer_filter_text(const std::vector<std::string>& layer_names);

}  // namespace cimsim::sim
