#include "workloads/onnx_view.hpp"

#include <algorithm>
#include <climits>

namespace cimsim::workloads::onnx_view {

namespace {

int64_t product_of(const Ints& dims, const std::vector<size_t>& axes) {
  int64_t n = 1;
  for (size_t k : axes) n = n > INT64_MAX / std::max<int64_t>(dims[k], 1) ? INT64_MAX : n * dims[k];
  return n;
}
std::vector<size_t> non_unit(const Ints& dims) {
  std::vector<size_t> out;
  for (size_t k = 0; k < dims.size(); ++k) {
    if (dims[k] != 1) out.push_back(k);
  }
  return out;
}
// Gives the axes `axes` (outermost first) of `v` IR axis `ir` with mixed-radix strides.
void assign(View& v, const std::vector<size_t>& axes, int ir) {
  int64_t stride = 1;
  for (size_t k = axes.size(); k-- > 0;) {
    v.axes[axes[k]] = Axis{ir, stride};
    stride *= v.dims[axes[k]];
  }
}
}  // namespace

bool contiguous(const View& v, const std::vector<size_t>& axes) {
  for (size_t k = 0; k < axes.size(); ++k) {
    const Axis& a = v.axes[axes[k]];
    if (a.ir == unit || a.ir != v.axes[axes[0]].ir) return false;
    if (k + 1 < axes.size() && a.stride != v.axes[axes[k + 1]].stride * v.dims[axes[k + 1]]) return false;
  }
  return true;
}

std::vector<size_t> non_unit(const View& v, const std::vector<size_t>& axes) {
  std::vector<size_t> out;
  for (size_t k : axes) {
    if (v.dims[k] != 1) out.push_back(k);
  }
  return out;
}

namespace {

struct Group {
  std::vector<size_t> in, out;  // non-unit axes of the input and of the result with equal products
};
std::vector<Group> groups_of(const Ints& from, const Ints& to) {
  const std::vector<size_t> a = non_unit(from), b = non_unit(to);
  std::vector<Group> groups;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    Group g;
    int64_t pi = 1, po = 1;
    do {
      if ((pi <= po && i < a.size()) || j >= b.size()) {
        if (i >= a.size()) return {};  // the element counts differ: no grouping
        pi = pi > INT64_MAX / from[a[i]] ? INT64_MAX : pi * from[a[i]];
        g.in.push_back(a[i++]);
      } else {
        po = po > INT64_MAX / to[b[j]] ? INT64_MAX : po * to[b[j]];
        g.out.push_back(b[j++]);
      }
    } while (pi != po);
    groups.push_back(std::move(g));
  }
  return groups;
}
View unit_view(const Ints& dims) {
  View v;
  v.dims = dims;
  v.axes.assign(dims.size(), Axis{});
  return v;
}

}  // namespace

View planar(const Shape& s) {
  View v = unit_view({1, s.c, s.h, s.w});
  v.axes[1] = Axis{chan, 1};
  v.axes[2] = Axis{row, 1};
  v.axes[3] = Axis{col, 1};
  return v;
}

View flat(int64_t n) {
  View v = unit_view({1, n});
  v.axes[1] = Axis{chan, 1};
  return v;
}

bool fresh(const Ints& dims, bool channels_last, View& view, Shape& shape) {
  view = unit_view(dims);
  std::vector<size_t> nu = non_unit(dims);
  std::vector<size_t> c, h, w;
  if (channels_last && !nu.empty()) {
    c = {nu.back()};
    nu.pop_back();
    if (!nu.empty()) {
      if (nu.size() >= 2) {
        w = {nu.back()};
        nu.pop_back();
      }
      h = nu;
    }
  } else if (!nu.empty()) {
    const size_t rest = nu.size() > 3 ? 2 : nu.size() - 1;
    c.assign(nu.begin(), nu.end() - rest);
    if (rest >= 1) h = {nu[nu.size() - rest]};
    if (rest == 2) w = {nu.back()};
  }
  assign(view, c, chan);
  assign(view, h, row);
  assign(view, w, col);
  const int64_t sizes[3] = {product_of(dims, c), product_of(dims, h), product_of(dims, w)};
  for (int64_t n : sizes) {
    if (n > INT_MAX) return false;
  }
  shape = Shape{int(sizes[0]), int(sizes[1]), int(sizes[2])};
  return true;
}

int64_t ir_size(const View& v, int ir) {
  int64_t n = 1;
  for (size_t k = 0; k < v.dims.size(); ++k) {
    if (v.axes[k].ir == ir) n *= v.dims[k];
  }
  return n;
}

std::vector<size_t> parts(const View& v, int ir) {
  std::vector<size_t> out;
  for (size_t k = 0; k < v.dims.size(); ++k) {
    if (v.axes[k].ir == ir && v.dims[k] != 1) out.push_back(k);
  }
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) { return v.axes[a].stride > v.axes[b].stride; });
  return out;
}

bool covers(const View& v, const Shape& s) {
  const int64_t sizes[3] = {s.c, s.h, s.w};
  for (int ir = chan; ir <= col; ++ir) {
    const std::vector<size_t> p = parts(v, ir);
    if (ir_size(v, ir) != sizes[ir]) return false;
    if (!p.empty() && (!contiguous(v, p) || v.axes[p.back()].stride != 1)) return false;
  }
  return true;
}

bool whole(const View& v, size_t k) {
  return v.axes[k].ir != unit && ir_size(v, v.axes[k].ir) == v.dims[k];
}

std::optional<View> reshape_view(const View& v, const Ints& to) {
  View out = unit_view(to);
  const std::vector<Group> groups = groups_of(v.dims, to);
  if (groups.empty() && !non_unit(to).empty()) return std::nullopt;
  for (const Group& g : groups) {
    if (!contiguous(v, g.in)) return std::nullopt;
    int64_t stride = v.axes[g.in.back()].stride;
    for (size_t k = g.out.size(); k-- > 0;) {
      out.axes[g.out[k]] = Axis{v.axes[g.in[0]].ir, stride};
      stride *= to[g.out[k]];
    }
  }
  return out;
}

bool plan_reshape(const View& v, const Shape& s, const Ints& to, ReshapePlan& plan) {
  if (auto same = reshape_view(v, to)) {
    plan = ReshapePlan{ReshapePlan::same, *same, s};
    return true;
  }
  const std::vector<Group> groups = groups_of(v.dims, to);
  const std::vector<size_t> out_nu = non_unit(to);
  if (out_nu.size() == 1) {  // everything into one axis
    plan.kind = ReshapePlan::flatten;
    plan.view = unit_view(to);
    plan.view.axes[out_nu[0]] = Axis{chan, 1};
    plan.shape = Shape{int(std::min<int64_t>(to[out_nu[0]], INT_MAX)), 1, 1};
    return to[out_nu[0]] <= INT_MAX;
  }
  // positions re-read row-major: one group holds every row part then every column part, the others are
  // contiguous channel parts
  std::vector<size_t> positions = parts(v, row);
  for (size_t k : parts(v, col)) positions.push_back(k);
  bool relayout = !groups.empty() && !positions.empty();
  View out = unit_view(to);
  for (const Group& g : groups) {
    if (!relayout) break;
    if (g.in == positions && g.out.size() <= 2 && contiguous(v, parts(v, row)) && contiguous(v, parts(v, col))) {
      out.axes[g.out[0]] = Axis{row, 1};
      if (g.out.size() == 2) out.axes[g.out[1]] = Axis{col, 1};
      plan.shape = Shape{s.c, int(to[g.out[0]]), g.out.size() == 2 ? int(to[g.out[1]]) : 1};
    } else if (contiguous(v, g.in) && v.axes[g.in[0]].ir == chan) {
      int64_t stride = v.axes[g.in.back()].stride;
      for (size_t k = g.out.size(); k-- > 0;) {
        out.axes[g.out[k]] = Axis{chan, stride};
        stride *= to[g.out[k]];
      }
    } else {
      relayout = false;
    }
  }
  if (relayout) {
    plan.kind = ReshapePlan::relayout;
    plan.view = out;
    return true;
  }
  const std::vector<size_t> in_nu = non_unit(v.dims);
  const bool channels_last = !in_nu.empty() && v.axes[in_nu.back()].ir == chan;
  plan.kind = ReshapePlan::copy;
  return fresh(to, channels_last, plan.view, plan.shape);
}

View transposed(const View& v, const Ints& perm) {
  View out;
  for (int64_t p : perm) {
    out.dims.push_back(v.dims[size_t(p)]);
    out.axes.push_back(v.axes[size_t(p)]);
  }
  return out;
}

View with_dims(View v, size_t axis, int64_t size) {
  v.dims[axis] = size;
  if (size == 1) v.axes[axis] = Axis{};
  return v;
}

View without_axis(View v, size_t axis) {
  v.dims.erase(v.dims.begin() + long(axis));
  v.axes.erase(v.axes.begin() + long(axis));
  return v;
}

std::string text(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

std::string text(const View& v) {
  static const char* const names[] = {"C", "H", "W"};
  constexpr size_t kShown = 16;  // a message quotes at most this many axes (a file may declare any rank)
  std::string dims = "[", roles = " as (";
  const size_t shown = std::min(v.dims.size(), kShown);
  for (size_t k = 0; k < shown; ++k) {
    dims += (k ? ", " : "") + std::to_string(v.dims[k]);
    const Axis& a = v.axes[k];
    roles += k ? ", " : "";
    if (a.ir == unit || v.dims[k] == 1) {
      roles += "1";
    } else {
      roles += names[a.ir];
      if (!whole(v, k)) roles += "/" + std::to_string(a.stride);
    }
  }
  if (shown < v.dims.size()) {
    dims += ", ... (rank " + std::to_string(v.dims.size()) + ")";
    roles += ", ...";
  }
  return dims + "]" + roles + ")";
}

}  // namespace cimsim::workloads::onnx_view
