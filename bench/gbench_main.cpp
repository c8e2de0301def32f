// The entry point of the Google Benchmark programs in bench/ (analytical.cpp, mapping.cpp):
// libsystemc provides main() and calls sc_main(); no SystemC object is made in them.
#include <benchmark/benchmark.h>

#include <systemc>

int sc_main(int argc, char* argv[]) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
