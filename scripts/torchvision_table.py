#!/usr/bin/python3
"""The torchvision table of docs/workloads.md: one model of every classification family in Debian's
python3-torchvision, exported to ONNX as PyTorch's exporter writes it by default, imported and simulated by
cimsim on the default chip.

    /usr/bin/python3 scripts/torchvision_table.py            # prints the Markdown table
    /usr/bin/python3 scripts/torchvision_table.py --write    # and replaces it in docs/workloads.md

Needs python3-torch and python3-torchvision (Debian; not in CI, which never runs this). Each model is
built with random weights (weights=None: only shapes matter), exported with torch.onnx.export at the
exporter's default opset (transformers at opset 17, for LayerNormalization), then
`cimsim map --json` gives weights and MACs and `cimsim run --json` latency, energy and area. The weights
cimsim counts are checked against the model's own: every Conv and Linear weight tensor (and attention's
in/out projections), biases and norms excluded. Uses build/cimsim (or $CIMSIM).
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CIMSIM = os.environ.get("CIMSIM", os.path.join(ROOT, "build", "cimsim"))
DOC = os.path.join(ROOT, "docs", "workloads.md")
BEGIN, END = "<!-- torchvision:begin -->", "<!-- torchvision:end -->"

# (family, model, input size, opset or None for the exporter's default)
MODELS = [
    ("AlexNet", "alexnet", 224, None),
    ("ConvNeXt", "convnext_tiny", 224, 17),
    ("DenseNet", "densenet121", 224, None),
    ("EfficientNet", "efficientnet_b0", 224, None),
    ("EfficientNetV2", "efficientnet_v2_s", 384, None),
    ("GoogLeNet", "googlenet", 224, None),
    ("Inception V3", "inception_v3", 299, None),
    ("MNASNet", "mnasnet0_5", 224, None),
    ("MobileNetV2", "mobilenet_v2", 224, None),
    ("MobileNetV3", "mobilenet_v3_small", 224, None),
    ("RegNet", "regnet_x_400mf", 224, None),
    ("ResNet", "resnet18", 224, None),
    ("ResNeXt", "resnext50_32x4d", 224, None),
    ("ShuffleNetV2", "shufflenet_v2_x1_0", 224, None),
    ("SqueezeNet 1.0", "squeezenet1_0", 224, None),
    ("SqueezeNet 1.1", "squeezenet1_1", 224, None),
    ("Swin Transformer", "swin_t", 224, 17),
    ("VGG", "vgg11", 224, None),
    ("VisionTransformer", "vit_b_16", 224, 17),
    ("Wide ResNet", "wide_resnet50_2", 224, None),
]


def crossbar_weights(model, torch):
    """Elements of every Conv and Linear weight (and attention's packed projections)."""
    total = 0
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
            total += m.weight.numel()
        elif isinstance(m, torch.nn.MultiheadAttention):
            total += m.in_proj_weight.numel()  # out_proj is a Linear, counted above
    return total


def cimsim(*args):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    try:
        p = subprocess.run([CIMSIM, *args, "--json", out], capture_output=True, text=True, timeout=3600)
        if p.returncode != 0:
            return None, (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        with open(out) as f:
            return json.load(f), ""
    finally:
        if os.path.exists(out):
            os.remove(out)


def row(family, name, size, opset, tmp, torch, tv):
    model = getattr(tv.models, name)(weights=None).eval()
    if name == "inception_v3" or name == "googlenet":
        model.aux_logits = False
        if hasattr(model, "AuxLogits"):
            model.AuxLogits = None
        if hasattr(model, "aux1"):
            model.aux1 = model.aux2 = None
    expected = crossbar_weights(model, torch)
    path = os.path.join(tmp, name + ".onnx")
    kwargs = {} if opset is None else {"opset_version": opset}
    # grad mode on: under no_grad, eval-mode MultiheadAttention takes a fused fast path the exporter of
    # torch 1.13 cannot write (aten::_native_multi_head_attention)
    torch.onnx.export(model, torch.zeros(1, 3, size, size), path, **kwargs)
    opset_used = opset or torch.onnx._constants.ONNX_DEFAULT_OPSET
    m, err = cimsim("map", "--net", path)
    if m is None:
        return [family, "`%s`" % name, str(opset_used), "does not load: " + err.replace("|", "/"), "", "", "", "", ""]
    w, macs = m["workload"]["weights"], m["workload"]["macs"]
    check = "" if w == expected else " (PyTorch: {:,})".format(expected)
    r, err = cimsim("run", "--net", path, "-q")
    if r is None:
        return [family, "`%s`" % name, str(opset_used), "{:,}{}".format(w, check), "{:,}".format(macs),
                "does not simulate: " + err.replace("|", "/"), "", "", ""]
    return [family, "`%s`" % name, str(opset_used), "{:,}{}".format(w, check), "{:,}".format(macs),
            "{:,.0f}".format(r["latency"]["ns"] / 1e3), "{:,.1f}".format(r["energy_pj"]["total"] / 1e6),
            "{:.1f}".format(r["area_mm2"]["total"]), "{}".format(r["buffer"]["spilled_rows"])]


def main():
    import torch
    import torchvision as tv
    head = ["family", "model", "opset", "weights", "MACs", "latency (us)", "energy (uJ)", "area (mm2)",
            "rows spilled"]
    lines = ["Generated by `/usr/bin/python3 scripts/torchvision_table.py` with torch %s, torchvision %s, on the "
             "default chip (`cimsim run --net model.onnx`, one input)." % (torch.__version__, tv.__version__), "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    with tempfile.TemporaryDirectory() as tmp:
        for family, name, size, opset in MODELS:
            try:
                cells = row(family, name, size, opset, tmp, torch, tv)
            except Exception as e:  # an export PyTorch itself refuses
                cells = [family, "`%s`" % name, "", "export failed: %s" % str(e).splitlines()[0][:120], "", "", "",
                         "", ""]
            print(" | ".join(cells), file=sys.stderr)
            lines.append("| " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    if "--write" in sys.argv:
        text = open(DOC).read()
        if BEGIN in text and END in text:
            a, b = text.index(BEGIN) + len(BEGIN), text.index(END)
            text = text[:a] + "\n" + table + "\n" + text[b:]
        else:
            raise SystemExit("docs/workloads.md has no %s ... %s markers" % (BEGIN, END))
        with open(DOC, "w") as f:
            f.write(text)
        print("torchvision_table.py: table written to docs/workloads.md", file=sys.stderr)


if __name__ == "__main__":
    main()
