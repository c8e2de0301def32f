// SystemC's library owns main() and calls sc_main(); the tests run from here. Each test still runs in
// its own process (gtest_discover_tests), because SystemC elaborates once per process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <systemc>

// SystemC prints its banner as its library initializes, before sc_main (ctest's test discovery at build
// time runs every test binary once): switch it off during static initialization.
namespace {
const bool banner_off = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1) == 0;

// A test's scratch directory (run_util.hpp scratch_dir(): TMP/cimsim-SUITE-NAME-PID) is removed when the
// test passes, and kept for inspection when it fails.
class RemoveScratchOfPassedTests : public ::testing::EmptyTestEventListener {
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (!info.result()->Passed()) return;
    std::error_code ec;
    const auto dir = std::filesystem::temp_directory_path(ec) /
                     (std::string("cimsim-") + info.test_suite_name() + "-" + info.name() + "-" +
                      std::to_string(::getpid()));
    if (!ec) std::filesystem::remove_all(dir, ec);
  }
};
}  // namespace

int sc_main(int argc, char* argv[]) {
  (void)banner_off;
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::UnitTest::GetInstance()->listeners().Append(new RemoveScratchOfPassedTests);
  return RUN_ALL_TESTS();
}
