#include "workloads/builtins.hpp"

#include <utility>

#include "workloads/builder.hpp"
#include "workloads/builtins_mobile.hpp"
#include "workloads/darts.hpp"

namespace cimsim::workloads {


Graph vgg8_network() {
  // NetWork_VGG8.csv: six 3x3 "same" convs (128,128,256,256,512,512), a 2x2 max pool after every
  // second one, then fc 8192->1024 and the classifier fc 1024->10 (no relu after the classifier).
  Builder b("vgg8", Shape{3, 32, 32});
  const int channels[] = {128, 128, 256, 256, 512, 512};
  int relu = 0;
  for (int i = 0; i < 6; ++i) {
    b.conv("conv" + std::to_string(i + 1), channels[i], 3, 1, 1);
    b.simple("relu" + std::to_string(++relu), OpKind::relu);
    if (i % 2 == 1) b.max_pool("pool" + std::to_string(i / 2 + 1), 2, 2);
  }
  b.fc("fc1", 1024);
  b.simple("relu" + std::to_string(++relu), OpKind::relu);
  b.fc("fc2", 10);
  return b.finish();
}

namespace {
// ResNet-18: the CIFAR variant (3x3 stem, no max pool, 10 classes) or torchvision's ImageNet one (7x7/2
// stem, 3x3/2 max pool with pad 1, 1000 classes).
Graph resnet18(const std::string& name, bool imagenet) {
  Builder b(name, imagenet ? Shape{3, 224, 224} : Shape{3, 32, 32});
  if (imagenet) {
    b.conv("conv1", 64, 7, 2, 3);
    b.simple("relu1", OpKind::relu);
    b.max_pool("maxpool", 3, 2, 1);
  } else {
    b.conv("conv1", 64, 3, 1, 1);
    b.simple("relu1", OpKind::relu);
  }
  int in_channels = 64;
  const int stage_channels[] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    const int channels = stage_channels[stage];
    for (int block = 0; block < 2; ++block) {
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(block) + ".";
      const int stride = (stage > 0 && block == 0) ? 2 : 1;
      const int block_in = b.last();
      b.conv(p + "conv1", channels, 3, stride, 1);
      b.simple(p + "relu1", OpKind::relu);
      const int main_path = b.conv(p + "conv2", channels, 3, 1, 1);
      int shortcut = block_in;
      if (stride != 1 || in_channels != channels) {
        shortcut = b.conv(p + "shortcut", channels, 1, stride, 0, 1, block_in);
      }
      b.add(p + "add", main_path, shortcut);
      b.simple(p + "relu2", OpKind::relu);
      in_channels = channels;
    }
  }
  b.simple("avgpool", OpKind::global_avg_pool);
  b.fc("fc", imagenet ? 1000 : 10);
  return b.finish();
}
}  // namespace

Graph resnet18_network() { return resnet18("resnet18", false); }
Graph resnet18_imagenet_network() { return resnet18("resnet18_imagenet", true); }

const std::vector<BuiltinNetwork>& builtin_networks() {
  static const std::vector<BuiltinNetwork> list = {
      {"vgg8", "NeuroSim VGG-8 for CIFAR-10 (NetWork_VGG8.csv)", &vgg8_network},
      {"resnet18", "CIFAR ResNet-18 (3x3 stem, no max pool, projection shortcuts)", &resnet18_network},
      {"resnet18_imagenet", "torchvision ResNet-18, 224x224 ImageNet, 1000 classes", &resnet18_imagenet_network},
      {"darts_v1", "DARTS V1 (first order) NetworkCIFAR, C=36, 20 cells", &darts_v1_network},
      {"darts_v2", "DARTS V2 (second order) NetworkCIFAR, C=36, 20 cells", &darts_v2_network},
      {"pdarts", "P-DARTS NetworkCIFAR, C=36, 20 cells", &pdarts_network},
      {"squeezenet1_1", "torchvision SqueezeNet 1.1, 224x224 ImageNet, 1000 classes", &squeezenet1_1_network},
      {"squeezenet1_1_64", "torchvision SqueezeNet 1.1 on 64x64 input, 1000 classes",
       &squeezenet1_1_64_network},
      {"mobilenet_v3_small", "torchvision MobileNetV3-Small, 224x224 ImageNet, 1000 classes",
       &mobilenet_v3_small_network},
      {"mobilenet_v3_small_64", "torchvision MobileNetV3-Small on 64x64 input, 1000 classes",
       &mobilenet_v3_small_64_network},
      {"vit_b_16", "torchvision ViT-B/16, 224x224 ImageNet, 1000 classes", &vit_b_16_network},
      {"deit_tiny", "DeiT-Tiny (ViT, 192 wide, 3 heads), 224x224 ImageNet, 1000 classes", &deit_tiny_network},
  };
  return list;
}

}  // namespace cimsim::workloads
