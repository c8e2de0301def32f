// The co-design search spec (docs/search.md): which networks, which chip knobs, which objectives and
// constraints, where accuracy comes from, and the NSGA-II settings. Parsed like the sweep spec: every key,
// type and value is checked where it is written, and errors are sim::SweepError
// "FILE:LINE:COL: what; allowed: what is" (the CLI prints it, exit 2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/sweep_spec.hpp"

namespace cimsim::search {

// What varies on the network side.
//   darts       the DARTS space as the DARTS code writes a genotype: per intermediate node two inputs (two
//               different earlier states) and two ops (the 7 that are not `none`), normal and reduction cell
//   darts_full  the 14-edge space the all-inclusive hypernetwork covers: each edge any of the 8 primitives
//               (`none` included), both cells
//   ofa_mbv3    RNC's once-for-all MobileNetV3 space: per stage depth 2-4, per block kernel 3/5/7 and
//               expansion 3/4/6, input resolution 128-224 (workloads/search_space.hpp)
//   vit         a ViT space: depth, heads, MLP ratio, embedding width (values listed in the spec's `vit`)
//   fixed       one network (`network`): the fixed-network regime
enum class Space { darts, darts_full, ofa_mbv3, vit, fixed };
//   fixed_chip     only the network varies (`knobs` must be empty); for deploy hypernet nothing is remapped
//   fixed_network  only the chip varies (space fixed)
//   joint          both
enum class Regime { fixed_chip, fixed_network, joint };
// Every objective is minimized internally; throughput and accuracy by their negatives.
enum class Metric { latency, throughput, energy, area, power, accuracy };

const char* space_name(Space s);
const char* regime_name(Regime r);
const char* metric_name(Metric m);
// The unit a metric is reported and constrained in: latency us, throughput inferences/s, energy uJ per
// inference (dynamic and leakage), area mm2, power mW, accuracy % (top-1, the user's).
const char* metric_unit(Metric m);

// The knob that is not a config key: the compiled mapping's crossbar budget (`cimsim run --crossbars`).
inline constexpr const char* kCrossbarBudgetKnob = "crossbars";

struct Knob {
  std::string key, where;               // a dotted hardware config key (docs/config.md), or kCrossbarBudgetKnob
  std::vector<sim::SweepValue> values;  // the values the search may pick, in the spec's order
};

struct Constraint {
  Metric metric = Metric::latency;
  bool at_most = true;  // false: at least
  double bound = 0;     // in metric_unit()
  std::string where;
};

struct SearchSpec {
  std::string file;
  Space space = Space::darts;
  Regime regime = Regime::joint;
  std::string network = "darts_v2", network_where;  // space fixed: any `cimsim run --net` network
  std::vector<sim::SweepValue> networks;            // optional: the network is one of these (names or files)
  std::string deploy = "individual";                // individual | hypernet (DARTS spaces, fixed_chip)
  std::string hw = "default", hw_where;
  std::string mapping = "compiled";
  int crossbars = 0;  // crossbar budget of the compiled mapping (0: the chip's)
  int inputs = 1;     // the stream length each candidate is evaluated on (throughput needs a few)
  std::vector<Knob> knobs;
  std::vector<Metric> objectives{Metric::latency, Metric::energy};
  std::string objectives_where;
  std::vector<Constraint> constraints;
  // accuracy (the user's): a CSV table or a command; neither: the hardware objectives alone
  std::string accuracy_table;
  std::vector<std::string> accuracy_command;
  double accuracy_timeout_s = 60;
  std::string accuracy_where;
  // the ViT space's values
  std::vector<int> vit_depth{6, 8, 10, 12}, vit_heads{3, 6, 12}, vit_width{192, 384, 768}, vit_mlp_x10{20, 30, 40};
  // NSGA-II
  int population = 32, generations = 20;
  uint64_t seed = 1;
  int resimulate = 8;  // front points re-simulated with SystemC (0: none)
  bool uses_accuracy() const;
};

SearchSpec parse_search_spec(const std::string& text, const std::string& file);
SearchSpec load_search_spec(const std::string& path);

}  // namespace cimsim::search
