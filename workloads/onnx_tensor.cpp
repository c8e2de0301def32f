#include "workloads/onnx_tensor.hpp"

#include <algorithm>
#include <cstring>

#include "common/checked.hpp"
#include "common/text.hpp"

namespace cimsim::workloads::onnx_detail {

std::string q(const std::string& text) { return common::printable(text, 80); }

std::string ints_text(const Ints& v) {
  std::string s = "[";
  const size_t shown = std::min(v.size(), kIntsShown);
  for (size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  if (shown < v.size()) s += ", ... (" + std::to_string(v.size()) + " values)";
  return s + "]";
}

std::string stem_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

int64_t product(const Ints& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n = common::checked_mul(n, d).value_or(INT64_MAX);
  return n;
}

Ints strides_of(const Ints& dims) {
  Ints s(dims.size(), 1);
  for (size_t k = dims.size(); k-- > 1;) s[k - 1] = common::checked_mul(s[k], dims[k]).value_or(INT64_MAX);
  return s;
}

bool is_real_type(int type) {
  return type == TensorProto::FLOAT || type == TensorProto::DOUBLE || type == TensorProto::FLOAT16 ||
         type == TensorProto::BFLOAT16;
}

template <typename T>
void from_raw(const std::string& raw, Tensor& t) {
  const size_t n = raw.size() / sizeof(T);
  for (size_t k = 0; k < n; ++k) {
    T v;
    std::memcpy(&v, raw.data() + k * sizeof(T), sizeof(T));
    if (t.real) t.f[k] = double(v);
    else t.i[k] = int64_t(v);  // exact for 64-bit integers; a uint64 above INT64_MAX wraps, as in two's complement
  }
}

Tensor decode(const TensorProto& p) {
  Tensor t = Tensor::of(Ints(p.dims().begin(), p.dims().end()), is_real_type(p.data_type()),
                        p.data_location() != TensorProto::EXTERNAL);
  if (!t.known) return t;
  const int64_t n = t.count();
  size_t width = 0;
  switch (p.data_type()) {
    case TensorProto::FLOAT: case TensorProto::INT32: case TensorProto::UINT32: width = 4; break;
    case TensorProto::DOUBLE: case TensorProto::INT64: case TensorProto::UINT64: width = 8; break;
    case TensorProto::INT16: case TensorProto::UINT16: width = 2; break;
    case TensorProto::INT8: case TensorProto::UINT8: case TensorProto::BOOL: width = 1; break;
    default: t.known = false; return t;  // float16, strings, complex: never shape arithmetic
  }
  if (p.has_raw_data()) {
    if (p.raw_data().size() != size_t(n) * width) return t.known = false, t;
    const std::string& raw = p.raw_data();
    switch (p.data_type()) {
      case TensorProto::FLOAT: from_raw<float>(raw, t); break;
      case TensorProto::DOUBLE: from_raw<double>(raw, t); break;
      case TensorProto::INT32: from_raw<int32_t>(raw, t); break;
      case TensorProto::UINT32: from_raw<uint32_t>(raw, t); break;
      case TensorProto::INT64: from_raw<int64_t>(raw, t); break;
      case TensorProto::UINT64: from_raw<uint64_t>(raw, t); break;
      case TensorProto::INT16: from_raw<int16_t>(raw, t); break;
      case TensorProto::UINT16: from_raw<uint16_t>(raw, t); break;
      case TensorProto::INT8: from_raw<int8_t>(raw, t); break;
      default: from_raw<uint8_t>(raw, t); break;
    }
    return t;
  }
  auto fill = [&](const auto& field) {
    if (int64_t(field.size()) != n) return void(t.known = false);
    for (int k = 0; k < field.size(); ++k) t.set(k, double(field.Get(k)));
    if (!t.real) std::copy(field.begin(), field.end(), t.i.begin());
  };
  switch (p.data_type()) {
    case TensorProto::FLOAT: fill(p.float_data()); break;
    case TensorProto::DOUBLE: fill(p.double_data()); break;
    case TensorProto::INT64: fill(p.int64_data()); break;
    case TensorProto::UINT32: case TensorProto::UINT64: fill(p.uint64_data()); break;
    default: fill(p.int32_data()); break;
  }
  return t;
}

bool broadcast_dims(const Ints& a, const Ints& b, Ints& out) {
  const size_t r = std::max(a.size(), b.size());
  out.assign(r, 1);
  for (size_t k = 0; k < r; ++k) {
    const int64_t x = k < r - a.size() ? 1 : a[k - (r - a.size())];
    const int64_t y = k < r - b.size() ? 1 : b[k - (r - b.size())];
    if (x != y && x != 1 && y != 1) return false;
    out[k] = x == 1 ? y : x;
  }
  return true;
}

int64_t broadcast_source(const Ints& idx, const Ints& dims, const Ints& strides) {
  int64_t s = 0;
  const size_t off = idx.size() - dims.size();
  for (size_t k = 0; k < dims.size(); ++k) s += (dims[k] == 1 ? 0 : idx[k + off]) * strides[k];
  return s;
}

void for_each_index(const Ints& dims, const std::function<void(int64_t, const Ints&)>& f) {
  Ints idx(dims.size(), 0);
  const int64_t n = product(dims);
  for (int64_t k = 0; k < n; ++k) {
    f(k, idx);
    for (size_t a = idx.size(); a-- > 0;) {
      if (++idx[a] < dims[a]) break;
      idx[a] = 0;
    }
  }
}

}  // namespace cimsim::workloads::onnx_detail
