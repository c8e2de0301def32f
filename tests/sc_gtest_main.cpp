// SystemC's library owns main() and calls sc_main(); the tests run from here. Each test still runs in
// its own process (gtest_discover_tests), because SystemC elaborates once per process.
#include <gtest/gtest.h>

#include <cstdlib>
#include <systemc>

int sc_main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
