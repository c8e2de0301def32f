// Fuzz target: a search spec through search::parse_search_spec and its genes (nothing is evaluated: that
// loads configs and networks), and the same text as a search-space architecture (`cimsim run --net
// "ofa_mbv3(...)"` or "vit(...)") through workloads::parse_ofa_mbv3 and parse_vit_arch, built when it parses.
#include "fuzz/fuzz_target.hpp"
#include "search/search.hpp"
#include "search/search_spec.hpp"
#include "sim/sweep_spec.hpp"
#include "workloads/search_space.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string text = cimsim::fuzz::text_of(data, size);
  try {
    cimsim::fuzz::expect_parse_or_error([&] {
      const auto spec = cimsim::search::parse_search_spec(text, "fuzz-search.yaml");
      cimsim::search::gene_bounds(spec);
    });
  } catch (const cimsim::sim::SweepError& e) {
    cimsim::fuzz::check_message(e);
  }
  cimsim::fuzz::expect_parse_or_error([&] {
    cimsim::workloads::build_ofa_mbv3(cimsim::workloads::parse_ofa_mbv3(text, "fuzz"), 10, "fuzz");
  });
  cimsim::fuzz::expect_parse_or_error([&] {
    cimsim::workloads::build_vit_arch(cimsim::workloads::parse_vit_arch(text, "fuzz"), "fuzz");
  });
  return 0;
}
