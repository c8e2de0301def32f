// Fuzz target: a NeuroSim network CSV through workloads::parse_neurosim_csv, then the mapper.
#include "fuzz/fuzz_target.hpp"
#include "workloads/neurosim_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  cimsim::fuzz::expect_parse_or_error([&] {
    const auto g = cimsim::workloads::parse_neurosim_csv(cimsim::fuzz::text_of(data, size), "fuzz.csv", "fuzz");
    cimsim::fuzz::map_if_small(g);
  });
  return 0;
}
