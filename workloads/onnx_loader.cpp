#include "workloads/onnx_loader.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "workloads/limits.hpp"
#include "workloads/onnx_view.hpp"

namespace cimsim::workloads {

namespace {

using onnx::NodeProto;
using onnx::TensorProto;
using Ints = std::vector<int64_t>;
using onnx_view::View;
namespace ov = onnx_view;

const char* const supported_ops =
    "Add, AveragePool, BatchNormalization, Clip, Concat, Constant, Conv, Div, Dropout, Erf, Flatten, Gather, "
    "Gelu, Gemm, GlobalAveragePool, HardSigmoid, HardSwish, Identity, LayerNormalization, LogSoftmax, MatMul, "
    "MaxPool, Mul, Pad, ReduceMean, Relu, Reshape, Sigmoid, Slice, Softmax, Split, Squeeze, Sub, Sum, Tanh, "
    "Transpose, Unsqueeze; in a layer norm's decomposition also Pow, Sqrt; on constants also: Abs, Cast, "
    "Ceil, ConstantOfShape, Equal, Expand, Floor, Greater, Less, Max, Min, Mod, Neg, Not, Pow, Range, ScatterND, "
    "Shape, Size, Where";

// Data of one tensor kept when a file is parsed (load_onnx): larger data is a weight, whose values cimsim
// never reads, and is skipped while parsing so that it is never held in memory.
constexpr uint32_t kKeepDataBytes = 1 << 20;
// Elements of a constant whose values are folded (shape arithmetic); a larger constant keeps its dims only.
constexpr int64_t kMaxFoldElements = 1 << 17;

// ---- parsing without the weights --------------------------------------------------------------------
// The messages on the way from a ModelProto to its tensors; other fields are copied as they are.
enum class Msg { model, graph, node, attribute, tensor, other };

Msg child(Msg m, uint32_t field) {
  switch (m) {
    case Msg::model: return field == 7 ? Msg::graph : Msg::other;
    case Msg::graph: return field == 1 ? Msg::node : field == 5 ? Msg::tensor : Msg::other;
    case Msg::node: return field == 5 ? Msg::attribute : Msg::other;
    case Msg::attribute:
      return field == 5 || field == 10 ? Msg::tensor : field == 6 || field == 11 ? Msg::graph : Msg::other;
    default: return Msg::other;
  }
}
// TensorProto's value fields: float_data, int32_data, string_data, int64_data, raw_data, double_data,
// uint64_data.
bool is_tensor_data(uint32_t field) { return (field >= 4 && field <= 7) || (field >= 9 && field <= 11); }

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(v | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

// Copies one message of kind `kind` from `in` to `out` in the protobuf wire format, leaving out the value
// fields of tensors larger than kKeepDataBytes. False when the input is not well-formed.
bool copy_message(google::protobuf::io::CodedInputStream& in, Msg kind, std::string& out, int depth) {
  if (depth > 64) return false;
  while (const uint32_t tag = in.ReadTag()) {
    const uint32_t field = tag >> 3;
    switch (tag & 7) {
      case 0: {
        uint64_t v = 0;
        if (!in.ReadVarint64(&v)) return false;
        put_varint(out, tag);
        put_varint(out, v);
        break;
      }
      case 1:
      case 5: {  // fixed64, fixed32: copied as they are (little-endian on the wire)
        std::string raw;
        if (!in.ReadString(&raw, (tag & 7) == 1 ? 8 : 4)) return false;
        put_varint(out, tag);
        out += raw;
        break;
      }
      case 2: {
        uint32_t len = 0;
        if (!in.ReadVarint32(&len) || len > uint32_t(INT_MAX)) return false;
        if (kind == Msg::tensor && is_tensor_data(field) && len > kKeepDataBytes) {
          if (!in.Skip(int(len))) return false;
          break;
        }
        std::string inner;
        const Msg sub = child(kind, field);
        if (sub == Msg::other) {
          if (!in.ReadString(&inner, int(len))) return false;
        } else {
          const auto limit = in.PushLimit(int(len));
          // a message cut short by the end of the file ends before its length: not well-formed
          if (!copy_message(in, sub, inner, depth + 1) || in.BytesUntilLimit() != 0) return false;
          in.PopLimit(limit);
        }
        put_varint(out, tag);
        put_varint(out, inner.size());
        out += inner;
        break;
      }
      default:
        return false;  // groups (wire types 3, 4) and invalid types: no ONNX message has them
    }
  }
  return in.ConsumedEntireMessage();
}

// Parses a ModelProto from `stream` (of `size` bytes) without the data of its large tensors (see
// kKeepDataBytes). The size is the stream's limit: a length the file claims beyond its end allocates nothing.
bool parse_shapes_only(google::protobuf::io::ZeroCopyInputStream& stream, int64_t size, onnx::ModelProto& model) {
  std::string kept;
  {
    google::protobuf::io::CodedInputStream in(&stream);
    in.SetTotalBytesLimit(int(std::min<int64_t>(size + 1, INT_MAX)));  // + 1: the end of the file is the end
    if (!copy_message(in, Msg::model, kept, 0)) return false;
  }
  return model.ParseFromString(kept);
}

// A name or string from the file inside a message: escaped, one line, bounded.
std::string q(const std::string& text) { return common::printable(text, 80); }

std::string ints_text(const Ints& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
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
// Row-major strides of `dims`.
Ints strides_of(const Ints& dims) {
  Ints s(dims.size(), 1);
  for (size_t k = dims.size(); k-- > 1;) s[k - 1] = s[k] * dims[k];
  return s;
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
  int64_t int_at(int64_t k) const { return real ? int64_t(f[size_t(k)]) : i[size_t(k)]; }
  // A tensor of `dims` whose values are to be filled, or one of dims only when too large to fold.
  static Tensor of(Ints dims, bool real, bool known = true) {
    Tensor t;
    t.dims = std::move(dims);
    t.real = real;
    t.known = known && t.count() <= kMaxFoldElements;
    if (t.known) (real ? void(t.f.assign(size_t(t.count()), 0.0)) : void(t.i.assign(size_t(t.count()), 0)));
    return t;
  }
  void set(int64_t k, double v) { real ? void(f[size_t(k)] = v) : void(i[size_t(k)] = int64_t(v)); }
  void set_int(int64_t k, int64_t v) { real ? void(f[size_t(k)] = double(v)) : void(i[size_t(k)] = v); }
};

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
    t.set(int64_t(k), double(v));
    if (!t.real) t.i[k] = int64_t(v);  // exact for 64-bit integers
  }
}

// The values of `p` when its data is in the file (not skipped, not external) and small enough to fold.
Tensor decode(const TensorProto& p) {
  Tensor t;
  t.dims.assign(p.dims().begin(), p.dims().end());
  t.real = is_real_type(p.data_type());
  const int64_t n = t.count();
  if (n < 0 || n > kMaxFoldElements || p.data_location() == TensorProto::EXTERNAL) return t;
  t = Tensor::of(t.dims, t.real);
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

// Numpy-style broadcast of two shapes; empty optional-like flag `ok` false when they do not broadcast.
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
// The flat index into a tensor of `dims` (right-aligned, broadcast) of the element at `idx` of the result.
int64_t broadcast_source(const Ints& idx, const Ints& dims, const Ints& strides) {
  int64_t s = 0;
  const size_t off = idx.size() - dims.size();
  for (size_t k = 0; k < dims.size(); ++k) s += (dims[k] == 1 ? 0 : idx[k + off]) * strides[k];
  return s;
}
// Calls f(idx) for every multi-index of `dims` in row-major order (flat index k = 0, 1, ...).
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

class Importer {
 public:
  Importer(const onnx::GraphProto& g, std::string source, int64_t opset)
      : g_(g), source_(common::printable(source)), opset_(opset) {}

  Graph run() {
    graph_.name = stem_of(source_);
    if (g_.node_size() >= kMaxLayers) {
      fail(over_bound("node count", g_.node_size(), kMaxLayers - 1));
    }
    for (const auto& t : g_.initializer()) protos_[t.name()] = &t;
    for (const auto& n : g_.node()) {
      const bool fc = n.op_type() == "Gemm" || n.op_type() == "MatMul";
      for (const auto& in : n.input()) {
        ++uses_[in];
        if (fc) ++fc_uses_[in];
      }
    }
    for (const auto& out : g_.output()) ++uses_[out.name()];
    add_input();
    for (int k = 0; k < g_.node_size(); ++k) {
      node_ = &g_.node(k);
      node_index_ = k;
      import_node();
    }
    node_ = nullptr;
    if (graph_.layers.size() < 2) fail("the graph has no nodes cimsim can run");
    return std::move(graph_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    std::string where = source_ + ": ";
    if (node_) where += "node '" + q(label()) + "' (" + q(node_->op_type()) + "): ";
    throw NetworkError(where + message);
  }
  std::string label() const {
    if (!node_->name().empty()) return node_->name();
    return node_->output_size() > 0 ? node_->output(0) : node_->op_type();
  }
  const std::string& op() const { return node_->op_type(); }

  // ---- attributes -------------------------------------------------------------------------------------
  const onnx::AttributeProto* attr(const char* name) const {
    for (const auto& a : node_->attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  int64_t attr_int(const char* name, int64_t fallback) const {
    const auto* a = attr(name);
    return a ? a->i() : fallback;
  }
  Ints attr_ints(const char* name, Ints fallback) const {
    const auto* a = attr(name);
    return a ? Ints(a->ints().begin(), a->ints().end()) : fallback;
  }
  // A size the file sets, within [0, bound] (workloads/limits.hpp; positivity is the IR's check).
  int to_int(int64_t v, const std::string& what, int64_t bound) const {
    if (v < 0) fail(what + " " + std::to_string(v) + " must not be negative");
    if (v > bound) fail(over_bound(what, v, bound));
    return int(v);
  }
  // An axis of a tensor of rank `rank`, negative counting from the end.
  int64_t axis_in(int64_t axis, size_t rank) const {
    const int64_t r = int64_t(rank);
    if (axis < -r || axis >= r) fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
    return axis < 0 ? axis + r : axis;
  }

  // ---- constants --------------------------------------------------------------------------------------
  bool is_const(const std::string& name) const { return consts_.count(name) || protos_.count(name); }
  const Tensor& const_of(const std::string& name) {
    if (auto it = consts_.find(name); it != consts_.end()) return it->second;
    return consts_.emplace(name, decode(*protos_.at(name))).first->second;
  }
  bool has_input(int i) const { return i < node_->input_size() && !node_->input(i).empty(); }
  const Tensor* static_input(int i) {
    if (!has_input(i) || !is_const(node_->input(i))) return nullptr;
    return &const_of(node_->input(i));
  }
  // Input i's values, which must be known (a constant small enough to fold, its data in the file).
  const Tensor& known_input(int i, const char* what) {
    const Tensor* t = static_input(i);
    if (!t) fail(std::string(what) + " (input " + std::to_string(i) + ") must be a constant or an initializer");
    if (!t->known) {
      fail(std::string(what) + " '" + q(node_->input(i)) + "' has " + std::to_string(t->count()) +
           " elements whose values are not read (only constants of up to " + std::to_string(kMaxFoldElements) +
           " elements with their data in the file are folded)");
    }
    return *t;
  }
  Ints static_ints(int i, const char* what) {
    const Tensor& t = known_input(i, what);
    Ints v(size_t(t.count()));
    for (int64_t k = 0; k < t.count(); ++k) v[size_t(k)] = t.int_at(k);
    return v;
  }
  // True when the tensor holds real values that are all 0.
  static bool all_zero(const Tensor& t) {
    return t.known && t.real && !t.f.empty() && std::all_of(t.f.begin(), t.f.end(), [](double x) { return x == 0.0; });
  }
  void set_const(Tensor t) { consts_[node_->output(0)] = std::move(t); }

  // ---- activations ------------------------------------------------------------------------------------
  int act_input(int i) const {
    if (!has_input(i)) fail("input " + std::to_string(i) + " is missing");
    auto it = act_.find(node_->input(i));
    if (it != act_.end()) {
      // a projection split into its channel blocks is read only by the nodes taking those blocks
      if (!taking_part_ && splits_.count(it->second) && !ov::covers(views_.at(it->first), layer(it->second).out)) {
        fail("input '" + q(node_->input(i)) + "' is a projection whose channels were split into blocks (" +
             ov::text(views_.at(it->first)) + "); after a Slice, Gather or Split of its channels it is read only by those");
      }
      return it->second;
    }
    if (is_const(node_->input(i))) {
      fail("input '" + q(node_->input(i)) + "' is a constant; an activation (the output of an earlier node) is expected");
    }
    fail("input '" + q(node_->input(i)) + "' is not the graph input nor the output of an earlier node");
  }
  // The ONNX dims of activation input i ([1, C, H, W], [1, N], or what a relabelling node made of them).
  const Ints& act_dims(int i) const { return view_of(i).dims; }
  // How activation input i's ONNX dims lie on its IR tensor (workloads/onnx_view.hpp).
  const View& view_of(int i) const {
    act_input(i);
    return views_.at(node_->input(i));
  }
  // Activation input i, which must be laid out as ONNX [1, C, H, W] (or [1, N]) on its IR tensor: what
  // Conv, pooling, BatchNormalization, Pad read.
  int planar_input(int i) const {
    const int x = act_input(i);
    const View& v = view_of(i);
    const Shape& s = layer(x).out;
    if (v != ov::planar(s) && !(s.h == 1 && s.w == 1 && v == ov::flat(s.c))) {
      fail("input '" + q(node_->input(i)) + "' is " + ov::text(v) + " on " + ov::text(s) + "; " + op() +
           " reads [1, C, H, W]");
    }
    return x;
  }
  const Layer& layer(int index) const { return graph_.layers[size_t(index)]; }
  // True when the node's input 0 feeds only this node (and is no graph output).
  bool sole_consumer() const { return uses_.at(node_->input(0)) == 1; }
  // True when every reader of the node's output is a Gemm or MatMul (and it is no graph output).
  bool only_fc_consumers() const {
    const auto fc = fc_uses_.find(node_->output(0));
    const auto all = uses_.find(node_->output(0));
    return fc != fc_uses_.end() && all != uses_.end() && fc->second > 0 && fc->second == all->second;
  }

  // ---- layers -----------------------------------------------------------------------------------------
  // `base`, or base_2, base_3, ... the first one free. The next suffix to try is remembered per base, so
  // n nodes of one name cost O(n), not O(n^2).
  std::string unique(const std::string& base) {
    std::string name = base;
    if (names_.count(name)) {
      int& k = next_suffix_.try_emplace(base, 2).first->second;
      do {
        name = base + "_" + std::to_string(k++);
      } while (names_.count(name));
    }
    names_.insert(name);
    return name;
  }
  Layer make(OpKind kind, std::vector<int> inputs) const {
    Layer l;
    l.op = kind;
    l.inputs = std::move(inputs);
    return l;
  }
  View default_view(int index) const {
    const Layer& l = layer(index);
    if (l.op == OpKind::fc || l.op == OpKind::flatten) return ov::flat(l.out.c);
    return ov::planar(l.out);
  }
  int emit(Layer l, const std::string& suffix = "", const std::string& base = "") {
    l.name = unique((base.empty() ? label() : base) + suffix);
    const int index = graph_.add(std::move(l));
    try {
      graph_.infer_layer(index);
    } catch (const NetworkError& e) {
      fail(e.what());
    }
    if (suffix.empty() && base.empty()) alias(index, default_view(index));
    return index;
  }
  // The node's output (`output`) is layer `index`'s, laid out as `view`.
  void alias(int index, View view, int output = 0) {
    pending_.erase(node_->output(output));
    act_[node_->output(output)] = index;
    views_[node_->output(output)] = std::move(view);
  }
  void keep(int index) { alias(index, view_of(0)); }  // an output that is input 0 (a folded BN or bias)

  void add_input() {
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const auto& v : g_.input()) {
      if (!protos_.count(v.name())) inputs.push_back(&v);
    }
    if (inputs.empty()) fail("the graph has no input (every graph input is an initializer)");
    if (inputs.size() > 1) {
      std::vector<std::string> names;
      for (const auto* v : inputs) names.push_back(v->name());
      fail(std::to_string(inputs.size()) + " graph inputs (" + common::joined(names) + "); cimsim takes one input tensor");
    }
    const auto& v = *inputs[0];
    const auto& shape = v.type().tensor_type().shape();
    if (!v.type().has_tensor_type() || shape.dim_size() != 4) {
      fail("input '" + q(v.name()) + "' must be a 4-D tensor (NCHW), has rank " + std::to_string(shape.dim_size()));
    }
    if (shape.dim(0).has_dim_value() && shape.dim(0).dim_value() != 1) {
      fail("input '" + q(v.name()) + "' has batch " + std::to_string(shape.dim(0).dim_value()) +
           "; expected 1 or symbolic (the batch is a run option)");
    }
    int dims[3];
    for (int k = 1; k < 4; ++k) {
      const auto& d = shape.dim(k);
      const std::string what = "input '" + q(v.name()) + "' dimension " + std::to_string(k) + " (" + "NCHW"[k] + ")";
      if (!d.has_dim_value() || d.dim_value() <= 0) fail(what + " must be a fixed positive size");
      dims[k - 1] = to_int(d.dim_value(), what, k == 1 ? kMaxChannels : kMaxSpatial);
    }
    Layer in = make(OpKind::input, {});
    in.name = unique("input");
    in.out = Shape{dims[0], dims[1], dims[2]};
    act_[v.name()] = graph_.add(std::move(in));
    views_[v.name()] = ov::planar(Shape{dims[0], dims[1], dims[2]});
    graph_.infer_layer(0);
  }

  // ---- dispatch ---------------------------------------------------------------------------------------
  static bool foldable(const std::string& op) {
    static const std::set<std::string> ops = {
        "Abs", "Add", "Cast", "Ceil", "Concat", "ConstantOfShape", "Div", "Dropout", "Equal", "Expand",
        "Flatten", "Floor", "Gather", "Greater", "Identity", "Less", "Max", "Min", "Mod", "Mul", "Neg", "Not",
        "Pow", "Range", "Reshape", "ScatterND", "Shape", "Size", "Slice", "Sqrt", "Squeeze", "Sub", "Transpose",
        "Unsqueeze", "Where"};
    return ops.count(op) > 0;
  }
  // True when every input is a constant (Shape and Size: any input, only its dims are read).
  bool constant_inputs() const {
    if (op() == "Shape" || op() == "Size") return has_input(0) && (is_const(node_->input(0)) || act_.count(node_->input(0)));
    for (int i = 0; i < node_->input_size(); ++i) {
      if (has_input(i) && !is_const(node_->input(i))) return false;
    }
    return node_->input_size() > 0;
  }

  void import_node() {
    if (!node_->domain().empty() && node_->domain() != "ai.onnx") {
      fail("unsupported operator (domain '" + q(node_->domain()) + "'); supported: " + supported_ops);
    }
    if (node_->output_size() < 1) fail("node has no output");
    // the node's name (or first output) names its layers: it must be fit for a report
    if (const std::string problem = name_problem(label()); !problem.empty()) {
      throw NetworkError(source_ + ": node " + std::to_string(node_index_) + " (" + q(op()) + "): " + problem);
    }
    if (op() == "Constant") return constant();
    if (foldable(op()) && constant_inputs()) return fold();
    if (matched_pattern()) return;  // a piece of a layer norm or GELU decomposition
    if (op() == "Conv") return conv();
    if (op() == "Gemm" || op() == "MatMul") return gemm();
    if (op() == "BatchNormalization") {
      const int x = planar_input(0);
      if (is_weighted(layer(x).op) && sole_consumer()) return keep(x);  // folded into the conv / fc
      return void(emit(make(OpKind::scale_shift, {x})));
    }
    static const std::map<std::string, OpKind> element_ops = {
        {"Relu", OpKind::relu},       {"Clip", OpKind::relu},   {"HardSwish", OpKind::hardswish},
        {"HardSigmoid", OpKind::hardsigmoid}, {"Sigmoid", OpKind::sigmoid}, {"Identity", OpKind::identity},
        {"Dropout", OpKind::identity}, {"Tanh", OpKind::tanh},  {"Gelu", OpKind::gelu}};
    if (auto it = element_ops.find(op()); it != element_ops.end()) return element_wise(it->second);
    if (op() == "Erf") return set_pending(Pending::erf, act_input(0));
    if (op() == "Softmax" || op() == "LogSoftmax") return softmax();
    if (op() == "LayerNormalization") return layer_norm();
    if (op() == "GlobalAveragePool") return void(emit(make(OpKind::global_avg_pool, {planar_input(0)})));
    if (op() == "ReduceMean") return reduce_mean();
    if (op() == "Add" || op() == "Sum" || op() == "Sub") return add();
    if (op() == "Mul" || op() == "Div") return mul();
    if (op() == "Concat") return concat();
    if (op() == "MaxPool" || op() == "AveragePool") return pool();
    if (op() == "Flatten") return reshape_to(flattened(act_dims(0)));
    if (op() == "Reshape") return reshape_to(reshaped(act_dims(0)));
    if (op() == "Squeeze") return reshape_to(squeezed(act_dims(0)));
    if (op() == "Unsqueeze") return reshape_to(unsqueezed(act_dims(0)));
    if (op() == "Transpose") return alias(act_input(0), ov::transposed(view_of(0), permutation(act_dims(0).size())));
    if (op() == "Slice") return slice();
    if (op() == "Gather") return gather_rows_or_channels();
    if (op() == "Split") return split();
    if (op() == "Pad") return pad();
    fail("unsupported operator; supported: " + std::string(supported_ops));
  }
  // An element-wise layer whose output keeps input 0's ONNX dims.
  void element_wise(OpKind kind) {
    const View v = view_of(0);
    alias(emit(make(kind, {act_input(0)})), v);
  }

  // A tensor of `dims` holding `values` (a scalar: dims {}).
  template <typename V>
  static Tensor listed(const V& values, Ints dims, bool real) {
    Tensor t = Tensor::of(std::move(dims), real);
    for (int64_t k = 0; t.known && k < t.count(); ++k) {
      real ? t.set(k, double(values[int(k)])) : t.set_int(k, int64_t(values[int(k)]));
    }
    return t;
  }
  void constant() {
    Tensor t;
    if (const auto* a = attr("value")) {
      t = decode(a->t());
    } else if (const auto* b = attr("value_int")) {
      t = listed(Ints{b->i()}, {}, false);
    } else if (const auto* c = attr("value_ints")) {
      t = listed(c->ints(), {c->ints_size()}, false);
    } else if (const auto* d = attr("value_float")) {
      t = listed(std::vector<float>{d->f()}, {}, true);
    } else if (const auto* e = attr("value_floats")) {
      t = listed(e->floats(), {e->floats_size()}, true);
    } else {
      fail("only value, value_int(s) and value_float(s) constants are supported");
    }
    set_const(std::move(t));
  }

  // ---- shapes of a node's output from its input's, shared by constants and activations -----------------
  Ints axes_of(int input) {  // opset 13 moved axes from an attribute to an input
    return has_input(input) ? static_ints(input, "axes") : attr_ints("axes", {});
  }
  Ints unsqueezed(const Ints& d) {
    const Ints axes = axes_of(1);
    const size_t r = d.size() + axes.size();
    std::vector<bool> inserted(r, false);
    for (int64_t a : axes) {
      const int64_t k = axis_in(a, r);
      if (inserted[size_t(k)]) fail("axes " + ints_text(axes) + " repeat an axis");
      inserted[size_t(k)] = true;
    }
    Ints out;
    size_t next = 0;
    for (size_t k = 0; k < r; ++k) out.push_back(inserted[k] ? 1 : d[next++]);
    return out;
  }
  Ints squeezed(const Ints& d) {
    const Ints axes = axes_of(1);
    std::vector<bool> removed(d.size(), axes.empty());
    for (int64_t a : axes) {
      const int64_t k = axis_in(a, d.size());
      if (d[size_t(k)] != 1) fail("axis " + std::to_string(a) + " of " + ints_text(d) + " has size " + std::to_string(d[size_t(k)]) + ", not 1");
      removed[size_t(k)] = true;
    }
    Ints out;
    for (size_t k = 0; k < d.size(); ++k) {
      if (!removed[k] || d[k] != 1) out.push_back(d[k]);
    }
    return out;
  }
  Ints reshaped(const Ints& d) {
    Ints to = static_ints(1, "shape");
    const bool allow_zero = attr_int("allowzero", 0) != 0;
    const int64_t total = product(d);
    int64_t known = 1;
    int unknown = -1;
    for (size_t k = 0; k < to.size(); ++k) {
      if (to[k] == 0 && !allow_zero) {
        if (k >= d.size()) fail("shape " + ints_text(to) + ": a 0 past the input's rank " + std::to_string(d.size()));
        to[k] = d[k];
      }
      if (to[k] == -1 && unknown < 0) {
        unknown = int(k);
      } else if (to[k] < 0) {
        fail("shape " + ints_text(to) + " is not a valid Reshape target");
      } else {
        known = common::checked_mul(known, to[k]).value_or(INT64_MAX);
      }
    }
    if (unknown >= 0 && known > 0 && total % known == 0) to[size_t(unknown)] = total / known;
    if ((unknown >= 0 && (known == 0 || total % known != 0)) || (unknown < 0 && known != total)) {
      fail("shape " + ints_text(to) + " does not hold the " + std::to_string(total) + " elements of " + ints_text(d));
    }
    return to;
  }
  Ints flattened(const Ints& d) {
    const int64_t a = attr_int("axis", 1);
    const int64_t axis = a < 0 ? a + int64_t(d.size()) : a;
    if (axis < 0 || axis > int64_t(d.size())) fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(d.size()));
    return {product(Ints(d.begin(), d.begin() + axis)), product(Ints(d.begin() + axis, d.end()))};
  }
  Ints permutation(size_t rank) const {
    Ints perm = attr_ints("perm", {});
    if (perm.empty()) {
      for (size_t k = rank; k-- > 0;) perm.push_back(int64_t(k));
    }
    Ints sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (size_t k = 0; k < sorted.size(); ++k) {
      if (sorted.size() != rank || sorted[k] != int64_t(k)) fail("perm " + ints_text(perm) + " is not a permutation of " + std::to_string(rank) + " axes");
    }
    return perm;
  }

  // ---- constant folding ---------------------------------------------------------------------------------
  // `in` with its elements rearranged: out[idx] = in[source(idx)] over the multi-indices of `dims`.
  static Tensor moved(const Tensor& in, Ints dims, const std::function<int64_t(const Ints&)>& source) {
    Tensor out = Tensor::of(std::move(dims), in.real, in.known);
    if (out.known) {
      for_each_index(out.dims, [&](int64_t k, const Ints& idx) {
        const int64_t s = source(idx);
        in.real ? void(out.f[size_t(k)] = in.f[size_t(s)]) : void(out.i[size_t(k)] = in.i[size_t(s)]);
      });
    }
    return out;
  }
  static Tensor relabelled(Tensor t, Ints dims) {
    t.dims = std::move(dims);
    return t;
  }
  static Tensor ints_tensor(const Ints& v, Ints dims) {
    Tensor t = Tensor::of(std::move(dims), false);
    t.i = v;
    return t;
  }

  void fold() {
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
      const Ints shape = static_ints(1, "shape");
      if (!broadcast_dims(x.dims, shape, dims)) fail("cannot expand " + ints_text(x.dims) + " to " + ints_text(shape));
      const Ints strides = strides_of(x.dims);
      return set_const(moved(x, dims, [&](const Ints& idx) { return broadcast_source(idx, x.dims, strides); }));
    }
    arithmetic();
  }

  static Tensor cast(const Tensor& x, bool real) {
    Tensor out = Tensor::of(x.dims, real, x.known);
    if (out.known) {
      for (int64_t k = 0; k < x.count(); ++k) real ? out.set(k, x.at(k)) : out.set_int(k, x.int_at(k));
    }
    return out;
  }

  void constant_of_shape() {
    const Ints shape = static_ints(0, "shape");
    for (int64_t d : shape) {
      if (d < 0) fail("shape " + ints_text(shape) + " has a negative dimension");
    }
    Tensor value = Tensor::of({}, true);
    value.f[0] = 0.0;
    if (const auto* a = attr("value")) value = decode(a->t());
    if (!value.known || value.count() != 1) fail("attribute 'value' must be a tensor of one element");
    Tensor out = Tensor::of(shape, value.real);
    for (int64_t k = 0; out.known && k < out.count(); ++k) value.real ? out.set(k, value.f[0]) : out.set_int(k, value.i[0]);
    set_const(std::move(out));
  }

  void range() {
    const Tensor &s = known_input(0, "start"), &l = known_input(1, "limit"), &d = known_input(2, "delta");
    if (s.count() != 1 || l.count() != 1 || d.count() != 1) fail("start, limit and delta must be scalars");
    const bool real = s.real || l.real || d.real;
    if (d.at(0) == 0) fail("delta is 0");
    const double n = std::max(std::ceil((l.at(0) - s.at(0)) / d.at(0)), 0.0);
    if (!(n <= double(kMaxLayerActivations))) fail(over_bound("Range elements", INT64_MAX, kMaxLayerActivations));
    Tensor out = Tensor::of({int64_t(n)}, real);
    for (int64_t k = 0; out.known && k < out.count(); ++k) {
      real ? out.set(k, s.at(0) + double(k) * d.at(0)) : out.set_int(k, s.int_at(0) + k * d.int_at(0));
    }
    set_const(std::move(out));
  }

  void fold_concat() {
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
      dims[size_t(axis)] += t->dims[size_t(axis)];
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

  void gather() {
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

  // Slice parameters, from inputs (opset 10 on) or attributes (before).
  void slice_params(Ints& starts, Ints& ends, Ints& axes, Ints& steps) {
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

  void fold_slice() {
    const Tensor x = const_of(node_->input(0));
    Ints starts, ends, axes, steps;
    slice_params(starts, ends, axes, steps);
    Ints dims = x.dims, begin(x.dims.size(), 0), step(x.dims.size(), 1);
    for (size_t k = 0; k < axes.size(); ++k) {
      const size_t a = size_t(axis_in(axes[k], x.dims.size()));
      const int64_t n = x.dims[a], st = steps[k];
      if (st == 0) fail("steps " + ints_text(steps) + ": a step is 0");
      int64_t s = starts[k] < 0 ? starts[k] + n : starts[k], e = ends[k] < 0 ? ends[k] + n : ends[k];
      if (st > 0) {
        s = std::clamp<int64_t>(s, 0, n);
        e = std::clamp<int64_t>(e, 0, n);
        dims[a] = std::max<int64_t>(0, (e - s + st - 1) / st);
      } else {
        s = std::clamp<int64_t>(s, 0, n - 1);
        e = std::clamp<int64_t>(e, -1, n - 1);
        dims[a] = std::max<int64_t>(0, (s - e - st - 1) / -st);
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

  // Element-wise arithmetic and comparisons of constants, with broadcasting.
  void arithmetic() {
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
  template <typename F>
  double real_op(const std::string& o, size_t n, F v) const {
    if (o == "Neg") return -v(0);
    if (o == "Abs") return std::abs(v(0));
    if (o == "Sqrt") return std::sqrt(v(0));
    if (o == "Floor") return std::floor(v(0));
    if (o == "Ceil") return std::ceil(v(0));
    if (o == "Min" || o == "Max") {
      double r = v(0);
      for (size_t i = 1; i < n; ++i) r = o == "Min" ? std::min(r, v(i)) : std::max(r, v(i));
      return r;
    }
    if (o == "Add") return v(0) + v(1);
    if (o == "Sub") return v(0) - v(1);
    if (o == "Mul") return v(0) * v(1);
    if (o == "Pow") return std::pow(v(0), v(1));
    if (o == "Mod") return attr_int("fmod", 0) ? std::fmod(v(0), v(1)) : v(0) - v(1) * std::floor(v(0) / v(1));
    return v(0) / v(1);  // Div
  }
  template <typename F>
  int64_t int_op(const std::string& o, size_t n, F v) const {
    if (o == "Neg") return -v(0);
    if (o == "Abs") return std::abs(v(0));
    if (o == "Sqrt" || o == "Floor" || o == "Ceil") return o == "Sqrt" ? int64_t(std::sqrt(double(v(0)))) : v(0);
    if (o == "Min" || o == "Max") {
      int64_t r = v(0);
      for (size_t i = 1; i < n; ++i) r = o == "Min" ? std::min(r, v(i)) : std::max(r, v(i));
      return r;
    }
    const int64_t a = v(0), b = v(1);
    std::optional<int64_t> r;
    if (o == "Add") r = common::checked_add(a, b);
    if (o == "Sub") r = b == INT64_MIN ? std::nullopt : common::checked_add(a, -b);
    if (o == "Mul") r = common::checked_mul(a, b);
    if (o == "Pow") {
      const double p = std::pow(double(a), double(b));
      r = std::abs(p) < 9.2e18 ? std::optional<int64_t>(int64_t(p)) : std::nullopt;
    }
    if (o == "Mod") {  // the sign of the divisor (fmod=0)
      if (b == 0) fail("integer division by zero");
      r = b == -1 ? 0 : a % b != 0 && ((a % b < 0) != (b < 0)) ? a % b + b : a % b;
    }
    if (o == "Div") {
      if (b == 0) fail("integer division by zero");
      r = a == INT64_MIN && b == -1 ? std::nullopt : std::optional<int64_t>(a / b);
    }
    if (!r) fail("integer overflow in " + std::to_string(a) + " " + o + " " + std::to_string(b));
    return *r;
  }

  // ---- weighted layers ----------------------------------------------------------------------------------
  // Input 1, the crossbar weight: a constant of `rank` dimensions, each positive, whose declared element
  // count is within the per-layer weight bound. Only the dims are read (the data is skipped when parsing).
  const Ints& weight(int rank) {
    const Tensor* w = static_input(1);
    const std::string name = has_input(1) ? q(node_->input(1)) : std::string();
    if (!w) fail("weight '" + name + "' is not an initializer or constant");
    if (int(w->dims.size()) != rank) {
      fail("weight '" + name + "' must have rank " + std::to_string(rank) + ", has " + std::to_string(w->dims.size()));
    }
    for (int64_t d : w->dims) {
      if (d <= 0) fail("weight '" + name + "' has dims " + ints_text(w->dims) + "; each must be positive");
    }
    if (w->count() > kMaxLayerWeights) {
      fail(over_bound("weight '" + name + "' declared " + ints_text(w->dims) + ": elements", w->count(), kMaxLayerWeights,
                      " per layer"));
    }
    return w->dims;
  }
  // A pair of equal values (strides, dilations) as one int.
  int square(const char* what, const Ints& v) const {
    if (v.size() != 2 || v[0] != v[1])
      fail(std::string(what) + " " + ints_text(v) + ": only 2 equal values are supported");
    return to_int(v[0], what, kMaxSpatial);
  }

  // The pads (top, left, bottom, right) of a Conv or pool on `in`: the `pads` attribute, or what `auto_pad`
  // gives: SAME_* pads so that the output is ceil(in / stride), the odd one at the end (UPPER) or the start
  // (LOWER); VALID none.
  Ints spatial_pads(const Shape& in, int kh, int kw, int stride, int dilation) const {
    const auto* a = attr("auto_pad");
    const std::string mode = a ? a->s() : "NOTSET";
    if (mode == "NOTSET") {
      const Ints pads = attr_ints("pads", {0, 0, 0, 0});
      if (pads.size() != 4) fail("pads " + ints_text(pads) + " must have 4 values");
      for (int64_t p : pads) to_int(p, "pad", kMaxSpatial);
      return pads;
    }
    if (mode == "VALID") return {0, 0, 0, 0};
    if (mode != "SAME_UPPER" && mode != "SAME_LOWER") {
      fail("auto_pad '" + q(mode) + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
    }
    Ints pads(4);
    const int64_t size[2] = {in.h, in.w}, kernel[2] = {kh, kw};
    for (int k = 0; k < 2; ++k) {
      const int64_t out = (size[k] + stride - 1) / stride;
      const int64_t total = std::max<int64_t>(0, (out - 1) * stride + (kernel[k] - 1) * dilation + 1 - size[k]);
      pads[size_t(k)] = mode == "SAME_UPPER" ? total / 2 : total - total / 2;
      pads[size_t(k) + 2] = total - pads[size_t(k)];
    }
    return pads;
  }
  // Equal pads become the layer's `pad`; others a pad layer NAME/pad (the four pads) before it (pad 0).
  int padded(int x, const Ints& pads, Layer& l) {
    if (pads[0] == pads[1] && pads[0] == pads[2] && pads[0] == pads[3]) {
      l.pad = to_int(pads[0], "pad", kMaxSpatial);
      return x;
    }
    Layer p = make(OpKind::pad, {x});
    for (int k = 0; k < 4; ++k) p.pads[k] = to_int(pads[size_t(k)], "pad", kMaxSpatial);
    return emit(std::move(p), "/pad");
  }

  void conv() {
    const Ints w = weight(4);
    int x = planar_input(0);
    Layer l = make(OpKind::conv, {});
    l.out_channels = to_int(w[0], "output channels", kMaxChannels);
    l.kernel_h = to_int(w[2], "kernel height", kMaxSpatial);
    l.kernel_w = to_int(w[3], "kernel width", kMaxSpatial);
    const Ints kernel = attr_ints("kernel_shape", {w[2], w[3]});
    if (kernel != Ints{w[2], w[3]}) {
      fail("kernel_shape " + ints_text(kernel) + " does not match the weight's " + ints_text({w[2], w[3]}));
    }
    l.stride = square("strides", attr_ints("strides", {1, 1}));
    l.dilation = square("dilations", attr_ints("dilations", {1, 1}));
    l.groups = to_int(attr_int("group", 1), "group", kMaxChannels);
    if (int64_t(layer(x).out.c) != w[1] * l.groups) {
      fail("weight '" + q(node_->input(1)) + "' expects " + std::to_string(w[1]) + " x group " + std::to_string(l.groups) +
           " input channels, the input has " + std::to_string(layer(x).out.c));
    }
    x = padded(x, spatial_pads(layer(x).out, l.kernel_h, l.kernel_w, l.stride, l.dilation), l);
    l.inputs = {x};
    emit(std::move(l));
  }

  void gemm() {
    const bool is_gemm = op() == "Gemm";
    if (!static_input(1)) return matmul();
    if (is_gemm && attr_int("transA", 0) != 0) fail("transA=1 is not supported");
    const Ints w = weight(2);
    const bool trans_b = is_gemm && attr_int("transB", 0) != 0;
    const int64_t k = trans_b ? w[1] : w[0];
    const int64_t n = trans_b ? w[0] : w[1];
    const int x = act_input(0);
    const View& v = view_of(0);
    if (const Shape& s = layer(x).out; int64_t(s.h) * s.w > 1 && ov::covers(v, s) && v.axes.back().ir == ov::chan &&
                                         ov::whole(v, v.dims.size() - 1)) {
      // a per-position projection of a token sequence (or channels-last map): a 1x1 convolution
      if (k != v.dims.back()) {
        fail("weight '" + q(node_->input(1)) + "' takes " + std::to_string(k) + " inputs, the input is " + ov::text(v));
      }
      Layer l = make(OpKind::conv, {x});
      l.out_channels = to_int(n, "output features", kMaxChannels);
      return alias(emit(std::move(l)), ov::with_dims(v, v.dims.size() - 1, n));
    }
    if (k != layer(x).out.elements()) {
      fail("weight '" + q(node_->input(1)) + "' takes " + std::to_string(k) + " inputs, the input has " +
           std::to_string(layer(x).out.elements()) + " elements");
    }
    Layer l = make(OpKind::fc, {x});
    l.out_channels = to_int(n, "output features", kMaxChannels);
    emit(std::move(l));
  }

  // MaxPool, AveragePool. ceil_mode: extra rows and columns at the bottom and right (in the pad layer) give
  // the rounded-up output, without a window that would start inside the bottom/right padding (ONNX's and
  // PyTorch's rule). count_include_pad changes only the divisor of border windows: the op count is the same.
  void pool() {
    const bool is_max = op() == "MaxPool";
    const Ints kernel = attr_ints("kernel_shape", {});
    if (kernel.size() != 2) fail("kernel_shape " + ints_text(kernel) + " must have 2 values");
    if (square("dilations", attr_ints("dilations", {1, 1})) != 1) fail("dilated pooling is not supported");
    if (node_->output_size() > 1 && !node_->output(1).empty() && uses_[node_->output(1)] > 0) {
      fail("the indices output is not supported");
    }
    const int64_t ceil_mode = attr_int("ceil_mode", 0), include_pad = attr_int("count_include_pad", 0);
    if (ceil_mode != 0 && ceil_mode != 1) fail("ceil_mode " + std::to_string(ceil_mode) + " is not 0 or 1");
    if (!is_max && include_pad != 0 && include_pad != 1) {
      fail("count_include_pad " + std::to_string(include_pad) + " is not 0 or 1");
    }
    const int x = planar_input(0);
    Layer l = make(is_max ? OpKind::max_pool : OpKind::avg_pool, {});
    l.kernel_h = to_int(kernel[0], "kernel height", kMaxSpatial);
    l.kernel_w = to_int(kernel[1], "kernel width", kMaxSpatial);
    l.stride = square("strides", attr_ints("strides", {1, 1}));
    const Shape in = layer(x).out;
    Ints pads = spatial_pads(in, l.kernel_h, l.kernel_w, l.stride, 1);
    if (ceil_mode) {
      const int64_t size[2] = {in.h, in.w}, k[2] = {l.kernel_h, l.kernel_w};
      for (size_t a = 0; a < 2; ++a) {
        const int64_t span = size[a] + pads[a] + pads[a + 2] - k[a];
        if (span < 0) continue;  // the IR reports the kernel that does not fit
        int64_t out = (span + l.stride - 1) / l.stride + 1;
        if ((out - 1) * l.stride >= size[a] + pads[a]) --out;
        pads[a + 2] += std::max<int64_t>(0, (out - 1) * l.stride + k[a] - (size[a] + pads[a] + pads[a + 2]));
      }
    }
    l.inputs = {padded(x, pads, l)};
    emit(std::move(l));
  }

  // Zero padding (or cropping, negative pads) of whole rows and columns, in any layout; all-zero pads are none.
  void pad() {
    const auto* mode = attr("mode");
    if (mode && mode->s() != "constant") fail("mode '" + q(mode->s()) + "': only constant (zero) padding is supported");
    const int x = act_input(0);
    const View v = view_of(0);
    const size_t r = v.dims.size();
    Ints given = node_->input_size() > 1 ? static_ints(1, "pads") : attr_ints("pads", {});
    const Tensor* value = static_input(2);
    if ((value && !(value->known && value->count() == 1 && value->at(0) == 0.0)) || (attr("value") && attr("value")->f() != 0.0f)) {
      fail("only zero padding is supported (constant_value is not 0)");
    }
    Ints pads(2 * r, 0);
    if (has_input(3)) {  // opset 18: pads for the listed axes only
      const Ints axes = static_ints(3, "axes");
      if (given.size() != 2 * axes.size()) fail("pads " + ints_text(given) + " must have 2 values per axis of " + ints_text(axes));
      for (size_t k = 0; k < axes.size(); ++k) {
        const size_t a = size_t(axis_in(axes[k], r));
        pads[a] = given[k];
        pads[a + r] = given[k + axes.size()];
      }
    } else {
      pads = given;
    }
    if (pads.size() != 2 * r) fail("pads " + ints_text(pads) + " must have " + std::to_string(2 * r) + " values (" + ov::text(v) + ")");
    int64_t hw[4] = {0, 0, 0, 0};  // top, left, bottom, right
    for (size_t a = 0; a < r; ++a) {
      if (!pads[a] && !pads[a + r]) continue;
      const int ir = v.axes[a].ir;
      if ((ir != ov::row && ir != ov::col) || !ov::whole(v, a)) {
        fail("pads " + ints_text(pads) + " of " + ov::text(v) + ": only rows and columns (H and W) may be padded");
      }
      hw[ir - 1] = pads[a];
      hw[ir + 1] = pads[a + r];
    }
    if (!hw[0] && !hw[1] && !hw[2] && !hw[3]) return alias(x, v);
    const bool grow = hw[0] >= 0 && hw[1] >= 0 && hw[2] >= 0 && hw[3] >= 0;
    const bool shrink = hw[0] <= 0 && hw[1] <= 0 && hw[2] <= 0 && hw[3] <= 0;
    if (!grow && !shrink) fail("pads " + ints_text(pads) + " mix padding and cropping");
    Layer l = make(grow ? OpKind::pad : OpKind::slice, {x});
    View out = v;
    for (int k = 0; k < 4; ++k) {
      if (hw[k] == INT64_MIN) fail("pads " + ints_text(pads) + " are out of range");
      l.pads[k] = to_int(grow ? hw[k] : -hw[k], "pad", kMaxSpatial);
    }
    for (size_t a = 0; a < r; ++a) out.dims[a] += pads[a] + pads[a + r];
    alias(emit(std::move(l)), out);
  }

  // Splits the inputs into activations (layer indices) and constants.
  std::vector<int> activations(std::vector<const Tensor*>& constants) {
    std::vector<int> acts;
    for (int i = 0; i < node_->input_size(); ++i) {
      if (const Tensor* t = static_input(i)) {
        constants.push_back(t);
      } else {
        acts.push_back(act_input(i));
      }
    }
    return acts;
  }

  // ---- constants on activations ---------------------------------------------------------------------------
  // Where a constant operand varies, broadcast (right-aligned) onto the view `v` of an activation.
  enum class Spread { scalar, channels, positions };
  Spread spread_of(const Tensor& c, const View& v) const {
    if (c.count() == 1) return Spread::scalar;
    if (c.dims.size() > v.dims.size()) fail("a constant of " + ints_text(c.dims) + " does not broadcast onto " + ov::text(v));
    const size_t off = v.dims.size() - c.dims.size();
    bool positions = false;
    for (size_t k = 0; k < c.dims.size(); ++k) {
      if (c.dims[k] == 1) continue;
      if (c.dims[k] != v.dims[k + off]) fail("a constant of " + ints_text(c.dims) + " does not broadcast onto " + ov::text(v));
      positions = positions || v.axes[k + off].ir != ov::chan;
    }
    return positions ? Spread::positions : Spread::channels;
  }
  // A constant held on chip with the IR shape of `view` (a positional embedding, a class token).
  int constant_layer(const View& view, const std::string& suffix) {
    Layer c = make(OpKind::constant, {});
    c.shape = {int(ov::ir_size(view, ov::chan)), int(ov::ir_size(view, ov::row)), int(ov::ir_size(view, ov::col))};
    return emit(std::move(c), suffix);
  }
  // True when activation input i feeds only this node (and is no graph output).
  bool sole_reader(int i) const { return uses_.at(node_->input(i)) == 1; }

  // Add, Sum, Sub. Two activations: an add (of equal layouts). One activation and a constant: a bias folded
  // into the conv, fc, scale_shift or layer norm before it; a per-channel or scalar shift (scale_shift); a
  // constant varying over positions (a positional embedding): a constant layer added.
  void add() {
    std::vector<const Tensor*> constants;
    const std::vector<int> acts = activations(constants);
    const int first = static_input(0) ? 1 : 0;
    const View v = view_of(first);
    if (constants.empty()) {
      if (op() == "Sub") fail("subtracts two activations; the IR has no subtraction (only a layer norm's x - mean)");
      for (int i = 1; i < node_->input_size(); ++i) {
        if (view_of(i) != v) fail("adds " + ov::text(v) + " and " + ov::text(view_of(i)) + ": the elements do not line up");
      }
      return alias(emit(make(OpKind::add, acts)), v);
    }
    if (acts.size() != 1)
      fail("adds constants to " + std::to_string(acts.size()) + " activations; expected 1 (a bias)");
    const Spread spread = spread_of(*constants[0], v);
    if (spread == Spread::positions) {
      const int c = constant_layer(v, "/const");
      return alias(emit(make(OpKind::add, {acts[0], c})), v);
    }
    const OpKind producer = layer(acts[0]).op;
    const bool folds = is_weighted(producer) || producer == OpKind::scale_shift || producer == OpKind::layer_norm;
    if (folds && sole_reader(first) && op() != "Sub") return alias(acts[0], v);  // a bias
    alias(emit(make(OpKind::scale_shift, acts)), v);  // a shift: y = x + b
  }

  // Mul, Div. Two activations: an element-wise product (the C x 1 x 1 gate second). One activation and a
  // constant: 0 gives a zero layer; a scalar after a conv, fc, matmul, layer norm or GELU is folded into that
  // op's output scale (no layer: attention's 1/sqrt(d), GELU's 1/sqrt(2) and 0.5); a per-channel constant after
  // a layer norm is its scale; other scalar or per-channel constants a scale_shift; a constant varying over
  // positions a constant layer multiplied.
  void mul() {
    std::vector<const Tensor*> constants;
    std::vector<int> acts = activations(constants);
    const bool div = op() == "Div";
    if (acts.size() == 2) {  // the broadcast (C x 1 x 1) operand second
      if (div) fail("divides two activations; only a layer norm's (x - mean) / sqrt(var + eps) is supported");
      const Shape a = layer(acts[0]).out, b = layer(acts[1]).out;
      const bool swap = a.h == 1 && a.w == 1 && (b.h != 1 || b.w != 1);
      const View v = view_of(swap ? 1 : 0);
      if (swap) std::swap(acts[0], acts[1]);
      return alias(emit(make(OpKind::mul, acts)), v);
    }
    if (acts.size() != 1) fail("multiplies " + std::to_string(acts.size()) + " activations; expected 1 or 2");
    const int first = static_input(0) ? 1 : 0;
    if (div && first != 0) fail("divides a constant by an activation; only division by a constant is supported");
    const View v = view_of(first);
    const Spread spread = spread_of(*constants[0], v);
    const OpKind producer = layer(acts[0]).op;
    if (spread == Spread::positions) {
      const int c = constant_layer(v, "/const");
      return alias(emit(make(OpKind::mul, {acts[0], c})), v);
    }
    if (!div && all_zero(*constants[0])) return zero(acts[0], v);
    static const std::set<OpKind> scaled = {OpKind::conv, OpKind::fc, OpKind::matmul, OpKind::layer_norm, OpKind::gelu};
    if (spread == Spread::scalar && scaled.count(producer)) return alias(acts[0], v);
    if (spread == Spread::channels && producer == OpKind::layer_norm && sole_reader(first)) return alias(acts[0], v);
    alias(emit(make(OpKind::scale_shift, acts)), v);
  }
  // x * 0: a zero layer; a 1x1 max pool feeding only it gives its stride (how to_onnx writes zero)
  void zero(int x, const View& v) {
    Layer& src = graph_.layers[size_t(x)];
    if (src.op == OpKind::max_pool && src.kernel_h == 1 && src.kernel_w == 1 && src.pad == 0 && sole_consumer()) {
      names_.erase(src.name);
      next_suffix_.clear();  // a freed name may be reused, as it would be without the memo
      graph_.rename(x, unique(label()));
      src.op = OpKind::zero;
      graph_.infer_layer(x);
      return alias(x, v);
    }
    alias(emit(make(OpKind::zero, {x})), v);
  }

  // ---- reductions over channels ------------------------------------------------------------------------------
  // The axes [axis, rank) of input 0 (Softmax before opset 13, LayerNormalization), or the one axis.
  std::vector<size_t> trailing_axes(int64_t axis, bool to_end) const {
    const size_t r = act_dims(0).size();
    std::vector<size_t> axes;
    for (size_t k = size_t(axis_in(axis, r)); k < (to_end ? r : size_t(axis_in(axis, r)) + 1); ++k) axes.push_back(k);
    return axes;
  }
  // True when the non-unit axes among `axes` are every channel part of the view, and nothing else.
  static bool all_channels(const View& v, const std::vector<size_t>& axes) {
    std::vector<size_t> picked = ov::non_unit(v, axes), chan = ov::parts(v, ov::chan);
    std::sort(picked.begin(), picked.end());
    std::sort(chan.begin(), chan.end());
    return !chan.empty() && picked == chan;
  }

  // Softmax, LogSoftmax over the innermost channel part (a head's scores) or all channels: the channels of
  // each position in groups (heads).
  void softmax() {
    const int x = act_input(0);
    const View v = view_of(0);
    const bool whole_end = opset_ < 13;  // before opset 13 the axes from `axis` on are one
    const std::vector<size_t> axes = ov::non_unit(v, trailing_axes(attr_int("axis", whole_end ? 1 : -1), whole_end));
    int64_t n = 1;
    for (size_t k : axes) n *= v.dims[k];
    if (axes.empty() || v.axes[axes[0]].ir != ov::chan || !ov::contiguous(v, axes) || v.axes[axes.back()].stride != 1) {
      fail("over " + ov::text(v) + " axis " + std::to_string(attr_int("axis", whole_end ? 1 : -1)) +
           ": only a softmax over the channels of each position (or the innermost channel part: heads) is supported");
    }
    Layer l = make(op() == "Softmax" ? OpKind::softmax : OpKind::log_softmax, {x});
    l.groups = int(layer(x).out.c / n);
    alias(emit(std::move(l)), v);
  }

  void layer_norm() {
    const int x = act_input(0);
    const View v = view_of(0);
    if (!all_channels(v, trailing_axes(attr_int("axis", -1), true))) {
      fail("over " + ov::text(v) + " from axis " + std::to_string(attr_int("axis", -1)) +
           ": only a layer norm over all channels of each position is supported");
    }
    for (int o = 1; o < node_->output_size(); ++o) {
      if (!node_->output(o).empty() && uses_[node_->output(o)] > 0) fail("the Mean and InvStdDev outputs are not supported");
    }
    alias(emit(make(OpKind::layer_norm, {x})), v);
  }

  // ReduceMean over every position: global average pooling; over every channel: the mean of a layer norm.
  void reduce_mean() {
    const int x = act_input(0);
    const View v = view_of(0);
    const Ints axes = axes_of(1);  // an input from opset 18
    std::vector<size_t> picked;
    for (int64_t a : axes) picked.push_back(size_t(axis_in(a, v.dims.size())));
    if (all_channels(v, picked)) return set_pending(Pending::mean, x);
    std::vector<size_t> positions = ov::parts(v, ov::row), chosen = ov::non_unit(v, picked);
    for (size_t k : ov::parts(v, ov::col)) positions.push_back(k);
    std::sort(positions.begin(), positions.end());
    std::sort(chosen.begin(), chosen.end());
    if (positions.empty() || chosen != positions) {
      fail("axes " + ints_text(axes) + " of " + ov::text(v) +
           ": only the mean over every position (global pooling) or over the channels (a layer norm's) is supported");
    }
    View out = v;
    std::sort(picked.begin(), picked.end());
    for (size_t k = picked.size(); k-- > 0;) {
      out = attr_int("keepdims", 1) ? ov::with_dims(out, picked[k], 1) : ov::without_axis(out, picked[k]);
    }
    alias(emit(make(OpKind::global_avg_pool, {x})), out);
  }

  // ---- decompositions: layer norm (ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div) and GELU
  // (x * (1 + erf(x / sqrt 2)) / 2). Their pieces are pending tensors until the node that completes them.
  struct Pending {
    enum Kind { mean, centered, square, variance, deviation, erf, erf_plus_one } kind;
    int x;  // the layer normalized or GELU'd
    View view;
    std::string erf_label, label;  // the nodes that made the erf and the piece, for its layers
  };
  void set_pending(Pending::Kind kind, int x) {
    const std::string erf_label = kind == Pending::erf_plus_one ? pending_of(0)->erf_label : label();
    const View v = pending_of(0) ? pending_of(0)->view : view_of(0);
    pending_[node_->output(0)] = Pending{kind, x, v, erf_label, label()};
  }
  const Pending* pending_of(int i) const {
    if (!has_input(i)) return nullptr;
    const auto it = pending_.find(node_->input(i));
    return it == pending_.end() ? nullptr : &it->second;
  }
  bool is(int i, Pending::Kind kind) const { return pending_of(i) && pending_of(i)->kind == kind; }
  bool scalar_input(int i, double value) {
    const Tensor* t = static_input(i);
    return t && t->known && t->count() == 1 && std::abs(t->at(0) - value) < 1e-6;
  }
  bool small_scalar_input(int i) {  // a layer norm's epsilon
    const Tensor* t = static_input(i);
    return t && t->known && t->count() == 1 && t->at(0) >= 0 && t->at(0) < 1e-2;
  }
  // The node completes or extends a decomposition: true. Otherwise pending inputs become layers (an erf, an
  // erf + 1 shift) or are refused (a layer norm's pieces have no IR op), and the node is imported as usual.
  bool matched_pattern() {
    bool any = false;
    for (int i = 0; i < node_->input_size(); ++i) any = any || pending_of(i);
    if (!any) return false;
    const std::string& o = op();
    const int x = pending_of(0) ? pending_of(0)->x : pending_of(1) ? pending_of(1)->x : -1;
    auto act_is_x = [&](int i) { return has_input(i) && !pending_of(i) && act_.count(node_->input(i)) && act_input(i) == x; };
    if (o == "Sub" && is(1, Pending::mean) && act_is_x(0)) return set_pending(Pending::centered, x), true;
    if (o == "Pow" && is(0, Pending::centered) && scalar_input(1, 2.0)) return set_pending(Pending::square, x), true;
    if (o == "Mul" && is(0, Pending::centered) && node_->input(0) == node_->input(1)) return set_pending(Pending::square, x), true;
    if (o == "ReduceMean" && is(0, Pending::square)) {
      std::vector<size_t> picked;
      for (int64_t a : axes_of(1)) picked.push_back(size_t(axis_in(a, pending_of(0)->view.dims.size())));
      if (all_channels(pending_of(0)->view, picked)) return set_pending(Pending::variance, x), true;
    }
    if (o == "Add" && is(0, Pending::variance) && small_scalar_input(1)) return set_pending(Pending::variance, x), true;
    if (o == "Sqrt" && is(0, Pending::variance)) return set_pending(Pending::deviation, x), true;
    if (o == "Div" && is(0, Pending::centered) && is(1, Pending::deviation) && pending_of(1)->x == x) {
      const View v = pending_of(0)->view;
      alias(emit(make(OpKind::layer_norm, {x})), v);
      return true;
    }
    if (o == "Add" && is(0, Pending::erf) && scalar_input(1, 1.0)) return set_pending(Pending::erf_plus_one, x), true;
    if (o == "Add" && is(1, Pending::erf) && scalar_input(0, 1.0)) {
      const Pending p = *pending_of(1);
      pending_[node_->output(0)] = Pending{Pending::erf_plus_one, p.x, p.view, p.erf_label, label()};
      return true;
    }
    for (int i = 0; i < 2 && o == "Mul"; ++i) {
      if (is(i, Pending::erf_plus_one) && act_is_x(1 - i)) {
        const View v = pending_of(i)->view;
        alias(emit(make(OpKind::gelu, {x})), v);
        return true;
      }
    }
    for (int i = 0; i < node_->input_size(); ++i) {
      if (pending_of(i)) materialize(node_->input(i));
    }
    return false;
  }
  void materialize(const std::string& name) {
    const Pending p = pending_.at(name);
    if (p.kind < Pending::erf) {
      fail("reads '" + q(name) + "', a piece of a layer norm's decomposition (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, "
           "Div) that the IR has no op for; only the whole decomposition is a layer_norm");
    }
    int y = emit(make(OpKind::erf, {p.x}), "", p.erf_label);
    if (p.kind == Pending::erf_plus_one) y = emit(make(OpKind::scale_shift, {y}), "", p.label);  // + 1
    pending_.erase(name);
    act_[name] = y;
    views_[name] = p.view;
  }

  // ---- products of two activations ------------------------------------------------------------------------
  // MatMul of activations A [.., M, K] . B [.., K, N], at most one batch axis above 1 (the heads): A's M axis
  // its rows, K its innermost channel part; B either K innermost channels, N rows (A . B^T, scores: B is
  // K^T as a view) or K rows, N innermost channels (attention . V).
  void matmul() {
    const int a = act_input(0), b = act_input(1);
    const View va = view_of(0), vb = view_of(1);
    const size_t r = va.dims.size();
    auto refuse = [&](const std::string& why) {
      fail("A " + ov::text(va) + " . B " + ov::text(vb) + ": " + why +
           " (supported: per head, A's rows x its innermost channels times B's innermost channels x rows or rows x "
           "innermost channels)");
    };
    if (r < 2 || vb.dims.size() != r) refuse("operands of ranks " + std::to_string(r) + " and " + std::to_string(vb.dims.size()));
    int64_t heads = 1;
    size_t head = r;
    for (size_t k = 0; k + 2 < r; ++k) {
      if (va.dims[k] != vb.dims[k]) refuse("batch axes differ");
      if (va.dims[k] == 1) continue;
      if (head != r) refuse("more than one batch axis above 1");
      head = k;
      heads = va.dims[k];
    }
    const size_t m = r - 2, kk = r - 1;
    const Shape sa = layer(a).out, sb = layer(b).out;
    const int64_t depth = va.dims[kk];
    auto inner = [](const View& v, size_t k) { return v.axes[k].ir == ov::chan && v.axes[k].stride == 1; };
    auto rows = [](const View& v, size_t k, const Shape& s) { return v.axes[k].ir == ov::row && v.dims[k] == s.h && s.w == 1; };
    auto head_ok = [&](const View& v, const Shape& s, int64_t part) {
      return heads * part == s.c && (head == r || (v.axes[head].ir == ov::chan && v.axes[head].stride == part));
    };
    if (!rows(va, m, sa) || !inner(va, kk) || !head_ok(va, sa, depth)) refuse("A is not rows x innermost channels");
    bool transpose_b = false;
    int64_t n = vb.dims[kk];
    if (inner(vb, m) && rows(vb, kk, sb) && head_ok(vb, sb, depth)) {
      transpose_b = true;
    } else if (!(rows(vb, m, sb) && inner(vb, kk) && head_ok(vb, sb, n))) {
      refuse("B is neither innermost channels x rows nor rows x innermost channels");
    }
    Layer l = make(OpKind::matmul, {a, b});
    l.groups = int(heads);
    l.transpose_b = transpose_b;
    View out = ov::with_dims(va, kk, n);
    out.axes[kk] = ov::Axis{ov::chan, 1};
    if (head != r) out.axes[head] = ov::Axis{ov::chan, n};
    alias(emit(std::move(l)), out);
  }

  // ---- layout ---------------------------------------------------------------------------------------------
  // Flatten, Reshape, Squeeze, Unsqueeze to ONNX dims `to` (workloads/onnx_view.hpp, plan_reshape): a view
  // costs nothing; a flattening is the IR's flatten (elided when only Gemm/MatMul read it, as fc flattens);
  // positions re-read row-major an addressing reshape; anything else a reshape with copy (elements move).
  void reshape_to(const Ints& to) {
    const int x = act_input(0);
    const View v = view_of(0);
    const Shape s = layer(x).out;
    if (product(to) != s.elements()) fail(ints_text(to) + " does not hold the " + std::to_string(s.elements()) + " elements of the input");
    ov::ReshapePlan plan;
    if (!ov::plan_reshape(v, s, to, plan)) fail("the result " + ints_text(to) + " has no C x H x W layout");
    switch (plan.kind) {
      case ov::ReshapePlan::same:
        return alias(x, plan.view);
      case ov::ReshapePlan::flatten:
        if ((s.h == 1 && s.w == 1) || only_fc_consumers()) return alias(x, plan.view);
        return alias(emit(make(OpKind::flatten, {x})), plan.view);
      case ov::ReshapePlan::relayout:
      case ov::ReshapePlan::copy: {
        if (plan.kind == ov::ReshapePlan::relayout && plan.shape == s) return alias(x, plan.view);
        Layer l = make(OpKind::reshape, {x});
        l.shape = {plan.shape.c, plan.shape.h, plan.shape.w};
        l.copy = plan.kind == ov::ReshapePlan::copy;
        return alias(emit(std::move(l)), plan.view);
      }
    }
  }

  // ---- parts of an activation: rows, columns, channel blocks ------------------------------------------------
  struct Split {
    Layer original;                               // the projection as the file has it
    std::map<std::pair<int, int>, int> blocks;    // (first channel, channels) -> its layer
  };
  // The layer holding channels [first, first + count) of layer x: a projection (a conv nothing else has read
  // yet) is split into one conv per block, the same weights and MACs (a packed Q/K/V projection); other
  // layers are copied once into row blocks (reshape with copy: count x (C / count * H) x W) and cropped.
  int channel_block(int x, int first, int count) {
    Layer& src = graph_.layers[size_t(x)];
    auto split = splits_.find(x);
    if (split == splits_.end() && src.op == OpKind::conv && src.groups == 1 && !read_by_a_layer(x)) {
      split = splits_.emplace(x, Split{src, {}}).first;
      src.out_channels = count;
      graph_.infer_layer(x);
      split->second.blocks[{first, count}] = x;
      return x;
    }
    if (split != splits_.end()) {
      if (auto it = split->second.blocks.find({first, count}); it != split->second.blocks.end()) return it->second;
      Layer l = split->second.original;
      l.out_channels = count;
      const int y = emit(std::move(l), "/proj");
      split->second.blocks[{first, count}] = y;
      return y;
    }
    const Shape s = src.out;
    if (s.c % count != 0 || first % count != 0) {
      fail("channels [" + std::to_string(first) + ", " + std::to_string(first + count) + ") of " + ov::text(s) +
           ": the IR has no channel slice; only equal blocks of a tensor (a copy into row blocks) or of a projection "
           "(split into one conv per block) are supported");
    }
    auto copy = block_copies_.find({x, count});
    if (copy == block_copies_.end()) {
      Layer r = make(OpKind::reshape, {x});
      r.shape = {count, s.c / count * s.h, s.w};
      r.copy = true;
      copy = block_copies_.emplace(std::make_pair(x, count), emit(std::move(r), "/blocks")).first;
    }
    Layer l = make(OpKind::slice, {copy->second});
    l.pads[0] = first / count * s.h;
    l.pads[2] = (s.c - first - count) / count * s.h;
    return emit(std::move(l), "/block");
  }
  bool read_by_a_layer(int x) const {
    for (size_t i = size_t(x) + 1; i < graph_.layers.size(); ++i) {
      const auto& in = graph_.layers[i].inputs;
      if (std::find(in.begin(), in.end(), x) != in.end()) return true;
    }
    return false;
  }
  // Elements [begin, end) of ONNX axis `axis` of input 0 (Slice, Gather, Split), as layer and view: rows or
  // columns cropped, a block of the outermost channel part, or an axis of size 1 kept whole.
  std::pair<int, View> part(size_t axis, int64_t begin, int64_t end, int output) {
    taking_part_ = true;
    const int x = act_input(0);
    const View v = view_of(0);
    taking_part_ = false;
    const Shape s = splits_.count(x) ? splits_.at(x).original.out : layer(x).out;
    const ov::Axis a = v.axes[axis];
    const int64_t n = v.dims[axis];
    View out = ov::with_dims(v, axis, end - begin);
    if (end - begin == n) return {x, v};
    if (a.ir == ov::chan && a.stride * n == s.c) {
      out.axes[axis] = end - begin == 1 ? ov::Axis{} : a;
      return {channel_block(x, int(begin * a.stride), int((end - begin) * a.stride)), out};
    }
    if ((a.ir == ov::row || a.ir == ov::col) && ov::whole(v, axis)) {
      Layer l = make(OpKind::slice, {x});
      const int edge = a.ir == ov::row ? 0 : 1;
      l.pads[edge] = int(begin);
      l.pads[edge + 2] = int(n - end);
      out.axes[axis] = end - begin == 1 ? ov::Axis{} : ov::Axis{a.ir, 1};
      const std::string suffix = output ? "/" + std::to_string(output) : "";
      const int y = emit(std::move(l), suffix.empty() ? "" : suffix);
      return {y, out};
    }
    fail("elements [" + std::to_string(begin) + ", " + std::to_string(end) + ") of axis " + std::to_string(axis) +
         " of " + ov::text(v) + ": only whole rows or columns, or a block of the outermost channel part, are taken");
  }

  // Input 0 and its view for a node taking a part of it (a split projection's stale view may be read).
  View view_of_part() {
    taking_part_ = true;
    const View v = view_of(0);
    taking_part_ = false;
    return v;
  }
  int result_input() {
    taking_part_ = true;
    const int x = act_input(0);
    taking_part_ = false;
    return x;
  }
  // Slice of rows and columns (one crop), or of a block of the outermost channel part.
  void slice() {
    const View v = view_of_part();
    const int x = result_input();
    Ints starts, ends, axes, steps;
    slice_params(starts, ends, axes, steps);
    Layer crop_layer = make(OpKind::slice, {x});
    View out = v;
    int channel_axis = -1, first = 0, last = 0;
    for (size_t k = 0; k < axes.size(); ++k) {
      if (steps[k] != 1) fail("steps " + ints_text(steps) + ": only step 1 is supported");
      const size_t a = size_t(axis_in(axes[k], v.dims.size()));
      int begin = 0, end_cut = 0;
      crop(v.dims[a], starts[k], ends[k], begin, end_cut);
      if (begin == 0 && end_cut == 0) continue;
      const ov::Axis role = v.axes[a];
      if ((role.ir == ov::row || role.ir == ov::col) && ov::whole(v, a)) {
        const int edge = role.ir == ov::row ? 0 : 1;
        crop_layer.pads[edge] += begin;
        crop_layer.pads[edge + 2] += end_cut;
        out = ov::with_dims(out, a, v.dims[a] - begin - end_cut);
        out.axes[a] = v.dims[a] - begin - end_cut == 1 ? ov::Axis{} : ov::Axis{role.ir, 1};
      } else if (channel_axis < 0) {
        channel_axis = int(a);
        first = begin;
        last = int(v.dims[a]) - end_cut;
      } else {
        fail("slices two channel parts; only one block of the outermost channel part is taken");
      }
    }
    const bool cropped = crop_layer.pads[0] || crop_layer.pads[1] || crop_layer.pads[2] || crop_layer.pads[3];
    if (channel_axis >= 0 && cropped) fail("slices channels and rows or columns at once; only one of them is supported");
    if (channel_axis >= 0) {
      auto [y, view] = part(size_t(channel_axis), first, last, 0);
      return alias(y, view);
    }
    if (!cropped) return alias(x, v);
    alias(emit(std::move(crop_layer)), out);
  }
  // Removes `begin` and `end` rows (or columns) of an axis of size `size`, from Slice starts/ends.
  void crop(int64_t size, int64_t start, int64_t end, int& begin_cut, int& end_cut) const {
    start = start < 0 ? start + size : start;
    end = end < 0 ? end + size : end;
    start = std::min(std::max<int64_t>(start, 0), size);
    end = std::min(std::max<int64_t>(end, 0), size);
    if (end <= start) fail("the slice [" + std::to_string(start) + ", " + std::to_string(end) + ") is empty");
    begin_cut += int(start);
    end_cut += int(size - end);
  }

  // Gather of one index (a scalar: the axis goes): the class token's row, one of a packed Q/K/V's blocks.
  void gather_rows_or_channels() {
    const View v = view_of_part();
    const Tensor& idx = known_input(1, "indices");
    if (idx.count() != 1) fail("indices " + ints_text(idx.dims) + ": only one index is supported");
    const size_t a = size_t(axis_in(attr_int("axis", 0), v.dims.size()));
    int64_t i = idx.int_at(0);
    if (i < -v.dims[a] || i >= v.dims[a]) fail("index " + std::to_string(i) + " is out of range for an axis of size " + std::to_string(v.dims[a]));
    i = i < 0 ? i + v.dims[a] : i;
    auto [y, out] = part(a, i, i + 1, 0);
    alias(y, idx.dims.empty() ? ov::without_axis(out, a) : out);
  }

  // Split into parts along one axis (sizes from input 1 from opset 13, attribute `split` before, else equal).
  void split() {
    const View v = view_of_part();
    const size_t a = size_t(axis_in(attr_int("axis", 0), v.dims.size()));
    Ints sizes = has_input(1) ? static_ints(1, "split") : attr_ints("split", {});
    const int parts = node_->output_size();
    if (sizes.empty()) {
      const int64_t count = attr_int("num_outputs", parts);
      if (count <= 0 || count != parts) fail("num_outputs " + std::to_string(count) + " differs from the " + std::to_string(parts) + " outputs");
      const int64_t each = (v.dims[a] + count - 1) / count;
      for (int64_t k = 0; k < count; ++k) sizes.push_back(std::min(each, v.dims[a] - k * each));
    }
    if (int64_t(sizes.size()) != parts) fail("split " + ints_text(sizes) + " does not give one size per output");
    int64_t begin = 0;
    for (int k = 0; k < parts; ++k) {
      if (sizes[size_t(k)] <= 0 || begin + sizes[size_t(k)] > v.dims[a]) fail("split " + ints_text(sizes) + " does not fit the axis of " + std::to_string(v.dims[a]));
      auto [y, out] = part(a, begin, begin + sizes[size_t(k)], k + 1);
      if (!node_->output(k).empty()) alias(y, out, k);
      begin += sizes[size_t(k)];
    }
    if (begin != v.dims[a]) fail("split " + ints_text(sizes) + " does not cover the axis of " + std::to_string(v.dims[a]));
  }

  // Concat along the channels (the outermost channel part) or the rows (tokens); a constant input (a class
  // token) becomes a constant layer.
  void concat() {
    if (!attr("axis")) fail("attribute 'axis' is missing");
    int first = -1;
    for (int i = 0; i < node_->input_size() && first < 0; ++i) {
      if (!static_input(i)) first = i;
    }
    if (first < 0) fail("no input is an activation");
    const View v = view_of(first);
    const size_t a = size_t(axis_in(attr_int("axis", 1), v.dims.size()));
    const ov::Axis role = v.axes[a];
    const Shape s = layer(act_input(first)).out;
    const bool channels = role.ir == ov::chan && role.stride * v.dims[a] == s.c;
    const bool rows = role.ir == ov::row && ov::whole(v, a);
    if (!channels && !rows) {
      fail("axis " + std::to_string(attr_int("axis", 1)) + " of " + ov::text(v) +
           ": only concatenation along the channels or the rows (tokens) is supported");
    }
    std::vector<int> inputs;
    int64_t total = 0;
    for (int i = 0; i < node_->input_size(); ++i) {
      if (const Tensor* c = static_input(i)) {
        if (c->dims.size() != v.dims.size()) fail("constant '" + q(node_->input(i)) + "' of " + ints_text(c->dims) + " does not match " + ov::text(v));
        View cv = ov::with_dims(v, a, c->dims[a]);
        cv.axes[a] = role;
        inputs.push_back(constant_layer(cv, "/const"));
        total += c->dims[a];
        continue;
      }
      const View vi = view_of(i);
      if (vi.dims.size() != v.dims.size() || ov::with_dims(vi, a, 1) != ov::with_dims(v, a, 1)) {
        fail("inputs " + ov::text(v) + " and " + ov::text(vi) + " differ off the axis");
      }
      inputs.push_back(act_input(i));
      total += vi.dims[a];
    }
    Layer l = make(OpKind::concat, inputs);
    l.axis = rows ? 1 : 0;
    View out = ov::with_dims(v, a, total);
    out.axes[a] = role;
    alias(emit(std::move(l)), out);
  }

  const onnx::GraphProto& g_;
  std::string source_;
  int64_t opset_;
  Graph graph_;
  std::map<std::string, const TensorProto*> protos_;  // initializers by name (decoded into consts_ when read)
  std::map<std::string, Tensor> consts_;              // constants: decoded initializers, Constant nodes, folds
  std::map<std::string, int> act_;                    // activations: tensor name -> layer index
  std::map<std::string, Pending> pending_;            // pieces of a layer norm / GELU decomposition
  std::map<int, Split> splits_;                       // projections split into channel blocks, by layer
  std::map<std::pair<int, int>, int> block_copies_;   // (layer, block size) -> its copy into row blocks
  std::map<std::string, View> views_;                 // activations: tensor name -> ONNX dims on the IR tensor
  std::map<std::string, int> uses_;                   // tensor name -> node inputs + graph outputs reading it
  std::map<std::string, int> fc_uses_;                // tensor name -> Gemm/MatMul inputs reading it
  std::set<std::string> names_;
  std::unordered_map<std::string, int> next_suffix_;  // unique(): the next _k to try per base name
  const NodeProto* node_ = nullptr;  // the node being imported (messages name it)
  bool taking_part_ = false;         // in part(): a split projection's stale view may be read
  int node_index_ = 0;
};

}  // namespace

namespace {
int64_t default_opset(const onnx::ModelProto& model) {
  for (const auto& o : model.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  }
  return 1;
}
}  // namespace

Graph from_onnx(const onnx::ModelProto& model, const std::string& source) {
  if (!model.has_graph() || model.graph().node_size() == 0) {
    throw NetworkError(source + ": not an ONNX model (a ModelProto with a graph of nodes)");
  }
  return Importer(model.graph(), source, default_opset(model)).run();
}

Graph load_onnx(const std::string& path) {
  const std::string shown = common::printable(path);
  onnx::ModelProto model;
  bool parsed = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    // a regular file: its size is bounded before parsing; it is streamed, the weights' data skipped
    if (int64_t(st.st_size) > kMaxOnnxFileBytes) {
      throw NetworkError(shown + ": " + std::to_string(st.st_size) + " bytes is above the bound " +
                         std::to_string(kMaxOnnxFileBytes) + " bytes for an ONNX model (" + kLimitsDoc +
                         "; save larger models with external data: only the weights' shapes are read)");
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw NetworkError("cannot open " + shown + " (" + std::strerror(errno) + ")");
    google::protobuf::io::FileInputStream stream(fd);
    stream.SetCloseOnDelete(true);
    parsed = parse_shapes_only(stream, int64_t(st.st_size), model);
  } else {  // a FIFO or device: read at most the bound
    const std::string bytes = read_bounded_file(path, kMaxOnnxFileBytes, "an ONNX model");
    google::protobuf::io::ArrayInputStream stream(bytes.data(), int(bytes.size()));
    parsed = parse_shapes_only(stream, int64_t(bytes.size()), model);
  }
  if (!parsed) {
    throw NetworkError(shown + ": not an ONNX model (the file does not parse as a protobuf ModelProto)");
  }
  return from_onnx(model, path);
}

}  // namespace cimsim::workloads
