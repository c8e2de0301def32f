// Fuzz target: a YAML network (docs/workloads.md) through workloads::parse_network_yaml, then the mapper.
#include "fuzz/fuzz_target.hpp"
#include "workloads/network_yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  cimsim::fuzz::expect_parse_or_error([&] {
    const auto g = cimsim::workloads::parse_network_yaml(cimsim::fuzz::text_of(data, size), "fuzz.yaml", "fuzz");
    cimsim::fuzz::map_if_small(g);
  });
  return 0;
}
