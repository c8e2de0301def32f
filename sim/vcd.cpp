#include "sim/vcd.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>

#include "common/text.hpp"
#include "sim/output_file.hpp"

namespace cimsim::sim {

namespace {

std::string id_code(size_t i) {  // VCD identifiers: printable ASCII 33..126
  std::string s;
  do {
    s.push_back(char(33 + i % 94));
    i /= 94;
  } while (i > 0);
  return s;
}

int64_t ps(double ns) { return int64_t(std::llround(ns * 1000.0)); }

bool is_tile(const std::string& scope) { return scope.rfind("tile_", 0) == 0; }

// busy (count > 0) and, optionally, the tag of the most recently started interval while busy, as raw
// changes (several at one time possible: the last one wins)
void busy_changes(const std::vector<hw::BusyInterval>& busy, std::vector<VcdChange>& busy_out,
                  std::vector<VcdChange>* layer_out) {
  std::vector<std::pair<int64_t, int>> ev;  // time, +1 start / -1 end
  std::vector<std::pair<int64_t, int>> starts;
  for (const auto& b : busy) {
    if (b.end_ns <= b.start_ns) continue;
    ev.push_back({ps(b.start_ns), +1});
    ev.push_back({ps(b.end_ns), -1});
    starts.push_back({ps(b.start_ns), b.tag});
  }
  std::sort(ev.begin(), ev.end(), [](auto a, auto b) { return a.first != b.first ? a.first < b.first : a.second < b.second; });
  std::sort(starts.begin(), starts.end());
  int level = 0;
  for (size_t i = 0; i < ev.size(); ++i) {
    level += ev[i].second;
    if (i + 1 < ev.size() && ev[i + 1].first == ev[i].first) continue;  // settle same-time events
    busy_out.push_back({ev[i].first, level > 0 ? 1 : 0});
    if (layer_out && level == 0) starts.push_back({ev[i].first, -1});  // idle: layer -1 when busy drops to 0
  }
  if (layer_out)
    for (const auto& [t, tag] : starts) layer_out->push_back({t, tag});
}

// `raw` ordered by time (same-time changes keep their order: the last one wins) into the signal's value
// at time 0 and its real changes after it.
void settle(VcdSignal& s, std::vector<VcdChange> raw) {
  std::stable_sort(raw.begin(), raw.end(), [](const VcdChange& a, const VcdChange& b) { return a.t_ps < b.t_ps; });
  s.initial = s.kind == SignalKind::layer ? -1 : 0;
  size_t i = 0;
  for (; i < raw.size() && raw[i].t_ps <= 0; ++i) s.initial = raw[i].value;
  int64_t current = s.initial;
  while (i < raw.size()) {
    const int64_t t = raw[i].t_ps;
    int64_t last = raw[i].value;
    for (; i < raw.size() && raw[i].t_ps == t; ++i) last = raw[i].value;
    if (last == current) continue;
    current = last;
    s.changes.push_back({t, last});
  }
}

}  // namespace

std::vector<VcdSignal> vcd_signals(const TraceData& trace) {
  std::vector<VcdSignal> out;
  // A tile's `busy` comes with its `layer`; any other signal a tile or unit logs is a busy wire alone.
  for (const auto& sig : trace.log.signals) {
    const bool with_layer = is_tile(sig.scope) && sig.name == "busy";
    std::vector<VcdChange> busy, layer;
    busy_changes(sig.busy, busy, with_layer ? &layer : nullptr);
    out.push_back({sig.scope, sig.name, SignalKind::busy, 0, {}});
    settle(out.back(), std::move(busy));
    if (with_layer) {
      out.push_back({sig.scope, "layer", SignalKind::layer, -1, {}});
      settle(out.back(), std::move(layer));
    }
  }
  for (size_t t = 0; t < trace.occupancy.size(); ++t) {
    if (trace.occupancy[t].empty()) continue;
    std::vector<VcdChange> raw;
    for (const auto& [time, level] : trace.occupancy[t]) raw.push_back({ps(time), int64_t(std::llround(level))});
    out.push_back({"tile_" + std::to_string(t), "buffer_bits", SignalKind::level, 0, {}});
    settle(out.back(), std::move(raw));
  }
  return out;
}

std::string vcd_text(const TraceData& trace, const std::vector<std::string>& layer_names) {
  return vcd_text(vcd_signals(trace), layer_names);
}

std::string vcd_text(const std::vector<VcdSignal>& signals, const std::vector<std::string>& layer_names) {
  std::ostringstream os;
  os << "$version cimsim $end\n$timescale 1ps $end\n$comment layer values:";
  // layer names are the user's: one line, control bytes escaped, and no '$' (a "$end" in a name would
  // end the comment early for every VCD reader)
  for (size_t i = 0; i < layer_names.size(); ++i) {
    std::string name = common::printable(layer_names[i], 200);
    for (std::size_t at = name.find('$'); at != std::string::npos; at = name.find('$', at + 4))
      name.replace(at, 1, "\\x24");
    os << ' ' << i << '=' << name;
  }
  os << " $end\n$scope module " << kVcdTop << " $end\n";
  std::map<std::string, std::vector<size_t>> by_scope;
  for (size_t i = 0; i < signals.size(); ++i) by_scope[signals[i].scope].push_back(i);
  for (const auto& [scope, ids] : by_scope) {
    os << "$scope module " << scope << " $end\n";
    for (size_t i : ids)
      os << "$var " << (signals[i].width() == 1 ? "wire" : "integer") << ' ' << signals[i].width() << ' '
         << id_code(i) << ' ' << signals[i].name << " $end\n";
    os << "$upscope $end\n";
  }
  os << "$upscope $end\n$enddefinitions $end\n";
  auto emit = [&](size_t v, int64_t value) {
    if (signals[v].width() == 1) {
      os << (value ? '1' : '0') << id_code(v) << '\n';
    } else {
      std::string bits;
      uint32_t u = uint32_t(int32_t(value));
      for (int k = 31; k >= 0; --k) bits.push_back((u >> k) & 1 ? '1' : '0');
      const auto first = bits.find('1');
      os << 'b' << (first == std::string::npos ? "0" : bits.substr(first)) << ' ' << id_code(v) << '\n';
    }
  };
  os << "#0\n$dumpvars\n";
  for (size_t v = 0; v < signals.size(); ++v) emit(v, signals[v].initial);
  os << "$end\n";
  std::vector<std::tuple<int64_t, size_t, int64_t>> all;  // time, signal, value
  for (size_t v = 0; v < signals.size(); ++v)
    for (const auto& c : signals[v].changes) all.emplace_back(c.t_ps, v, c.value);
  std::sort(all.begin(), all.end());
  int64_t stamped = 0;  // #0 is written
  for (const auto& [t, v, value] : all) {
    if (t != stamped) {
      os << '#' << t << '\n';
      stamped = t;
    }
    emit(v, value);
  }
  return os.str();
}

int64_t vcd_end_ps(const std::vector<VcdSignal>& signals) {
  int64_t end = 0;
  for (const auto& s : signals)
    if (!s.changes.empty()) end = std::max(end, s.changes.back().t_ps);
  return end;
}

int64_t busy_ps(const VcdSignal& s, int64_t end_ps) {
  int64_t sum = 0, from = 0, value = s.initial;
  for (const auto& c : s.changes) {
    if (c.t_ps > end_ps) break;
    if (value != 0) sum += c.t_ps - from;
    from = c.t_ps;
    value = c.value;
  }
  if (value != 0 && end_ps > from) sum += end_ps - from;
  return sum;
}

// ---- the GTKWave save file ---------------------------------------------------------------------------

namespace {

namespace fs = std::filesystem;

// A path as the save file names it: absolute and normalized, its links resolved as far as they exist (as
// GTKWave itself writes it). GTKWave reads a save file line by line and takes a path raw (a `[dumpfile]`
// is what lies between the first and the last double quote), so quotes and spaces need no escaping and
// are kept; a control character cannot be written.
std::string save_file_path(const std::string& path, const std::string& vcd_path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) p = fs::absolute(path).lexically_normal();
  const std::string s = p.string();
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw OutputError(common::printable(s, 160) + ": holds a control character, which a GTKWave save file (" +
                        common::printable(vcd_path, 80) + ".gtkw) cannot name; choose another --vcd path");
  return s;
}

// GTKWave trace flags (analyzer.h TR_*), as a save file's `@` lines give them (hex).
constexpr uint64_t kDec = 1u << 2, kBin = 1u << 3, kRjustify = 1u << 5, kBlank = 1u << 9,
                   kSigned = 1u << 10, kFileTranslated = 1u << 13, kAnalogStep = 1u << 15,
                   kAnalogBlankStretch = 1u << 17, kGroupBegin = 1u << 23, kGroupEnd = 1u << 24;

// A level drawn as an analog step this many rows high.
constexpr int kAnalogRows = 3;

// The window the save file asks for and the width of its signal name pane, in pixels. GTKWave takes about
// 64 more (the collapsed signal tree, the scroll bar); the zoom puts the whole run into what is left less
// a margin, so the run ends about a tenth before the right edge (and still fits a somewhat narrower window).
constexpr int kWindowWidth = 1600, kWindowHeight = 1000, kSignalsWidth = 220, kWaveMargin = 200;

// The GTKWave zoom that shows `end_ps` in `width` pixels: GTKWave draws 2^-zoom time units (here ps) per
// 200 pixels (wavewindow.c calczoom; its "zoom to fit" computes the same).
double fit_zoom(int64_t end_ps, int width) {
  const double z = -std::log2(double(end_ps + 1) * 200.0 / double(width));
  return std::min(0.0, std::floor(z * 100.0) / 100.0);
}

int tile_number(const std::string& scope) {
  try {
    return std::stoi(scope.substr(5));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

GtkwFiles gtkw_files(const std::string& vcd_path) {
  return {save_file_path(vcd_path, vcd_path), save_file_path(vcd_path + kGtkwSuffix, vcd_path),
          save_file_path(vcd_path + kLayerFilterSuffix, vcd_path)};
}

bool gtkw_wanted(const std::string& vcd_path) {
  struct stat st {};
  return ::lstat(vcd_path.c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode));
}

std::vector<std::size_t> busiest_links(const std::vector<VcdSignal>& signals, std::size_t n) {
  const int64_t end = vcd_end_ps(signals);
  std::vector<std::pair<int64_t, std::size_t>> links;  // -busy time, index
  for (std::size_t i = 0; i < signals.size(); ++i)
    if (signals[i].scope == "noc")
      if (const int64_t b = busy_ps(signals[i], end); b > 0) links.push_back({-b, i});
  std::sort(links.begin(), links.end());
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < links.size() && k < n; ++k) out.push_back(links[k].second);
  return out;
}

std::string gtkw_text(const std::vector<VcdSignal>& signals, const GtkwFiles& files) {
  std::ostringstream os;
  const int64_t end = vcd_end_ps(signals);
  os << "[*] cimsim: a GTKWave save file for the VCD below; open with: gtkwave THIS_FILE.gtkw\n"
     << "[dumpfile] \"" << files.vcd << "\"\n"
     << "[savefile] \"" << files.gtkw << "\"\n"  // GTKWave finds the VCD and the filter relative to it if moved
     << "[timestart] 0\n"
     << "[size] " << kWindowWidth << ' ' << kWindowHeight << "\n[pos] -1 -1\n";
  char zoom[64];
  std::snprintf(zoom, sizeof zoom, "*%.6f -1\n", fit_zoom(end, kWindowWidth - kSignalsWidth - kWaveMargin));
  os << zoom << "[treeopen] " << kVcdTop << ".\n[signals_width] " << kSignalsWidth << "\n[sst_expanded] 0\n";

  uint64_t current = 0;  // as GTKWave writes it: an `@` line where the flags change
  auto flags = [&](uint64_t f) {
    if (f != current) os << '@' << std::hex << f << std::dec << '\n';
    current = f;
  };
  auto trace = [&](const VcdSignal& s) {
    switch (s.kind) {
      case SignalKind::busy:
        flags(kBin | kRjustify);
        break;
      case SignalKind::layer:
        flags(kDec | kSigned | kRjustify | kFileTranslated);
        os << "^1 " << files.layers << '\n';
        break;
      case SignalKind::level:
        flags(kDec | kRjustify | kAnalogStep);
        break;
    }
    // GTKWave shows a trace by its last name component ("layer") unless told otherwise: an alias keeps the
    // tile on screen ("tile_3 layer", no '.' for GTKWave to cut at); the trace is the VCD's full name
    os << "+{" << s.scope << ' ' << s.name << "} " << kVcdTop << '.' << s.scope << '.' << s.name << '\n';
    if (s.kind == SignalKind::level) {
      flags(kAnalogBlankStretch);
      for (int r = 1; r < kAnalogRows; ++r) os << "-\n";
    }
  };
  auto group = [&](const std::string& title, const std::vector<std::size_t>& members) {
    if (members.empty()) return;
    flags(kGroupBegin | kBlank);
    os << '-' << title << '\n';
    for (std::size_t i : members) trace(signals[i]);
    flags(kGroupEnd | kBlank);
    os << '-' << title << '\n';
  };

  // every scope but the NoC and the tiles (the off-chip port), in declaration order
  std::vector<std::string> scopes;
  std::map<std::string, std::vector<std::size_t>> in_scope;
  std::size_t links = 0;
  for (std::size_t i = 0; i < signals.size(); ++i) {
    if (signals[i].scope == "noc") ++links;
    if (signals[i].scope == "noc" || is_tile(signals[i].scope)) continue;
    if (!in_scope.count(signals[i].scope)) scopes.push_back(signals[i].scope);
    in_scope[signals[i].scope].push_back(i);
  }
  for (const auto& s : scopes) group(s, in_scope[s]);
  const auto busiest = busiest_links(signals);
  group("noc: " + std::to_string(busiest.size()) + " busiest of " + std::to_string(links) + " links", busiest);

  // the tiles: a group per signal name, the layers (by name) first, then in declaration order; in a group
  // the tiles by number
  std::vector<std::string> names;
  std::map<std::string, std::vector<std::size_t>> by_name;
  for (std::size_t i = 0; i < signals.size(); ++i) {
    if (!is_tile(signals[i].scope)) continue;
    if (!by_name.count(signals[i].name)) names.push_back(signals[i].name);
    by_name[signals[i].name].push_back(i);
  }
  std::stable_partition(names.begin(), names.end(),
                        [&](const std::string& n) { return signals[by_name[n].front()].kind == SignalKind::layer; });
  for (const auto& n : names) {
    auto& members = by_name[n];
    std::stable_sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return tile_number(signals[a].scope) < tile_number(signals[b].scope);
    });
    group("tiles: " + n, members);
  }
  return os.str();
}

std::string layer_filter_text(const std::vector<std::string>& layer_names) {
  std::ostringstream os;
  // idle (-1) is a dash: the names of the layers stand out
  os << "# cimsim: a GTKWave translate filter file: a `layer` value (decimal), then the layer's name\n-1 -\n";
  for (std::size_t i = 0; i < layer_names.size(); ++i) {
    // one line each; GTKWave drops leading blanks and reads "?color?text" as a colour, so neither may lead
    std::string name = common::printable(layer_names[i], 200);
    name.erase(0, name.find_first_not_of(' '));
    if (name.empty() || name[0] == '?') name = "layer_" + std::to_string(i) + (name.empty() ? "" : " " + name);
    os << i << ' ' << name << '\n';
  }
  return os.str();
}

}  // namespace cimsim::sim
