// Fuzz target: a sweep spec through sim::parse_sweep_spec. Points are not expanded (that loads configs and
// networks from disk); the grid bound is checked by the parser itself.
#include "fuzz/fuzz_target.hpp"
#include "sim/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  try {
    cimsim::fuzz::expect_parse_or_error(
        [&] { cimsim::sim::parse_sweep_spec(cimsim::fuzz::text_of(data, size), "fuzz-sweep.yaml"); });
  } catch (const cimsim::sim::SweepError& e) {
    cimsim::fuzz::check_message(e);
  }
  return 0;
}
