// `cimsim run --vcd F` also writes F.gtkw (a GTKWave save file) and F.layers.txt (its translate filter):
// the save file names only signals the VCD declares, shows every tile signal, the layers by name and the
// busiest NoC links, and both files follow the output rules of sim/output_file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "run_util.hpp"
#include "sim/vcd.hpp"

namespace fs = std::filesystem;
using cimsim::testing::leftover_temporaries;
using cimsim::testing::lines_of;
using cimsim::testing::quote;
using cimsim::testing::read_text;
using cimsim::testing::Result;
using cimsim::testing::scratch_dir;
using cimsim::testing::shell;
using cimsim::testing::write_text;

namespace {

// What a VCD declares and holds: each variable by its full name (scopes joined by '.'), its width, the
// time it is nonzero, and the values it takes.
struct Vcd {
  struct Var {
    int width = 0;
    int64_t busy_ps = 0;
    std::set<int64_t> values;
  };
  std::map<std::string, Var> vars;
  std::map<int64_t, std::string> layer_names;  // from the header comment
  int64_t end_ps = 0;
};

Vcd parse_vcd(const std::string& text) {
  Vcd vcd;
  std::vector<std::string> scopes;
  std::map<std::string, std::string> name_of;  // id -> full name
  std::map<std::string, std::pair<int64_t, int64_t>> state;  // id -> value, since
  bool body = false;
  int64_t now = 0;
  auto set = [&](const std::string& id, int64_t value) {
    auto& [v, since] = state[id];
    Vcd::Var& var = vcd.vars[name_of.at(id)];
    if (v != 0) var.busy_ps += now - since;
    v = value;
    since = now;
    var.values.insert(value);
  };
  for (const std::string& line : lines_of(text)) {
    std::istringstream is(line);
    std::vector<std::string> tok;
    for (std::string t; is >> t;) tok.push_back(t);
    if (tok.empty()) continue;
    if (!body) {
      if (tok[0] == "$comment") {
        for (const auto& t : tok)
          if (const auto eq = t.find('='); eq != std::string::npos && eq > 0 && std::isdigit(static_cast<unsigned char>(t[0])))
            vcd.layer_names[std::stoll(t.substr(0, eq))] = t.substr(eq + 1);
      } else if (tok[0] == "$scope") {
        scopes.push_back(tok.at(2));
      } else if (tok[0] == "$upscope") {
        scopes.pop_back();
      } else if (tok[0] == "$var") {
        std::string full;
        for (const auto& s : scopes) full += s + ".";
        full += tok.at(4);
        EXPECT_FALSE(vcd.vars.count(full)) << full << " declared twice";
        vcd.vars[full].width = std::stoi(tok.at(2));
        name_of[tok.at(3)] = full;
      } else if (tok[0] == "$enddefinitions") {
        body = true;
      }
      continue;
    }
    if (tok[0][0] == '#') {
      now = std::stoll(tok[0].substr(1));
      vcd.end_ps = std::max(vcd.end_ps, now);
    } else if (tok[0][0] == 'b') {
      set(tok.at(1), int64_t(int32_t(uint32_t(std::stoull(tok[0].substr(1), nullptr, 2)))));
    } else if (tok[0][0] == '0' || tok[0][0] == '1') {
      set(tok[0].substr(1), tok[0][0] - '0');
    }
  }
  for (auto& [id, vs] : state)
    if (vs.first != 0) vcd.vars[name_of.at(id)].busy_ps += vcd.end_ps - vs.second;
  return vcd;
}

// A save file as GTKWave reads it: the traces (full names, in order) with the flags, the alias and the
// translate filter each was given, the groups, and the `[key] value` settings.
struct Gtkw {
  struct Trace {
    std::string name, alias, filter;
    uint64_t flags = 0;
    std::string group;
  };
  std::vector<Trace> traces;
  std::vector<std::string> groups;  // titles, in order
  std::map<std::string, std::string> settings;
  double zoom = 0;
  bool zoom_set = false;
};

Gtkw parse_gtkw(const std::string& text) {
  Gtkw g;
  uint64_t flags = 0;
  std::string filter, group;
  bool in_group = false;
  for (const std::string& line : lines_of(text)) {
    for (const char c : line) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << line;
    if (line.empty()) continue;
    if (line[0] == '@') {
      flags = std::stoull(line.substr(1), nullptr, 16);
    } else if (line[0] == '[') {
      const auto close = line.find(']');
      EXPECT_NE(close, std::string::npos) << line;
      std::string value = line.substr(close + 1);
      value.erase(0, value.find_first_not_of(' '));
      g.settings[line.substr(1, close - 1)] = value;
    } else if (line[0] == '*') {
      g.zoom = std::stod(line.substr(1));
      g.zoom_set = true;
    } else if (line[0] == '^') {
      filter = line.substr(line.find(' ') + 1);
    } else if (line[0] == '-') {
      const std::string title = line.substr(1);
      if (flags & (1u << 23)) {  // group begin
        EXPECT_FALSE(in_group) << "nested group " << title;
        in_group = true;
        group = title;
        g.groups.push_back(title);
      } else if (flags & (1u << 24)) {  // group end
        EXPECT_TRUE(in_group && title == group) << "group end " << title << " does not close " << group;
        in_group = false;
      } else {
        EXPECT_TRUE(flags & (1u << 17)) << "a blank row that is not an analog trace's height: " << line;
      }
    } else {
      Gtkw::Trace t;
      std::string rest = line;
      if (line[0] == '+') {
        const auto close = line.find("} ");
        EXPECT_EQ(line.rfind("+{", 0), 0u) << line;
        EXPECT_NE(close, std::string::npos) << line;
        t.alias = line.substr(2, close - 2);
        rest = line.substr(close + 2);
      }
      t.name = rest;
      t.flags = flags;
      t.filter = filter;
      t.group = in_group ? group : "";
      g.traces.push_back(t);
    }
  }
  EXPECT_FALSE(in_group) << "group " << group << " not closed";
  return g;
}

std::string absolute_path(const fs::path& p) { return fs::weakly_canonical(fs::absolute(p)).string(); }

constexpr uint64_t kFileTranslated = 1u << 13, kAnalogStep = 1u << 15, kDec = 1u << 2, kSigned = 1u << 10;

class GtkwCli : public ::testing::Test {
 protected:
  fs::path dir = scratch_dir();
  Result run(const std::string& args) {
    return shell(dir, "cd " + quote(dir.string()) + " && " + quote(CIMSIM_BINARY) + " " + args);
  }
  void expect_refused(const Result& r, const std::string& fragment) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
};

}  // namespace

TEST_F(GtkwCli, SaveFileShowsTheVcdsSignalsLayersByNameAndTheBusiestLinks) {
  const Result r = run("run --hw isaac --net vgg8 -q --vcd w.vcd");
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(fs::is_regular_file(dir / "w.vcd.gtkw"));
  ASSERT_TRUE(fs::is_regular_file(dir / "w.vcd.layers.txt"));
  EXPECT_EQ(leftover_temporaries(dir), std::vector<std::string>{});
  const Vcd vcd = parse_vcd(read_text(dir / "w.vcd"));
  const Gtkw g = parse_gtkw(read_text(dir / "w.vcd.gtkw"));
  ASSERT_FALSE(vcd.vars.empty());
  ASSERT_FALSE(g.traces.empty());

  // the VCD and the filter by path; the whole run in view
  EXPECT_EQ(g.settings.at("dumpfile"), "\"" + absolute_path(dir / "w.vcd") + "\"");
  EXPECT_EQ(g.settings.at("savefile"), "\"" + absolute_path(dir / "w.vcd.gtkw") + "\"");
  EXPECT_EQ(g.settings.at("timestart"), "0");
  ASSERT_TRUE(g.zoom_set);
  int width = 0, height = 0;
  std::istringstream(g.settings.at("size")) >> width >> height;
  const int wave_px = width - std::stoi(g.settings.at("signals_width"));
  // GTKWave draws 2^-zoom time units per 200 pixels
  EXPECT_GE(std::pow(2.0, -g.zoom) / 200.0 * wave_px, double(vcd.end_ps)) << "the run does not fit";
  EXPECT_LE(std::pow(2.0, -g.zoom) / 200.0 * wave_px, 1.5 * double(vcd.end_ps)) << "the run fills too little";

  // every trace is a signal of the VCD, shown once
  std::set<std::string> shown;
  for (const auto& t : g.traces) {
    EXPECT_TRUE(vcd.vars.count(t.name)) << t.name << " is not declared in the VCD";
    EXPECT_TRUE(shown.insert(t.name).second) << t.name << " shown twice";
    EXPECT_FALSE(t.group.empty()) << t.name << " outside a group";
  }
  // every tile signal is there, and each tile has busy and layer
  std::set<std::string> tiles;
  for (const auto& [name, var] : vcd.vars) {
    if (name.rfind("chip.tile_", 0) != 0) continue;
    EXPECT_TRUE(shown.count(name)) << name << " missing from the save file";
    tiles.insert(name.substr(0, name.rfind('.')));
  }
  ASSERT_GT(tiles.size(), 1u);
  int buffers = 0;
  for (const auto& t : tiles) {
    EXPECT_TRUE(shown.count(t + ".busy")) << t;
    EXPECT_TRUE(shown.count(t + ".layer")) << t;
    buffers += int(shown.count(t + ".buffer_bits"));
  }
  EXPECT_GT(buffers, 0);
  EXPECT_TRUE(shown.count("chip.offchip.busy"));

  // layers through the filter file, shown as signed decimals; buffers as analog steps
  const std::string filter_path = absolute_path(dir / "w.vcd.layers.txt");
  for (const auto& t : g.traces) {
    const std::string leaf = t.name.substr(t.name.rfind('.') + 1);
    if (leaf == "layer") {
      EXPECT_EQ(t.filter, filter_path) << t.name;
      EXPECT_EQ(t.flags & (kFileTranslated | kDec | kSigned), kFileTranslated | kDec | kSigned) << t.name;
    } else {
      EXPECT_FALSE(t.flags & kFileTranslated) << t.name;
    }
    if (leaf == "buffer_bits") {
      EXPECT_TRUE(t.flags & kAnalogStep) << t.name;
    }
    // the alias keeps scope and name, without the '.' GTKWave would cut the name at
    const std::string scope = t.name.substr(5, t.name.rfind('.') - 5);
    EXPECT_EQ(t.alias, scope + " " + leaf);
  }

  // the filter maps every layer value the VCD uses to the layer's name
  std::map<int64_t, std::string> filter;
  for (const std::string& line : lines_of(read_text(dir / "w.vcd.layers.txt"))) {
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.find(' ');
    ASSERT_NE(sp, std::string::npos) << line;
    filter[std::stoll(line.substr(0, sp))] = line.substr(sp + 1);
  }
  ASSERT_EQ(vcd.layer_names.size(), 19u) << "vgg8: the input and 18 layers";
  std::set<int64_t> used;
  for (const auto& [name, var] : vcd.vars)
    if (name.size() > 6 && name.substr(name.size() - 6) == ".layer") used.insert(var.values.begin(), var.values.end());
  EXPECT_TRUE(used.count(-1));
  EXPECT_GT(used.size(), 10u);
  for (const int64_t v : used) {
    ASSERT_TRUE(filter.count(v)) << "layer value " << v << " is not in the filter";
    EXPECT_EQ(filter[v], v < 0 ? "-" : vcd.layer_names.at(v)) << v;  // idle: a dash
  }

  // the NoC links shown are the busiest by busy time, at most 8 and none idle
  std::vector<std::pair<int64_t, std::string>> links;
  for (const auto& [name, var] : vcd.vars)
    if (name.rfind("chip.noc.", 0) == 0) links.push_back({var.busy_ps, name});
  ASSERT_GT(links.size(), 8u);
  int64_t least_shown = INT64_MAX, most_hidden = 0;
  size_t shown_links = 0, busy_links = 0;
  for (const auto& [busy, name] : links) {
    busy_links += busy > 0;
    if (shown.count(name)) {
      ++shown_links;
      least_shown = std::min(least_shown, busy);
      EXPECT_GT(busy, 0) << name << " is idle";
    } else {
      most_hidden = std::max(most_hidden, busy);
    }
  }
  EXPECT_EQ(shown_links, std::min<size_t>(8, busy_links));
  EXPECT_GE(least_shown, most_hidden) << "a busier link is left out";
  EXPECT_NE(std::find(g.groups.begin(), g.groups.end(),
                      "noc: 8 busiest of " + std::to_string(links.size()) + " links"),
            g.groups.end());
}

TEST_F(GtkwCli, ExistingSaveFilesFollowTheOutputRules) {
  const std::string net = quote(std::string(CIMSIM_SOURCE_DIR) + "/workloads/nets/tiny.yaml");
  // a regular file is replaced whole, keeping its permission bits
  write_text(dir / "w.vcd.gtkw", "old\n");
  ::chmod((dir / "w.vcd.gtkw").c_str(), 0640);
  Result r = run("run --hw edge-rram --net " + net + " -q --vcd w.vcd");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(read_text(dir / "w.vcd.gtkw").find("[dumpfile]"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "w.vcd.gtkw").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(leftover_temporaries(dir), std::vector<std::string>{});

  // a symbolic link is refused before anything runs: nothing written, the link and its target unchanged
  write_text(dir / "precious", "precious\n");
  for (const char* f : {"v.vcd.gtkw", "v.vcd.layers.txt"}) {
    SCOPED_TRACE(f);
    fs::create_symlink("precious", dir / f);
    expect_refused(run("run --hw edge-rram --net " + net + " -q --vcd v.vcd"), "symbolic link");
    EXPECT_TRUE(fs::is_symlink(dir / f));
    EXPECT_EQ(read_text(dir / "precious"), "precious\n");
    EXPECT_FALSE(fs::exists(dir / "v.vcd"));
    fs::remove(dir / f);
  }
  // a directory, an input of the command, another output of it
  fs::create_directories(dir / "d.vcd.gtkw");
  expect_refused(run("run --hw edge-rram --net " + net + " -q --vcd d.vcd"), "is a directory");
  const std::string hw = read_text(fs::path(CIMSIM_SOURCE_DIR) / "configs/edge-rram.yaml");
  write_text(dir / "h.vcd.gtkw", hw);
  expect_refused(run("run --hw h.vcd.gtkw --net " + net + " -q --vcd h.vcd"), "is an input of this command");
  EXPECT_EQ(read_text(dir / "h.vcd.gtkw"), hw);
  expect_refused(run("run --hw edge-rram --net " + net + " -q --vcd j.vcd --json j.vcd.layers.txt"),
                 "given for both");
  EXPECT_FALSE(fs::exists(dir / "j.vcd"));
  EXPECT_EQ(leftover_temporaries(dir), std::vector<std::string>{});
}

TEST_F(GtkwCli, PathsWithQuotesAndSpacesAreNamedRawAndControlCharactersRefused) {
  const std::string net = quote(std::string(CIMSIM_SOURCE_DIR) + "/workloads/nets/tiny.yaml");
  fs::create_directories(dir / "a \"b\"");
  const Result r = run("run --hw edge-rram --net " + net + " -q --vcd " + quote("a \"b\"/w \"x\".vcd"));
  ASSERT_EQ(r.code, 0) << r.err;
  const Gtkw g = parse_gtkw(read_text(dir / "a \"b\"" / "w \"x\".vcd.gtkw"));
  // GTKWave takes what lies between the first and the last quote, unescaped
  EXPECT_EQ(g.settings.at("dumpfile"), "\"" + absolute_path(dir / "a \"b\"" / "w \"x\".vcd") + "\"");
  ASSERT_FALSE(g.traces.empty());
  for (const auto& t : g.traces)
    if (t.flags & kFileTranslated) {
      EXPECT_EQ(t.filter, absolute_path(dir / "a \"b\"" / "w \"x\".vcd.layers.txt"));
    }

  expect_refused(run("run --hw edge-rram --net " + net + " -q --vcd " + quote("n\nl.vcd")), "control character");
  expect_refused(run("run --hw edge-rram --net " + net + " -q --vcd " + quote("t\tab.vcd")), "control character");
  EXPECT_FALSE(fs::exists(dir / "n\nl.vcd"));
  EXPECT_FALSE(fs::exists(dir / "t\tab.vcd"));
}

TEST_F(GtkwCli, AVcdIntoAFifoHasNoSaveFile) {
  const fs::path fifo = dir / "pipe.vcd";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = read_text(fifo); });
  const Result r = run("run --hw edge-rram --net " + quote(std::string(CIMSIM_SOURCE_DIR) + "/workloads/nets/tiny.yaml") +
                       " -q --vcd pipe.vcd");
  if (r.code != 0) {  // the reader still waits for a writer: release it
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
  reader.join();
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(got.find("$enddefinitions"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "pipe.vcd.gtkw"));
  EXPECT_FALSE(fs::exists(dir / "pipe.vcd.layers.txt"));
}

// The save file is made from what the VCD writer declares: a signal a tile logs besides `busy` (a stall)
// gets its own group without the save file knowing its name; links are ranked by busy time.
TEST(Gtkw, SignalsComeFromTheVcdWriterAndLinksAreRankedByBusyTime) {
  using namespace cimsim;
  sim::TraceData trace;
  trace.occupancy.assign(3, {});
  trace.occupancy[2] = {{0.0, 64.0}, {5.0, 128.0}, {9.0, 0.0}};
  trace.log.add("tile_2", "busy")->push_back({1.0, 4.0, 1});
  trace.log.add("tile_10", "busy")->push_back({2.0, 3.0, 0});
  trace.log.add("tile_2", "stall")->push_back({4.0, 6.0, 0});
  trace.log.add("offchip", "busy")->push_back({0.0, 1.0, -1});
  for (int i = 0; i < 11; ++i) {
    auto* link = trace.log.add("noc", "r" + std::to_string(i) + "_E");
    if (i == 3) continue;  // idle: never shown
    link->push_back({0.0, 1.0 + (i % 5), -1});  // busy 1..5 ns: ties broken by declaration order
  }
  const auto signals = sim::vcd_signals(trace);
  const sim::GtkwFiles files{"/x/w.vcd", "/x/w.vcd.gtkw", "/x/w.vcd.layers.txt"};
  const Gtkw g = parse_gtkw(sim::gtkw_text(signals, files));
  const Vcd vcd = parse_vcd(sim::vcd_text(signals, {"input", "a"}));
  std::vector<std::string> names;
  for (const auto& t : g.traces) {
    EXPECT_TRUE(vcd.vars.count(t.name)) << t.name;
    names.push_back(t.name);
  }
  // the tile's `stall` is a wire of its own, not another `layer`
  EXPECT_EQ(vcd.vars.at("chip.tile_2.stall").width, 1);
  EXPECT_EQ(std::count_if(names.begin(), names.end(), [](const std::string& n) { return n.find(".layer") != std::string::npos; }), 2);
  const std::vector<std::string> expected = {
      "chip.offchip.busy",
      // busy 5, 5, 4, 3, 3, 2, 2, 1 ns; r3 idle; of the three at 1 ns the first declared
      "chip.noc.r4_E", "chip.noc.r9_E", "chip.noc.r8_E", "chip.noc.r2_E", "chip.noc.r7_E", "chip.noc.r1_E",
      "chip.noc.r6_E", "chip.noc.r0_E",
      // tiles by number, layers first
      "chip.tile_2.layer", "chip.tile_10.layer", "chip.tile_2.busy", "chip.tile_10.busy", "chip.tile_2.stall",
      "chip.tile_2.buffer_bits"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(g.groups, (std::vector<std::string>{"offchip", "noc: 8 busiest of 11 links", "tiles: layer", "tiles: busy",
                                                "tiles: stall", "tiles: buffer_bits"}));
  EXPECT_EQ(sim::busy_ps(signals[0], sim::vcd_end_ps(signals)), 3000);
  EXPECT_EQ(vcd.vars.at("chip.tile_2.busy").busy_ps, 3000);
}

TEST(Gtkw, LayerFilterLinesSurviveAnyName) {
  const std::string text = cimsim::sim::layer_filter_text({"input", "conv 1", "a\nb", "", "?red?x", "  lead"});
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 8u) << text;
  EXPECT_EQ(lines[0][0], '#');
  EXPECT_EQ(lines[1], "-1 -");
  EXPECT_EQ(lines[2], "0 input");
  EXPECT_EQ(lines[3], "1 conv 1");
  EXPECT_EQ(lines[4], "2 a\\nb");
  EXPECT_EQ(lines[5], "3 layer_3");
  EXPECT_EQ(lines[6], "4 layer_4 ?red?x");
  EXPECT_EQ(lines[7], "5 lead");
}
