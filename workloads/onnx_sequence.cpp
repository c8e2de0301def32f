// Layouts, token sequences and attention: constants on activations, softmax and layer norm over channels,
// the layer norm and GELU decompositions, products of two activations, reshapes, and parts of an activation
// (rows, columns, channel blocks).
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

Importer::Spread Importer::spread_of(const Tensor& c, const View& v) const {
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

void Importer::add() {
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

void Importer::mul() {
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

void Importer::zero(int x, const View& v) {
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

std::vector<size_t> Importer::trailing_axes(int64_t axis, bool to_end) const {
  const size_t r = act_dims(0).size();
  std::vector<size_t> axes;
  for (size_t k = size_t(axis_in(axis, r)); k < (to_end ? r : size_t(axis_in(axis, r)) + 1); ++k) axes.push_back(k);
  return axes;
}

bool Importer::all_channels(const View& v, const std::vector<size_t>& axes) {
  std::vector<size_t> picked = ov::non_unit(v, axes), chan = ov::parts(v, ov::chan);
  std::sort(picked.begin(), picked.end());
  std::sort(chan.begin(), chan.end());
  return !chan.empty() && picked == chan;
}

void Importer::softmax() {
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

void Importer::layer_norm() {
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

void Importer::reduce_mean() {
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

bool Importer::matched_pattern() {
  bool any = false;
  for (int i = 0; i < node_->input_size(); ++i) any = any || pending_of(i);
  if (!any) return false;
  const std::string& o = op();
  const int x = pending_of(0) ? pending_of(0)->x : pending_of(1) ? pending_of(1)->x : -1;
  auto act_is_x = [&](int i) { return has_input(i) && !pending_of(i) && act_.count(node_->input(i)) && act_input(i) == x; };
  if (o == "Sub" && is(1, Pending::mean) && act_is_x(0)) return set_pending(Pending::centered, x), true;
  if (o == "Pow" && is(0, Pending::centered) && scalar_input(1, 2.0)) return set_pending(Pending::squared, x), true;
  if (o == "Mul" && is(0, Pending::centered) && node_->input(0) == node_->input(1)) return set_pending(Pending::squared, x), true;
  if (o == "ReduceMean" && is(0, Pending::squared)) {
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

void Importer::materialize(const std::string& name) {
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

void Importer::matmul() {
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
  if (vb.dims[m] != depth) refuse("A's last axis " + std::to_string(depth) + " is not B's second last " + std::to_string(vb.dims[m]));
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

void Importer::reshape_to(const Ints& to) {
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

int Importer::channel_block(int x, int first, int count) {
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
  const Shape s = relaid_.count(x) ? relaid_.at(x) : src.out;
  if (s.c % count != 0 || first % count != 0) {
    fail("channels [" + std::to_string(first) + ", " + std::to_string(first + count) + ") of " + ov::text(s) +
         ": the IR has no channel slice; only equal blocks of a tensor (a copy into row blocks) or of a projection "
         "(split into one conv per block) are supported");
  }
  auto copy = block_copies_.find({x, count});
  if (copy == block_copies_.end() && src.op == OpKind::reshape && src.copy && only_taken_in_parts(x)) {
    // a copy (ShuffleNetV2's shuffle) read only in channel blocks writes them as row blocks itself
    relaid_[x] = s;
    src.shape = {count, s.c / count * s.h, s.w};
    graph_.infer_layer(x);
    copy = block_copies_.emplace(std::make_pair(x, count), x).first;
  }
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

bool Importer::only_taken_in_parts(int x) const {
  if (read_by_a_layer(x)) return false;
  for (const auto& [name, index] : act_) {
    if (index != x) continue;
    const auto parts = part_uses_.find(name);
    if (uses_.at(name) > 0 && (parts == part_uses_.end() || parts->second != uses_.at(name))) return false;
  }
  return true;
}

bool Importer::read_by_a_layer(int x) const {
  for (size_t i = size_t(x) + 1; i < graph_.layers.size(); ++i) {
    const auto& in = graph_.layers[i].inputs;
    if (std::find(in.begin(), in.end(), x) != in.end()) return true;
  }
  return false;
}

std::pair<int, View> Importer::part(size_t axis, int64_t begin, int64_t end, int output) {
  taking_part_ = true;
  const int x = act_input(0);
  const View v = view_of(0);
  taking_part_ = false;
  const Shape s = splits_.count(x) ? splits_.at(x).original.out : relaid_.count(x) ? relaid_.at(x) : layer(x).out;
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

View Importer::view_of_part() {
  taking_part_ = true;
  const View v = view_of(0);
  taking_part_ = false;
  return v;
}

int Importer::result_input() {
  taking_part_ = true;
  const int x = act_input(0);
  taking_part_ = false;
  return x;
}

void Importer::slice() {
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

void Importer::crop(int64_t size, int64_t start, int64_t end, int& begin_cut, int& end_cut) const {
  start = start < 0 ? start + size : start;
  end = end < 0 ? end + size : end;
  start = std::min(std::max<int64_t>(start, 0), size);
  end = std::min(std::max<int64_t>(end, 0), size);
  if (end <= start) fail("the slice [" + std::to_string(start) + ", " + std::to_string(end) + ") is empty");
  begin_cut += int(start);
  end_cut += int(size - end);
}

void Importer::gather_rows_or_channels() {
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

void Importer::split() {
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
    if (sizes[size_t(k)] <= 0 || sizes[size_t(k)] > v.dims[a] - begin) fail("split " + ints_text(sizes) + " does not fit the axis of " + std::to_string(v.dims[a]));
    auto [y, out] = part(a, begin, begin + sizes[size_t(k)], k + 1);
    if (!node_->output(k).empty()) alias(y, out, k);
    begin += sizes[size_t(k)];
  }
  if (begin != v.dims[a]) fail("split " + ints_text(sizes) + " does not cover the axis of " + std::to_string(v.dims[a]));
}

void Importer::concat() {
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
      Ints off_axis = c->dims;
      if (off_axis.size() == v.dims.size()) off_axis[a] = v.dims[a];
      if (off_axis != v.dims || c->dims[a] < 1 || c->dims[a] > INT_MAX) {
        fail("constant '" + q(node_->input(i)) + "' of " + ints_text(c->dims) + " does not match " + ov::text(v) + " off the axis");
      }
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

}  // namespace cimsim::workloads::onnx_detail
