#!/usr/bin/env python3
"""Writes torchvision's ResNet-50 (224x224, 1000 classes) as a cimsim YAML network on stdout.

bench/run.sh turns it into ONNX with `cimsim export --net resnet50.yaml --onnx resnet50.onnx` and times
`cimsim run` on the .onnx file. PyTorch is not needed (nor installed on the bench machine); the layers
are torchvision.models.resnet50()'s in its module order and names: the stem (7x7/2 conv, 3x3/2 max
pool), 3 + 4 + 6 + 3 bottlenecks (1x1, 3x3 with the stage's stride, 1x1 to 4x the width; a 1x1
projection on each stage's first block), global average pooling and the classifier. Batch
normalization is left out: an exported model folds it into the convolutions, and cimsim maps the
convolutions either way. 25.5 M weights, 4.1 G MACs.
"""
import sys


def main() -> None:
    out = ["name: resnet50", "input: {channels: 3, height: 224, width: 224}", "layers:"]

    def add(line: str) -> None:
        out.append("  - {" + line + "}")

    add("name: conv1, op: conv, out_channels: 64, kernel: 7, stride: 2, pad: 3")
    add("name: relu, op: relu")
    add("name: maxpool, op: max_pool, kernel: 3, stride: 2, pad: 1")
    prev = "maxpool"
    for stage, (blocks, width, stride) in enumerate([(3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)], start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            s = stride if b == 0 else 1
            add(f"name: {p}.conv1, op: conv, out_channels: {width}, kernel: 1, inputs: [{prev}]")
            add(f"name: {p}.relu1, op: relu")
            add(f"name: {p}.conv2, op: conv, out_channels: {width}, kernel: 3, stride: {s}, pad: 1")
            add(f"name: {p}.relu2, op: relu")
            add(f"name: {p}.conv3, op: conv, out_channels: {4 * width}, kernel: 1")
            shortcut = prev
            if b == 0:
                shortcut = f"{p}.downsample"
                add(f"name: {shortcut}, op: conv, out_channels: {4 * width}, kernel: 1, stride: {s}, inputs: [{prev}]")
            add(f"name: {p}.add, op: add, inputs: [{p}.conv3, {shortcut}]")
            add(f"name: {p}.relu, op: relu")
            prev = f"{p}.relu"
    add("name: avgpool, op: global_avg_pool")
    add("name: fc, op: fc, out_channels: 1000")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
