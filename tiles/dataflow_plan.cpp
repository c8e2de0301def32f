#include "tiles/dataflow_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>

namespace cimsim::tiles {

using workloads::OpKind;

DataflowPlan::DataflowPlan(const workloads::Graph& g, const mapper::Mapping& m, RunOptions o)
    : graph(g), mapping(m), options(o), consumers(g.layers.size()), rows(g.layers.size()) {
  for (size_t i = 0; i < g.layers.size(); ++i) {
    const auto& l = g.layers[i];
    rows[i] = l.out.h;
    if (m.layers[i].fused_into >= 0) continue;
    order.push_back(int(i));
    for (int p : l.inputs) consumers[source_of(p)].push_back(int(i));
  }
  // The network's output leaves the chip; a layer nothing reads (a DARTS node left out of the concat)
  // is computed but goes nowhere.
  sinks.push_back(source_of(int(g.layers.size()) - 1));
}

namespace {
// A row index computed in 64 bits (strides, pads and dilations multiply a step index: an int could
// overflow), clamped to the rows that exist.
int clamp_row(std::int64_t r, int h_in) { return int(std::clamp<std::int64_t>(r, 0, std::max(0, h_in - 1))); }
}  // namespace

namespace {
// The rows of input k of a row concatenation before that input's part: its offset in the output.
int row_offset(const workloads::Graph& g, const workloads::Layer& l, int k) {
  int64_t off = 0;
  for (int i = 0; i < k; ++i) off += g.layers[size_t(l.inputs[size_t(i)])].out.h;
  return int(std::min<int64_t>(off, std::numeric_limits<int>::max() / 2));
}
}  // namespace

namespace {
int step_stride(const workloads::Layer& l) {
  const bool windowed = l.op == OpKind::conv || l.op == OpKind::max_pool || l.op == OpKind::avg_pool;
  return windowed ? std::max(1, l.stride) : 1;
}
}  // namespace

int DataflowPlan::copy_of(int layer, int n, int step) const {
  const int copies = mapping.layers[layer].copies;
  const int h = std::max(1, rows[size_t(layer)]);
  if (copies <= 1) return 0;
  if (copies <= h) return int(std::int64_t(step) * copies / h);
  return int((std::int64_t(n) * h + step) % copies);
}

int DataflowPlan::last_row_needed(int layer, int step, int k) const {
  const auto& l = graph.layers[layer];
  const int h_in = k == 0 || l.inputs.empty() ? l.in.h : graph.layers[size_t(l.inputs[size_t(k)])].out.h;
  switch (l.op) {
    case OpKind::conv:
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return clamp_row(std::int64_t(step) * l.stride - l.pad + (std::int64_t(l.kernel_h) - 1) * l.dilation, h_in);
    case OpKind::fc:
    case OpKind::global_avg_pool:
    case OpKind::flatten:
      return clamp_row(h_in - 1, h_in);
    case OpKind::pad:
      return clamp_row(std::int64_t(step) - l.pads[0], h_in);
    case OpKind::slice:
      return clamp_row(std::int64_t(step) + l.pads[0], h_in);
    case OpKind::matmul:
      return k == 1 ? h_in - 1 : clamp_row(step, h_in);
    case OpKind::concat:
      if (l.axis == 1) return int(std::clamp<std::int64_t>(std::int64_t(step) - row_offset(graph, l, k), -1, h_in - 1));
      return clamp_row(step, h_in);
    case OpKind::reshape: {  // the input rows holding the output row's elements (in H, W, C order)
      if (l.copy) return h_in - 1;
      const std::int64_t out_row = std::int64_t(l.out.w) * l.out.c, in_row = std::int64_t(l.in.w) * l.in.c;
      return clamp_row(((std::int64_t(step) + 1) * out_row - 1) / std::max<std::int64_t>(1, in_row), h_in);
    }
    default:
      return clamp_row(step, h_in);
  }
}

int DataflowPlan::first_row_needed(int layer, int step, int k) const {
  const auto& l = graph.layers[layer];
  const int h_in = k == 0 || l.inputs.empty() ? l.in.h : graph.layers[size_t(l.inputs[size_t(k)])].out.h;
  switch (l.op) {
    case OpKind::conv:
    case OpKind::max_pool:
    case OpKind::avg_pool:
      return clamp_row(std::int64_t(step) * l.stride - l.pad, h_in);
    case OpKind::fc:
    case OpKind::global_avg_pool:
    case OpKind::flatten:
      return 0;
    case OpKind::pad:
      return clamp_row(std::int64_t(step) - l.pads[0], h_in);
    case OpKind::slice:
      return clamp_row(std::int64_t(step) + l.pads[0], h_in);
    case OpKind::matmul:
      return k == 1 ? 0 : clamp_row(step, h_in);
    case OpKind::concat:
      if (l.axis == 1) return int(std::clamp<std::int64_t>(std::int64_t(step) - row_offset(graph, l, k), 0, h_in));
      return clamp_row(step, h_in);
    case OpKind::reshape: {
      if (l.copy) return 0;
      const std::int64_t out_row = std::int64_t(l.out.w) * l.out.c, in_row = std::int64_t(l.in.w) * l.in.c;
      return clamp_row(std::int64_t(step) * out_row / std::max<std::int64_t>(1, in_row), h_in);
    }
    default:
      return clamp_row(step, h_in);
  }
}

int DataflowPlan::step_span(int layer, int k) const {
  int span = 1;
  for (int s = 0; s < rows[layer]; ++s)
    span = std::max(span, last_row_needed(layer, s, k) - first_row_needed(layer, s, k) + 1);
  return span;
}

int DataflowPlan::window_rows(int producer, int consumer) const {
  const int h = std::max(1, rows[size_t(producer)]);
  const int steps = std::max(1, rows[size_t(consumer)]);
  std::int64_t w = std::int64_t(step_span(consumer)) + step_stride(graph.layers[consumer]);
  const int copies_c = std::max(1, mapping.layers[consumer].copies);
  if (copies_c > 1) w += std::int64_t(h) * ((copies_c + steps - 1) / steps);
  const int copies_p = std::max(1, mapping.layers[producer].copies);
  if (copies_p > 1) w += std::int64_t(h) * ((copies_p + h - 1) / h);
  return int(std::min<std::int64_t>(w, std::numeric_limits<int>::max() / 2));
}

bool DataflowPlan::addressing(const workloads::Layer& l) {
  return l.op == OpKind::concat || l.op == OpKind::identity || l.op == OpKind::pad || l.op == OpKind::slice ||
         l.op == OpKind::flatten || (l.op == OpKind::reshape && !l.copy);
}

std::pair<int, int> DataflowPlan::digital_pull(int layer, int step, int k) const {
  const int h = graph.layers[size_t(graph.layers[size_t(layer)].inputs[size_t(k)])].out.h;
  const int last = std::min(last_row_needed(layer, step, k), h - 1);
  const int before = buffers.streamed[size_t(layer)] ? std::min(first_row_needed(layer, step, k), h - 1) - 1
                     : step == 0                     ? -1
                                                     : std::min(last_row_needed(layer, step - 1, k), h - 1);
  return {before, last};
}

std::pair<int, int> DataflowPlan::weighted_pull(int layer, int step, int delivered) const {
  const int first = first_row_needed(layer, step) - 1;
  return {buffers.streamed[size_t(layer)] ? first : std::max(delivered, first), last_row_needed(layer, step)};
}

bool DataflowPlan::backpressured_by(int consumer) const {
  const auto& cl = graph.layers[size_t(consumer)];
  return cl.op != OpKind::zero && cl.inputs.size() == 1;
}

int64_t DataflowPlan::room_steps(int producer, int consumer, int n, int s, int window) const {
  const int h = std::max(1, rows[size_t(producer)]);
  const int steps = rows[size_t(consumer)];
  const int64_t target = int64_t(n) * h + s - window;  // rows up to it must be free
  if (target < 0) return 0;
  // consumer steps (of the stream) whose first row is <= target: whole inputs, then the steps of this
  // one (first_row_needed does not fall as the step grows: the first step past it by bisection)
  const int row = int(target % h);
  int lo = 0, hi = steps;
  while (lo < hi) {
    const int mid = lo + (hi - lo) / 2;
    if (first_row_needed(consumer, mid) <= row) lo = mid + 1;
    else hi = mid;
  }
  return target / h * steps + lo;
}

int DataflowPlan::pulls_of(int producer, int n, int row) const {
  int pulls = producer == sinks.front() ? 1 : 0;  // the network's output leaves for off-chip memory
  std::vector<int> seen;
  for (int c : consumers[producer]) {
    const auto& cl = graph.layers[c];
    if (cl.op == OpKind::zero) continue;  // needs only its input's shape
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) continue;  // listed once per input it is
    seen.push_back(c);
    const int steps = rows[c];
    if (mapping.layers[c].weighted) {
      // a weighted layer reads its first input; each copy pulls a row once, at its first step reading it
      if (source_of(cl.inputs.front()) != producer) continue;
      // steps reading `row`: first_row_needed and last_row_needed do not fall as the step grows
      int lo = 0, hi = steps;  // lo: first step whose last row is >= row
      while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        if (last_row_needed(c, mid) >= row) hi = mid;
        else lo = mid + 1;
      }
      std::vector<int> copies;
      int readers = 0;
      for (int k = lo; k < steps && first_row_needed(c, k) <= row; ++k, ++readers) {
        const int copy = copy_of(c, n, k);
        if (std::find(copies.begin(), copies.end(), copy) == copies.end()) copies.push_back(copy);
      }
      pulls += buffers.streamed[size_t(c)] ? readers : int(copies.size());  // streamed: every step pulls
    } else {
      // a digital layer pulls every row up to the last its final step reads, once (per input it is);
      // streamed, every step pulls the rows it reads
      const int rows_p = rows[producer];
      for (size_t k = 0; k < cl.inputs.size(); ++k) {
        if (source_of(cl.inputs[k]) != producer) continue;
        const int ki = int(k);
        if (!buffers.streamed[size_t(c)]) {
          if (row <= std::min(last_row_needed(c, steps - 1, ki), rows_p - 1)) ++pulls;
        } else {
          for (int s = 0; s < steps; ++s)
            if (std::min(first_row_needed(c, s, ki), rows_p - 1) <= row &&
                row <= std::min(last_row_needed(c, s, ki), rows_p - 1))
              ++pulls;
        }
      }
    }
  }
  return pulls;
}

std::vector<std::vector<std::pair<int, double>>> DataflowPlan::copy_tiles(int layer) const {
  const auto& lm = mapping.layers[size_t(layer)];
  std::vector<std::vector<std::pair<int, double>>> out(size_t(std::max(1, lm.copies)));
  std::vector<std::vector<std::set<std::pair<int, int>>>> slices(out.size());  // per copy, per tile
  const double total_rows = std::max(1.0, double(lm.rows_per_group) * lm.groups);
  for (int b : lm.blocks) {
    const auto& blk = mapping.blocks[size_t(b)];
    auto& tiles = out[size_t(blk.copy)];
    auto it = std::find_if(tiles.begin(), tiles.end(), [&](const auto& x) { return x.first == blk.tile; });
    if (it == tiles.end()) {
      tiles.push_back({blk.tile, 0.0});
      slices[size_t(blk.copy)].emplace_back();
      it = tiles.end() - 1;
    }
    // rows the tile's PEs read: each (group, row block) once
    if (slices[size_t(blk.copy)][size_t(it - tiles.begin())].insert({blk.group_first, blk.row_block}).second)
      it->second = std::min(1.0, it->second + double(blk.rows_driven) / total_rows);
  }
  return out;
}

std::vector<int> DataflowPlan::row_homes(int layer) const {
  layer = source_of(layer);
  const auto& l = graph.layers[size_t(layer)];
  const auto& lm = mapping.layers[size_t(layer)];
  if (lm.weighted) {
    std::vector<int> homes;
    for (const auto& copy : copy_tiles(layer))
      if (!copy.empty() && std::find(homes.begin(), homes.end(), copy.front().first) == homes.end())
        homes.push_back(copy.front().first);
    return homes;
  }
  if (l.op == OpKind::input || l.op == OpKind::zero || l.inputs.empty()) return {lm.home_tile};
  return row_homes(l.inputs.front());  // inputs come before their consumers: this ends
}

void DataflowPlan::plan_buffers(double capacity_bits, int activation_bits) {
  buffers.capacity_bits = capacity_bits;
  buffers.window_bits.assign(size_t(mapping.chip_tiles), 0.0);
  buffers.windows.assign(size_t(mapping.chip_tiles), {});
  buffers.streamed.assign(graph.layers.size(), 0);
    auto reserve = [&](int tile, double bits, int layer) {
    if (bits <= 0) return;
    buffers.window_bits[size_t(tile)] += bits;
    buffers.windows[size_t(tile)].push_back({bits, layer});
  };
  auto row_bits = [&](int layer) {
    const auto& o = graph.layers[size_t(layer)].out;
    return double(o.c) * o.w * activation_bits;
  };
  for (int c : order) {
    const auto& l = graph.layers[size_t(c)];
    if (l.op == OpKind::constant) {  // held on chip for the run, at its home
      reserve(mapping.layers[size_t(c)].home_tile, double(l.out.elements()) * activation_bits, c);
      continue;
    }
    if (l.inputs.empty() || l.op == OpKind::zero || addressing(l)) continue;
    if (mapping.layers[size_t(c)].weighted) {
      const int p = l.inputs.front();
      const double bits =
          double(std::min<std::int64_t>(step_span(c), rows[size_t(source_of(p))])) * row_bits(p);
      for (const auto& copy : copy_tiles(c))
        for (const auto& [tile, fraction] : copy) reserve(tile, std::ceil(bits * fraction), c);
    } else {
      double bits = 0;
      for (size_t k = 0; k < l.inputs.size(); ++k) {
        const int p = l.inputs[k];
        bits += double(std::min<std::int64_t>(step_span(c, int(k)), rows[size_t(source_of(p))])) *
                row_bits(p);
      }
      for (int tile : row_homes(c)) reserve(tile, bits, c);
    }
  }
  // a tile whose windows do not fit streams its largest, until the rest do
  for (size_t t = 0; t < buffers.window_bits.size(); ++t)
    while (buffers.window_bits[t] > capacity_bits) {
      const auto& w = buffers.windows[t];
      const int layer = std::max_element(w.begin(), w.end())->second;
      buffers.streamed[size_t(layer)] = 1;
      for (size_t u = 0; u < buffers.windows.size(); ++u) {
        auto& list = buffers.windows[u];
        for (auto it = list.begin(); it != list.end();)
          if (it->second == layer) {
            buffers.window_bits[u] -= it->first;
            it = list.erase(it);
          } else {
            ++it;
          }
        if (list.empty()) buffers.window_bits[u] = 0;  // no rounding residue
      }
    }
}

int DataflowPlan::source_of(int layer) const {
  const int f = mapping.layers[layer].fused_into;
  return f >= 0 ? f : layer;
}

}  // namespace cimsim::tiles
