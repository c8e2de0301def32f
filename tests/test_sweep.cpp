// Sweeps: the spec is validated like a config; points are enumerated as the mode says; every point runs
// in its own process, lands in SQLite and the exports, failures are recorded and the sweep goes on; a
// second run resumes; shards merge to what a local run gives.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_util.hpp"
#include "sim/sweep.hpp"
#include "sim/sweep_spec.hpp"

using namespace cimsim;
using cimsim::testing::read_text;
using cimsim::testing::scratch_dir;
using cimsim::testing::write_text;
namespace fs = std::filesystem;

namespace {

std::string spec_error(const std::string& text) {
  SCOPED_TRACE(text);
  return cimsim::testing::error_of<sim::SweepError>([&] { sim::sweep_points(sim::parse_sweep_spec(text, "spec.yaml")); });
}

int run(const std::string& args, const fs::path& dir, const std::string& tag) {
  const std::string cmd = std::string(CIMSIM_BINARY) + " " + args + " > " + (dir / (tag + ".out")).string() + " 2> " +
                          (dir / (tag + ".err")).string();
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// results.csv as rows of column -> value, without the wall time
std::vector<std::map<std::string, std::string>> csv_rows(const fs::path& file) {
  std::stringstream in(read_text(file));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  for (std::stringstream h(line); std::getline(h, line, ',');) names.push_back(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::map<std::string, std::string> r;
    std::stringstream f(line);
    for (const auto& n : names) {
      std::string v;
      std::getline(f, v, ',');
      if (n != "wall_s") r[n] = v;
    }
    rows.push_back(r);
  }
  return rows;
}

const char* kTiny =
    "name: tiny\nhw: default\nnets: [" CIMSIM_SOURCE_DIR "/workloads/nets/tiny.yaml]\n"
    "axes:\n  adc.per_crossbar: [1, 2]\n  crossbar.rows: [64, 128]\n";

}  // namespace

TEST(SweepSpec, ModesEnumerateTheirPoints) {
  const std::string head = "hw: default\nnets: [vgg8, resnet18]\ndeploy: [individual]\n";
  EXPECT_EQ(sim::sweep_points(sim::parse_sweep_spec(head + "axes:\n  adc.bits: [6, 8]\n  crossbar.rows: [64, 128, 256]\n", "s.yaml")).size(),
            2u * 3 * 2);
  EXPECT_EQ(sim::sweep_points(sim::parse_sweep_spec(head + "mode: zip\naxes:\n  crossbar.rows: [64, 128]\n  crossbar.cols: [64, 128]\n", "s.yaml")).size(),
            2u * 2);
  EXPECT_EQ(sim::sweep_points(sim::parse_sweep_spec(head + "mode: list\npoints:\n  - {adc.bits: 6}\n  - {adc.bits: 7, crossbar.rows: 64}\n  - {}\n", "s.yaml")).size(),
            3u * 2);
  const auto r1 = sim::sweep_points(sim::parse_sweep_spec(head + "mode: random\nsamples: 5\nseed: 3\naxes:\n  adc.bits: [4, 5, 6, 7, 8]\n", "s.yaml"));
  const auto r2 = sim::sweep_points(sim::parse_sweep_spec(head + "mode: random\nsamples: 5\nseed: 3\naxes:\n  adc.bits: [4, 5, 6, 7, 8]\n", "s.yaml"));
  ASSERT_EQ(r1.size(), 5u * 2);
  for (size_t i = 0; i < r1.size(); ++i) EXPECT_EQ(r1[i].values, r2[i].values);  // seeded
  // grid: the last axis varies fastest; every point's config carries its values
  const auto g = sim::sweep_points(sim::parse_sweep_spec(head + "axes:\n  adc.bits: [6, 8]\n  crossbar.rows: [64, 128]\n", "s.yaml"));
  EXPECT_EQ(g[1].values.at("adc.bits"), "6");
  EXPECT_EQ(g[1].values.at("crossbar.rows"), "128");
  EXPECT_NE(g[1].hw_yaml.find("rows: 128"), std::string::npos);
  EXPECT_EQ(g[4].values.at("net"), "resnet18");
}

TEST(SweepSpec, BadSpecsAreOneLineErrorsWithTheirPlace) {
  EXPECT_EQ(spec_error("hw: default\nfoo: 1\n"),
            "spec.yaml:2:1: unknown key 'foo'; allowed: name, hw, nets, deploy, mapping, dataflow, inputs, crossbars, "
            "mode, axes, points, samples, seed, timeout_s, allow_pinned");
  EXPECT_EQ(spec_error("axes:\n  adc.bitz: [1]\n"),
            "spec.yaml:2:3: unknown config key 'adc.bitz' in axes; allowed: a dotted config key (docs/config.md)");
  EXPECT_EQ(spec_error("mode: spiral\n"), "spec.yaml:1:7: mode spiral is not allowed; allowed: grid, zip, list, random");
  EXPECT_NE(spec_error("mode: zip\naxes:\n  adc.bits: [6, 8]\n  crossbar.rows: [64]\n").find("equal lengths"),
            std::string::npos);
  EXPECT_NE(spec_error("deploy: [everywhere]\n").find("allowed: individual, hypernet"), std::string::npos);
  EXPECT_EQ(spec_error("mode: random\n"), "spec.yaml:1:7: mode random needs samples; allowed: samples: N");
  EXPECT_NE(spec_error("axes: [1, 2\n").find("spec.yaml:"), std::string::npos);  // YAML syntax
  // keys that are not plain names, and keys given twice (case 27), are errors at the key
  EXPECT_EQ(spec_error("{a: 1}: 2\n"),
            "spec.yaml:1:1: a key must be a plain name; allowed: name, hw, nets, deploy, mapping, dataflow, inputs, "
            "crossbars, mode, axes, points, samples, seed, timeout_s, allow_pinned");
  EXPECT_EQ(spec_error("axes:\n  ? [a]\n  : [1]\n"),
            "spec.yaml:2:5: a key must be a plain name; allowed: a dotted config key (docs/config.md)");
  EXPECT_EQ(spec_error("hw: default\nnets: [vgg8]\naxes:\n  adc.bits: [6, 7]\n  adc.bits: [8]\n"),
            "spec.yaml:5:3: duplicate axis 'adc.bits'; allowed: each config key once in axes (give it all its values)");
  EXPECT_EQ(spec_error("hw: default\nhw: isaac\n"), "spec.yaml:2:1: duplicate key 'hw'; allowed: each key once");
  EXPECT_EQ(spec_error("mode: list\npoints:\n  - {adc.bits: 6, adc.bits: 7}\n"),
            "spec.yaml:3:19: duplicate key 'adc.bits' in a point; allowed: each config key once per point");
  EXPECT_EQ(spec_error("inputs: [1]\n"), "spec.yaml:1:9: inputs: expected a single value; allowed: a string or number");
}

TEST(SweepSpec, ValuesAndNetworksAreCheckedAtTheirPlaceInTheSpec) {
  // a value wrong on its own: at the value, not in a generated config
  EXPECT_EQ(spec_error("axes:\n  adc.bits: [8, 99]\n"),
            "spec.yaml:2:17: adc.bits = 99 is out of range; allowed: auto, or an integer in [1, 24]");
  EXPECT_EQ(spec_error("axes:\n  adc.bits: [\"x\\ny\"]\n"),
            "spec.yaml:2:14: adc.bits: expected an integer, got string \"x\\ny\"; allowed: auto, or an integer in [1, 24]");
  EXPECT_EQ(spec_error("mode: list\npoints:\n  - {crossbar.cols: 128}\n  - {adc.per_crossbar: 256}\n"),
            "spec.yaml:4:24: adc.per_crossbar = 256 exceeds crossbar.cols = 128; allowed: integer in [1, crossbar.cols]");
  // values valid alone, invalid together: the point with its values, at the axes
  EXPECT_EQ(spec_error("hw: default\naxes:\n  adc.per_crossbar: [256]\n  crossbar.cols: [512, 64]\n"),
            "spec.yaml:2:1: point 1 (adc.per_crossbar = 256, crossbar.cols = 64) is not a valid config: "
            "adc.per_crossbar = 256 exceeds crossbar.cols = 64; allowed: integer in [1, crossbar.cols]");
  // every network is loaded before anything runs: a missing one is an error at its entry
  EXPECT_EQ(spec_error("nets: [vgg8, no-such-net.yaml]\n"), "spec.yaml:1:14: nets: cannot open no-such-net.yaml (No such file or directory)");
  EXPECT_EQ(spec_error("nets: [darts_v2, vgg8]\ndeploy: [individual, hypernet]\n"),
            "spec.yaml:1:18: nets: vgg8 cannot be deployed on the hypernetwork (deploy: hypernet); allowed: a DARTS "
            "genotype (darts_v1, darts_v2, pdarts or a .genotype file)");
  EXPECT_EQ(spec_error("hw: no-such-chip.yaml\n"),
            "spec.yaml:1:5: hw: cannot open no-such-chip.yaml; allowed: a built-in config or a YAML file of at most "
            "1048576 bytes");
  EXPECT_EQ(spec_error("hw: /dev/zero\n").rfind("spec.yaml:1:5: hw: cannot open /dev/zero;", 0), 0u);  // never read
}

TEST(SweepSpec, ThePointCountIsBoundedBeforeAnyPointIsBuilt) {
  // case 15: 10^9 points, refused with the count and the bound (nothing of that size is ever allocated)
  std::string grid = "hw: default\nnets: [vgg8]\naxes:\n";
  for (const char* k : {"adc.bits", "adc.per_crossbar", "crossbar.rows", "crossbar.cols", "tile.pes",
                        "pe.crossbars", "dac.bits", "noc.flit_bits", "tile.buffer.banks"})
    grid += std::string("  ") + k + ": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n";
  EXPECT_EQ(spec_error(grid), "spec.yaml:3:1: the sweep has 1000000000 points (10 x 10 x 10 x 10 x 10 x 10 x 10 x 10 "
                              "x 10 axis values x 1 nets x 1 deployments); allowed: at most 100000 points "
                              "(kMaxSweepPoints; split the sweep)");
  // a product past int64 is counted with checked arithmetic, not wrapped
  std::string values = "[";
  for (int i = 0; i < 10000; ++i) values += (i ? ", " : "") + std::to_string(1 + i % 16);
  values += "]";
  std::string huge = "axes:\n";
  for (const char* k : {"adc.bits", "dac.bits", "crossbar.rows", "crossbar.cols", "tile.pes"})
    huge += std::string("  ") + k + ": " + values + "\n";
  EXPECT_NE(spec_error(huge).find("the sweep has more than 9.2e18 points"), std::string::npos);
  // random: samples x nets x deployments
  EXPECT_EQ(spec_error("mode: random\nsamples: 100000\nnets: [vgg8, resnet18]\naxes:\n  adc.bits: [6]\n"),
            "spec.yaml:2:10: the sweep has 200000 points (2 nets x 1 deployments); allowed: at most 100000 points "
            "(kMaxSweepPoints; split the sweep)");
  EXPECT_EQ(sim::sweep_point_count(sim::parse_sweep_spec("nets: [vgg8, resnet18]\naxes:\n  adc.bits: [6, 7, 8]\n", "s.yaml")), 6);
}

TEST(Sweep, RunsEveryPointRecordsItAndResumes) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "tiny.yaml", kTiny);
  const auto out = dir / "out";
  ASSERT_EQ(run("sweep " + spec + " --out " + out.string() + " --jobs 2", dir, "first"), 0) << read_text(dir / "first.err");
  auto rows = csv_rows(out / "results.csv");
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& r : rows) EXPECT_EQ(r.at("status"), "ok") << r.at("error");
  // a point's metrics are those of running its config by hand
  const auto j = cimsim::testing::run_json(dir, "by-hand", "--hw " + (out / "points" / "3" / "hw.yaml").string() +
                                                              " --net " CIMSIM_SOURCE_DIR "/workloads/nets/tiny.yaml");
  EXPECT_NEAR(std::stod(rows[3].at("latency_ns")), double(j["latency"]["ns"]), 1e-10 * double(j["latency"]["ns"]));
  EXPECT_NEAR(std::stod(rows[3].at("energy_pj")), double(j["energy_pj"]["total"]), 1e-10 * double(j["energy_pj"]["total"]));
  EXPECT_EQ(rows[3].at("adc.per_crossbar"), "2");
  EXPECT_EQ(rows[3].at("crossbar.rows"), "128");
  // JSON lines: one object per point with every column
  std::stringstream jl(read_text(out / "results.jsonl"));
  int lines = 0;
  for (std::string line; std::getline(jl, line); ++lines) EXPECT_TRUE(nlohmann::json::parse(line).contains("latency_ns"));
  EXPECT_EQ(lines, 4);
  // SQLite: queryable
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((out / "results.sqlite").string().c_str(), &db), SQLITE_OK);
  int ok = -1;
  sqlite3_exec(db, "SELECT COUNT(*) FROM results WHERE status = 'ok'",
               [](void* p, int, char** v, char**) { *static_cast<int*>(p) = std::atoi(v[0]); return 0; }, &ok, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(ok, 4);
  // the same command again: nothing reruns
  ASSERT_EQ(run("sweep " + spec + " --out " + out.string(), dir, "again"), 0);
  EXPECT_NE(read_text(dir / "again.out").find("4 points: 4 ok, 0 failed (0 ran now, 4 already done, 0 retried)"),
            std::string::npos)
      << read_text(dir / "again.out");
  // another spec into the same directory is refused
  const auto other = write_text(dir / "other.yaml", std::string(kTiny) + "inputs: 2\n");
  EXPECT_EQ(run("sweep " + other + " --out " + out.string(), dir, "other"), 2);
  EXPECT_NE(read_text(dir / "other.err").find("different sweep"), std::string::npos);
}

TEST(Sweep, FailedPointsAreRecordedAndRetried) {
  const auto dir = scratch_dir();
  // a 1 x 1 chip cannot hold vgg8: that point fails, the other runs
  const auto spec = write_text(dir / "f.yaml",
                               "hw: default\nnets: [vgg8]\nmode: list\npoints:\n  - {chip.tiles: auto}\n  - {chip.tiles: [1, 1]}\n");
  const auto out = dir / "out";
  // it ran, and a point failed: exit 3 (kSweepExitPointsFailed), counted in the summary
  ASSERT_EQ(run("sweep " + spec + " --out " + out.string(), dir, "first"), sim::kSweepExitPointsFailed);
  EXPECT_NE(read_text(dir / "first.out").find("2 points: 1 ok, 1 failed (2 ran now, 0 already done, 0 retried)"),
            std::string::npos) << read_text(dir / "first.out");
  auto rows = csv_rows(out / "results.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("status"), "ok");
  EXPECT_EQ(rows[1].at("status"), "failed");
  EXPECT_NE(rows[1].at("error").find("exit 2"), std::string::npos);
  EXPECT_NE(rows[1].at("error").find("needs"), std::string::npos);
  // a resume counts the failure recorded before, and still exits 3
  ASSERT_EQ(run("sweep " + spec + " --out " + out.string(), dir, "resume"), sim::kSweepExitPointsFailed);
  EXPECT_NE(read_text(dir / "resume.out").find("2 points: 1 ok, 1 failed (0 ran now, 2 already done, 0 retried)"),
            std::string::npos) << read_text(dir / "resume.out");
  ASSERT_EQ(run("sweep " + spec + " --out " + out.string() + " --retry-failed", dir, "retry"), sim::kSweepExitPointsFailed);
  EXPECT_NE(read_text(dir / "retry.out").find("2 points: 1 ok, 1 failed (1 ran now, 1 already done, 0 retried)"),
            std::string::npos) << read_text(dir / "retry.out");
}

TEST(Sweep, ASweepWhosePointsAllFailExitsThree) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "f.yaml", "hw: default\nnets: [vgg8]\naxes:\n  chip.tiles: [[1, 1], [1, 2]]\n");
  ASSERT_EQ(run("sweep " + spec + " --out " + (dir / "out").string(), dir, "all"), sim::kSweepExitPointsFailed);
  EXPECT_NE(read_text(dir / "all.out").find("2 points: 0 ok, 2 failed (2 ran now"), std::string::npos)
      << read_text(dir / "all.out");
}

TEST(Sweep, APointPastItsTimeLimitIsRecordedAndTheSweepGoesOn) {
  const auto dir = scratch_dir();
  // darts_v2 with 45 inputs simulates in about 4 s on a 2-core machine (under the run-work bound); vgg8 in 0.2 s
  const auto spec = write_text(dir / "t.yaml", "hw: isaac\nnets: [darts_v2, vgg8]\ninputs: 45\ntimeout_s: 1\n");
  const auto out = dir / "out";
  ASSERT_EQ(run("sweep " + spec + " --out " + out.string() + " --jobs 2", dir, "t"), sim::kSweepExitPointsFailed);
  const auto rows = csv_rows(out / "results.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("status"), "failed");
  EXPECT_EQ(rows[0].at("error"), "time limit of 1 s exceeded");
}

TEST(Sweep, ShardsMergeToWhatALocalRunGives) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "tiny.yaml", kTiny);
  ASSERT_EQ(run("sweep " + spec + " --out " + (dir / "local").string(), dir, "local"), 0);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(run("sweep " + spec + " --out " + (dir / "sharded").string() + " --shard " + std::to_string(i) + "/3",
                  dir, "shard" + std::to_string(i)),
              0);
  ASSERT_EQ(run("sweep merge " + (dir / "sharded").string(), dir, "merge"), 0);
  EXPECT_EQ(csv_rows(dir / "sharded" / "results.csv"), csv_rows(dir / "local" / "results.csv"));
}

TEST(Sweep, SlurmScriptHasOneArrayTaskPerShard) {
  const auto dir = scratch_dir();
  const auto spec = write_text(dir / "tiny.yaml", kTiny);
  ASSERT_EQ(run("sweep " + spec + " --out " + (dir / "s").string() + " --slurm --shards 3", dir, "slurm"), 0);
  const std::string script = read_text(dir / "s" / "sweep.sbatch");
  EXPECT_EQ(script.rfind("#!/bin/bash", 0), 0u);
  EXPECT_NE(script.find("#SBATCH --array=0-2"), std::string::npos);
  EXPECT_NE(script.find("--shard \"${SLURM_ARRAY_TASK_ID}/3\""), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "s" / "results.sqlite"));  // nothing ran
}
