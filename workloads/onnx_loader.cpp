#include "workloads/onnx_loader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "workloads/limits.hpp"

namespace cimsim::workloads {

namespace {

using onnx::NodeProto;
using onnx::TensorProto;
using Ints = std::vector<int64_t>;

const char* const supported_ops =
    "Add, AveragePool, BatchNormalization, Clip, Concat, Constant, Conv, Dropout, Flatten, Gemm, "
    "GlobalAveragePool, HardSigmoid, HardSwish, Identity, MatMul, MaxPool, Mul, Pad, ReduceMean, Relu, "
    "Reshape, Sigmoid, Slice, Squeeze, Sum, Unsqueeze; on constants: Cast, Gather, Shape";

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

template <typename T>
std::vector<T> raw_values(const std::string& raw) {
  std::vector<T> v(raw.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), raw.data(), v.size() * sizeof(T));
  return v;
}

class Importer {
 public:
  Importer(const onnx::GraphProto& g, std::string source) : g_(g), source_(common::printable(source)) {}

  Graph run() {
    graph_.name = stem_of(source_);
    if (g_.node_size() >= kMaxLayers) {
      fail(over_bound("node count", g_.node_size(), kMaxLayers - 1));
    }
    for (const auto& t : g_.initializer()) static_[t.name()] = &t;
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

  // ---- attributes and constant tensors ------------------------------------------------------------
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

  Ints tensor_ints(const TensorProto& t, const std::string& what) const {
    switch (t.data_type()) {
      case TensorProto::INT64:
        return t.has_raw_data() ? raw_values<int64_t>(t.raw_data())
                                : Ints(t.int64_data().begin(), t.int64_data().end());
      case TensorProto::INT32: {
        const auto v = t.has_raw_data() ? raw_values<int32_t>(t.raw_data())
                                        : std::vector<int32_t>(t.int32_data().begin(), t.int32_data().end());
        return Ints(v.begin(), v.end());
      }
      default:
        fail(what + " '" + q(t.name()) + "' must be an int64 or int32 tensor");
    }
  }
  // True when the tensor holds FLOAT data (in the file) that is all 0.
  static bool all_zero(const TensorProto& t) {
    if (t.data_type() != TensorProto::FLOAT) return false;
    const auto v = t.has_raw_data() ? raw_values<float>(t.raw_data())
                                    : std::vector<float>(t.float_data().begin(), t.float_data().end());
    return !v.empty() && std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0f; });
  }

  // ---- node inputs ----------------------------------------------------------------------------------
  bool has_input(int i) const { return i < node_->input_size() && !node_->input(i).empty(); }
  const TensorProto* static_input(int i) const {
    if (!has_input(i)) return nullptr;
    auto it = static_.find(node_->input(i));
    return it == static_.end() ? nullptr : it->second;
  }
  int act_input(int i) const {
    if (!has_input(i)) fail("input " + std::to_string(i) + " is missing");
    auto it = act_.find(node_->input(i));
    if (it != act_.end()) return it->second;
    if (static_.count(node_->input(i))) {
      fail("input '" + q(node_->input(i)) + "' is a constant; an activation (the output of an earlier node) is expected");
    }
    fail("input '" + q(node_->input(i)) + "' is not the graph input nor the output of an earlier node");
  }
  Ints static_ints(int i, const char* what) const {
    const TensorProto* t = static_input(i);
    if (!t) fail(std::string(what) + " (input " + std::to_string(i) + ") must be a constant or an initializer");
    return tensor_ints(*t, what);
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

  // ---- layers ---------------------------------------------------------------------------------------
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
  Layer make(OpKind op, std::vector<int> inputs) const {
    Layer l;
    l.op = op;
    l.inputs = std::move(inputs);
    return l;
  }
  int emit(Layer l, const std::string& suffix = "") {
    l.name = unique(label() + suffix);
    const int index = graph_.add(std::move(l));
    try {
      graph_.infer_layer(index);
    } catch (const NetworkError& e) {
      fail(e.what());
    }
    if (suffix.empty()) act_[node_->output(0)] = index;
    return index;
  }
  void alias(int index) { act_[node_->output(0)] = index; }

  void add_input() {
    std::vector<const onnx::ValueInfoProto*> inputs;
    for (const auto& v : g_.input()) {
      if (!static_.count(v.name())) inputs.push_back(&v);
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
    graph_.infer_layer(0);
  }

  void check_auto_pad() const {
    const auto* a = attr("auto_pad");
    if (a && a->s() != "NOTSET" && a->s() != "VALID") {
      fail("auto_pad '" + q(a->s()) + "' is not supported (give explicit pads)");
    }
  }
  // A pair of equal values (strides, dilations) as one int.
  int square(const char* what, const Ints& v) const {
    if (v.size() != 2 || v[0] != v[1])
      fail(std::string(what) + " " + ints_text(v) + ": only 2 equal values are supported");
    return to_int(v[0], what, kMaxSpatial);
  }

  // ---- operators ------------------------------------------------------------------------------------
  void import_node() {
    const std::string& op = node_->op_type();
    if (!node_->domain().empty() && node_->domain() != "ai.onnx") {
      fail("unsupported operator (domain '" + q(node_->domain()) + "'); supported: " + supported_ops);
    }
    if (node_->output_size() < 1) fail("node has no output");
    // the node's name (or first output) names its layers: it must be fit for a report
    if (const std::string problem = name_problem(label()); !problem.empty()) {
      throw NetworkError(source_ + ": node " + std::to_string(node_index_) + " (" + q(node_->op_type()) + "): " + problem);
    }
    if (op == "Constant") return constant();
    if ((op == "Identity" || op == "Dropout") && static_input(0)) {  // a renamed initializer
      static_[node_->output(0)] = static_input(0);
      return;
    }
    if ((op == "Shape" || op == "Gather" || op == "Cast" || op == "Squeeze" || op == "Unsqueeze" || op == "Concat") &&
        fold_constant()) {
      return;
    }
    if (op == "Squeeze" || op == "Unsqueeze") {  // of an activation: only the 1x1 spatial axes
      const int x = act_input(0);
      if (layer(x).out.h != 1 || layer(x).out.w != 1) fail("only the 1x1 spatial axes may be (un)squeezed");
      return op == "Squeeze" ? flatten(x) : alias(x);
    }
    if (op == "Conv") return conv();
    if (op == "Gemm" || op == "MatMul") return gemm();
    if (op == "BatchNormalization") {
      const int x = act_input(0);
      if (is_weighted(layer(x).op) && sole_consumer()) return alias(x);  // folded into the conv / fc
      return void(emit(make(OpKind::scale_shift, {x})));
    }
    if (op == "Relu" || op == "Clip") return void(emit(make(OpKind::relu, {act_input(0)})));
    if (op == "HardSwish") return void(emit(make(OpKind::hardswish, {act_input(0)})));
    if (op == "HardSigmoid") return void(emit(make(OpKind::hardsigmoid, {act_input(0)})));
    if (op == "Sigmoid") return void(emit(make(OpKind::sigmoid, {act_input(0)})));
    if (op == "Identity" || op == "Dropout") return void(emit(make(OpKind::identity, {act_input(0)})));
    if (op == "GlobalAveragePool") return void(emit(make(OpKind::global_avg_pool, {act_input(0)})));
    if (op == "ReduceMean") return reduce_mean();
    if (op == "Add" || op == "Sum") return add();
    if (op == "Mul") return mul();
    if (op == "Concat") return concat();
    if (op == "MaxPool" || op == "AveragePool") return pool();
    if (op == "Flatten") {
      const int64_t axis = attr_int("axis", 1);
      if (axis != 1) fail("axis " + std::to_string(axis) + ": only axis 1 (flatten C, H, W) is supported");
      return flatten(act_input(0));
    }
    if (op == "Reshape") return reshape();
    if (op == "Slice") return slice();
    if (op == "Pad") return pad();
    fail("unsupported operator; supported: " + std::string(supported_ops));
  }

  void constant() {
    if (const auto* a = attr("value")) {
      static_[node_->output(0)] = &a->t();
      return;
    }
    TensorProto& t = owned_.emplace_back();
    t.set_name(node_->output(0));
    if (const auto* a = attr("value_int")) {
      t.set_data_type(TensorProto::INT64);
      t.add_int64_data(a->i());
    } else if (const auto* b = attr("value_ints")) {
      t.set_data_type(TensorProto::INT64);
      t.add_dims(b->ints_size());
      for (int64_t v : b->ints()) t.add_int64_data(v);
    } else if (const auto* c = attr("value_float")) {
      t.set_data_type(TensorProto::FLOAT);
      t.add_float_data(c->f());
    } else if (const auto* d = attr("value_floats")) {
      t.set_data_type(TensorProto::FLOAT);
      t.add_dims(d->floats_size());
      for (float v : d->floats()) t.add_float_data(v);
    } else {
      fail("only value, value_int(s) and value_float(s) constants are supported");
    }
    static_[node_->output(0)] = &t;
  }

  // Integer shape arithmetic (PyTorch's x.view(x.size(0), -1) with a symbolic batch) folded into int64
  // constants. Returns false (nothing done) when a Cast/Concat/Squeeze/Unsqueeze reads an activation.
  bool fold_constant() {
    const std::string& op = node_->op_type();
    Ints out;
    if (op == "Shape") {
      const Layer& x = layer(act_input(0));
      const bool flat = x.op == OpKind::fc || x.op == OpKind::flatten;
      out = flat ? Ints{1, x.out.c} : Ints{1, x.out.c, x.out.h, x.out.w};
    } else {
      for (int i = 0; i < node_->input_size(); ++i) {
        if (has_input(i) && !static_input(i)) return false;
      }
      if (op == "Gather") {
        if (attr_int("axis", 0) != 0) fail("only axis 0 is supported");
        const Ints data = static_ints(0, "data");
        for (int64_t i : static_ints(1, "indices")) {
          const int64_t k = i < 0 ? i + int64_t(data.size()) : i;
          if (k < 0 || k >= int64_t(data.size())) fail("index " + std::to_string(i) + " is out of range");
          out.push_back(data[size_t(k)]);
        }
      } else {  // Concat joins the values; Cast, Squeeze and Unsqueeze keep them
        for (int i = 0; i < (op == "Concat" ? node_->input_size() : 1); ++i) {
          const Ints v = static_ints(i, "input");
          out.insert(out.end(), v.begin(), v.end());
        }
      }
    }
    TensorProto& t = owned_.emplace_back();
    t.set_name(node_->output(0));
    t.set_data_type(TensorProto::INT64);
    t.add_dims(int64_t(out.size()));
    for (int64_t v : out) t.add_int64_data(v);
    static_[node_->output(0)] = &t;
    return true;
  }

  // Input 1, the crossbar weight: an initializer or constant of `rank` dimensions, each positive, whose
  // declared element count is within the per-layer weight bound. Only the declared dims are read: the data
  // (if any) is never touched, so a weight declared huge without data costs nothing before it is refused.
  const TensorProto& weight(int rank) const {
    const TensorProto* w = static_input(1);
    if (!w) fail("weight '" + (has_input(1) ? q(node_->input(1)) : std::string()) + "' is not an initializer or constant");
    if (w->dims_size() != rank) {
      fail("weight '" + q(w->name()) + "' must have rank " + std::to_string(rank) + ", has " +
           std::to_string(w->dims_size()));
    }
    const Ints dims(w->dims().begin(), w->dims().end());
    int64_t count = 1;
    for (int64_t d : dims) {
      if (d <= 0) fail("weight '" + q(w->name()) + "' has dims " + ints_text(dims) + "; each must be positive");
      count = common::checked_mul(count, d).value_or(INT64_MAX);
    }
    if (count > kMaxLayerWeights) {
      fail(over_bound("weight '" + q(w->name()) + "' declared " + ints_text(dims) + ": elements", count, kMaxLayerWeights,
                      " per layer"));
    }
    return *w;
  }

  void conv() {
    const TensorProto* w = &weight(4);
    check_auto_pad();
    int x = act_input(0);
    Layer l = make(OpKind::conv, {});
    l.out_channels = to_int(w->dims(0), "output channels", kMaxChannels);
    l.kernel_h = to_int(w->dims(2), "kernel height", kMaxSpatial);
    l.kernel_w = to_int(w->dims(3), "kernel width", kMaxSpatial);
    const Ints kernel = attr_ints("kernel_shape", {w->dims(2), w->dims(3)});
    if (kernel != Ints{w->dims(2), w->dims(3)}) {
      fail("kernel_shape " + ints_text(kernel) + " does not match the weight's " + ints_text({w->dims(2), w->dims(3)}));
    }
    l.stride = square("strides", attr_ints("strides", {1, 1}));
    l.dilation = square("dilations", attr_ints("dilations", {1, 1}));
    l.groups = to_int(attr_int("group", 1), "group", kMaxChannels);
    if (int64_t(layer(x).out.c) != w->dims(1) * l.groups) {
      fail("weight '" + q(w->name()) + "' expects " + std::to_string(w->dims(1)) + " x group " + std::to_string(l.groups) +
           " input channels, the input has " + std::to_string(layer(x).out.c));
    }
    const Ints pads = attr_ints("pads", {0, 0, 0, 0});
    if (pads.size() != 4) fail("pads " + ints_text(pads) + " must have 4 values");
    if (pads[0] == pads[1] && pads[0] == pads[2] && pads[0] == pads[3]) {
      l.pad = to_int(pads[0], "pad", kMaxSpatial);
    } else {  // asymmetric: a pad layer before the conv
      Layer p = make(OpKind::pad, {x});
      for (int k = 0; k < 4; ++k) p.pads[k] = to_int(pads[size_t(k)], "pad", kMaxSpatial);
      x = emit(std::move(p), "/pad");
    }
    l.inputs = {x};
    emit(std::move(l));
  }

  void gemm() {
    const bool is_gemm = node_->op_type() == "Gemm";
    if (is_gemm && attr_int("transA", 0) != 0) fail("transA=1 is not supported");
    const TensorProto* w = &weight(2);
    const bool trans_b = is_gemm && attr_int("transB", 0) != 0;
    const int64_t k = trans_b ? w->dims(1) : w->dims(0);
    const int64_t n = trans_b ? w->dims(0) : w->dims(1);
    const int x = act_input(0);
    if (k != layer(x).out.elements()) {
      fail("weight '" + q(w->name()) + "' takes " + std::to_string(k) + " inputs, the input has " +
           std::to_string(layer(x).out.elements()) + " elements");
    }
    Layer l = make(OpKind::fc, {x});
    l.out_channels = to_int(n, "output features", kMaxChannels);
    emit(std::move(l));
  }

  void reduce_mean() {
    Ints axes = attr_ints("axes", {});
    for (auto& a : axes) a = a < 0 ? a + 4 : a;
    if (axes != Ints{2, 3} && axes != Ints{3, 2})
      fail("axes " + ints_text(axes) + ": only the mean over H and W (axes 2, 3) is supported");
    emit(make(OpKind::global_avg_pool, {act_input(0)}));
  }

  // Splits the inputs into activations (layer indices) and constants.
  std::vector<int> activations(std::vector<const TensorProto*>& constants) const {
    std::vector<int> acts;
    for (int i = 0; i < node_->input_size(); ++i) {
      if (const TensorProto* t = static_input(i)) {
        constants.push_back(t);
      } else {
        acts.push_back(act_input(i));
      }
    }
    return acts;
  }

  void add() {
    std::vector<const TensorProto*> constants;
    const std::vector<int> acts = activations(constants);
    if (constants.empty()) return void(emit(make(OpKind::add, acts)));
    if (acts.size() != 1)
      fail("adds constants to " + std::to_string(acts.size()) + " activations; expected 1 (a bias)");
    const OpKind producer = layer(acts[0]).op;
    if ((is_weighted(producer) || producer == OpKind::scale_shift) && sole_consumer()) return alias(acts[0]);  // a bias
    emit(make(OpKind::scale_shift, acts));  // a shift: y = x + b
  }

  void mul() {
    std::vector<const TensorProto*> constants;
    std::vector<int> acts = activations(constants);
    if (acts.size() == 2) {  // the broadcast (C x 1 x 1) operand second
      const Shape a = layer(acts[0]).out, b = layer(acts[1]).out;
      if (a.h == 1 && a.w == 1 && (b.h != 1 || b.w != 1)) std::swap(acts[0], acts[1]);
      return void(emit(make(OpKind::mul, acts)));
    }
    if (acts.size() != 1) fail("multiplies " + std::to_string(acts.size()) + " activations; expected 1 or 2");
    if (!all_zero(*constants[0])) return void(emit(make(OpKind::scale_shift, acts)));
    // x * 0: a zero layer; a 1x1 max pool feeding only it gives its stride (how to_onnx writes zero)
    Layer& src = graph_.layers[size_t(acts[0])];
    if (src.op == OpKind::max_pool && src.kernel_h == 1 && src.kernel_w == 1 && src.pad == 0 && sole_consumer()) {
      names_.erase(src.name);
      next_suffix_.clear();  // a freed name may be reused, as it would be without the memo
      graph_.rename(acts[0], unique(label()));
      src.op = OpKind::zero;
      graph_.infer_layer(acts[0]);
      return alias(acts[0]);
    }
    emit(make(OpKind::zero, acts));
  }

  void concat() {
    if (!attr("axis")) fail("attribute 'axis' is missing");
    const int64_t axis = attr_int("axis", 1);
    if (axis != 1 && axis != -3)
      fail("axis " + std::to_string(axis) + ": only channel concatenation (axis 1) is supported");
    std::vector<int> acts;
    for (int i = 0; i < node_->input_size(); ++i) acts.push_back(act_input(i));
    emit(make(OpKind::concat, acts));
  }

  void pool() {
    check_auto_pad();
    if (attr_int("ceil_mode", 0) != 0) fail("ceil_mode=1 is not supported");
    const Ints kernel = attr_ints("kernel_shape", {});
    if (kernel.size() != 2) fail("kernel_shape " + ints_text(kernel) + " must have 2 values");
    if (square("dilations", attr_ints("dilations", {1, 1})) != 1) fail("dilated pooling is not supported");
    if (node_->output_size() > 1 && !node_->output(1).empty() && uses_[node_->output(1)] > 0) {
      fail("the indices output is not supported");
    }
    const Ints pads = attr_ints("pads", {0, 0, 0, 0});
    if (pads.size() != 4 || pads[0] != pads[1] || pads[0] != pads[2] || pads[0] != pads[3]) {
      fail("pads " + ints_text(pads) + ": pools take symmetric padding only (4 equal values)");
    }
    Layer l = make(node_->op_type() == "MaxPool" ? OpKind::max_pool : OpKind::avg_pool, {act_input(0)});
    l.kernel_h = to_int(kernel[0], "kernel height", kMaxSpatial);
    l.kernel_w = to_int(kernel[1], "kernel width", kMaxSpatial);
    l.stride = square("strides", attr_ints("strides", {1, 1}));
    l.pad = to_int(pads[0], "pad", kMaxSpatial);
    emit(std::move(l));
  }

  // A flatten feeding only fc layers is elided (fc flattens); otherwise a flatten layer.
  void flatten(int x) {
    if (only_fc_consumers()) return alias(x);
    emit(make(OpKind::flatten, {x}));
  }

  void reshape() {
    const int x = act_input(0);
    Ints dims = static_ints(1, "shape");
    const Shape s = layer(x).out;
    const int64_t total = s.elements();
    int64_t known = 1;
    int unknown = -1;
    for (size_t k = 0; k < dims.size(); ++k) {
      if (dims[k] == 0 && k == 0) dims[k] = 1;  // copies the batch
      if (dims[k] == -1 && unknown < 0) {
        unknown = int(k);
      } else if (dims[k] <= 0) {
        fail("shape " + ints_text(dims) + " is not supported");
      } else {
        known = common::checked_mul(known, dims[k]).value_or(INT64_MAX);
      }
    }
    if (unknown >= 0 && known > 0 && total % known == 0) dims[size_t(unknown)] = total / known;
    if (dims.empty() || dims[0] != 1 || (unknown < 0 && known != total)) {
      fail("shape " + ints_text(dims) + " does not keep batch 1 and the " + std::to_string(total) + " elements");
    }
    if (dims == Ints{1, s.c, s.h, s.w}) return alias(x);  // no change
    if (dims == Ints{1, total} || dims == Ints{1, total, 1, 1}) return flatten(x);
    fail("shape " + ints_text(dims) + ": only flattening reshapes ([1, " + std::to_string(total) + "]) are supported");
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

  void slice() {
    const int x = act_input(0);
    const Shape s = layer(x).out;
    const bool from_inputs = node_->input_size() > 1;
    const Ints starts = from_inputs ? static_ints(1, "starts") : attr_ints("starts", {});
    const Ints ends = from_inputs ? static_ints(2, "ends") : attr_ints("ends", {});
    Ints axes = from_inputs ? (has_input(3) ? static_ints(3, "axes") : Ints{}) : attr_ints("axes", {});
    const Ints steps = has_input(4) ? static_ints(4, "steps") : Ints{};
    if (axes.empty()) {
      for (size_t k = 0; k < starts.size(); ++k) axes.push_back(int64_t(k));
    }
    if (starts.size() != axes.size() || ends.size() != axes.size() || (!steps.empty() && steps.size() != axes.size())) {
      fail("starts, ends, axes and steps must have equal lengths");
    }
    Layer l = make(OpKind::slice, {x});
    for (size_t k = 0; k < axes.size(); ++k) {
      if (!steps.empty() && steps[k] != 1) fail("steps " + ints_text(steps) + ": only step 1 is supported");
      const int64_t axis = axes[k] < 0 ? axes[k] + 4 : axes[k];
      if (axis == 2) {
        crop(s.h, starts[k], ends[k], l.pads[0], l.pads[2]);
      } else if (axis == 3) {
        crop(s.w, starts[k], ends[k], l.pads[1], l.pads[3]);
      } else if (axis == 0 || axis == 1) {
        int a = 0, b = 0;
        crop(axis == 0 ? 1 : s.c, starts[k], ends[k], a, b);
        if (a || b)
          fail("slicing axis " + std::to_string(axis) + " (" + (axis ? "channels" : "batch") +
               ") is not supported; only H and W (axes 2, 3)");
      } else {
        fail("axis " + std::to_string(axes[k]) + " is out of range for a 4-D tensor");
      }
    }
    emit(std::move(l));
  }

  void pad() {
    const auto* mode = attr("mode");
    if (mode && mode->s() != "constant") fail("mode '" + q(mode->s()) + "': only constant (zero) padding is supported");
    const int x = act_input(0);
    Ints pads = node_->input_size() > 1 ? static_ints(1, "pads") : attr_ints("pads", {});
    const TensorProto* value = static_input(2);
    if ((value && !all_zero(*value)) || (attr("value") && attr("value")->f() != 0.0f)) {
      fail("only zero padding is supported (constant_value is not 0)");
    }
    if (has_input(3)) fail("the axes input is not supported (give pads for all 4 axes)");
    if (pads.size() != 8) fail("pads " + ints_text(pads) + " must have 8 values (4-D input)");
    if (pads[0] || pads[1] || pads[4] || pads[5]) fail("pads " + ints_text(pads) + ": only H and W may be padded");
    const int64_t hw[4] = {pads[2], pads[3], pads[6], pads[7]};  // top, left, bottom, right
    const bool grow = hw[0] >= 0 && hw[1] >= 0 && hw[2] >= 0 && hw[3] >= 0;
    const bool shrink = hw[0] <= 0 && hw[1] <= 0 && hw[2] <= 0 && hw[3] <= 0;
    if (!grow && !shrink) fail("pads " + ints_text(pads) + " mix padding and cropping");
    Layer l = make(grow ? OpKind::pad : OpKind::slice, {x});
    for (int k = 0; k < 4; ++k) {
      if (hw[k] == INT64_MIN) fail("pads " + ints_text(pads) + " are out of range");
      l.pads[k] = to_int(grow ? hw[k] : -hw[k], "pad", kMaxSpatial);
    }
    emit(std::move(l));
  }

  const onnx::GraphProto& g_;
  std::string source_;
  Graph graph_;
  std::map<std::string, const TensorProto*> static_;  // initializers and constants by tensor name
  std::deque<TensorProto> owned_;                     // constants built from value_int(s)/value_float(s)
  std::map<std::string, int> act_;                    // activations: tensor name -> layer index
  std::map<std::string, int> uses_;                   // tensor name -> node inputs + graph outputs reading it
  std::map<std::string, int> fc_uses_;                // tensor name -> Gemm/MatMul inputs reading it
  std::set<std::string> names_;
  std::unordered_map<std::string, int> next_suffix_;  // unique(): the next _k to try per base name
  const NodeProto* node_ = nullptr;  // the node being imported (messages name it)
  int node_index_ = 0;
};

}  // namespace

Graph from_onnx(const onnx::ModelProto& model, const std::string& source) {
  if (!model.has_graph() || model.graph().node_size() == 0) {
    throw NetworkError(source + ": not an ONNX model (a ModelProto with a graph of nodes)");
  }
  return Importer(model.graph(), source).run();
}

Graph load_onnx(const std::string& path) {
  const std::string shown = common::printable(path);
  onnx::ModelProto model;
  bool parsed = false;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    // a regular file: its size is bounded before parsing, and protobuf reads it without a copy in memory
    if (int64_t(st.st_size) > kMaxOnnxFileBytes) {
      throw NetworkError(shown + ": " + std::to_string(st.st_size) + " bytes is above the bound " +
                         std::to_string(kMaxOnnxFileBytes) + " bytes for an ONNX model (" + kLimitsDoc +
                         "; save larger models with external data: only the weights' shapes are read)");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw NetworkError("cannot open " + shown + " (" + std::strerror(errno) + ")");
    parsed = model.ParseFromIstream(&in);
  } else {  // a FIFO or device: read at most the bound
    parsed = model.ParseFromString(read_bounded_file(path, kMaxOnnxFileBytes, "an ONNX model"));
  }
  if (!parsed) {
    throw NetworkError(shown + ": not an ONNX model (the file does not parse as a protobuf ModelProto)");
  }
  return from_onnx(model, path);
}

}  // namespace cimsim::workloads
