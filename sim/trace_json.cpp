#include "sim/trace_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <utility>

namespace cimsim::sim {

namespace {

// Times are integer picoseconds inside, microseconds with 6 decimals (exact) in the file.
int64_t ps(double ns) { return int64_t(std::llround(ns * 1000.0)); }

std::string us(int64_t t_ps) {
  const bool neg = t_ps < 0;
  const uint64_t a = neg ? uint64_t(-t_ps) : uint64_t(t_ps);
  std::string frac = std::to_string(a % 1000000);
  frac.insert(0, 6 - frac.size(), '0');
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return (neg ? "-" : "") + std::to_string(a / 1000000) + (frac.empty() ? "" : "." + frac);
}

std::string quote(const std::string& s) { return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

struct Slice {
  int64_t start, end;  // ps
};

// Sorted, disjoint: intervals that touch or overlap merged; empty ones dropped.
std::vector<Slice> merge(std::vector<Slice> v) {
  std::sort(v.begin(), v.end(), [](const Slice& a, const Slice& b) { return a.start < b.start; });
  std::vector<Slice> out;
  for (const auto& s : v) {
    if (s.end <= s.start) continue;
    if (!out.empty() && s.start <= out.back().end)
      out.back().end = std::max(out.back().end, s.end);
    else
      out.push_back(s);
  }
  return out;
}

}  // namespace

std::string trace_json(const TraceData& trace, const std::vector<std::string>& layer_names,
                       const RunResult& result, size_t max_flows, size_t max_transfer_slices) {
  const auto& transfers = trace.log.transfers;
  // processes: tile t -> pid t + 1, then the off-chip port, then the NoC
  int tiles = int(trace.occupancy.size());
  for (const auto& sig : trace.log.signals)
    if (sig.scope.rfind("tile_", 0) == 0) tiles = std::max(tiles, std::stoi(sig.scope.substr(5)) + 1);
  for (const auto& t : transfers) tiles = std::max({tiles, t.src + 1, t.dst + 1});
  const int offchip_pid = tiles + 1, noc_pid = tiles + 2;
  auto pid_of = [&](int endpoint) { return endpoint < 0 ? offchip_pid : endpoint + 1; };
  auto layer_name = [&](int l) {
    if (l >= 0 && size_t(l) < layer_names.size()) return layer_names[size_t(l)];
    return l < 0 ? std::string("(no layer)") : "layer " + std::to_string(l);
  };
  auto layer_op = [&](int l) {
    return l >= 0 && size_t(l) < result.layer_results.size() ? result.layer_results[size_t(l)].op
                                                               : std::string();
  };

  // busy slices: (pid, layer) -> merged slices; thread id = layer + 1 (0: work of no layer)
  std::map<std::pair<int, int>, std::vector<Slice>> busy;
  // backpressure: when the layers homed on a tile waited for room (a thread of their own per tile)
  std::map<int, std::vector<hw::BusyInterval>> stalls;
  for (const auto& sig : trace.log.signals) {
    if (sig.name == "stall" && sig.scope.rfind("tile_", 0) == 0) {
      auto& v = stalls[std::stoi(sig.scope.substr(5)) + 1];
      v.insert(v.end(), sig.busy.begin(), sig.busy.end());
      continue;
    }
    int pid;
    if (sig.scope.rfind("tile_", 0) == 0)
      pid = std::stoi(sig.scope.substr(5)) + 1;
    else if (sig.scope == "offchip")
      pid = offchip_pid;
    else
      continue;  // NoC links: shown as transfers instead
    for (const auto& b : sig.busy) busy[{pid, b.tag}].push_back({ps(b.start_ns), ps(b.end_ns)});
  }
  std::map<int, std::vector<int>> threads_of;  // pid -> layers with slices
  for (auto& [key, v] : busy) {
    v = merge(std::move(v));
    if (!v.empty()) threads_of[key.first].push_back(key.second);
  }

  std::ostringstream os;
  bool first = true;
  auto event = [&](const std::string& body) {
    os << (first ? "\n" : ",\n") << '{' << body << '}';
    first = false;
  };
  auto meta = [&](const char* what, int pid, int tid, const std::string& arg) {
    event(std::string("\"ph\":\"M\",\"name\":\"") + what + "\",\"pid\":" + std::to_string(pid) +
          ",\"tid\":" + std::to_string(tid) + ",\"args\":{" + arg + "}");
  };

  // transfers: the largest first, slices and flows capped
  std::vector<size_t> order(transfers.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return transfers[a].bits > transfers[b].bits; });
  const size_t shown = std::min(order.size(), max_transfer_slices);
  const size_t flowed = std::min(shown, max_flows);
  std::vector<size_t> shown_idx(order.begin(), order.begin() + long(shown));
  std::vector<bool> with_flow(transfers.size(), false);
  for (size_t k = 0; k < flowed; ++k) with_flow[order[k]] = true;
  std::sort(shown_idx.begin(), shown_idx.end(), [&](size_t a, size_t b) {
    const auto& x = transfers[a];
    const auto& y = transfers[b];
    return x.src != y.src ? x.src < y.src : x.start_ns != y.start_ns ? x.start_ns < y.start_ns : a < b;
  });
  // lanes: per source, first fit, so slices on one thread never overlap
  std::vector<std::pair<int, int>> lane_keys;  // (src, lane) per shown transfer, in shown_idx order
  {
    std::map<int, std::vector<int64_t>> lane_end;
    for (size_t i : shown_idx) {
      const auto& t = transfers[i];
      auto& ends = lane_end[t.src];
      const int64_t s = ps(t.start_ns), e = std::max(ps(t.end_ns), s + 1);
      size_t lane = 0;
      while (lane < ends.size() && ends[lane] > s) ++lane;
      if (lane == ends.size()) ends.push_back(0);
      ends[lane] = e;
      lane_keys.push_back({t.src, int(lane)});
    }
  }
  std::map<std::pair<int, int>, int> noc_tid;
  {
    std::vector<std::pair<int, int>> keys = lane_keys;
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& k : keys) noc_tid[k] = int(noc_tid.size());
  }

  // metadata
  auto tile_label = [&](int endpoint) {
    return endpoint < 0 ? std::string("off-chip") : "tile " + std::to_string(endpoint);
  };
  for (int t = 0; t < tiles; ++t) {
    const bool has_counter = size_t(t) < trace.occupancy.size() && !trace.occupancy[size_t(t)].empty();
    if (!threads_of.count(t + 1) && !has_counter && !stalls.count(t + 1)) continue;
    meta("process_name", t + 1, 0, "\"name\":" + quote(tile_label(t)));
    meta("process_sort_index", t + 1, 0, "\"sort_index\":" + std::to_string(t + 1));
  }
  if (threads_of.count(offchip_pid)) {
    meta("process_name", offchip_pid, 0, "\"name\":\"off-chip port\"");
    meta("process_sort_index", offchip_pid, 0, "\"sort_index\":" + std::to_string(offchip_pid));
  }
  for (const auto& [pid, layers] : threads_of)
    for (int l : layers) {
      meta("thread_name", pid, l + 1, "\"name\":" + quote(layer_name(l)));
      meta("thread_sort_index", pid, l + 1, "\"sort_index\":" + std::to_string(l + 1));
    }
  if (!noc_tid.empty()) {
    meta("process_name", noc_pid, 0, "\"name\":\"noc\"");
    meta("process_sort_index", noc_pid, 0, "\"sort_index\":" + std::to_string(noc_pid));
    for (const auto& [key, tid] : noc_tid) {
      std::string name = "from " + tile_label(key.first);
      if (key.second > 0) name += " #" + std::to_string(key.second + 1);
      meta("thread_name", noc_pid, tid, "\"name\":" + quote(name));
      meta("thread_sort_index", noc_pid, tid, "\"sort_index\":" + std::to_string(tid));
    }
  }

  // the run's summary: a global instant at 0 (also in otherData below)
  nlohmann::json summary = {
      {"network", result.network},
      {"hardware", result.hardware},
      {"deployment", result.deployment},
      {"mapping", result.mapping_mode},
      {"dataflow", result.options.dataflow == tiles::Dataflow::pipelined ? "pipelined" : "layer_by_layer"},
      {"inputs", result.options.inputs},
      {"latency_ns", result.latency_ns},
      {"total_ns", result.total_ns},
      {"energy_per_inference_pj", result.energy_per_inference_pj},
      {"chip_tiles", result.chip_tiles},
      {"transfers", transfers.size()},
      {"transfer_slices", shown},
  };

  // busy slices
  size_t n_slices = 0;
  for (const auto& [key, v] : busy) {
    const auto [pid, l] = key;
    const std::string head = "\"ph\":\"X\",\"cat\":\"compute\",\"name\":" + quote(layer_name(l)) +
                             ",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(l + 1);
    const std::string args = ",\"args\":{\"layer\":" + std::to_string(l) + ",\"op\":" + quote(layer_op(l)) + "}";
    for (const auto& s : v) {
      event(head + ",\"ts\":" + us(s.start) + ",\"dur\":" + us(s.end - s.start) + args);
      ++n_slices;
    }
  }

  // stall slices: on a thread after the tile's layers
  size_t n_stalls = 0;
  for (const auto& [pid, list] : stalls) {
    const int tid = int(layer_names.size()) + 1;
    meta("thread_name", pid, tid, "\"name\":\"stalls (waiting for room)\"");
    meta("thread_sort_index", pid, tid, "\"sort_index\":" + std::to_string(tid));
    for (const auto& b : list) {
      const int64_t s0 = ps(b.start_ns), e0 = std::max(ps(b.end_ns), s0 + 1);
      event("\"ph\":\"X\",\"cat\":\"stall\",\"name\":" + quote("stall: " + layer_name(b.tag)) + ",\"pid\":" +
            std::to_string(pid) + ",\"tid\":" + std::to_string(tid) + ",\"ts\":" + us(s0) + ",\"dur\":" +
            us(e0 - s0) + ",\"args\":{\"layer\":" + std::to_string(b.tag) + "}");
      ++n_stalls;
    }
  }
  summary["stall_slices"] = n_stalls;

  // transfer slices and flows
  // where a flow ends: the destination's slice enclosing the arrival (the layer's own thread first),
  // else the next slice to begin there; -> (tid, ts)
  auto flow_end = [&](int pid, int layer, int64_t at, int& tid, int64_t& ts) {
    auto it = threads_of.find(pid);
    if (it == threads_of.end()) return false;
    std::vector<int> cands = {layer};
    for (int l : it->second)
      if (l != layer) cands.push_back(l);
    for (int pass = 0; pass < 2; ++pass)
      for (int l : cands) {
        auto b = busy.find({pid, l});
        if (b == busy.end()) continue;
        const auto& v = b->second;
        // first slice ending after `at`
        auto s = std::upper_bound(v.begin(), v.end(), at, [](int64_t x, const Slice& y) { return x < y.end; });
        if (s == v.end()) continue;
        if (pass == 0 && s->start < at) {  // strictly inside
          tid = l + 1;
          ts = at;
          return true;
        }
        if (pass == 1 && s->start >= at && s->end - s->start >= 2) {
          tid = l + 1;
          ts = s->start + (s->end - s->start) / 2;
          return true;
        }
      }
    return false;
  };
  size_t n_flows = 0, n_unbound = 0;
  for (size_t k = 0; k < shown_idx.size(); ++k) {
    const size_t i = shown_idx[k];
    const auto& t = transfers[i];
    const int tid = noc_tid[lane_keys[k]];
    const int64_t s = ps(t.start_ns), e = std::max(ps(t.end_ns), s + 1);
    const std::string where = ",\"pid\":" + std::to_string(noc_pid) + ",\"tid\":" + std::to_string(tid);
    event("\"ph\":\"X\",\"cat\":\"noc\",\"name\":" + quote("to " + tile_label(t.dst)) + where +
          ",\"ts\":" + us(s) + ",\"dur\":" + us(e - s) + ",\"args\":{\"layer\":" + std::to_string(t.layer) +
          ",\"layer_name\":" + quote(layer_name(t.layer)) + ",\"src\":" + std::to_string(t.src) +
          ",\"dst\":" + std::to_string(t.dst) + ",\"bits\":" + std::to_string(t.bits) + "}");
    if (!with_flow[i]) continue;
    int dtid = 0;
    int64_t dts = 0;
    if (!flow_end(pid_of(t.dst), t.layer, e, dtid, dts) || e - s < 2) {
      ++n_unbound;
      continue;
    }
    const std::string id = ",\"cat\":\"noc\",\"name\":\"transfer\",\"id\":" + std::to_string(i + 1);
    event("\"ph\":\"s\"" + id + where + ",\"ts\":" + us(s + (e - s) / 2));
    event("\"ph\":\"f\",\"bp\":\"e\"" + id + ",\"pid\":" + std::to_string(pid_of(t.dst)) +
          ",\"tid\":" + std::to_string(dtid) + ",\"ts\":" + us(dts));
    ++n_flows;
  }
  summary["flows"] = n_flows;
  summary["flows_unbound"] = n_unbound;  // no slice on the destination to end at
  summary["flow_cap"] = max_flows;
  summary["flows_dropped_by_cap"] = transfers.size() - flowed;
  if (transfers.size() > flowed)
    summary["note"] = "flows only for the " + std::to_string(flowed) + " largest of " +
                      std::to_string(transfers.size()) + " transfers";

  // buffer occupancy counters
  size_t n_counters = 0;
  for (size_t t = 0; t < trace.occupancy.size(); ++t) {
    const auto& occ = trace.occupancy[t];
    int64_t last = -1;
    for (size_t j = 0; j < occ.size(); ++j) {
      if (j + 1 < occ.size() && ps(occ[j + 1].first) == ps(occ[j].first)) continue;  // last of a time wins
      const int64_t v = std::max<int64_t>(0, std::llround(occ[j].second));
      if (v == last) continue;
      last = v;
      event("\"ph\":\"C\",\"name\":\"buffer_bits\",\"pid\":" + std::to_string(t + 1) + ",\"tid\":0" +
            ",\"ts\":" + us(std::max<int64_t>(0, ps(occ[j].first))) + ",\"args\":{\"bits\":" + std::to_string(v) + "}");
      ++n_counters;
    }
  }
  summary["busy_slices"] = n_slices;
  summary["counter_events"] = n_counters;
  event("\"ph\":\"i\",\"s\":\"g\",\"name\":\"run summary\",\"pid\":0,\"tid\":0,\"ts\":0,\"args\":" + summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));

  return "{\"displayTimeUnit\":\"ns\",\"otherData\":" + summary.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + ",\"traceEvents\":[" + os.str() +
         "\n]}\n";
}

}  // namespace cimsim::sim
