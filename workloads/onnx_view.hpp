// How the ONNX dims of an activation lie on its IR tensor (C x H x W), for the ONNX loader: each ONNX axis is
// a part of the IR's channels, rows or columns with a stride in that IR axis, or a unit axis (the batch, a
// size-1 axis). [1, C, H, W] is the plain view; a token sequence [1, T, D] is rows T, channels D; heads
// [1, h, T, d] split the channels into h parts of d. Transposes permute the axes (no data moves); a
// Reshape is a view when each group of axes it merges or splits is contiguous in one IR axis
// (reshape_view), a re-layout of positions or a flattening when the IR's row-major order allows it, and a
// costed copy otherwise (workloads/onnx_loader.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workloads/graph.hpp"

namespace cimsim::workloads::onnx_view {

using Ints = std::vector<int64_t>;

enum Ir : int { unit = -1, chan = 0, row = 1, col = 2 };

struct Axis {
  int ir = unit;
  int64_t stride = 0;  // in the IR axis: index = sum of (ONNX index x stride) over its parts
  bool operator==(const Axis& o) const { return ir == o.ir && (ir == unit || stride == o.stride); }
};

struct View {
  Ints dims;
  std::vector<Axis> axes;  // one per ONNX axis
  bool operator==(const View& o) const { return dims == o.dims && axes == o.axes; }
  bool operator!=(const View& o) const { return !(*this == o); }
};

// [1, C, H, W] on C x H x W.
View planar(const Shape& s);
// [1, N] on N x 1 x 1.
View flat(int64_t n);
// `dims` on a new tensor written in the order those dims give: a token layout (last axis the channels,
// the others rows then columns) when `channels_last`, else [1, C, H, W]-like (the first non-unit axis the
// channels, the last two rows and columns). Also the IR shape it lays out; false when the IR has none.
bool fresh(const Ints& dims, bool channels_last, View& view, Shape& shape);

// The size of IR axis `ir` the view covers (product of its parts' dims).
int64_t ir_size(const View& v, int ir);
// True when the view's parts of each IR axis tile that axis exactly (mixed radix), for the IR shape `s`.
bool covers(const View& v, const Shape& s);
// The view's parts of IR axis `ir`, as ONNX axis indices, outermost first (decreasing stride).
std::vector<size_t> parts(const View& v, int ir);
// True when ONNX axis k is the only part of its IR axis (dims[k] is the whole IR axis).
bool whole(const View& v, size_t k);
// True when `axes` (in this order) are parts of one IR axis, each the next one's outer neighbour.
bool contiguous(const View& v, const std::vector<size_t>& axes);
// The non-unit axes among `axes`.
std::vector<size_t> non_unit(const View& v, const std::vector<size_t>& axes);

// The same elements as `v` with ONNX dims `to` when no data moves and the IR tensor keeps its shape.
std::optional<View> reshape_view(const View& v, const Ints& to);
// The ONNX axes removed / inserted / permuted: views of the same IR tensor.
View transposed(const View& v, const Ints& perm);
View with_dims(View v, size_t axis, int64_t size);  // axis k resized (a reduction to 1, a constant's extent)
View without_axis(View v, size_t axis);

// What a Reshape to `to` does to a view `v` of the IR tensor `s`:
//   same:     no data moves, the same IR tensor (`view` on `shape` = s);
//   relayout: the positions re-read in row-major order (rows and columns merged or split, channels kept):
//             an IR reshape that is addressing only;
//   flatten:  everything into one axis: N x 1 x 1 (addressing, as the IR's flatten);
//   copy:     the elements move (a costed copy through the buffer) into `shape`, laid out as `view`.
struct ReshapePlan {
  enum Kind { same, relayout, flatten, copy } kind = copy;
  View view;
  Shape shape;
};
// False when `to` has no IR shape (more than three axes above 1 that no view explains).
bool plan_reshape(const View& v, const Shape& s, const Ints& to, ReshapePlan& plan);

std::string text(const Shape& s);  // "CxHxW"
std::string text(const View& v);  // "[1, T, D] as rows x channels" style, for messages

}  // namespace cimsim::workloads::onnx_view
