#include "workloads/builtins_mobile.hpp"

#include "workloads/builder.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace cimsim::workloads {

namespace {

// Extra bottom (or right) zero rows that make a floor-mode pool (no padding) produce PyTorch's ceil_mode
// output size: ceil((n - k) / s) + 1 windows, less one if the last would start outside the input.
int ceil_mode_extra(int n, int kernel, int stride) {
  if (n < kernel) return 0;  // the pool itself reports the error
  int out = (n - kernel + stride - 1) / stride + 1;
  if ((out - 1) * stride >= n) --out;
  return (out - 1) * stride + kernel - n;
}

// MaxPool2d(3, 2, ceil_mode=True) as `name`, preceded by `name.pad` (bottom/right zero rows/columns)
// where ceil and floor differ. Zero padding equals PyTorch's (-inf) here: every window still holds at least
// one real element and the pooled values are ReLU outputs, never negative.
void ceil_max_pool(Builder& b, const std::string& name) {
  const Shape s = b.shape(b.last());
  const int extra_h = ceil_mode_extra(s.h, 3, 2);
  const int extra_w = ceil_mode_extra(s.w, 3, 2);
  if (extra_h > 0 || extra_w > 0) b.pad(name + ".pad", 0, 0, extra_h, extra_w);
  b.max_pool(name, 3, 2);
}

// torchvision Fire(inplanes, squeeze, expand1x1, expand3x3) as features.{index}.*.
void fire(Builder& b, int index, int squeeze, int expand1x1, int expand3x3) {
  const std::string p = "features." + std::to_string(index) + ".";
  b.conv(p + "squeeze", squeeze, 1, 1, 0);
  const int s = b.simple(p + "squeeze_activation", OpKind::relu);
  b.conv(p + "expand1x1", expand1x1, 1, 1, 0, 1, s);
  const int e1 = b.simple(p + "expand1x1_activation", OpKind::relu);
  b.conv(p + "expand3x3", expand3x3, 3, 1, 1, 1, s);
  const int e3 = b.simple(p + "expand3x3_activation", OpKind::relu);
  b.concat(p + "concat", {e1, e3});
}

// torchvision mobilenet_v3_small's inverted_residual_setting (input channels: the previous block's out).
constexpr InvertedResidualConfig mobilenet_v3_small_blocks[] = {
    {3, 16, 16, true, false, 2},   {3, 72, 24, false, false, 2}, {3, 88, 24, false, false, 1},
    {5, 96, 40, true, true, 2},    {5, 240, 40, true, true, 1},  {5, 240, 40, true, true, 1},
    {5, 120, 48, true, true, 1},   {5, 144, 48, true, true, 1},  {5, 288, 96, true, true, 2},
    {5, 576, 96, true, true, 1},   {5, 576, 96, true, true, 1},
};

}  // namespace

int make_divisible(int v, int divisor) {
  int rounded = std::max(divisor, (v + divisor / 2) / divisor * divisor);
  if (10 * rounded < 9 * v) rounded += divisor;
  return rounded;
}

int inverted_residual(Builder& b, const std::string& p, const InvertedResidualConfig& c, int in_channels) {
  const OpKind act = c.hardswish ? OpKind::hardswish : OpKind::relu;
  const std::string act_name = c.hardswish ? "hardswish" : "relu";
  const int block_in = b.last();
  int sub = 0;  // torchvision's index inside `block`
  auto sub_prefix = [&] { return p + "block." + std::to_string(sub) + "."; };
  if (c.expanded != in_channels) {
    b.conv(sub_prefix() + "expand", c.expanded, 1, 1, 0);
    b.simple(sub_prefix() + act_name, act);
    ++sub;
  }
  b.conv(sub_prefix() + "depthwise", c.expanded, c.kernel, c.stride, c.kernel / 2, c.expanded);
  const int dw = b.simple(sub_prefix() + act_name, act);
  ++sub;
  if (c.se) {
    const std::string se = sub_prefix() + "se.";
    const int squeeze = make_divisible(c.expanded / 4);
    b.simple(se + "avgpool", OpKind::global_avg_pool);
    b.conv(se + "fc1", squeeze, 1, 1, 0);
    b.simple(se + "relu", OpKind::relu);
    b.conv(se + "fc2", c.expanded, 1, 1, 0);
    const int gate = b.simple(se + "hardsigmoid", OpKind::hardsigmoid);
    b.binary(se + "mul", OpKind::mul, dw, gate);
    ++sub;
  }
  const int project = b.conv(sub_prefix() + "project", c.out, 1, 1, 0);
  if (c.stride == 1 && in_channels == c.out) return b.binary(p + "add", OpKind::add, project, block_in);
  return project;
}

Graph build_squeezenet1_1(int input_size, int classes, const std::string& name) {
  Builder b(name, Shape{3, input_size, input_size});
  b.conv("features.0", 64, 3, 2, 0);
  b.simple("features.1", OpKind::relu);
  ceil_max_pool(b, "features.2");
  fire(b, 3, 16, 64, 64);
  fire(b, 4, 16, 64, 64);
  ceil_max_pool(b, "features.5");
  fire(b, 6, 32, 128, 128);
  fire(b, 7, 32, 128, 128);
  ceil_max_pool(b, "features.8");
  fire(b, 9, 48, 192, 192);
  fire(b, 10, 48, 192, 192);
  fire(b, 11, 64, 256, 256);
  fire(b, 12, 64, 256, 256);
  // classifier.0 is Dropout (dropped)
  b.conv("classifier.1", classes, 1, 1, 0);
  b.simple("classifier.2", OpKind::relu);
  b.simple("classifier.3", OpKind::global_avg_pool);
  return b.finish();
}

Graph build_mobilenet_v3_small(int input_size, int classes, const std::string& name) {
  Builder b(name, Shape{3, input_size, input_size});
  b.conv("features.0.conv", 16, 3, 2, 1);
  b.simple("features.0.hardswish", OpKind::hardswish);
  int in_channels = 16;
  int index = 1;
  for (const InvertedResidualConfig& c : mobilenet_v3_small_blocks) {
    inverted_residual(b, "features." + std::to_string(index) + ".", c, in_channels);
    in_channels = c.out;
    ++index;
  }
  b.conv("features.12.conv", 576, 1, 1, 0);
  b.simple("features.12.hardswish", OpKind::hardswish);
  b.simple("avgpool", OpKind::global_avg_pool);
  b.fc("classifier.0", 1024);
  b.simple("classifier.1", OpKind::hardswish);
  // classifier.2 is Dropout (dropped)
  b.fc("classifier.3", classes);
  return b.finish();
}

Graph squeezenet1_1_network() { return build_squeezenet1_1(224, 1000, "squeezenet1_1"); }
Graph squeezenet1_1_64_network() { return build_squeezenet1_1(64, 1000, "squeezenet1_1_64"); }
Graph mobilenet_v3_small_network() { return build_mobilenet_v3_small(224, 1000, "mobilenet_v3_small"); }
Graph mobilenet_v3_small_64_network() {
  return build_mobilenet_v3_small(64, 1000, "mobilenet_v3_small_64");
}

}  // namespace cimsim::workloads
