// from_onnx and the Importer's core: the node loop, dispatch, activations and their layers, weighted layers,
// pools and padding. Folding: onnx_fold.cpp; sequences and attention: onnx_sequence.cpp.
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

const char* const supported_ops =
    "Add, AveragePool, BatchNormalization, Clip, Concat, Constant, Conv, Div, Dropout, Erf, Flatten, Gather, "
    "Gelu, Gemm, GlobalAveragePool, HardSigmoid, HardSwish, Identity, LayerNormalization, LogSoftmax, MatMul, "
    "MaxPool, Mul, Pad, ReduceMean, Relu, Reshape, Sigmoid, Slice, Softmax, Split, Squeeze, Sub, Sum, Tanh, "
    "Transpose, Unsqueeze; in a layer norm's decomposition also Pow, Sqrt; on constants also: Abs, Cast, "
    "Ceil, ConstantOfShape, Equal, Expand, Floor, Greater, Less, Max, Min, Mod, Neg, Not, Pow, Range, ScatterND, "
    "Shape, Size, Where";

Graph Importer::run() {
  graph_.name = stem_of(source_);
  if (g_.node_size() >= kMaxLayers) {
    fail(over_bound("node count", g_.node_size(), kMaxLayers - 1));
  }
  for (const auto& t : g_.initializer()) protos_[t.name()] = &t;
  for (const auto& n : g_.node()) {
    const bool fc = n.op_type() == "Gemm" || n.op_type() == "MatMul";
    const std::string& t = n.op_type();  // what takes parts, or reads only the dims
    const bool part = t == "Slice" || t == "Split" || t == "Gather" || t == "Shape" || t == "Size";
    for (const auto& in : n.input()) {
      ++uses_[in];
      if (fc) ++fc_uses_[in];
      if (part) ++part_uses_[in];
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

const onnx::AttributeProto* Importer::attr(const char* name) const {
  for (const auto& a : node_->attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

const Tensor& Importer::known_input(int i, const char* what) {
  const Tensor* t = static_input(i);
  if (!t) fail(std::string(what) + " (input " + std::to_string(i) + ") must be a constant or an initializer");
  if (any_negative(t->dims)) {
    fail(std::string(what) + " '" + q(node_->input(i)) + "' has dims " + ints_text(t->dims) +
         ": a dimension cannot be negative");
  }
  if (!t->known) {
    fail(std::string(what) + " '" + q(node_->input(i)) + "' has " + std::to_string(t->count()) +
         " elements whose values are not read (only constants of up to " + std::to_string(kMaxFoldElements) +
         " elements with their data in the file are folded)");
  }
  return *t;
}

Ints Importer::static_ints(int i, const char* what) {
  const Tensor& t = known_input(i, what);
  Ints v(size_t(t.count()));
  for (int64_t k = 0; k < t.count(); ++k) v[size_t(k)] = t.int_at(k);
  return v;
}

int Importer::act_input(int i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is missing");
  auto it = act_.find(node_->input(i));
  if (it != act_.end()) {
    // a tensor split into its channel blocks is read only by the nodes taking those blocks
    const bool split = splits_.count(it->second) || relaid_.count(it->second);
    if (!taking_part_ && split && !ov::covers(views_.at(it->first), layer(it->second).out)) {
      fail("input '" + q(node_->input(i)) + "' was split into channel blocks (" + ov::text(views_.at(it->first)) +
           "); after a Slice, Gather or Split of its channels it is read only by those");
    }
    return it->second;
  }
  if (is_const(node_->input(i))) {
    fail("input '" + q(node_->input(i)) + "' is a constant; an activation (the output of an earlier node) is expected");
  }
  fail("input '" + q(node_->input(i)) + "' is not the graph input nor the output of an earlier node");
}

int Importer::planar_input(int i) const {
  const int x = act_input(i);
  const View& v = view_of(i);
  const Shape& s = layer(x).out;
  if (v != ov::planar(s) && !(s.h == 1 && s.w == 1 && v == ov::flat(s.c))) {
    fail("input '" + q(node_->input(i)) + "' is " + ov::text(v) + " on " + ov::text(s) + "; " + op() +
         " reads [1, C, H, W]");
  }
  return x;
}

std::string Importer::unique(const std::string& base) {
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

Layer Importer::make(OpKind kind, std::vector<int> inputs) const {
  Layer l;
  l.op = kind;
  l.inputs = std::move(inputs);
  return l;
}

int Importer::emit(Layer l, const std::string& suffix, const std::string& base) {
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

void Importer::add_input() {
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

bool Importer::foldable(const std::string& op) {
  static const std::set<std::string> ops = {
      "Abs", "Add", "Cast", "Ceil", "Concat", "ConstantOfShape", "Div", "Dropout", "Equal", "Expand",
      "Flatten", "Floor", "Gather", "Greater", "Identity", "Less", "Max", "Min", "Mod", "Mul", "Neg", "Not",
      "Pow", "Range", "Reshape", "ScatterND", "Shape", "Size", "Slice", "Sqrt", "Squeeze", "Sub", "Transpose",
      "Unsqueeze", "Where"};
  return ops.count(op) > 0;
}

bool Importer::constant_inputs() const {
  if (op() == "Shape" || op() == "Size") return has_input(0) && (is_const(node_->input(0)) || act_.count(node_->input(0)));
  for (int i = 0; i < node_->input_size(); ++i) {
    if (has_input(i) && !is_const(node_->input(i))) return false;
  }
  return node_->input_size() > 0;
}

void Importer::import_node() {
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

void Importer::constant() {
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

Ints Importer::unsqueezed(const Ints& d) {
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

Ints Importer::squeezed(const Ints& d) {
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

Ints Importer::reshaped(const Ints& d) {
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

Ints Importer::flattened(const Ints& d) {
  const int64_t a = attr_int("axis", 1);
  const int64_t axis = a < 0 ? a + int64_t(d.size()) : a;
  if (axis < 0 || axis > int64_t(d.size())) fail("axis " + std::to_string(a) + " is out of range for rank " + std::to_string(d.size()));
  return {product(Ints(d.begin(), d.begin() + axis)), product(Ints(d.begin() + axis, d.end()))};
}

Ints Importer::permutation(size_t rank) const {
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

const Ints& Importer::weight(int rank) {
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

Ints Importer::spatial_pads(const Shape& in, int kh, int kw, int stride, int dilation) const {
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

int Importer::padded(int x, const Ints& pads, Layer& l) {
  if (pads[0] == pads[1] && pads[0] == pads[2] && pads[0] == pads[3]) {
    l.pad = to_int(pads[0], "pad", kMaxSpatial);
    return x;
  }
  Layer p = make(OpKind::pad, {x});
  for (int k = 0; k < 4; ++k) p.pads[k] = to_int(pads[size_t(k)], "pad", kMaxSpatial);
  return emit(std::move(p), "/pad");
}

void Importer::conv() {
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

void Importer::gemm() {
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

void Importer::pool() {
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

void Importer::pad() {
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

std::vector<int> Importer::activations(std::vector<const Tensor*>& constants) {
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

}  // namespace cimsim::workloads::onnx_detail

namespace cimsim::workloads {

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
  return onnx_detail::Importer(model.graph(), source, default_opset(model)).run();
}

}  // namespace cimsim::workloads
