// Buffers with capacity (tiles::RunState::plan_buffers, tiles::Controller, docs/architecture.md#buffers):
// a layer's input window is the rows one step reads; a producer stalls until its single-input consumer
// has room (backpressure); a row that finds no room goes off-chip and comes back; stalls are in the
// report, the VCD and the trace; no buffer ever holds more than its capacity.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "run_util.hpp"

using namespace cimsim::testing;

namespace {

// One conv layer (16 -> 16 channels, 32 x 32, pad keeps the size).
std::string one_conv(const std::filesystem::path& dir, int kernel) {
  return write_text(dir / ("conv" + std::to_string(kernel) + ".yaml"),
                    "name: one\ninput: {channels: 16, height: 32, width: 32}\nlayers:\n"
                    "  - {name: a, op: conv, out_channels: 16, kernel: " + std::to_string(kernel) +
                        ", pad: " + std::to_string(kernel / 2) + "}\n");
}

// A fast 1x1 conv feeding a slow 3x3 max pool: one pool unit of one lane does 32 x 256 x 9 compares a
// row, 3x the conv's crossbar time.
std::string fast_then_slow(const std::filesystem::path& dir) {
  return write_text(dir / "chain.yaml",
                    "name: chain\ninput: {channels: 16, height: 32, width: 32}\nlayers:\n"
                    "  - {name: a, op: conv, out_channels: 256, kernel: 1}\n"
                    "  - {name: p, op: max_pool, kernel: 3, stride: 1, pad: 1}\n");
}

std::string slow_pool_chip(const std::filesystem::path& dir) {
  return write_text(dir / "slowpool.yaml",
                    "name: slowpool\nprecision: {activation_bits: 8}\n"
                    "tile: {digital: given, pool: {count: 1, ops_per_cycle: 1}}\n");
}

double layer_value(const nlohmann::json& j, const std::string& name, const std::string& key) {
  for (const auto& l : j["layers"])
    if (l["name"] == name) return l[key].get<double>();
  ADD_FAILURE() << "no layer " << name;
  return 0;
}

}  // namespace

// A conv's window is the kh rows one step reads, at its tile: kh x W x C x activation bits.
TEST(Buffers, AWindowIsTheRowsOneStepReads) {
  const auto dir = scratch_dir();
  const std::string hw = write_text(dir / "t.yaml", "name: t\nprecision: {activation_bits: 8}\n");
  for (int k : {1, 3, 5}) {
    const auto j = run_json(dir, "k" + std::to_string(k), "--hw " + hw + " --net " + one_conv(dir, k));
    EXPECT_EQ(j["buffer"]["largest_window_reservation_bits"].get<double>(), double(k) * 32 * 16 * 8) << k;
    EXPECT_TRUE(j["buffer"]["streamed_windows"].empty());
  }
}

// Backpressure: the fast conv may run ahead of the slow pool by its window (3 rows + 1 stride) only, so it
// stalls and its last row comes near the pool's end; layer by layer, nothing waits for room.
TEST(Buffers, AProducerStallsWhenItsConsumerHasNoRoom) {
  const auto dir = scratch_dir();
  const std::string args = "--hw " + slow_pool_chip(dir) + " --net " + fast_then_slow(dir);
  const auto j = run_json(dir, "pip", args);
  const double a_end = layer_value(j, "a", "end_cycle"), p_end = layer_value(j, "p", "end_cycle");
  const double p_start = layer_value(j, "p", "start_cycle");
  EXPECT_GT(layer_value(j, "a", "stall_cycles"), 0.0);
  EXPECT_GT(j["buffer"]["stall_ns"].get<double>(), 0.0);
  // row 31 of a waits until the pool has read past row 31 - 4: at least 27 of its 32 steps
  const double pool_row = (p_end - p_start) / 32;
  EXPECT_GE(a_end, p_start + 26 * pool_row) << "a ended at " << a_end << ", the pool's rows take " << pool_row;
  // the pool is the slower: without backpressure the conv would end at about a third of the pool's time
  EXPECT_GT(pool_row, 2 * (layer_value(j, "a", "end_cycle") - layer_value(j, "a", "start_cycle")) / 32 / 3);
  const auto lbl = run_json(dir, "lbl", args + " --dataflow layer_by_layer");
  EXPECT_EQ(layer_value(lbl, "a", "stall_cycles"), 0.0);
  EXPECT_EQ(lbl["buffer"]["stall_ns"].get<double>(), 0.0);
}

// Rows that find no room go off-chip and come back: the off-chip traffic is the input, the output and
// the spills (out and back), and it never grows with the buffer; with room for everything nothing spills.
TEST(Buffers, ARowThatFindsNoRoomGoesOffChipAndComesBack) {
  const auto dir = scratch_dir();
  double last_offchip = 1e300;
  for (int kib : {2, 8, 32, 1024}) {
    const std::string hw = write_text(dir / ("b" + std::to_string(kib) + ".yaml"),
                                      "name: b\nprecision: {activation_bits: 8}\ntile: {buffer: {size_kib: " + std::to_string(kib) + "}}\n");
    const auto j = run_json(dir, "b" + std::to_string(kib), "--hw " + hw + " --net workloads/nets/tiny.yaml --inputs 2");
    const auto& b = j["buffer"];
    const double offchip = j["counts"]["offchip_bit"].get<double>();
    const double out_bits = 2.0 * 10 * 8;  // 10 classes, 8-bit activations, 2 inputs
    EXPECT_DOUBLE_EQ(offchip, b["input_fetch_bits"].get<double>() + out_bits + b["spilled_bits"].get<double>() +
                                  b["spill_read_bits"].get<double>()) << kib;
    EXPECT_GE(b["input_fetch_bits"].get<double>(), 2.0 * 3 * 32 * 32 * 8) << kib;
    EXPECT_LE(offchip, last_offchip) << kib << " KiB moves more off-chip than a smaller buffer";
    last_offchip = offchip;
    if (kib == 2) {
      EXPECT_GT(b["spilled_rows"].get<double>() + double(b["streamed_windows"].size()), 0.0);
      EXPECT_GT(b["spill_read_bits"].get<double>(), 0.0);
    }
    if (kib == 1024) {
      EXPECT_EQ(b["spilled_rows"].get<double>(), 0.0);
      EXPECT_EQ(b["input_rows_left_off_chip"].get<double>(), 0.0);
      EXPECT_TRUE(b["streamed_windows"].empty());
    }
  }
}

// Stalls are a wire per tile in the VCD (on screen in the GTKWave save file) and slices in the trace,
// no longer in all than the layers' stall time.
TEST(Buffers, StallsAreInTheWaveformsAndTheTrace) {
  const auto dir = scratch_dir();
  const auto vcd = dir / "w.vcd", trace = dir / "t.json";
  const auto j = run_json(dir, "w", "--hw " + slow_pool_chip(dir) + " --net " + fast_then_slow(dir) + " --vcd " +
                                        vcd.string() + " --trace " + trace.string());
  EXPECT_NE(read_text(vcd).find(" stall $end"), std::string::npos);
  EXPECT_NE(read_text(dir / "w.vcd.gtkw").find("-tiles: stall"), std::string::npos);
  const auto t = nlohmann::json::parse(read_text(trace));
  double stalled_us = 0;
  for (const auto& e : t["traceEvents"])
    if (e.value("cat", "") == "stall") stalled_us += e["dur"].get<double>();
  EXPECT_GT(t["otherData"]["stall_slices"].get<double>(), 0.0);
  EXPECT_GT(stalled_us, 0.0);
  EXPECT_LE(stalled_us * 1e3, j["buffer"]["stall_ns"].get<double>() * (1 + 1e-6));
}
