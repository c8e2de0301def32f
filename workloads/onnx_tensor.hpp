// ONNX tensors as the loader keeps them (workloads/onnx_loader.cpp): dims always, values when small enough to
// fold (shape arithmetic); helpers for their dims and for messages.
#pragma once

#include <google/protobuf/io/zero_copy_stream.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "workloads/onnx_view.hpp"

namespace cimsim::workloads::onnx_detail {

using onnx::NodeProto;
using onnx::TensorProto;
using Ints = std::vector<int64_t>;
using onnx_view::View;
namespace ov = onnx_view;

// Data of one tensor kept when a file is parsed (load_onnx): larger data is a weight, whose values cimsim
// never reads, and is skipped while parsing so that it is never held in memory.
constexpr uint32_t kKeepDataBytes = 1 << 20;
// Elements of a constant whose values are folded (shape arithmetic); a larger constant keeps its dims only.
constexpr int64_t kMaxFoldElements = 1 << 17;

// A name or string from the file inside a message: escaped, one line, bounded.
std::string q(const std::string& text);
/// An error message quotes at most this many values of a list (a file may declare millions).
constexpr size_t kIntsShown = 16;
/// "[a, b, c]"; a longer list than kIntsShown is cut after that many: "[a, b, ..., (N values)]".
std::string ints_text(const Ints& v);
std::string stem_of(const std::string& path);
int64_t product(const Ints& dims);
// True when a dim is negative (a file may declare one; no tensor has such a shape).
inline bool any_negative(const Ints& dims) {
  return std::any_of(dims.begin(), dims.end(), [](int64_t d) { return d < 0; });
}
// Row-major strides of `dims`, saturating at INT64_MAX (a tensor with a 0 dim may declare others of any
// size; its strides are never used to index).
Ints strides_of(const Ints& dims);
// A real as an integer, truncated toward zero as C++ and ONNX's Cast do, and saturated where the cast would be
// undefined: at INT64_MIN / INT64_MAX beyond the range, 0 for NaN.
inline int64_t int_of(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;  // 2^63: the first double above the range
  if (v < -9223372036854775808.0) return INT64_MIN;
  return int64_t(v);
}
// A constant tensor: its dims always; its values when known (kept in the file and at most
// kMaxFoldElements), as integers or as reals.
struct Tensor {
  Ints dims;
  bool real = false;
  bool known = false;
  Ints i;
  std::vector<double> f;

  int64_t count() const { return product(dims); }
  double at(int64_t k) const { return real ? f[size_t(k)] : double(i[size_t(k)]); }
  int64_t int_at(int64_t k) const { return real ? int_of(f[size_t(k)]) : i[size_t(k)]; }
  // A tensor of `dims` whose values are to be filled, or one of dims only when too large to fold.
  static Tensor of(Ints dims, bool real, bool known = true) {
    Tensor t;
    t.dims = std::move(dims);
    t.real = real;
    // a negative dim (a file may declare one) has no values: a product of two of them would look like a count
    t.known = known && !any_negative(t.dims) && t.count() <= kMaxFoldElements;
    if (t.known) (real ? void(t.f.assign(size_t(t.count()), 0.0)) : void(t.i.assign(size_t(t.count()), 0)));
    return t;
  }
  void set(int64_t k, double v) { real ? void(f[size_t(k)] = v) : void(i[size_t(k)] = int_of(v)); }
  void set_int(int64_t k, int64_t v) { real ? void(f[size_t(k)] = double(v)) : void(i[size_t(k)] = v); }
};

bool is_real_type(int type);
// The values of `p` when its data is in the file (not skipped, not external) and small enough to fold.
Tensor decode(const TensorProto& p);
// Numpy-style broadcast of two shapes; empty optional-like flag `ok` false when they do not broadcast.
bool broadcast_dims(const Ints& a, const Ints& b, Ints& out);
// The flat index into a tensor of `dims` (right-aligned, broadcast) of the element at `idx` of the result.
int64_t broadcast_source(const Ints& idx, const Ints& dims, const Ints& strides);
// Calls f(idx) for every multi-index of `dims` in row-major order (flat index k = 0, 1, ...).
void for_each_index(const Ints& dims, const std::function<void(int64_t, const Ints&)>& f);
// Parses a ModelProto from `stream` (of `size` bytes) without the data of its tensors larger than
// kKeepDataBytes (workloads/onnx_parse.cpp).
bool parse_shapes_only(google::protobuf::io::ZeroCopyInputStream& stream, int64_t size, onnx::ModelProto& model);

}  // namespace cimsim::workloads::onnx_detail
