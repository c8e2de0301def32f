// The network IR: a DAG of layers with inferred shapes. Plain C++, knows nothing of hardware or SystemC.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace cimsim::workloads {

enum class OpKind {
  input,           // the network input (exactly one, layer 0)
  conv,            // 2-D convolution: stride, padding, dilation, groups
  fc,              // fully connected (flattens its input)
  max_pool,
  avg_pool,
  global_avg_pool, // to 1x1
  relu,
  add,             // element-wise sum of two or more inputs of one shape
  concat,          // along channels
  identity,
  zero,            // identically zero (DARTS `none`): one input, read only for its shape; `stride`
  hardswish,       // x * relu6(x + 3) / 6, element-wise (digital activation unit)
  hardsigmoid,     // relu6(x + 3) / 6, element-wise
  sigmoid,
  mul,             // element-wise product of 2 inputs; the second may be C x 1 x 1 (broadcast: SE gates)
  scale_shift,     // y = a * x + b per channel (a BatchNorm that could not be folded into a conv)
  pad,             // zero padding by `pads` (top, left, bottom, right)
  slice,           // spatial crop by `pads` (top, left, bottom, right rows/columns removed)
  flatten,         // C x H x W -> (C*H*W) x 1 x 1 (addressing only)
  // Transformers (a token sequence is C = embedding, H = tokens, W = 1; a projection is a 1x1 conv)
  softmax,         // exp(x) / sum exp over the channels of each position, in `groups` independent groups
  log_softmax,     // log of softmax, the same grouping
  layer_norm,      // (x - mean) / std over the channels of each position, then per-channel scale and shift
  gelu,            // x * Phi(x), element-wise
  tanh,
  erf,             // element-wise (GELU as exported at older opsets: x * (1 + erf(x / sqrt 2)) / 2)
  matmul,          // the product of two activations, per position of the first, in `groups` heads:
                   //   transpose_b: A (g*d x M) . B (g*d x N)^T -> g*N x M   (scores Q . K^T)
                   //   else:        A (g*N x M) . B (g*d x N)   -> g*d x M   (attention . V)
                   // (C x H, W = 1); a step reads one row of A and every row of B
  reshape,         // the same elements as `shape`; `copy`: the layout changes (a costed copy), else addressing
  constant,        // a tensor of `shape` held on chip (class token, positional embedding); no inputs
};
// relu, hardswish, hardsigmoid, sigmoid, gelu, tanh, erf: one op per element on an activation unit
bool is_activation(OpKind op);

const char* op_name(OpKind op);
// Parses the names op_name() returns; throws std::invalid_argument otherwise.
OpKind op_from_name(const std::string& name);
bool is_weighted(OpKind op);  // conv and fc: the ops that occupy crossbars

struct Shape {
  int c = 0, h = 0, w = 0;  // channels, height, width (one input; batch is a run option)
  // C*H*W; saturates at INT64_MAX (a shape that large is refused by the limits, workloads/limits.hpp)
  int64_t elements() const;
  bool operator==(const Shape& o) const { return c == o.c && h == o.h && w == o.w; }
  bool operator!=(const Shape& o) const { return !(*this == o); }
};

struct Layer {
  std::string name;
  OpKind op = OpKind::identity;
  std::vector<int> inputs;  // indices of producer layers, all smaller than this layer's index
  // conv / pooling parameters (kernel for pooling; ignored elsewhere)
  int out_channels = 0;  // conv and fc
  int kernel_h = 1, kernel_w = 1;
  int stride = 1;
  int pad = 0;           // symmetric zero padding
  int dilation = 1;
  int groups = 1;
  int pads[4] = {0, 0, 0, 0};  // pad / slice: top, left, bottom, right
  int axis = 0;           // concat: 0 channels, 1 rows (tokens)
  bool transpose_b = false;  // matmul
  bool copy = false;         // reshape: its layout differs from the input's (elements move)
  struct Dims {
    int c = 0, h = 0, w = 0;
  } shape;                   // reshape, constant: the output shape
  // The hardware site (a layer of another graph, e.g. the DARTS hypernetwork supergraph) this layer runs
  // on; empty: the layer is its own site. See site_of().
  std::string site;
  // filled by Graph::infer_shapes()
  Shape in;   // shape of inputs[0] (for concat: the concatenated shape)
  Shape out;

  // crossbar-resident weight elements (conv kernels, fc matrices); 0 otherwise. Saturates at INT64_MAX.
  int64_t weights() const;
  // multiply-accumulates of one inference: a weighted layer's (on crossbars) and a matmul's (on the
  // tile's matrix engine); 0 for other ops. Saturates.
  int64_t macs() const;
  const std::string& site_of() const { return site.empty() ? name : site; }
};

// Thrown for a malformed network: the message names the file, line and column where known.
struct NetworkError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Graph {
 public:
  std::string name;
  // Topological order; layers[0] is the input. Add layers with add() and rename them with rename(): the
  // name index behind index_of() follows those two (a vector changed directly is re-indexed on the next
  // lookup whose answer it cannot vouch for).
  std::vector<Layer> layers;

  // Adds a layer, returns its index. Throws NetworkError on a bad reference, a duplicate or unusable
  // name, or a layer or input-reference count above its bound (workloads/limits.hpp). O(1) amortized.
  int add(Layer layer);
  void rename(int index, std::string new_name);  // throws NetworkError on a duplicate
  int index_of(const std::string& layer_name) const;  // -1 if absent; O(1) expected

  // Computes `in` and `out` for every layer; validates parameters (kernel fits, channels divisible by
  // groups, add shapes equal, concat spatial sizes equal) and the limits of workloads/limits.hpp (every
  // parameter, the layer's weights, MACs and output elements, the network's totals). Throws NetworkError
  // naming the layer. The input layer's `out` is the network input shape, set by whoever builds the graph.
  void infer_shapes();
  // The same for one layer, whose producers must already have their shapes: lets loaders attach a
  // file position to the error of the layer that fails. Layers inferred in order are added to the
  // network's totals as they come, so a network passing a total bound fails at the layer that passes it.
  void infer_layer(int index);

  int64_t weights() const;
  int64_t macs() const;
  std::vector<std::vector<int>> consumers() const;  // consumers()[i]: layers reading layer i

 private:
  void reindex() const;
  void infer_output(Layer& layer) const;  // `out` of a non-input layer from its `in` and parameters
  void add_to_totals(int index);

  mutable std::unordered_map<std::string, int> by_name_;  // layer name -> index
  int64_t input_refs_ = 0;                                 // inputs summed over all layers
  // the totals of layers [0, counted_) as infer_layer() saw them
  size_t counted_ = 0;
  int64_t total_weights_ = 0, total_macs_ = 0, total_activations_ = 0;
};

}  // namespace cimsim::workloads
