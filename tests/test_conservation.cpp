// Conservation: the actions a run counts are the ones the network's MACs and the mapping imply, and
// every breakdown sums to its total.
#include <gtest/gtest.h>

#include <numeric>

#include "mapper/mapping.hpp"
#include "models/config_loader.hpp"
#include "sim/simulate.hpp"
#include "workloads/builtins.hpp"

using namespace cimsim;
using models::Action;

namespace {

sim::RunResult check(const workloads::Graph& g, const models::HardwareSpec& hw, tiles::Dataflow dataflow, int inputs) {
  const auto m = mapper::map_network(g, hw);
  tiles::RunOptions opt;
  opt.dataflow = dataflow;
  opt.inputs = inputs;
  const auto r = sim::simulate(g, hw, m, opt);
  const uint64_t P = uint64_t(hw.input_phases());
  uint64_t reads = 0, drives = 0, samples = 0, cells = 0, macs_from_blocks = 0;
  uint64_t adds = 0;  // partial-sum and elementwise adds: the reduction's stages together, and add layers
  for (size_t i = 1; i < g.layers.size(); ++i) {
    const auto& l = g.layers[i];
    if (l.op == workloads::OpKind::add) adds += uint64_t(l.inputs.size() - 1) * uint64_t(l.out.elements());
    if (!workloads::is_weighted(l.op)) continue;
    const uint64_t vectors = uint64_t(l.out.h) * uint64_t(l.out.w);  // one input vector per output pixel
    // a row split into row blocks: each output adds row_blocks - 1 partial sums, in the PE, the tile or
    // the tree across tiles
    adds += uint64_t(m.layers[i].row_blocks - 1) * uint64_t(l.out.c) * vectors;
    for (int b : m.layers[i].blocks) {
      const auto& blk = m.blocks[b];
      reads += vectors * P;
      drives += vectors * P * uint64_t(blk.rows_driven);
      cells += vectors * P * uint64_t(blk.rows_driven) * uint64_t(blk.cols_used) / uint64_t(blk.groups);
      samples += vectors * P * uint64_t(blk.cols_used);
      macs_from_blocks += vectors * uint64_t(blk.rows_driven) * uint64_t(blk.outputs) / uint64_t(blk.groups);
    }
  }
  const uint64_t n = uint64_t(inputs);
  EXPECT_EQ(macs_from_blocks, uint64_t(g.macs()));
  EXPECT_EQ(r.counts[int(Action::crossbar_read)], n * reads);
  EXPECT_EQ(r.counts[int(Action::dac_drive)], n * drives);
  EXPECT_EQ(r.counts[int(Action::crossbar_cell_read)], n * cells);
  EXPECT_EQ(r.counts[int(Action::sample_hold)], n * samples);
  EXPECT_EQ(r.counts[int(Action::adc_conversion)], n * samples);  // every sampled column is converted
  EXPECT_EQ(r.counts[int(Action::shift_add)], n * samples);       // and shifted into its sum
  EXPECT_EQ(r.counts[int(Action::accumulate_op)], n * adds);
  // the network's output leaves the chip, its input arrives (rows left off-chip for want of room are
  // read by every pull), rows that found no room go out and come back: off-chip bits
  const auto& out = g.layers.back().out;
  const uint64_t act = uint64_t(hw.precision.activation_bits);
  EXPECT_GE(r.input_fetch_bits, double(n * act * uint64_t(g.layers.front().out.elements())));
  EXPECT_EQ(r.counts[int(Action::offchip_bit)],
            uint64_t(r.input_fetch_bits) + n * act * uint64_t(out.elements()) + uint64_t(r.spilled_bits) +
                uint64_t(r.spill_read_bits));
  if (r.input_rows_left_off_chip == 0) {
    EXPECT_EQ(r.input_fetch_bits, double(n * act * uint64_t(g.layers.front().out.elements())));
  }
  // the buffers never overflow
  EXPECT_LE(r.peak_buffer_bits, r.buffer_capacity_bits);

  // breakdowns sum to their totals; per-layer energies sum to the dynamic energy
  double e = 0;
  for (const auto& [k, v] : r.energy.breakdown_pj) e += v;
  EXPECT_NEAR(e, r.energy.total_pj, 1e-9 * r.energy.total_pj);
  EXPECT_NEAR(r.energy.dynamic_pj + r.energy.leakage_pj, r.energy.total_pj, 1e-9 * r.energy.total_pj);
  double a = 0;
  for (const auto& [k, v] : r.area.breakdown_mm2) a += v;
  EXPECT_NEAR(a, r.area.total_mm2, 1e-9 * r.area.total_mm2);
  double layers = 0;
  for (const auto& l : r.layer_results) layers += l.energy_pj;
  EXPECT_NEAR(layers, r.energy.dynamic_pj, 1e-9 * r.energy.dynamic_pj);
  // average power is energy over time
  EXPECT_NEAR(r.power_mw, r.energy.total_pj / r.total_ns, 1e-9 * r.power_mw);
  EXPECT_LE(r.power_mw, r.peak_power.total_mw);
  return r;
}

}  // namespace

TEST(Conservation, Vgg8OnIsaacPipelined) {
  check(workloads::vgg8_network(), models::load_hardware("isaac"), tiles::Dataflow::pipelined, 1);
}

TEST(Conservation, Resnet18OnDefaultLayerByLayerStreamOf3) {
  // layer by layer, whole feature maps wait for the next layer: 64 KiB buffers spill, and the off-chip
  // law above counts what went out and came back
  const auto r =
      check(workloads::resnet18_network(), models::load_hardware("default"), tiles::Dataflow::layer_by_layer, 3);
  EXPECT_GT(r.spilled_rows, 0u);
  EXPECT_GT(r.spill_read_bits, 0.0);
}

TEST(Conservation, Vgg8OnEdgeRram) {
  check(workloads::vgg8_network(), models::load_hardware("edge-rram"), tiles::Dataflow::pipelined, 1);
}
