// Fuzz target: a DARTS genotype text through workloads::parse_genotype; a genotype that parses is built as
// a small NetworkCIFAR (C = 4, 5 cells) and mapped, so every op and edge the parser accepts is buildable.
#include "fuzz/fuzz_target.hpp"
#include "workloads/darts.hpp"
#include "workloads/genotype.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  cimsim::fuzz::expect_parse_or_error([&] {
    const auto gt = cimsim::workloads::parse_genotype(cimsim::fuzz::text_of(data, size), "fuzz.genotype");
    cimsim::workloads::DartsOptions o;
    o.c = 4;
    o.layers = 5;
    cimsim::fuzz::map_if_small(cimsim::workloads::build_network_cifar(gt, o, "fuzz"));
  });
  return 0;
}
