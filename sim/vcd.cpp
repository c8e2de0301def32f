#include "sim/vcd.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

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

struct Var {
  std::string scope, name, id;
  int width;  // 1: wire; otherwise integer
};

struct Change {
  int64_t t_ps;
  size_t var;
  int64_t value;
  bool operator<(const Change& o) const { return t_ps != o.t_ps ? t_ps < o.t_ps : var < o.var; }
};

int64_t ps(double ns) { return int64_t(std::llround(ns * 1000.0)); }

// busy (count > 0) and, optionally, the tag of the most recently started interval while busy
void busy_changes(const std::vector<hw::BusyInterval>& busy, size_t busy_var, long layer_var,
                  std::vector<Change>& out) {
  std::vector<std::pair<int64_t, int>> ev;  // time, +1 start / -1 end, with tag order by start
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
    out.push_back({ev[i].first, busy_var, level > 0 ? 1 : 0});
  }
  if (layer_var >= 0) {
    for (const auto& [t, tag] : starts) out.push_back({t, size_t(layer_var), tag});
    // idle: layer -1 when busy drops to 0
    level = 0;
    for (size_t i = 0; i < ev.size(); ++i) {
      level += ev[i].second;
      if (i + 1 < ev.size() && ev[i + 1].first == ev[i].first) continue;
      if (level == 0) out.push_back({ev[i].first, size_t(layer_var), -1});
    }
  }
}

}  // namespace

std::string vcd_text(const TraceData& trace, const std::vector<std::string>& layer_names) {
  std::vector<Var> vars;
  std::vector<Change> changes;
  auto add_var = [&](std::string scope, std::string name, int width) {
    vars.push_back({std::move(scope), std::move(name), id_code(vars.size()), width});
    return vars.size() - 1;
  };
  for (const auto& sig : trace.log.signals) {
    const bool tile = sig.scope.rfind("tile_", 0) == 0;
    const size_t b = add_var(sig.scope, sig.name, 1);
    const long l = tile ? long(add_var(sig.scope, "layer", 32)) : -1;
    busy_changes(sig.busy, b, l, changes);
  }
  for (size_t t = 0; t < trace.occupancy.size(); ++t) {
    if (trace.occupancy[t].empty()) continue;
    const size_t v = add_var("tile_" + std::to_string(t), "buffer_bits", 32);
    for (const auto& [time, level] : trace.occupancy[t])
      changes.push_back({ps(time), v, int64_t(std::llround(level))});
  }
  // Stable sort keeps the order of same-time changes of one variable: the last one wins.
  std::stable_sort(changes.begin(), changes.end());

  std::ostringstream os;
  os << "$version cimsim $end\n$timescale 1ps $end\n$comment layer values:";
  for (size_t i = 0; i < layer_names.size(); ++i) os << ' ' << i << '=' << layer_names[i];
  os << " $end\n$scope module chip $end\n";
  std::map<std::string, std::vector<size_t>> by_scope;
  for (size_t i = 0; i < vars.size(); ++i) by_scope[vars[i].scope].push_back(i);
  for (const auto& [scope, ids] : by_scope) {
    os << "$scope module " << scope << " $end\n";
    for (size_t i : ids)
      os << "$var " << (vars[i].width == 1 ? "wire" : "integer") << ' ' << vars[i].width << ' '
         << vars[i].id << ' ' << vars[i].name << " $end\n";
    os << "$upscope $end\n";
  }
  os << "$upscope $end\n$enddefinitions $end\n";
  std::vector<int64_t> current(vars.size(), 0);
  auto emit = [&](size_t v, int64_t value) {
    if (vars[v].width == 1) {
      os << (value ? '1' : '0') << vars[v].id << '\n';
    } else {
      std::string bits;
      uint32_t u = uint32_t(int32_t(value));
      for (int k = 31; k >= 0; --k) bits.push_back((u >> k) & 1 ? '1' : '0');
      const auto first = bits.find('1');
      os << 'b' << (first == std::string::npos ? "0" : bits.substr(first)) << ' ' << vars[v].id << '\n';
    }
  };
  // initial values: idle, then whatever changes at time 0
  for (size_t v = 0; v < vars.size(); ++v) current[v] = vars[v].name == "layer" ? -1 : 0;
  size_t i = 0;
  for (; i < changes.size() && changes[i].t_ps <= 0; ++i) current[changes[i].var] = changes[i].value;
  os << "#0\n$dumpvars\n";
  for (size_t v = 0; v < vars.size(); ++v) emit(v, current[v]);
  os << "$end\n";
  // collapse same-time changes of a variable to the last one, drop those that change nothing
  while (i < changes.size()) {
    const int64_t t = changes[i].t_ps;
    std::map<size_t, int64_t> last;
    for (; i < changes.size() && changes[i].t_ps == t; ++i) last[changes[i].var] = changes[i].value;
    bool stamped = false;
    for (const auto& [v, value] : last) {
      if (current[v] == value) continue;
      if (!stamped) {
        os << '#' << t << '\n';
        stamped = true;
      }
      current[v] = value;
      emit(v, value);
    }
  }
  return os.str();
}

}  // namespace cimsim::sim
