// `cimsim run --trace F`: a Perfetto / Chrome trace (JSON trace event format).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "run_util.hpp"
#include "sim/trace_json.hpp"

using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using nlohmann::json;

namespace {

int run_cli(const std::filesystem::path& dir, const std::string& args) {
  const std::string cmd = "cd " + dir.string() + " && " + CIMSIM_BINARY + " " + args + " -q > out.txt 2> err.txt";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

struct Slice {
  double ts, dur;
};

// Every structural property a trace must have; returns the summary (the global instant's args).
json check_trace(const json& doc, double total_ns) {
  EXPECT_TRUE(doc.contains("traceEvents"));
  const json& events = doc.at("traceEvents");
  EXPECT_TRUE(events.is_array());
  json summary;
  std::map<std::pair<int, int>, std::vector<Slice>> slices;  // (pid, tid): one layer on one tile
  std::map<std::string, int> flow_starts, flow_ends;
  std::map<std::pair<int, int>, bool> named_thread;
  std::set<int> named_process;
  int noc_pid = -1;
  for (const auto& e : events) {
    const std::string ph = e.at("ph");
    if (ph == "M" && e.at("name") == "process_name") {
      named_process.insert(e.at("pid").get<int>());
      if (e.at("args").at("name") == "noc") noc_pid = e.at("pid");
    }
    if (ph == "M" && e.at("name") == "thread_name") named_thread[{e.at("pid"), e.at("tid")}] = true;
    if (ph == "i" && e.at("name") == "run summary") summary = e.at("args");
  }
  for (const auto& e : events) {
    const std::string ph = e.at("ph");
    if (ph == "X") {
      const double ts = e.at("ts"), dur = e.at("dur");
      EXPECT_GE(ts, 0.0) << e;
      EXPECT_GT(dur, 0.0) << e;
      const int pid = e.at("pid"), tid = e.at("tid");
      EXPECT_TRUE(named_thread.count({pid, tid})) << "a slice on an unnamed thread: " << e;
      slices[{pid, tid}].push_back({ts, dur});
    } else if (ph == "s" || ph == "f") {
      EXPECT_EQ(e.at("cat"), "noc");
      const std::string id = e.at("id").dump();
      (ph == "s" ? flow_starts : flow_ends)[id]++;
      if (ph == "f") {
        EXPECT_EQ(e.at("bp"), "e");
      }
      EXPECT_GE(e.at("ts").get<double>(), 0.0);
    } else if (ph == "C") {
      for (const auto& [k, v] : e.at("args").items()) EXPECT_GE(v.get<double>(), 0.0) << e;
      EXPECT_TRUE(named_process.count(e.at("pid").get<int>())) << e;
    }
  }
  // slices on one thread (a layer on a tile, or a NoC lane) are sorted and disjoint
  const double eps = 1e-6;  // us
  std::map<int, std::vector<Slice>> per_process;
  for (const auto& [key, v] : slices) {
    double sum = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      sum += v[i].dur;
      if (i > 0) {
        EXPECT_GE(v[i].ts, v[i - 1].ts + v[i - 1].dur - eps) << "overlap on pid " << key.first << " tid " << key.second;
      }
    }
    EXPECT_LE(sum, total_ns / 1000 + eps) << "pid " << key.first << " tid " << key.second;
    if (key.first != noc_pid) per_process[key.first].insert(per_process[key.first].end(), v.begin(), v.end());
  }
  // a tile's work (all its layers) covers at most the run
  for (auto& [pid, v] : per_process) {
    std::sort(v.begin(), v.end(), [](const Slice& a, const Slice& b) { return a.ts < b.ts; });
    double covered = 0, end = -1;
    for (const auto& s : v) {
      const double b = std::max(s.ts, end), e = s.ts + s.dur;
      if (e > b) covered += e - b;
      end = std::max(end, e);
    }
    EXPECT_LE(covered, total_ns / 1000 + eps) << "pid " << pid;
    EXPECT_LE(end, total_ns / 1000 + eps) << "pid " << pid << " busy after the run ended";
  }
  EXPECT_EQ(flow_starts, flow_ends) << "every flow start has one end with the same id";
  for (const auto& [id, n] : flow_starts) EXPECT_EQ(n, 1) << "flow id " << id << " used twice";
  EXPECT_FALSE(summary.is_null()) << "no run summary";
  if (!summary.is_null()) {
    EXPECT_EQ(summary.at("flows").get<size_t>(), flow_starts.size());
  }
  return summary;
}

}  // namespace

TEST(Trace, RunWritesAValidPerfettoTrace) {
  const auto dir = scratch_dir();
  ASSERT_EQ(run_cli(dir, "run --hw default --net vgg8 --inputs 2 --json r.json --trace t.json"), 0)
      << read_text(dir / "err.txt");
  const json report = json::parse(read_text(dir / "r.json"));
  const json doc = json::parse(read_text(dir / "t.json"));
  const double total_ns = report.at("run").at("ns");
  const json summary = check_trace(doc, total_ns);
  ASSERT_FALSE(summary.is_null());
  EXPECT_EQ(summary.at("network"), "vgg8");
  EXPECT_EQ(summary.at("hardware"), "default");
  EXPECT_DOUBLE_EQ(summary.at("total_ns").get<double>(), total_ns);
  const size_t transfers = summary.at("transfers");
  EXPECT_GT(transfers, 0u);
  ASSERT_LE(transfers, cimsim::sim::kTraceMaxFlows);
  // under the cap: a flow per transfer (none left without a slice to end at)
  EXPECT_EQ(summary.at("flows").get<size_t>() + summary.at("flows_unbound").get<size_t>(), transfers);
  EXPECT_EQ(summary.at("flows_unbound").get<size_t>(), 0u);
  // every tile with work has a process and slices; buffer counters exist
  int compute = 0, counters = 0;
  for (const auto& e : doc.at("traceEvents")) {
    compute += e.at("ph") == "X" && e.value("cat", "") == "compute";
    counters += e.at("ph") == "C";
  }
  EXPECT_GT(compute, 0);
  EXPECT_GT(counters, 0);
}

TEST(Trace, OutputPathIsChecked) {
  const auto dir = scratch_dir();
  EXPECT_EQ(run_cli(dir, "run --net vgg8 --trace nodir/t.json"), 2);
  EXPECT_NE(read_text(dir / "err.txt").find("does not exist"), std::string::npos);
  EXPECT_EQ(run_cli(dir, "run --net vgg8 --json same.json --trace ./same.json"), 2);
  EXPECT_NE(read_text(dir / "err.txt").find("same.json"), std::string::npos);
  EXPECT_EQ(run_cli(dir, "run --net vgg8 --vcd w.vcd --trace w.vcd"), 2);
  std::filesystem::create_directories(dir / "adir");
  EXPECT_EQ(run_cli(dir, "run --net vgg8 --trace adir"), 2);
  EXPECT_NE(read_text(dir / "err.txt").find("directory"), std::string::npos);
  // bad input: nothing written
  EXPECT_EQ(run_cli(dir, "run --net no_such_net --trace t.json"), 2);
  EXPECT_FALSE(std::filesystem::exists(dir / "t.json"));
}

TEST(Trace, FlowsAreCappedLargestFirst) {
  using namespace cimsim;
  sim::TraceData trace;
  trace.occupancy.assign(2, {});
  trace.occupancy[1] = {{0.0, 64.0}, {5.0, 128.0}, {5.0, 96.0}, {9.0, 1e-9}, {9.0, 0.0}};
  auto* busy = trace.log.add("tile_1", "busy");
  busy->push_back({10.0, 20.0, 1});
  busy->push_back({15.0, 30.0, 1});  // overlaps: merged
  busy->push_back({30.0, 40.0, 1});  // touches: merged
  busy->push_back({50.0, 60.0, 1});
  busy->push_back({12.0, 70.0, 2});  // another layer: its own thread
  for (int i = 0; i < 10; ++i)
    trace.log.transfers.push_back({0, 1, 1, double(i), double(i) + 2.0, uint64_t(100 + i)});
  sim::RunResult r;
  r.network = "synthetic";
  r.total_ns = 100;
  const json doc = json::parse(sim::trace_json(trace, {"input", "a", "b"}, r, 3));
  const json summary = check_trace(doc, r.total_ns);
  EXPECT_EQ(summary.at("transfers"), 10);
  EXPECT_EQ(summary.at("flows"), 3);
  EXPECT_EQ(summary.at("flows_dropped_by_cap"), 7);
  EXPECT_TRUE(summary.contains("note"));
  std::set<int> flow_ids, noc_slices;
  int layer_a = 0;
  std::vector<int> counter_values;
  for (const auto& e : doc.at("traceEvents")) {
    if (e.at("ph") == "s") flow_ids.insert(e.at("id").get<int>());
    if (e.at("ph") == "X" && e.at("cat") == "noc") noc_slices.insert(int(e.at("args").at("bits").get<int>()));
    if (e.at("ph") == "X" && e.at("name") == "a") {
      ++layer_a;
      EXPECT_EQ(e.at("args").at("layer"), 1);
    }
    if (e.at("ph") == "C") counter_values.push_back(e.at("args").at("bits"));
  }
  EXPECT_EQ(flow_ids, (std::set<int>{8, 9, 10})) << "the three largest transfers keep their flows";
  EXPECT_EQ(noc_slices.size(), 10u) << "every transfer keeps its slice";
  EXPECT_EQ(layer_a, 2) << "[10,40] merged, [50,60] apart";
  EXPECT_EQ(counter_values, (std::vector<int>{64, 96, 0})) << "same-time changes: the last wins";
}

// A layer name is the user's: a "$end" in it must not end the VCD header's comment early (every VCD
// reader would then take the rest of the name for keywords). '$' is written \x24.
TEST(Vcd, ALayerNameCannotEndTheHeaderComment) {
  const auto dir = scratch_dir();
  cimsim::testing::write_text(dir / "odd.yaml",
                              "name: odd\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
                              "  - {name: \"c $end $var\", op: conv, out_channels: 8, kernel: 3, pad: 1}\n");
  ASSERT_EQ(run_cli(dir, "run --hw default --net odd.yaml --vcd w.vcd"), 0) << read_text(dir / "err.txt");
  const std::string vcd = read_text(dir / "w.vcd");
  const auto line_end = vcd.find('\n', vcd.find("$comment"));
  const std::string comment = vcd.substr(vcd.find("$comment"), line_end - vcd.find("$comment"));
  EXPECT_NE(comment.find("1=c \\x24end \\x24var"), std::string::npos) << comment;
  // one "$end" closes the comment, at its end
  EXPECT_EQ(comment.find("$end"), comment.size() - 4) << comment;
}
