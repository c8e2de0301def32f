#include "tiles/reduction.hpp"

#include <algorithm>

namespace cimsim::tiles {

std::vector<ReductionStep> reduction_tree(std::vector<Sums> holds) {
  const std::size_t m = holds.size();
  std::vector<bool> merged(m, false);
  std::vector<ReductionStep> steps;
  auto merge = [&](std::size_t j, std::size_t i, bool always) {
    uint64_t sent = 0, adds = 0;
    for (const auto& [key, outs] : holds[j]) {
      sent += uint64_t(outs);
      adds += holds[i].count(key) ? uint64_t(outs) : 0;
    }
    if (adds == 0 && !always) return;
    for (const auto& kv : holds[j]) holds[i].emplace(kv);
    steps.push_back({j, i, sent, adds});
    merged[j] = true;
  };
  for (std::size_t stride = 1; stride < m; stride *= 2)
    for (std::size_t i = 0; i + stride < m; i += 2 * stride)
      if (!merged[i] && !merged[i + stride]) merge(i + stride, i, false);
  for (std::size_t k = 1; k < m; ++k)
    if (!merged[k]) merge(k, 0, true);
  return steps;
}

int reduction_depth(const std::vector<ReductionStep>& steps, std::size_t tiles) {
  // a tile adds what it receives one transfer after another: a merge follows both tiles' earlier ones
  std::vector<int> depth(tiles, 0);
  for (const auto& s : steps) depth[s.to] = std::max(depth[s.to], depth[s.from]) + 1;
  return tiles ? depth[0] : 0;
}

}  // namespace cimsim::tiles
