#include "workloads/graph.hpp"

#include <algorithm>
#include <climits>
#include <string>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "workloads/limits.hpp"

namespace cimsim::workloads {

namespace {

struct OpEntry {
  OpKind op;
  const char* name;
};

constexpr OpEntry op_table[] = {
    {OpKind::input, "input"},       {OpKind::conv, "conv"},
    {OpKind::fc, "fc"},             {OpKind::max_pool, "max_pool"},
    {OpKind::avg_pool, "avg_pool"}, {OpKind::global_avg_pool, "global_avg_pool"},
    {OpKind::relu, "relu"},         {OpKind::add, "add"},
    {OpKind::concat, "concat"},     {OpKind::identity, "identity"},
    {OpKind::zero, "zero"},         {OpKind::hardswish, "hardswish"},
    {OpKind::hardsigmoid, "hardsigmoid"}, {OpKind::sigmoid, "sigmoid"},
    {OpKind::mul, "mul"},           {OpKind::scale_shift, "scale_shift"},
    {OpKind::pad, "pad"},           {OpKind::slice, "slice"},
    {OpKind::flatten, "flatten"},   {OpKind::softmax, "softmax"},
    {OpKind::log_softmax, "log_softmax"}, {OpKind::layer_norm, "layer_norm"},
    {OpKind::gelu, "gelu"},         {OpKind::tanh, "tanh"},
    {OpKind::erf, "erf"},           {OpKind::matmul, "matmul"},
    {OpKind::reshape, "reshape"},   {OpKind::constant, "constant"},
};

std::string shape_text(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

[[noreturn]] void fail(const Layer& layer, const std::string& message) {
  throw NetworkError("layer '" + common::printable(layer.name) + "': " + message);
}

void require_positive(const Layer& layer, const char* what, int value) {
  if (value <= 0) fail(layer, std::string(what) + " " + std::to_string(value) + " must be positive");
}

// A parameter a file sets: positive (or non-negative) and at most `bound`.
void require_range(const Layer& layer, const char* what, int value, int min, int64_t bound) {
  if (value < min) {
    fail(layer, std::string(what) + " " + std::to_string(value) + (min > 0 ? " must be positive" : " must not be negative"));
  }
  if (value > bound) fail(layer, over_bound(what, value, bound));
}

// A shape a layer produces (or the input's): every extent and the element count within their bounds.
void check_shape(const Layer& layer, const Shape& s, const char* what) {
  if (s.h > kMaxSpatial) fail(layer, over_bound(std::string(what) + " height", s.h, kMaxSpatial));
  if (s.w > kMaxSpatial) fail(layer, over_bound(std::string(what) + " width", s.w, kMaxSpatial));
  const int64_t n = s.elements();
  if (n > kMaxLayerActivations) {
    fail(layer, over_bound(std::string(what) + " " + shape_text(s) + ": elements", n, kMaxLayerActivations, " per layer"));
  }
}

// The parameters a layer of this op reads, each within its bound (before any shape is computed).
void check_parameters(const Layer& layer) {
  switch (layer.op) {
    case OpKind::conv:
      require_range(layer, "out_channels", layer.out_channels, 1, kMaxChannels);
      require_range(layer, "groups", layer.groups, 1, kMaxChannels);
      require_range(layer, "dilation", layer.dilation, 1, kMaxSpatial);
      [[fallthrough]];
    case OpKind::max_pool:
    case OpKind::avg_pool:
      require_range(layer, "kernel height", layer.kernel_h, 1, kMaxSpatial);
      require_range(layer, "kernel width", layer.kernel_w, 1, kMaxSpatial);
      require_range(layer, "stride", layer.stride, 1, kMaxSpatial);
      require_range(layer, "pad", layer.pad, 0, kMaxSpatial);
      return;
    case OpKind::fc:
      require_range(layer, "out_channels", layer.out_channels, 1, kMaxChannels);
      return;
    case OpKind::zero:
      require_range(layer, "stride", layer.stride, 1, kMaxSpatial);
      return;
    case OpKind::pad:
    case OpKind::slice:
      for (int k = 0; k < 4; ++k) require_range(layer, "pads", layer.pads[k], 0, kMaxSpatial);
      return;
    case OpKind::softmax:
    case OpKind::log_softmax:
    case OpKind::matmul:
      require_range(layer, "groups", layer.groups, 1, kMaxChannels);
      return;
    case OpKind::concat:
      require_range(layer, "axis", layer.axis, 0, 1);
      return;
    case OpKind::reshape:
    case OpKind::constant:
      require_range(layer, "shape channels", layer.shape.c, 1, kMaxChannels);
      require_range(layer, "shape height", layer.shape.h, 1, kMaxSpatial);
      require_range(layer, "shape width", layer.shape.w, 1, kMaxSpatial);
      return;
    default:
      return;
  }
}

// The layer's weights and MACs (its output elements are checked with its shape).
void check_counts(const Layer& layer) {
  if (!is_weighted(layer.op) && layer.op != OpKind::matmul) return;
  const int64_t w = layer.weights();
  if (w > kMaxLayerWeights) fail(layer, over_bound("weight count", w, kMaxLayerWeights, " per layer"));
  const int64_t m = layer.macs();
  if (m > kMaxLayerMacs) fail(layer, over_bound("MAC count", m, kMaxLayerMacs, " per layer"));
}

// Output size of a sliding window along one axis; throws when the window does not fit.
int window_out(const Layer& layer, const char* axis, int size, int kernel, int dilation) {
  const int64_t padded = int64_t(size) + 2 * int64_t(layer.pad);
  const int64_t span = int64_t(dilation) * (kernel - 1) + 1;
  if (span > padded) {
    fail(layer, "kernel " + std::to_string(layer.kernel_h) + "x" + std::to_string(layer.kernel_w) +
                    (dilation > 1 ? " (dilation " + std::to_string(dilation) + ")" : std::string()) +
                    " is larger than the padded input " + axis + " " + std::to_string(padded) +
                    " (" + std::to_string(size) + " + 2*pad " + std::to_string(layer.pad) + ")");
  }
  const int64_t out = (padded - span) / layer.stride + 1;
  if (out > INT_MAX) fail(layer, std::string("output ") + axis + " overflows");
  return int(out);
}

void check_input_count(const Layer& layer) {
  const size_t n = layer.inputs.size();
  switch (layer.op) {
    case OpKind::input:
      if (n != 0) fail(layer, "an input layer takes no inputs, has " + std::to_string(n));
      return;
    case OpKind::add:
      if (n < 2) fail(layer, "add needs at least 2 inputs, has " + std::to_string(n));
      return;
    case OpKind::mul:
      if (n != 2) fail(layer, "mul needs exactly 2 inputs, has " + std::to_string(n));
      return;
    case OpKind::concat:
      if (n < 1) fail(layer, "concat needs at least 1 input, has 0");
      return;
    case OpKind::matmul:
      if (n != 2) fail(layer, "matmul needs exactly 2 inputs, has " + std::to_string(n));
      return;
    case OpKind::constant:
      if (n != 0) fail(layer, "a constant takes no inputs, has " + std::to_string(n));
      return;
    default:
      if (n != 1) {
        fail(layer, std::string(op_name(layer.op)) + " needs exactly 1 input, has " + std::to_string(n));
      }
  }
}

void infer_window_op(Layer& layer, bool is_conv) {
  const Shape in = layer.in;
  int dilation = 1;
  int out_c = in.c;
  if (is_conv) {
    if (in.c % layer.groups != 0) {
      fail(layer, "in_channels " + std::to_string(in.c) + " not divisible by groups " +
                      std::to_string(layer.groups));
    }
    if (layer.out_channels % layer.groups != 0) {
      fail(layer, "out_channels " + std::to_string(layer.out_channels) + " not divisible by groups " +
                      std::to_string(layer.groups));
    }
    dilation = layer.dilation;
    out_c = layer.out_channels;
  }
  const int h = window_out(layer, "height", in.h, layer.kernel_h, dilation);
  const int w = window_out(layer, "width", in.w, layer.kernel_w, dilation);
  layer.out = Shape{out_c, h, w};
}

}  // namespace

const char* op_name(OpKind op) {
  for (const auto& e : op_table) {
    if (e.op == op) return e.name;
  }
  return "?";
}

OpKind op_from_name(const std::string& name) {
  for (const auto& e : op_table) {
    if (name == e.name) return e.op;
  }
  throw std::invalid_argument("unknown op '" + name + "'");
}

bool is_weighted(OpKind op) { return op == OpKind::conv || op == OpKind::fc; }

bool is_activation(OpKind op) {
  return op == OpKind::relu || op == OpKind::hardswish || op == OpKind::hardsigmoid || op == OpKind::sigmoid ||
         op == OpKind::gelu || op == OpKind::tanh || op == OpKind::erf;
}

int64_t Shape::elements() const {
  return common::checked_product({c, h, w}).value_or(INT64_MAX);
}

int64_t Layer::weights() const {
  switch (op) {
    case OpKind::conv:
      return common::checked_product({out_channels, in.c / (groups > 0 ? groups : 1), kernel_h, kernel_w})
          .value_or(INT64_MAX);
    case OpKind::fc:
      return common::checked_mul(out_channels, in.elements()).value_or(INT64_MAX);
    default:
      return 0;
  }
}

int64_t Layer::macs() const {
  switch (op) {
    case OpKind::conv:
      return common::checked_product({out.h, out.w, weights()}).value_or(INT64_MAX);
    case OpKind::fc:
      return weights();
    case OpKind::matmul:  // out: g*N (or g*d) channels x M rows; each output sums in.c / g products (d or N)
      return common::checked_product({out.h, out.w, out.c, in.c / std::max(1, groups)}).value_or(INT64_MAX);
    default:
      return 0;
  }
}

int Graph::add(Layer layer) {
  const std::string problem = name_problem(layer.name);
  if (!problem.empty()) throw NetworkError("layer " + std::to_string(layers.size()) + ": " + problem);
  if (int64_t(layers.size()) >= kMaxLayers) {
    fail(layer, over_bound("layer count", int64_t(layers.size()) + 1, kMaxLayers));
  }
  const int64_t refs = input_refs_ + int64_t(layer.inputs.size());
  if (refs > kMaxLayerInputs) fail(layer, over_bound("input references of the network", refs, kMaxLayerInputs));
  if (index_of(layer.name) >= 0) {
    throw NetworkError("duplicate layer name '" + common::printable(layer.name) + "'");
  }
  for (int i : layer.inputs) {
    if (i < 0 || i >= int(layers.size())) {
      fail(layer, "input index " + std::to_string(i) + " does not refer to an earlier layer");
    }
  }
  input_refs_ = refs;
  by_name_.emplace(layer.name, int(layers.size()));
  layers.push_back(std::move(layer));
  return int(layers.size()) - 1;
}

void Graph::rename(int index, std::string new_name) {
  Layer& l = layers.at(size_t(index));
  if (new_name == l.name) return;
  const std::string problem = name_problem(new_name);
  if (!problem.empty()) throw NetworkError("layer " + std::to_string(index) + ": " + problem);
  if (index_of(new_name) >= 0) throw NetworkError("duplicate layer name '" + common::printable(new_name) + "'");
  by_name_.erase(l.name);
  by_name_.emplace(new_name, index);
  l.name = std::move(new_name);
}

void Graph::reindex() const {
  by_name_.clear();
  for (size_t i = 0; i < layers.size(); ++i) by_name_.emplace(layers[i].name, int(i));
}

int Graph::index_of(const std::string& layer_name) const {
  // the index is exact when every layer came through add() and rename(); otherwise rebuild it
  if (by_name_.size() != layers.size()) reindex();
  auto it = by_name_.find(layer_name);
  if (it != by_name_.end() && (size_t(it->second) >= layers.size() || layers[size_t(it->second)].name != layer_name)) {
    reindex();
    it = by_name_.find(layer_name);
  }
  return it == by_name_.end() ? -1 : it->second;
}

void Graph::infer_shapes() {
  if (layers.empty()) throw NetworkError("network '" + common::printable(name) + "' has no layers");
  counted_ = 0;
  total_weights_ = total_macs_ = total_activations_ = 0;
  for (int i = 0; i < int(layers.size()); ++i) infer_layer(i);
}

void Graph::infer_layer(int index) {
  Layer& layer = layers.at(size_t(index));
  check_input_count(layer);
  if ((layer.op == OpKind::input) != (index == 0)) {
    fail(layer, index == 0 ? "the first layer must be the input" : "only the first layer may be an input");
  }
  for (int i : layer.inputs) {
    if (i < 0 || i >= index) fail(layer, "input index " + std::to_string(i) + " is not an earlier layer");
  }
  check_parameters(layer);
  if (layer.op == OpKind::input) {
    if (layer.out.c <= 0 || layer.out.h <= 0 || layer.out.w <= 0) {
      fail(layer, "input shape " + shape_text(layer.out) + " (CxHxW) must be positive");
    }
    if (layer.out.c > kMaxChannels) fail(layer, over_bound("input channels", layer.out.c, kMaxChannels));
    layer.in = layer.out;
  } else if (layer.op == OpKind::constant) {
    layer.out = layer.in = Shape{layer.shape.c, layer.shape.h, layer.shape.w};
  } else {
    layer.in = layers[size_t(layer.inputs[0])].out;
    infer_output(layer);
  }
  check_shape(layer, layer.out, "output");
  check_counts(layer);
  add_to_totals(index);
}

void Graph::add_to_totals(int index) {
  // counted in order, once: a layer inferred again (a builder's final infer_shapes) is not counted twice
  if (size_t(index) != counted_) return;
  const Layer& layer = layers[size_t(index)];
  // per-layer values are bounded above, so none of these sums can overflow (kMaxLayers layers)
  total_weights_ += layer.weights();
  total_macs_ += layer.macs();
  total_activations_ += layer.out.elements();
  ++counted_;
  const std::string at = "the network's ";
  if (total_weights_ > kMaxNetworkWeights) {
    fail(layer, over_bound(at + "weights up to this layer", total_weights_, kMaxNetworkWeights));
  }
  if (total_macs_ > kMaxNetworkMacs) fail(layer, over_bound(at + "MACs up to this layer", total_macs_, kMaxNetworkMacs));
  if (total_activations_ > kMaxNetworkActivations) {
    fail(layer, over_bound(at + "output elements up to this layer", total_activations_, kMaxNetworkActivations));
  }
}

void Graph::infer_output(Layer& layer) const {
  switch (layer.op) {
    case OpKind::conv:
      infer_window_op(layer, true);
      break;
    case OpKind::max_pool:
    case OpKind::avg_pool:
      infer_window_op(layer, false);
      break;
    case OpKind::fc:
      require_positive(layer, "out_channels", layer.out_channels);
      layer.out = Shape{layer.out_channels, 1, 1};
      break;
    case OpKind::global_avg_pool:
      layer.out = Shape{layer.in.c, 1, 1};
      break;
    case OpKind::zero:  // the conv formula with k = 1, pad 0: ceil(size / stride)
      require_positive(layer, "stride", layer.stride);
      layer.out = Shape{layer.in.c, (layer.in.h - 1) / layer.stride + 1, (layer.in.w - 1) / layer.stride + 1};
      break;
    case OpKind::add:
      for (int i : layer.inputs) {
        const Layer& src = layers[size_t(i)];
        if (src.out != layer.in) {
          fail(layer, "input '" + src.name + "' has shape " + shape_text(src.out) + " but input '" +
                          layers[size_t(layer.inputs[0])].name + "' has " + shape_text(layer.in) +
                          " (add needs equal shapes, CxHxW)");
        }
      }
      layer.out = layer.in;
      break;
    case OpKind::concat: {
      if (layer.axis == 1) {  // along rows (tokens): equal channels and width
        int64_t rows = 0;
        for (int i : layer.inputs) {
          const Layer& src = layers[size_t(i)];
          if (src.out.c != layer.in.c || src.out.w != layer.in.w) {
            fail(layer, "input '" + src.name + "' has shape " + shape_text(src.out) + " but input '" +
                            layers[size_t(layer.inputs[0])].name + "' has " + shape_text(layer.in) +
                            " (concat along rows needs equal channels and width, CxHxW)");
          }
          rows += src.out.h;
        }
        if (rows > kMaxSpatial) fail(layer, over_bound("concatenated height", rows, kMaxSpatial));
        layer.out = Shape{layer.in.c, int(rows), layer.in.w};
        break;
      }
      int64_t channels = 0;
      for (int i : layer.inputs) {
        const Layer& src = layers[size_t(i)];
        if (src.out.h != layer.in.h || src.out.w != layer.in.w) {
          fail(layer, "input '" + src.name + "' has shape " + shape_text(src.out) + " but input '" +
                          layers[size_t(layer.inputs[0])].name + "' has " + shape_text(layer.in) +
                          " (concat needs equal height and width, CxHxW)");
        }
        channels += src.out.c;
      }
      if (channels > INT_MAX) fail(layer, "concatenated channel count overflows");
      layer.in.c = int(channels);
      layer.out = layer.in;
      break;
    }
    case OpKind::mul: {
      const Shape& b = layers[size_t(layer.inputs[1])].out;
      if (b != layer.in && !(b.c == layer.in.c && b.h == 1 && b.w == 1)) {
        fail(layer, "input '" + layers[size_t(layer.inputs[1])].name + "' has shape " + shape_text(b) +
                        "; mul needs " + shape_text(layer.in) + " or " + std::to_string(layer.in.c) +
                        "x1x1 (CxHxW)");
      }
      layer.out = layer.in;
      break;
    }
    case OpKind::pad:
    case OpKind::slice: {
      const int sign = layer.op == OpKind::pad ? 1 : -1;
      for (int k = 0; k < 4; ++k)
        if (layer.pads[k] < 0) fail(layer, "pads must not be negative");
      const int h = layer.in.h + sign * (layer.pads[0] + layer.pads[2]);
      const int w = layer.in.w + sign * (layer.pads[1] + layer.pads[3]);
      if (h <= 0 || w <= 0) fail(layer, "slice leaves nothing of " + shape_text(layer.in));
      layer.out = Shape{layer.in.c, h, w};
      break;
    }
    case OpKind::flatten:
      if (layer.in.elements() > INT_MAX) fail(layer, "flattened size overflows");
      layer.out = Shape{int(layer.in.elements()), 1, 1};
      break;
    case OpKind::softmax:
    case OpKind::log_softmax:
      if (layer.in.c % layer.groups != 0) {
        fail(layer, "channels " + std::to_string(layer.in.c) + " not divisible by groups " + std::to_string(layer.groups));
      }
      layer.out = layer.in;
      break;
    case OpKind::reshape: {
      const Shape to{layer.shape.c, layer.shape.h, layer.shape.w};
      if (to.elements() != layer.in.elements()) {
        fail(layer, "reshape of " + shape_text(layer.in) + " to " + shape_text(to) + " changes the element count");
      }
      layer.out = to;
      break;
    }
    case OpKind::matmul: {
      const Shape& b = layers[size_t(layer.inputs[1])].out;
      const int g = layer.groups;
      if (layer.in.w != 1 || b.w != 1) {
        fail(layer, "matmul takes C x H x 1 operands (a token sequence), has " + shape_text(layer.in) + " and " +
                        shape_text(b));
      }
      if (layer.transpose_b) {  // A: g*d x M, B: g*d x N -> g*N x M
        if (b.c != layer.in.c || layer.in.c % g != 0) {
          fail(layer, "A . B^T needs equal channels divisible by groups " + std::to_string(g) + ", has " +
                          shape_text(layer.in) + " and " + shape_text(b));
        }
        const int64_t c = int64_t(g) * b.h;
        if (c > kMaxChannels) fail(layer, over_bound("output channels", c, kMaxChannels));
        layer.out = Shape{int(c), layer.in.h, 1};
      } else {  // A: g*N x M, B: g*d x N -> g*d x M
        if (b.c % g != 0 || int64_t(layer.in.c) != int64_t(g) * b.h) {
          fail(layer, "A . B needs A's channels = groups x B's rows (" + std::to_string(g) + " x " +
                          std::to_string(b.h) + ") and B's channels divisible by groups, has " +
                          shape_text(layer.in) + " and " + shape_text(b));
        }
        layer.out = Shape{b.c, layer.in.h, 1};
      }
      break;
    }
    default:  // activations, scale_shift, identity
      layer.out = layer.in;
  }
}

int64_t Graph::weights() const {
  int64_t total = 0;
  for (const auto& l : layers) total = common::checked_add(total, l.weights()).value_or(INT64_MAX);
  return total;
}

int64_t Graph::macs() const {
  int64_t total = 0;
  for (const auto& l : layers) total = common::checked_add(total, l.macs()).value_or(INT64_MAX);
  return total;
}

std::vector<std::vector<int>> Graph::consumers() const {
  std::vector<std::vector<int>> result(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    for (int src : layers[i].inputs) {
      if (src >= 0 && size_t(src) < layers.size()) result[size_t(src)].push_back(int(i));
    }
  }
  return result;
}

}  // namespace cimsim::workloads
