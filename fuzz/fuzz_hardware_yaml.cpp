// Fuzz target: a hardware config (configs/*.yaml) through models::parse_hardware.
#include "fuzz/fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  cimsim::fuzz::expect_parse_or_error(
      [&] { cimsim::models::parse_hardware(cimsim::fuzz::text_of(data, size), "fuzz.yaml"); });
  return 0;
}
