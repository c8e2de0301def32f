// The ONNX importer (workloads/onnx_loader.hpp's from_onnx): one node at a time into the IR. Its methods are
// spread by topic: onnx_loader.cpp (nodes, weighted layers, pools), onnx_fold.cpp (constant folding),
// onnx_sequence.cpp (layouts, token sequences, attention, layer norm, GELU, channel blocks).
#pragma once

#include <onnx/onnx_pb.h>

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "workloads/graph.hpp"
#include "workloads/limits.hpp"
#include "workloads/onnx_tensor.hpp"
#include "workloads/onnx_view.hpp"

namespace cimsim::workloads::onnx_detail {

extern const char* const supported_ops;

class Importer {
 public:
  Importer(const onnx::GraphProto& g, std::string source, int64_t opset)
      : g_(g), source_(common::printable(source)), opset_(opset) {}

  Graph run();

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
  const onnx::AttributeProto* attr(const char* name) const;
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
  const Tensor& known_input(int i, const char* what);
  Ints static_ints(int i, const char* what);
  // Input i's values as a shape (ConstantOfShape, Expand): static_ints, none negative.
  Ints shape_input(int i) {
    Ints shape = static_ints(i, "shape");
    if (any_negative(shape)) fail("shape " + ints_text(shape) + " has a negative dimension");
    return shape;
  }
  // True when the tensor holds real values that are all 0.
  static bool all_zero(const Tensor& t) {
    return t.known && t.real && !t.f.empty() && std::all_of(t.f.begin(), t.f.end(), [](double x) { return x == 0.0; });
  }
  void set_const(Tensor t) { consts_[node_->output(0)] = std::move(t); }

  // ---- activations ------------------------------------------------------------------------------------
  int act_input(int i) const;
  // The ONNX dims of activation input i ([1, C, H, W], [1, N], or what a relabelling node made of them).
  const Ints& act_dims(int i) const { return view_of(i).dims; }
  // How activation input i's ONNX dims lie on its IR tensor (workloads/onnx_view.hpp).
  const View& view_of(int i) const {
    act_input(i);
    return views_.at(node_->input(i));
  }
  // Activation input i, which must be laid out as ONNX [1, C, H, W] (or [1, N]) on its IR tensor: what
  // Conv, pooling, BatchNormalization, Pad read.
  int planar_input(int i) const;
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
  std::string unique(const std::string& base);
  Layer make(OpKind kind, std::vector<int> inputs) const;
  View default_view(int index) const {
    const Layer& l = layer(index);
    if (l.op == OpKind::fc || l.op == OpKind::flatten) return ov::flat(l.out.c);
    return ov::planar(l.out);
  }
  int emit(Layer l, const std::string& suffix = "", const std::string& base = "");
  // The node's output (`output`) is layer `index`'s, laid out as `view`.
  void alias(int index, View view, int output = 0) {
    pending_.erase(node_->output(output));
    act_[node_->output(output)] = index;
    views_[node_->output(output)] = std::move(view);
  }
  void keep(int index) { alias(index, view_of(0)); }  // an output that is input 0 (a folded BN or bias)

  void add_input();

  // ---- dispatch ---------------------------------------------------------------------------------------
  static bool foldable(const std::string& op);
  // True when every input is a constant (Shape and Size: any input, only its dims are read).
  bool constant_inputs() const;

  void import_node();
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
  void constant();

  // ---- shapes of a node's output from its input's, shared by constants and activations -----------------
  Ints axes_of(int input) {  // opset 13 moved axes from an attribute to an input
    return has_input(input) ? static_ints(input, "axes") : attr_ints("axes", {});
  }
  Ints unsqueezed(const Ints& d);
  Ints squeezed(const Ints& d);
  Ints reshaped(const Ints& d);
  Ints flattened(const Ints& d);
  Ints permutation(size_t rank) const;

  // ---- constant folding ---------------------------------------------------------------------------------
  // `in` with its elements rearranged: out[idx] = in[source(idx)] over the multi-indices of `dims`.
  static Tensor moved(const Tensor& in, Ints dims, const std::function<int64_t(const Ints&)>& source);
  static Tensor relabelled(Tensor t, Ints dims) {
    t.dims = std::move(dims);
    return t;
  }
  static Tensor ints_tensor(const Ints& v, Ints dims) {
    Tensor t = Tensor::of(std::move(dims), false);
    t.i = v;
    return t;
  }

  void fold();

  static Tensor cast(const Tensor& x, bool real);

  void constant_of_shape();

  void range();

  void fold_concat();

  void gather();

  // Slice parameters, from inputs (opset 10 on) or attributes (before).
  void slice_params(Ints& starts, Ints& ends, Ints& axes, Ints& steps);

  void fold_slice();

  // Element-wise arithmetic and comparisons of constants, with broadcasting.
  void arithmetic();
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
    if (o == "Neg" || o == "Abs") {
      const int64_t a = v(0);
      if (a == INT64_MIN) fail("integer overflow in " + o + " " + std::to_string(a));
      return o == "Neg" || a < 0 ? -a : a;
    }
    if (o == "Sqrt" || o == "Floor" || o == "Ceil") return o == "Sqrt" ? int_of(std::sqrt(double(v(0)))) : v(0);
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
  const Ints& weight(int rank);
  // A pair of equal values (strides, dilations) as one int.
  int square(const char* what, const Ints& v) const {
    if (v.size() != 2 || v[0] != v[1])
      fail(std::string(what) + " " + ints_text(v) + ": only 2 equal values are supported");
    return to_int(v[0], what, kMaxSpatial);
  }

  // The pads (top, left, bottom, right) of a Conv or pool on `in`: the `pads` attribute, or what `auto_pad`
  // gives: SAME_* pads so that the output is ceil(in / stride), the odd one at the end (UPPER) or the start
  // (LOWER); VALID none.
  Ints spatial_pads(const Shape& in, int kh, int kw, int stride, int dilation) const;
  // Equal pads become the layer's `pad`; others a pad layer NAME/pad (the four pads) before it (pad 0).
  int padded(int x, const Ints& pads, Layer& l);

  void conv();

  void gemm();

  // MaxPool, AveragePool. ceil_mode: extra rows and columns at the bottom and right (in the pad layer) give
  // the rounded-up output, without a window that would start inside the bottom/right padding (ONNX's and
  // PyTorch's rule). count_include_pad changes only the divisor of border windows: the op count is the same.
  void pool();

  // Zero padding (or cropping, negative pads) of whole rows and columns, in any layout; all-zero pads are none.
  void pad();

  // Splits the inputs into activations (layer indices) and constants.
  std::vector<int> activations(std::vector<const Tensor*>& constants);

  // ---- constants on activations ---------------------------------------------------------------------------
  // Where a constant operand varies, broadcast (right-aligned) onto the view `v` of an activation.
  enum class Spread { scalar, channels, positions };
  Spread spread_of(const Tensor& c, const View& v) const;
  // A constant held on chip with the IR shape of `view` (a positional embedding, a class token).
  int constant_layer(const View& view, const std::string& suffix) {
    Layer c = make(OpKind::constant, {});
    const int64_t sizes[3] = {ov::ir_size(view, ov::chan), ov::ir_size(view, ov::row), ov::ir_size(view, ov::col)};
    c.shape = {to_int(sizes[0], "constant channels", kMaxChannels), to_int(sizes[1], "constant rows", kMaxSpatial),
               to_int(sizes[2], "constant columns", kMaxSpatial)};
    return emit(std::move(c), suffix);
  }
  // True when activation input i feeds only this node (and is no graph output).
  bool sole_reader(int i) const { return uses_.at(node_->input(i)) == 1; }

  // Add, Sum, Sub. Two activations: an add (of equal layouts). One activation and a constant: a bias folded
  // into the conv, fc, scale_shift or layer norm before it; a per-channel or scalar shift (scale_shift); a
  // constant varying over positions (a positional embedding): a constant layer added.
  void add();

  // Mul, Div. Two activations: an element-wise product (the C x 1 x 1 gate second). One activation and a
  // constant: 0 gives a zero layer; a scalar after a conv, fc, matmul, layer norm or GELU is folded into that
  // op's output scale (no layer: attention's 1/sqrt(d), GELU's 1/sqrt(2) and 0.5); a per-channel constant after
  // a layer norm is its scale; other scalar or per-channel constants a scale_shift; a constant varying over
  // positions a constant layer multiplied.
  void mul();
  // x * 0: a zero layer; a 1x1 max pool feeding only it gives its stride (how to_onnx writes zero)
  void zero(int x, const View& v);

  // ---- reductions over channels ------------------------------------------------------------------------------
  // The axes [axis, rank) of input 0 (Softmax before opset 13, LayerNormalization), or the one axis.
  std::vector<size_t> trailing_axes(int64_t axis, bool to_end) const;
  // True when the non-unit axes among `axes` are every channel part of the view, and nothing else.
  static bool all_channels(const View& v, const std::vector<size_t>& axes);

  // Softmax, LogSoftmax over the innermost channel part (a head's scores) or all channels: the channels of
  // each position in groups (heads).
  void softmax();

  void layer_norm();

  // ReduceMean over every position: global average pooling; over every channel: the mean of a layer norm.
  void reduce_mean();

  // ---- decompositions: layer norm (ReduceMean, Sub, Pow, ReduceMean, Add eps, Sqrt, Div) and GELU
  // (x * (1 + erf(x / sqrt 2)) / 2). Their pieces are pending tensors until the node that completes them.
  struct Pending {
    enum Kind { mean, centered, squared, variance, deviation, erf, erf_plus_one } kind;
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
  bool matched_pattern();
  void materialize(const std::string& name);

  // ---- products of two activations ------------------------------------------------------------------------
  // MatMul of activations A [.., M, K] . B [.., K, N], at most one batch axis above 1 (the heads): A's M axis
  // its rows, K its innermost channel part; B either K innermost channels, N rows (A . B^T, scores: B is
  // K^T as a view) or K rows, N innermost channels (attention . V).
  void matmul();

  // ---- layout ---------------------------------------------------------------------------------------------
  // Flatten, Reshape, Squeeze, Unsqueeze to ONNX dims `to` (workloads/onnx_view.hpp, plan_reshape): a view
  // costs nothing; a flattening is the IR's flatten (elided when only Gemm/MatMul read it, as fc flattens);
  // positions re-read row-major an addressing reshape; anything else a reshape with copy (elements move).
  void reshape_to(const Ints& to);

  // ---- parts of an activation: rows, columns, channel blocks ------------------------------------------------
  struct Split {
    Layer original;                               // the projection as the file has it
    std::map<std::pair<int, int>, int> blocks;    // (first channel, channels) -> its layer
  };
  // The layer holding channels [first, first + count) of layer x: a projection (a conv nothing else has read
  // yet) is split into one conv per block, the same weights and MACs (a packed Q/K/V projection); other
  // layers are copied once into row blocks (reshape with copy: count x (C / count * H) x W) and cropped.
  int channel_block(int x, int first, int count);
  // True when no layer reads layer x yet and every tensor it is read through is read by Slice, Split, Gather
  // (or Shape, Size: dims only).
  bool only_taken_in_parts(int x) const;
  bool read_by_a_layer(int x) const;
  // Elements [begin, end) of ONNX axis `axis` of input 0 (Slice, Gather, Split), as layer and view: rows or
  // columns cropped, a block of the outermost channel part, or an axis of size 1 kept whole.
  std::pair<int, View> part(size_t axis, int64_t begin, int64_t end, int output);

  // Input 0 and its view for a node taking a part of it (a split projection's stale view may be read).
  View view_of_part();
  int result_input();
  // Slice of rows and columns (one crop), or of a block of the outermost channel part.
  void slice();
  // Removes `begin` and `end` rows (or columns) of an axis of size `size`, from Slice starts/ends.
  void crop(int64_t size, int64_t start, int64_t end, int& begin_cut, int& end_cut) const;

  // Gather of one index (a scalar: the axis goes): the class token's row, one of a packed Q/K/V's blocks.
  void gather_rows_or_channels();

  // Split into parts along one axis (sizes from input 1 from opset 13, attribute `split` before, else equal).
  void split();

  // Concat along the channels (the outermost channel part) or the rows (tokens); a constant input (a class
  // token) becomes a constant layer.
  void concat();

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
  std::map<std::string, int> part_uses_;              // tensor name -> Slice/Split/Gather/Shape/Size inputs
  std::map<int, Shape> relaid_;                       // copies laid out as row blocks: their shape before
  std::set<std::string> names_;
  std::unordered_map<std::string, int> next_suffix_;  // unique(): the next _k to try per base name
  const NodeProto* node_ = nullptr;  // the node being imported (messages name it)
  bool taking_part_ = false;         // in part(): a split projection's stale view may be read
  int node_index_ = 0;
};

}  // namespace cimsim::workloads::onnx_detail
