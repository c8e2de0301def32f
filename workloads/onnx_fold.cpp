// Constant folding: every node whose inputs are constants is evaluated at load time (shape arithmetic).
#include "workloads/onnx_importer.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "workloads/limits.hpp"

namespace cimsim::workloads::onnx_detail {

Tensor Importer::moved(const Tensor& in, Ints dims, const std::function<int64_t(const Ints&)>& source) {
  Tensor out = Tensor::of(std::move(dims), in.real, in.known);
  if (out.known) {
    for_each_index(out.dims, [&](int64_t k, const Ints& idx) {
      const int64_t s = source(idx);
      in.real ? void(out.f[size_t(k)] = in.f[size_t(s)]) : void(out.i[size_t(k)] = in.i[size_t(s)]);
    });
  }
  return out;
}

void Importer::fold() {
  const std::string& o = op();
  if (o == "Shape" || o == "Size") {
    const Ints d = is_const(node_->input(0)) ? const_of(node_->input(0)).dims : act_dims(0);
    if (o == "Size") return set_const(ints_tensor({product(d)}, {}));
    const int64_t r = int64_t(d.size());
    auto bound = [r](int64_t v) { return std::min(std::max(v < 0 ? v + r : v, int64_t(0)), r); };
    const int64_t start = bound(attr_int("start", 0)), end = bound(attr_int("end", r));
    const Ints v(d.begin() + start, d.begin() + std::max(start, end));
    return set_const(ints_tensor(v, {int64_t(v.size())}));
  }
  if (o == "ConstantOfShape") return constant_of_shape();
  if (o == "Range") return range();
  if (o == "ScatterND") {  // the data's dims; values not followed (attention masks, never shapes)
    return set_const(Tensor::of(const_of(node_->input(0)).dims, const_of(node_->input(0)).real, false));
  }
  if (o == "Concat") return fold_concat();
  if (o == "Gather") return gather();
  if (o == "Slice") return fold_slice();
  const Tensor x = const_of(node_->input(0));
  if (o == "Identity" || o == "Dropout") return set_const(x);
  if (o == "Cast") return set_const(cast(x, is_real_type(int(attr_int("to", TensorProto::FLOAT)))));
  if (o == "Unsqueeze") return set_const(relabelled(x, unsqueezed(x.dims)));
  if (o == "Squeeze") return set_const(relabelled(x, squeezed(x.dims)));
  if (o == "Reshape") return set_const(relabelled(x, reshaped(x.dims)));
  if (o == "Flatten") return set_const(relabelled(x, flattened(x.dims)));
  if (o == "Transpose") {
    const Ints perm = permutation(x.dims.size());
    Ints dims;
    for (int64_t p : perm) dims.push_back(x.dims[size_t(p)]);
    const Ints strides = strides_of(x.dims);
    return set_const(moved(x, dims, [&](const Ints& idx) {
      int64_t s = 0;
      for (size_t k = 0; k < idx.size(); ++k) s += idx[k] * strides[size_t(perm[k])];
      return s;
    }));
  }
  if (o == "Expand") {
    Ints dims;
    const Ints shape = shape_input(1);
    if (!broadcast_dims(x.dims, shape, dims)) fail("cannot expand " + ints_text(x.dims) + " to " + ints_text(shape));
    const Ints strides = strides_of(x.dims);
    return set_const(moved(x, dims, [&](const Ints& idx) { return broadcast_source(idx, x.dims, strides); }));
  }
  arithmetic();
}

Tensor Importer::cast(const Tensor& x, bool real) {
  Tensor out = Tensor::of(x.dims, real, x.known);
  if (out.known) {
    for (int64_t k = 0; k < x.count(); ++k) real ? out.set(k, x.at(k)) : out.set_int(k, x.int_at(k));
  }
  return out;
}

void Importer::constant_of_shape() {
  const Ints shape = shape_input(0);
  Tensor value = Tensor::of({}, true);
  value.f[0] = 0.0;
  if (const auto* a = attr("value")) value = decode(a->t());
  if (!value.known || value.count() != 1) fail("attribute 'value' must be a tensor of one element");
  Tensor out = Tensor::of(shape, value.real);
  for (int64_t k = 0; out.known && k < out.count(); ++k) value.real ? out.set(k, value.f[0]) : out.set_int(k, value.i[0]);
  set_const(std::move(out));
}

void Importer::range() {
  const Tensor &s = known_input(0, "start"), &l = known_input(1, "limit"), &d = known_input(2, "delta");
  if (s.count() != 1 || l.count() != 1 || d.count() != 1) fail("start, limit and delta must be scalars");
  const bool real = s.real || l.real || d.real;
  if (d.at(0) == 0) fail("delta is 0");
  // ceil((limit - start) / delta) elements, at least 0; for integers in exact unsigned arithmetic (the distance
  // and the step's magnitude fit uint64 for any int64 operands; a double would miscount near 2^63)
  double n = 0;
  if (real) {
    n = std::max(std::ceil((l.at(0) - s.at(0)) / d.at(0)), 0.0);
  } else {
    const int64_t from = s.int_at(0), to = l.int_at(0), by = d.int_at(0);
    if (by > 0 ? to > from : to < from) {
      const uint64_t distance = by > 0 ? uint64_t(to) - uint64_t(from) : uint64_t(from) - uint64_t(to);
      const uint64_t step = by > 0 ? uint64_t(by) : uint64_t(0) - uint64_t(by);
      n = double((distance - 1) / step + 1);
    }
  }
  if (!(n <= double(kMaxLayerActivations))) fail(over_bound("Range elements", INT64_MAX, kMaxLayerActivations));
  Tensor out = Tensor::of({int64_t(n)}, real);
  for (int64_t k = 0; out.known && k < out.count(); ++k) {
    // an integer element lies between start and limit, so it fits int64 though k * delta may not: the sum is
    // taken modulo 2^64
    real ? out.set(k, s.at(0) + double(k) * d.at(0))
         : out.set_int(k, int64_t(uint64_t(s.int_at(0)) + uint64_t(k) * uint64_t(d.int_at(0))));
  }
  set_const(std::move(out));
}

void Importer::fold_concat() {
  if (!attr("axis")) fail("attribute 'axis' is missing");
  std::vector<const Tensor*> in;
  for (int i = 0; i < node_->input_size(); ++i) {
    if (has_input(i)) in.push_back(&const_of(node_->input(i)));
  }
  if (in.empty()) fail("no inputs");
  const size_t rank = in[0]->dims.size();
  const int64_t axis = axis_in(attr_int("axis", 0), rank);
  Ints dims = in[0]->dims;
  dims[size_t(axis)] = 0;
  bool known = true;
  for (const Tensor* t : in) {
    Ints a = t->dims, b = in[0]->dims;
    if (a.size() != rank) fail("inputs of ranks " + std::to_string(rank) + " and " + std::to_string(a.size()));
    a[size_t(axis)] = b[size_t(axis)] = 0;
    if (a != b) fail("inputs " + ints_text(in[0]->dims) + " and " + ints_text(t->dims) + " differ off the axis");
    const auto sum = common::checked_add(dims[size_t(axis)], t->dims[size_t(axis)]);
    if (!sum) fail("inputs whose lengths on axis " + std::to_string(axis) + " add up past int64");
    dims[size_t(axis)] = *sum;
    known = known && t->known;
  }
  const bool real = std::any_of(in.begin(), in.end(), [](const Tensor* t) { return t->real; });
  Tensor out = Tensor::of(dims, real, known);
  if (out.known) {
    for_each_index(dims, [&](int64_t k, const Ints& idx) {
      Ints at = idx;
      size_t part = 0;
      while (at[size_t(axis)] >= in[part]->dims[size_t(axis)]) at[size_t(axis)] -= in[part++]->dims[size_t(axis)];
      const Ints strides = strides_of(in[part]->dims);
      int64_t s = 0;
      for (size_t a = 0; a < at.size(); ++a) s += at[a] * strides[a];
      out.set(k, in[part]->at(s));
      if (!real) out.i[size_t(k)] = in[part]->i[size_t(s)];
    });
  }
  set_const(std::move(out));
}

void Importer::gather() {
  const Tensor data = const_of(node_->input(0));
  const Tensor& indices = known_input(1, "indices");
  const int64_t axis = axis_in(attr_int("axis", 0), data.dims.size());
  const int64_t n = data.dims[size_t(axis)];
  Ints picks;
  for (int64_t k = 0; k < indices.count(); ++k) {
    const int64_t i = indices.int_at(k);
    if (i < -n || i >= n) fail("index " + std::to_string(i) + " is out of range for an axis of size " + std::to_string(n));
    picks.push_back(i < 0 ? i + n : i);
  }
  Ints dims(data.dims.begin(), data.dims.begin() + axis);
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  const Ints strides = strides_of(data.dims), index_strides = strides_of(indices.dims);
  const size_t q_rank = indices.dims.size();
  set_const(moved(data, dims, [&](const Ints& idx) {
    int64_t s = 0, flat = 0;
    for (size_t k = 0; k < q_rank; ++k) flat += idx[size_t(axis) + k] * index_strides[k];
    for (size_t k = 0; k < data.dims.size(); ++k) {
      const int64_t v = int64_t(k) < axis ? idx[k] : int64_t(k) == axis ? picks[size_t(flat)] : idx[k + q_rank - 1];
      s += v * strides[k];
    }
    return s;
  }));
}

void Importer::slice_params(Ints& starts, Ints& ends, Ints& axes, Ints& steps) {
  const bool from_inputs = node_->input_size() > 1;
  starts = from_inputs ? static_ints(1, "starts") : attr_ints("starts", {});
  ends = from_inputs ? static_ints(2, "ends") : attr_ints("ends", {});
  axes = from_inputs ? (has_input(3) ? static_ints(3, "axes") : Ints{}) : attr_ints("axes", {});
  steps = has_input(4) ? static_ints(4, "steps") : Ints{};
  if (axes.empty()) {
    for (size_t k = 0; k < starts.size(); ++k) axes.push_back(int64_t(k));
  }
  if (steps.empty()) steps.assign(axes.size(), 1);
  if (starts.size() != axes.size() || ends.size() != axes.size() || steps.size() != axes.size()) {
    fail("starts, ends, axes and steps must have equal lengths");
  }
}

void Importer::fold_slice() {
  const Tensor x = const_of(node_->input(0));
  Ints starts, ends, axes, steps;
  slice_params(starts, ends, axes, steps);
  Ints dims = x.dims, begin(x.dims.size(), 0), step(x.dims.size(), 1);
  for (size_t k = 0; k < axes.size(); ++k) {
    const size_t a = size_t(axis_in(axes[k], x.dims.size()));
    const int64_t n = x.dims[a];
    if (steps[k] == 0) fail("steps " + ints_text(steps) + ": a step is 0");
    // A step longer than the axis takes at most one element, as a step of the axis' length does; clamping it
    // keeps every count and offset below within int64 whatever the file says (steps[k] may be INT64_MIN).
    const int64_t longest = std::max<int64_t>(n, 1), st = std::clamp<int64_t>(steps[k], -longest, longest);
    int64_t s = starts[k] < 0 ? starts[k] + n : starts[k], e = ends[k] < 0 ? ends[k] + n : ends[k];
    // the element count is ceil(distance / |step|) written as (distance - 1) / |step| + 1, which cannot overflow
    if (n == 0) {
      s = 0;
      dims[a] = 0;
    } else if (st > 0) {
      s = std::clamp<int64_t>(s, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
      dims[a] = e <= s ? 0 : (e - s - 1) / st + 1;
    } else {
      s = std::clamp<int64_t>(s, 0, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
      dims[a] = s <= e ? 0 : (s - e - 1) / -st + 1;
    }
    begin[a] = s;
    step[a] = st;
  }
  const Ints strides = strides_of(x.dims);
  set_const(moved(x, dims, [&](const Ints& idx) {
    int64_t s = 0;
    for (size_t k = 0; k < idx.size(); ++k) s += (begin[k] + idx[k] * step[k]) * strides[k];
    return s;
  }));
}

void Importer::arithmetic() {
  const std::string& o = op();
  std::vector<const Tensor*> in;
  for (int i = 0; i < node_->input_size(); ++i) in.push_back(&const_of(node_->input(i)));
  const bool unary = o == "Neg" || o == "Abs" || o == "Sqrt" || o == "Floor" || o == "Ceil" || o == "Not";
  const size_t arity = unary ? 1 : o == "Where" ? 3 : o == "Min" || o == "Max" ? in.size() : 2;
  if (in.size() != arity || arity == 0) fail("expects " + std::to_string(arity) + " inputs, has " + std::to_string(in.size()));
  Ints dims = in[0]->dims;
  bool known = true;
  for (const Tensor* t : in) {
    if (!broadcast_dims(Ints(dims), t->dims, dims)) fail("inputs of shapes that do not broadcast");
    known = known && t->known;
  }
  const bool compare = o == "Equal" || o == "Less" || o == "Greater" || o == "Not";
  const bool real = std::any_of(in.begin() + (o == "Where" ? 1 : 0), in.end(), [](const Tensor* t) { return t->real; });
  Tensor out = Tensor::of(dims, real && !compare, known);
  if (!out.known) return set_const(std::move(out));
  std::vector<Ints> strides;
  for (const Tensor* t : in) strides.push_back(strides_of(t->dims));
  for_each_index(dims, [&](int64_t k, const Ints& idx) {
    auto v = [&](size_t i) { return in[i]->at(broadcast_source(idx, in[i]->dims, strides[i])); };
    auto n = [&](size_t i) { return in[i]->int_at(broadcast_source(idx, in[i]->dims, strides[i])); };
    if (o == "Where") {
      real ? out.set(k, v(0) != 0 ? v(1) : v(2)) : out.set_int(k, n(0) != 0 ? n(1) : n(2));
      return;
    }
    if (compare) {
      const double a = v(0), b = unary ? 0 : v(1);
      return out.set_int(k, o == "Equal" ? a == b : o == "Less" ? a < b : o == "Greater" ? a > b : a == 0);
    }
    if (real) return out.set(k, real_op(o, in.size(), v));
    out.set_int(k, int_op(o, in.size(), n));
  });
  set_const(std::move(out));
}

}  // namespace cimsim::workloads::onnx_detail
