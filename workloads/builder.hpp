// A small builder for networks written in code (the built-ins): layers named explicitly, fed by the most
// recent layer unless told otherwise.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "workloads/graph.hpp"

namespace cimsim::workloads {

// Appends layers fed by the most recent one unless told otherwise, inferring each layer's shape as it
// goes (so a builder can look at the shape it has reached, e.g. for ceil-mode pooling).
class Builder {
 public:
  Builder(std::string name, Shape input) {
    graph_.name = std::move(name);
    Layer in;
    in.name = "input";
    in.op = OpKind::input;
    in.out = input;
    last_ = push(std::move(in));
  }
  int last() const { return last_; }
  const Shape& shape(int index) const { return graph_.layers[size_t(index)].out; }

  int conv(const std::string& name, int out_channels, int kernel, int stride, int pad, int groups = 1,
           int from = -1) {
    Layer l = make(name, OpKind::conv, from);
    l.out_channels = out_channels;
    l.kernel_h = l.kernel_w = kernel;
    l.stride = stride;
    l.pad = pad;
    l.groups = groups;
    return push(std::move(l));
  }
  int fc(const std::string& name, int out_channels) {
    Layer l = make(name, OpKind::fc, -1);
    l.out_channels = out_channels;
    return push(std::move(l));
  }
  int max_pool(const std::string& name, int kernel, int stride, int pad = 0) {
    Layer l = make(name, OpKind::max_pool, -1);
    l.kernel_h = l.kernel_w = kernel;
    l.stride = stride;
    l.pad = pad;
    return push(std::move(l));
  }
  int pad(const std::string& name, int top, int left, int bottom, int right) {
    return edges(name, OpKind::pad, top, left, bottom, right);
  }
  // a crop: rows and columns removed at each edge
  int slice(const std::string& name, int top, int left, int bottom, int right) {
    return edges(name, OpKind::slice, top, left, bottom, right);
  }
  int simple(const std::string& name, OpKind op, int from = -1) { return push(make(name, op, from)); }
  int binary(const std::string& name, OpKind op, int a, int b) {
    Layer l = make(name, op, a);
    l.inputs.push_back(b);
    return push(std::move(l));
  }
  int add(const std::string& name, int a, int b) { return binary(name, OpKind::add, a, b); }
  int concat(const std::string& name, std::vector<int> inputs) {
    Layer l = make(name, OpKind::concat, -1);
    l.inputs = std::move(inputs);
    return push(std::move(l));
  }

  // Transformer pieces (a token sequence is C = embedding, H = tokens, W = 1).
  int reshape(const std::string& name, Shape to, bool copy = false) {
    Layer l = make(name, OpKind::reshape, -1);
    l.shape = {to.c, to.h, to.w};
    l.copy = copy;
    return push(std::move(l));
  }
  int constant(const std::string& name, Shape shape) {
    Layer l = make(name, OpKind::constant, -1);
    l.inputs.clear();
    l.shape = {shape.c, shape.h, shape.w};
    const int keep = last_;  // a constant does not become the layer the next one reads
    push(std::move(l));
    const int index = last_;
    last_ = keep;
    return index;
  }
  int concat_rows(const std::string& name, std::vector<int> inputs) {
    Layer l = make(name, OpKind::concat, -1);
    l.inputs = std::move(inputs);
    l.axis = 1;
    return push(std::move(l));
  }
  int grouped(const std::string& name, OpKind op, int groups, int from = -1) {  // softmax, log_softmax
    Layer l = make(name, op, from);
    l.groups = groups;
    return push(std::move(l));
  }
  int matmul(const std::string& name, int a, int b, int heads, bool transpose_b) {
    Layer l = make(name, OpKind::matmul, a);
    l.inputs.push_back(b);
    l.groups = heads;
    l.transpose_b = transpose_b;
    return push(std::move(l));
  }
  Graph finish() {
    graph_.infer_shapes();  // already inferred layer by layer; re-checks the whole graph
    return std::move(graph_);
  }

 private:
  Layer make(const std::string& name, OpKind op, int from) const {
    Layer l;
    l.name = name;
    l.op = op;
    l.inputs = {from < 0 ? last_ : from};
    return l;
  }
  int edges(const std::string& name, OpKind op, int top, int left, int bottom, int right) {
    Layer l = make(name, op, -1);
    l.pads[0] = top;
    l.pads[1] = left;
    l.pads[2] = bottom;
    l.pads[3] = right;
    return push(std::move(l));
  }
  int push(Layer l) {
    last_ = graph_.add(std::move(l));
    graph_.infer_layer(last_);
    return last_;
  }

  Graph graph_;
  int last_ = 0;
};

}  // namespace cimsim::workloads
