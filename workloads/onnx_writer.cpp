#include "workloads/onnx_writer.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <utility>
#include <vector>

#include "common/checked.hpp"
#include "common/text.hpp"
#include "workloads/limits.hpp"

namespace cimsim::workloads {

namespace {

using Dims = std::vector<int64_t>;

class Writer {
 public:
  explicit Writer(const Graph& graph) : g_(graph) {}

  onnx::ModelProto run() {
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.set_producer_name("cimsim");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(14);
    gp_ = model.mutable_graph();
    gp_->set_name(g_.name.empty() ? "cimsim" : g_.name);
    rank_.assign(g_.layers.size(), 4);
    const auto consumers = g_.consumers();
    for (size_t i = 0; i < g_.layers.size(); ++i) {
      write(int(i));
      if (consumers[i].empty()) value_info(gp_->add_output(), int(i));
    }
    return model;
  }

 private:
  const Layer& layer(int i) const { return g_.layers[size_t(i)]; }
  const std::string& name(int i) const { return layer(i).name; }

  void value_info(onnx::ValueInfoProto* v, int i) const {
    v->set_name(name(i));
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    const Shape& s = layer(i).out;
    const Dims dims = rank_[size_t(i)] == 2 ? Dims{1, s.c} : Dims{1, s.c, s.h, s.w};
    for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
  }

  onnx::NodeProto* node(const char* op, const std::string& node_name, std::vector<std::string> inputs,
                        const std::string& output) {
    auto* n = gp_->add_node();
    n->set_op_type(op);
    n->set_name(node_name);
    for (auto& in : inputs) n->add_input(std::move(in));
    n->add_output(output);
    return n;
  }
  static void set_ints(onnx::NodeProto* n, const char* attr, const Dims& values) {
    auto* a = n->add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t v : values) a->add_ints(v);
  }
  static void set_int(onnx::NodeProto* n, const char* attr, int64_t value) {
    auto* a = n->add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }
  static void set_float(onnx::NodeProto* n, const char* attr, float value) {
    auto* a = n->add_attribute();
    a->set_name(attr);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
  }

  // A FLOAT initializer of `dims` filled with `value` (zeros as raw bytes: no per-element encoding).
  const std::string& float_init(const std::string& tensor, const Dims& dims, float value) {
    auto* t = gp_->add_initializer();
    t->set_name(tensor);
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    if (value == 0.0f) {
      t->set_raw_data(std::string(size_t(n) * sizeof(float), '\0'));
    } else {
      for (int64_t k = 0; k < n; ++k) t->add_float_data(value);
    }
    return t->name();
  }
  const std::string& int_init(const std::string& tensor, const Dims& values) {
    auto* t = gp_->add_initializer();
    t->set_name(tensor);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(int64_t(values.size()));
    for (int64_t v : values) t->add_int64_data(v);
    return t->name();
  }

  // The name of layer i's output as a 4-D tensor (fc and flatten outputs are 2-D: reshaped once).
  std::string as_4d(int i) {
    if (rank_[size_t(i)] == 4) return name(i);
    auto it = reshaped_.find(i);
    if (it != reshaped_.end()) return it->second;
    const Shape& s = layer(i).out;
    const std::string out = name(i) + "/4d";
    node("Reshape", out, {name(i), int_init(out + "/shape", {1, s.c, s.h, s.w})}, out);
    return reshaped_[i] = out;
  }
  // Input names of a multi-input op: all 4-D if any is, else as they are.
  std::vector<std::string> same_rank_inputs(const Layer& l, int& rank) {
    rank = 2;
    for (int in : l.inputs) rank = std::max(rank, rank_[size_t(in)]);
    std::vector<std::string> names;
    for (int in : l.inputs) names.push_back(rank == 4 ? as_4d(in) : name(in));
    return names;
  }

  void window_attrs(onnx::NodeProto* n, const Layer& l) {
    set_ints(n, "kernel_shape", {l.kernel_h, l.kernel_w});
    set_ints(n, "strides", {l.stride, l.stride});
    set_ints(n, "pads", {l.pad, l.pad, l.pad, l.pad});
  }

  void write(int i) {
    const Layer& l = layer(i);
    const std::string& out = l.name;
    int& rank = rank_[size_t(i)];
    const std::string in0 = l.inputs.empty() ? std::string() : name(l.inputs[0]);
    const int rank0 = l.inputs.empty() ? 4 : rank_[size_t(l.inputs[0])];
    if (l.op == OpKind::concat && l.axis != 0) {
      throw NetworkError("cannot export network '" + common::printable(g_.name) + "' as ONNX: layer '" +
                         common::printable(l.name) + "' concatenates along rows, which the ONNX writer does not write");
    }
    switch (l.op) {
      case OpKind::input:
        value_info(gp_->add_input(), i);
        return;
      case OpKind::conv: {
        const Dims w{l.out_channels, l.in.c / l.groups, l.kernel_h, l.kernel_w};
        auto* n = node("Conv", out, {as_4d(l.inputs[0]), float_init(out + ".weight", w, 0.0f)}, out);
        window_attrs(n, l);
        set_ints(n, "dilations", {l.dilation, l.dilation});
        set_int(n, "group", l.groups);
        return;
      }
      case OpKind::fc: {
        const std::string flat = out + "/flat";
        set_int(node("Flatten", out + "/flatten", {in0}, flat), "axis", 1);
        const Dims w{l.out_channels, l.in.elements()};
        set_int(node("Gemm", out, {flat, float_init(out + ".weight", w, 0.0f)}, out), "transB", 1);
        rank = 2;
        return;
      }
      case OpKind::flatten:
        set_int(node("Flatten", out, {in0}, out), "axis", 1);
        rank = 2;
        return;
      case OpKind::max_pool:
      case OpKind::avg_pool:
        window_attrs(node(l.op == OpKind::max_pool ? "MaxPool" : "AveragePool", out, {as_4d(l.inputs[0])}, out), l);
        return;
      case OpKind::global_avg_pool:
        node("GlobalAveragePool", out, {as_4d(l.inputs[0])}, out);
        return;
      case OpKind::relu:
      case OpKind::sigmoid:
      case OpKind::hardswish:
      case OpKind::identity: {
        const char* op = l.op == OpKind::relu        ? "Relu"
                         : l.op == OpKind::sigmoid   ? "Sigmoid"
                         : l.op == OpKind::hardswish ? "HardSwish"
                                                     : "Identity";
        node(op, out, {in0}, out);
        rank = rank0;
        return;
      }
      case OpKind::hardsigmoid: {  // PyTorch's: relu6(x + 3) / 6
        auto* n = node("HardSigmoid", out, {in0}, out);
        set_float(n, "alpha", 1.0f / 6.0f);
        set_float(n, "beta", 0.5f);
        rank = rank0;
        return;
      }
      case OpKind::add:
      case OpKind::concat:
      case OpKind::mul: {
        const char* op = l.op == OpKind::concat ? "Concat"
                         : l.op == OpKind::mul  ? "Mul"
                         : l.inputs.size() > 2  ? "Sum"
                                                : "Add";
        auto* n = node(op, out, same_rank_inputs(l, rank), out);
        if (l.op == OpKind::concat) set_int(n, "axis", 1);
        return;
      }
      case OpKind::scale_shift: {  // y = a * x + b with a = 1, b = 0 per channel
        const Dims cdims = rank0 == 4 ? Dims{l.in.c, 1, 1} : Dims{l.in.c};
        const std::string scaled = out + "/scaled";
        node("Mul", out, {in0, float_init(out + ".scale", cdims, 1.0f)}, scaled);
        node("Add", out + "/shift", {scaled, float_init(out + ".shift", cdims, 0.0f)}, out);
        rank = rank0;
        return;
      }
      case OpKind::zero: {  // x * 0, strided by a 1x1 max pool (ceil(H / stride) rows, as zero's)
        std::string src = in0;
        if (l.stride > 1) {
          src = out + "/strided";
          auto* n = node("MaxPool", out + "/stride", {as_4d(l.inputs[0])}, src);
          set_ints(n, "kernel_shape", {1, 1});
          set_ints(n, "strides", {l.stride, l.stride});
        } else {
          rank = rank0;
        }
        node("Mul", out, {src, float_init(out + ".zero", {}, 0.0f)}, out);
        return;
      }
      case OpKind::pad: {
        const Dims pads{0, 0, l.pads[0], l.pads[1], 0, 0, l.pads[2], l.pads[3]};
        auto* n = node("Pad", out, {as_4d(l.inputs[0]), int_init(out + "/pads", pads)}, out);
        auto* mode = n->add_attribute();
        mode->set_name("mode");
        mode->set_type(onnx::AttributeProto::STRING);
        mode->set_s("constant");
        return;
      }
      case OpKind::slice:
        node("Slice", out,
             {as_4d(l.inputs[0]), int_init(out + "/starts", {l.pads[0], l.pads[1]}),
              int_init(out + "/ends", {l.in.h - l.pads[2], l.in.w - l.pads[3]}), int_init(out + "/axes", {2, 3})},
             out);
        return;
      case OpKind::softmax:
      case OpKind::log_softmax:
      case OpKind::layer_norm:
      case OpKind::gelu:
      case OpKind::tanh:
      case OpKind::erf:
      case OpKind::matmul:
      case OpKind::reshape:
      case OpKind::constant:
        // the transformer ops: `cimsim export` writes CNNs (docs/workloads.md, "ONNX export")
        throw NetworkError("cannot export network '" + common::printable(g_.name) + "' as ONNX: layer '" +
                           common::printable(l.name) + "' is a " + op_name(l.op) +
                           ", which the ONNX writer does not write (it writes conv, fc, pooling, activations "
                           "up to sigmoid, add, concat along channels, mul, scale_shift, zero, pad, slice, "
                           "flatten)");
    }
  }

  const Graph& g_;
  onnx::GraphProto* gp_ = nullptr;
  std::vector<int> rank_;  // ONNX rank of each layer's output: 4 (NCHW) or 2 (after fc / flatten)
  std::map<int, std::string> reshaped_;
};

}  // namespace

onnx::ModelProto to_onnx(const Graph& graph) {
  // the initializers hold every weight as 4 zero bytes: bounded before any is allocated, by what
  // load_onnx() would read back
  const int64_t bytes = common::checked_mul(graph.weights(), int64_t(sizeof(float))).value_or(INT64_MAX);
  if (bytes > kMaxOnnxFileBytes) {
    throw NetworkError("cannot export network '" + common::printable(graph.name) + "' as ONNX: its " +
                       std::to_string(graph.weights()) + " weights take " + std::to_string(bytes) +
                       " bytes as initializers, above the bound " + std::to_string(kMaxOnnxFileBytes) +
                       " bytes of an ONNX model that cimsim reads back (" + kLimitsDoc + ")");
  }
  return Writer(graph).run();
}

void save_onnx(const Graph& graph, const std::string& path) {
  const onnx::ModelProto model = to_onnx(graph);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !model.SerializeToOstream(&out) || !out.flush()) {
    throw NetworkError("cannot write ONNX model '" + common::printable(path) + "'");
  }
}

}  // namespace cimsim::workloads
