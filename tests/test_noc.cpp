// The mesh NoC: XY routes, wormhole latency, and link contention by exactly the serialization time.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <systemc>

#include "hw/mesh.hpp"
#include "models/config_loader.hpp"

using namespace cimsim;

namespace {

struct Driver : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<Driver> port{"port"};
  explicit Driver(sc_core::sc_module_name n) : sc_module(n) {}
};

// 16 tiles, one per router: a 4 x 4 mesh in snake order (row 1 runs right to left).
models::HardwareSpec noc_chip() {
  return models::parse_hardware(
      "name: noc\ntechnology: {clock_ghz: 1.0}\nchip: {tiles: [4, 4], tiles_per_router: 1}\n"
      "noc: {flit_bits: 32, hop_latency_cycles: 2, link_bandwidth_gbps: 32}\n",
      "noc.yaml");
}

struct Fixture {
  models::HardwareSpec hw = noc_chip();
  hw::Stats stats{1};
  hw::Context ctx{hw, stats, nullptr};
  hw::Mesh mesh{"noc", ctx, 16};
  Driver driver{"driver"};
  Fixture() { driver.port.bind(mesh.socket); }
  double send(int src, int dst, uint64_t bits, double start) {
    hw::OpExt e;
    e.op = hw::OpCode::transfer;
    e.layer = 0;
    e.src = src;
    e.dst = dst;
    e.count = bits;
    return hw::call(driver.port, e, start, 0.0);
  }
};

}  // namespace

TEST(Noc, UnloadedLatencyIsHopsPlusSerialization) {
  Fixture f;
  // tile 0 at (0,0) to tile 15: row 3 (odd: snake reversed) column 0 -> 3 hops down
  EXPECT_EQ(f.mesh.hops(0, 15), 3);
  EXPECT_EQ(f.mesh.hops(0, 3), 3);   // row 0, column 3
  EXPECT_EQ(f.mesh.hops(3, 4), 1);   // snake: router 4 sits below router 3
  const uint64_t bits = 32 * 100;  // 100 flits of 32 bits at 32 Gb/s: 100 ns on each link
  const double ser = 100.0, hop = 2.0;
  EXPECT_DOUBLE_EQ(f.mesh.serialization_ns(bits), ser);
  const double t = f.send(0, 15, bits, 0.0);
  EXPECT_NEAR(t, (3 + 1) * hop + ser, 1e-3);  // routers traversed: hops + 1
  EXPECT_NEAR(f.mesh.unloaded_ns(0, 15, bits), t, 1e-3);
  // flit-hops counted through every router on the way
  EXPECT_EQ(f.stats.total()[int(models::Action::router_flit_hop)], 100u * 4);
}

TEST(Noc, TwoFlowsOnOneLinkTakeLongerByTheSerializationTime) {
  Fixture f;
  const uint64_t bits = 32 * 50;  // 50 ns on a link
  const double ser = 50.0;
  // 1 -> 2 (eastward) and 3 -> 2 (westward) are both one hop from tile 2: their heads reach tile 2's
  // ejection link at the same time, 2 routers x 2 ns after they start; the second waits for the first
  const double alone = f.mesh.unloaded_ns(3, 2, bits);
  EXPECT_NEAR(alone, 2 * 2.0 + ser, 1e-3);
  const double first = f.send(1, 2, bits, 0.0);
  const double second = f.send(3, 2, bits, 0.0);
  EXPECT_NEAR(first, f.mesh.unloaded_ns(1, 2, bits), 1e-3);
  EXPECT_NEAR(second - alone, ser, 1e-3);
  // disjoint flows do not interfere
  const double other = f.send(8, 9, bits, 0.0);
  EXPECT_NEAR(other, f.mesh.unloaded_ns(8, 9, bits), 1e-3);
}

TEST(Noc, BackToBackPacketsOnOneRouteSerialize) {
  Fixture f;
  const uint64_t bits = 32 * 10;
  const double a = f.send(5, 6, bits, 0.0);
  const double b = f.send(5, 6, bits, 0.0);
  EXPECT_NEAR(b - a, f.mesh.serialization_ns(bits), 1e-3);
}

TEST(Noc, AnEarlierRequestFillsAGapLeftBeforeALaterOne) {
  // temporally decoupled initiators may call out of time order: the calendar keeps both exact
  Fixture f;
  const uint64_t bits = 32 * 10;  // 10 ns per link
  const double late = f.send(5, 6, bits, 1000.0);
  const double early = f.send(5, 6, bits, 0.0);
  EXPECT_NEAR(early, f.mesh.unloaded_ns(5, 6, bits), 1e-3);
  EXPECT_NEAR(late, 1000.0 + f.mesh.unloaded_ns(5, 6, bits), 1e-3);
}

// Multicast: one packet from tile 0 to tiles 2 and 3 (row 0, columns 2 and 3). The XY routes share
// the injection link and r0_E, r1_E; the tree is those, r2_E and the two ejection links: 6 links, so
// 5 router traversals per flit against 3 + 4 for two unicasts. Each destination gets the packet when a
// unicast would have, unloaded.
TEST(Noc, MulticastChargesEachLinkOfTheTreeOnce) {
  Fixture f;
  const uint64_t bits = 32 * 100;
  const double ser = 100.0, hop = 2.0;
  std::vector<int> dsts{2, 3};
  std::vector<double> arrivals;
  hw::OpExt e;
  e.op = hw::OpCode::transfer;
  e.layer = 0;
  e.src = 0;
  e.count = bits;
  e.dsts = &dsts;
  e.arrivals = &arrivals;
  const double t = hw::call(f.driver.port, e, 0.0, 0.0);
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_NEAR(arrivals[0], (2 + 1) * hop + ser, 1e-3);
  EXPECT_NEAR(arrivals[1], (3 + 1) * hop + ser, 1e-3);
  EXPECT_NEAR(t, arrivals[1], 1e-9);
  EXPECT_EQ(f.stats.total()[int(models::Action::router_flit_hop)], 100u * 5);
  // the shared links were held once: a unicast on r0_E right after waits one serialization, not two
  EXPECT_NEAR(f.send(0, 1, bits, 0.0), (1 + 1) * hop + 2 * ser, 1e-3);
}
