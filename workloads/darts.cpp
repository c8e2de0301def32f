#include "workloads/darts.hpp"

#include "common/text.hpp"
#include "workloads/limits.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <string_view>
#include <utility>

namespace cimsim::workloads {

namespace {

// Appends layers and infers each one's shape at once, so a bad shape names the layer that fails.
class Net {
 public:
  Net(const std::string& name, int input_size) {
    graph.name = name;
    Layer in;
    in.name = "input";
    in.op = OpKind::input;
    in.out = Shape{3, input_size, input_size};
    push(std::move(in));
  }

  int conv(const std::string& name, int in, int out_c, int k, int stride, int pad, int dilation = 1,
           int groups = 1) {
    Layer l = make(name, OpKind::conv, {in});
    l.out_channels = out_c;
    l.kernel_h = l.kernel_w = k;
    l.stride = stride;
    l.pad = pad;
    l.dilation = dilation;
    l.groups = groups;
    return push(std::move(l));
  }
  int depthwise(const std::string& name, int in, int k, int stride, int pad, int dilation = 1) {
    const int c = channels(in);
    return conv(name, in, c, k, stride, pad, dilation, c);
  }
  int pointwise(const std::string& name, int in) { return conv(name, in, channels(in), 1, 1, 0); }
  int pool(const std::string& name, OpKind op, int in, int stride) {
    Layer l = make(name, op, {in});
    l.kernel_h = l.kernel_w = 3;
    l.stride = stride;
    l.pad = 1;
    return push(std::move(l));
  }
  int zero(const std::string& name, int in, int stride) {
    Layer l = make(name, OpKind::zero, {in});
    l.stride = stride;
    return push(std::move(l));
  }
  int op(const std::string& name, OpKind kind, std::vector<int> inputs) {
    return push(make(name, kind, std::move(inputs)));
  }
  int fc(const std::string& name, int in, int out) {
    Layer l = make(name, OpKind::fc, {in});
    l.out_channels = out;
    return push(std::move(l));
  }
  int channels(int layer) const { return graph.layers[size_t(layer)].out.c; }

  Graph graph;

 private:
  static Layer make(const std::string& name, OpKind kind, std::vector<int> inputs) {
    Layer l;
    l.name = name;
    l.op = kind;
    l.inputs = std::move(inputs);
    return l;
  }
  int push(Layer l) {
    const int i = graph.add(std::move(l));
    graph.infer_layer(i);
    return i;
  }
};

// ReLU, 1x1 conv ci -> co (BN folded).
int relu_conv(Net& net, const std::string& p, int in, int co) {
  return net.conv(p + "conv", net.op(p + "relu", OpKind::relu, {in}), co, 1, 1, 0);
}

// ReLU, two 1x1 stride-2 convs ci -> co/2 (the second reads the input shifted by one pixel: same shape and
// cost, modelled as reading the same ReLU output), concat.
int factorized_reduce(Net& net, const std::string& p, int in, int co) {
  if (co % 2 != 0) {
    throw NetworkError("FactorizedReduce '" + p + "' needs an even channel count, got " + std::to_string(co));
  }
  const int relu = net.op(p + "relu", OpKind::relu, {in});
  const int a = net.conv(p + "conv1", relu, co / 2, 1, 2, 0);
  const int b = net.conv(p + "conv2", relu, co / 2, 1, 2, 0);
  return net.op(p + "concat", OpKind::concat, {a, b});
}

// One cell being built: its preprocessed states and the shared per-state ReLUs.
struct Cell {
  Net& net;
  std::string prefix;  // "cells.{i}."
  bool reduction = false;
  bool materialize_nodes = false;  // hypernetwork: every node is a layer (its adder, behind selectors)
  int states[6] = {-1, -1, -1, -1, -1, -1};
  int relus[6] = {-1, -1, -1, -1, -1, -1};

  int stride(int from) const { return reduction && from < 2 ? 2 : 1; }
  // The one ReLU of state k shared by the sep and dil convs reading it.
  int relu(int k) {
    if (relus[k] < 0) relus[k] = net.op(prefix + "relu" + std::to_string(k), OpKind::relu, {states[k]});
    return relus[k];
  }
  std::string edge_prefix(int from, int node) const {
    return prefix + "edge" + std::to_string(edge_index(from, node)) + ".";
  }

  // The layer computing `p` on the edge from -> node (the state itself for a stride-1 skip_connect).
  int edge_op(Primitive p, int from, int node) {
    const std::string n = edge_prefix(from, node) + primitive_name(p) + ".";
    const int s = stride(from);
    const int x = states[from];
    switch (p) {
      case Primitive::sep_conv_3x3:
      case Primitive::sep_conv_5x5: {
        const int k = p == Primitive::sep_conv_3x3 ? 3 : 5;
        int l = net.pointwise(n + "pw1", net.depthwise(n + "dw1", relu(from), k, s, k / 2));
        l = net.op(n + "relu", OpKind::relu, {l});
        return net.pointwise(n + "pw2", net.depthwise(n + "dw2", l, k, 1, k / 2));
      }
      case Primitive::dil_conv_3x3:
      case Primitive::dil_conv_5x5: {
        const int k = p == Primitive::dil_conv_3x3 ? 3 : 5;
        return net.pointwise(n + "pw", net.depthwise(n + "dw", relu(from), k, s, 2 * (k / 2), 2));
      }
      case Primitive::max_pool_3x3:
        return net.pool(n + "pool", OpKind::max_pool, x, s);
      case Primitive::avg_pool_3x3:
        return net.pool(n + "pool", OpKind::avg_pool, x, s);
      case Primitive::skip_connect:
        return s == 1 ? x : factorized_reduce(net, n + "fr.", x, net.channels(x));
      case Primitive::none:
        break;
    }
    return net.zero(n + "zero", x, s);  // a none edge, materialized (the builders never need it)
  }

  // node = sum of its inputs: the input itself when there is one, a zero layer when there is none.
  int node(int n, const std::vector<int>& inputs) {
    const std::string name = prefix + "node" + std::to_string(n);
    if (inputs.empty()) return net.zero(name, states[1], stride(1));
    if (inputs.size() == 1) return materialize_nodes ? net.op(name, OpKind::identity, inputs) : inputs[0];
    return net.op(name, OpKind::add, inputs);
  }
};

// The cell body: fills states 2..5 and returns the cell output layer.
using CellBody = std::function<int(Cell&, int index)>;

std::string options_text(const DartsOptions& o) {
  return "DARTS options c " + std::to_string(o.c) + ", layers " + std::to_string(o.layers) + ", classes " +
         std::to_string(o.classes) + ", input_size " + std::to_string(o.input_size);
}

Graph build_macro_unchecked(const DartsOptions& o, const std::string& name, const CellBody& body);

// Every size and total of the network is checked as its layers are added (Graph::infer_layer against
// workloads/limits.hpp), so options whose network would pass a bound stop at the layer that passes it,
// before the network is complete and long before a mapping is built (--darts-c 4096: at the first cells).
// The channel count is checked first: C doubles twice (4C), and the stem has 3C channels.
Graph build_macro(const DartsOptions& o, const std::string& name, const CellBody& body) {
  if (o.c <= 0 || o.layers <= 0 || o.classes <= 0 || o.input_size <= 0) {
    throw NetworkError(options_text(o) + " must all be positive");
  }
  if (int64_t(o.c) * 4 > kMaxChannels) {
    throw NetworkError(options_text(o) + ": " + over_bound("channels after the reductions (4c)", int64_t(o.c) * 4, kMaxChannels));
  }
  try {
    return build_macro_unchecked(o, name, body);
  } catch (const NetworkError& e) {  // a bound passed: say which options made the network that large
    if (std::string(e.what()).find(kLimitsDoc) == std::string::npos) throw;
    throw NetworkError(options_text(o) + ": " + e.what());
  }
}

Graph build_macro_unchecked(const DartsOptions& o, const std::string& name, const CellBody& body) {
  Net net(name, o.input_size);
  const int stem = net.conv("stem", 0, 3 * o.c, 3, 1, 1);
  int s0 = stem, s1 = stem;
  int c = o.c;
  bool reduction_prev = false;
  for (int i = 0; i < o.layers; ++i) {
    const bool reduction = i == o.layers / 3 || i == 2 * o.layers / 3;
    if (reduction) c *= 2;
    Cell cell{net, "cells." + std::to_string(i) + ".", reduction};
    cell.states[0] = reduction_prev ? factorized_reduce(net, cell.prefix + "pre0.", s0, c)
                                    : relu_conv(net, cell.prefix + "pre0.", s0, c);
    cell.states[1] = relu_conv(net, cell.prefix + "pre1.", s1, c);
    s0 = s1;
    s1 = body(cell, i);
    reduction_prev = reduction;
  }
  net.fc("classifier", net.op("gap", OpKind::global_avg_pool, {s1}), o.classes);
  return std::move(net.graph);
}

int genotype_cell(Cell& cell, const std::vector<Edge>& edges, const std::vector<int>& concat) {
  bool zero[6] = {false, false, false, false, false, false};
  for (int n = first_node; n <= last_node; ++n) {
    std::vector<int> inputs;
    for (const Edge& e : edges) {
      // an op reading a zero node is itself none
      if (e.node == n && e.op != Primitive::none && !zero[e.from]) {
        inputs.push_back(cell.edge_op(e.op, e.from, n));
      }
    }
    zero[n] = inputs.empty();
    cell.states[n] = cell.node(n, inputs);
  }
  std::vector<int> parts;
  for (int k : concat) parts.push_back(cell.states[k]);
  return cell.net.op(cell.prefix + "concat", OpKind::concat, parts);
}

// `cells.{i}.edge{e}.sep_conv_*.{part}` -> `...shared.{part}`; `dil_conv_*.dw/pw` -> `shared.dw1/pw1`.
// The name splits at its dots as std::getline would split it (a trailing dot ends the last part), without
// a stream: this runs once per layer of every genotype bound to a hypernetwork chip.
std::string shared_site(const std::string& name) {
  std::string_view seg[5];
  size_t n = 0, pos = 0;
  while (pos < name.size()) {
    if (n == 5) return name;  // more than five parts
    const size_t dot = name.find('.', pos);
    const size_t end = dot == std::string::npos ? name.size() : dot;
    seg[n++] = std::string_view(name).substr(pos, end - pos);
    pos = end + 1;
  }
  auto starts = [](std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; };
  if (n != 5 || seg[0] != "cells" || !starts(seg[2], "edge")) return name;
  std::string_view part = seg[4];
  if (starts(seg[3], "dil_conv_")) {
    part = part == "dw" ? "dw1" : "pw1";
  } else if (!starts(seg[3], "sep_conv_")) {
    return name;
  }
  std::string site;
  site.reserve(seg[1].size() + seg[2].size() + part.size() + 15);
  site.append("cells.").append(seg[1]).append(".").append(seg[2]).append(".shared.").append(part);
  return site;
}

void require_full_concat(const Genotype& g, const std::vector<int>& concat, const char* field) {
  std::vector<int> sorted = concat;
  std::sort(sorted.begin(), sorted.end());
  if (sorted != std::vector<int>{2, 3, 4, 5}) {
    std::string list;
    for (int k : concat) list += (list.empty() ? "" : ", ") + std::to_string(k);
    throw NetworkError("genotype '" + g.name + "': the hypernetwork concatenates nodes 2, 3, 4, 5; " + field +
                       " is [" + list + "]");
  }
}

}  // namespace

Graph build_network_cifar(const Genotype& g, const DartsOptions& o, const std::string& name) {
  return build_macro(o, name, [&g](Cell& cell, int) {
    return cell.reduction ? genotype_cell(cell, g.reduce, g.reduce_concat)
                          : genotype_cell(cell, g.normal, g.normal_concat);
  });
}

Graph build_hypernet_cifar(const DartsOptions& o, bool shared) {
  const Primitive own_sites[] = {Primitive::max_pool_3x3, Primitive::avg_pool_3x3, Primitive::skip_connect};
  const Primitive convs[] = {Primitive::sep_conv_3x3, Primitive::sep_conv_5x5, Primitive::dil_conv_3x3,
                             Primitive::dil_conv_5x5};
  const std::string name = shared ? "darts_hypernet_shared" : "darts_hypernet";
  return build_macro(o, name, [&](Cell& cell, int) {
    Net& net = cell.net;
    for (int n = first_node; n <= last_node; ++n) {
      std::vector<int> inputs;
      for (int from = 0; from < n; ++from) {
        for (Primitive p : own_sites) inputs.push_back(cell.edge_op(p, from, n));
        if (!shared) {
          for (Primitive p : convs) inputs.push_back(cell.edge_op(p, from, n));
          continue;
        }
        // one 5x5 depthwise + pointwise per stage: pw1 is the dil convs' output, pw2 the sep convs'
        const std::string s = cell.edge_prefix(from, n) + "shared.";
        const int pw1 =
            net.pointwise(s + "pw1", net.depthwise(s + "dw1", cell.relu(from), 5, cell.stride(from), 2));
        const int relu = net.op(s + "relu", OpKind::relu, {pw1});
        const int pw2 = net.pointwise(s + "pw2", net.depthwise(s + "dw2", relu, 5, 1, 2));
        inputs.push_back(pw1);
        inputs.push_back(pw2);
      }
      cell.states[n] = cell.node(n, inputs);
    }
    return net.op(cell.prefix + "concat", OpKind::concat,
                  {cell.states[2], cell.states[3], cell.states[4], cell.states[5]});
  });
}

Graph build_network_cifar_for_hypernet(const Genotype& g, const DartsOptions& o, bool shared,
                                       const std::string& name) {
  require_full_concat(g, g.normal_concat, "normal_concat");
  require_full_concat(g, g.reduce_concat, "reduce_concat");
  Graph graph = build_macro(o, name, [&g](Cell& cell, int) {
    cell.materialize_nodes = true;
    return cell.reduction ? genotype_cell(cell, g.reduce, g.reduce_concat)
                          : genotype_cell(cell, g.normal, g.normal_concat);
  });
  for (Layer& l : graph.layers) l.site = shared ? shared_site(l.name) : l.name;
  return graph;
}

Graph network_from_genotype_text(const std::string& text, const DartsOptions& o) {
  const Genotype g = parse_genotype(text, "genotype");
  return build_network_cifar(g, o, g.name.empty() ? "genotype" : g.name);
}

Graph load_genotype_file(const std::string& path, const DartsOptions& o) {
  const std::string text = read_bounded_file(path, kMaxGenotypeBytes, "a genotype");
  std::string stem =
      path.substr(path.find_last_of("/\\") == std::string::npos ? 0 : path.find_last_of("/\\") + 1);
  stem = stem.substr(0, stem.find_last_of('.'));
  const Genotype g = parse_genotype(text, path);  // its errors name the file, line and column
  try {
    return build_network_cifar(g, o, common::printable(stem));
  } catch (const NetworkError& e) {  // a shape or a bound of the network it builds: name the file too
    throw NetworkError(common::printable(path) + ": " + e.what());
  }
}

Graph darts_v1_network() { return build_network_cifar(builtin_genotype("darts_v1"), {}, "darts_v1"); }
Graph darts_v2_network() { return build_network_cifar(builtin_genotype("darts_v2"), {}, "darts_v2"); }
Graph pdarts_network() { return build_network_cifar(builtin_genotype("pdarts"), {}, "pdarts"); }

}  // namespace cimsim::workloads
