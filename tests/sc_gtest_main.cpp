// SystemC's library owns main() and calls sc_main(); the tests run from here. Each test still runs in
// its own process (gtest_discover_tests), because SystemC elaborates once per process.
#include <gtest/gtest.h>

#include <cstdlib>
#include <systemc>

// SystemC prints its banner as its library initializes, before sc_main (ctest's test discovery at build
// time runs every test binary once): switch it off during static initialization.
namespace {
const bool banner_off = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;
}  // namespace

int sc_main(int argc, char* argv[]) {
  (void)banner_off;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
