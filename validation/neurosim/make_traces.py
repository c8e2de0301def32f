#!/usr/bin/python3
"""Synthetic VGG-8 (CIFAR-10) traces for the DNN+NeuroSim V1.4 C++ core.

NeuroSim's PyTorch wrapper hooks every Conv/Linear layer of the network during
one forward pass, writes two CSV files per layer plus a shell command, and that
command feeds the files to the `main` binary.  This script writes files with
the same names, shapes, ordering and text format, filled with seeded random
data instead of a trained network's tensors, so NeuroSim can be run without
PyTorch, a GPU, CIFAR-10 or the checkpoint.

File layout (reproduces what the wrapper writes)
------------------------------------------------
weight<NAME>.csv  rows = Cin*K*K (FC: in_features), cols = Cout.
                  Row r = cin*K*K + kh*K + kw (the (Cout,Cin,K,K) tensor
                  flattened per output channel, then transposed).  Entries are
                  WAGE-quantised weights q/2^(B-1), q integer in
                  [-2^(B-1), 2^(B-1)-1], written with "%10.5f", "," separated.
                  (NeuroSim turns w into the unsigned code
                  round(2^(B-1)*w + 2^(B-1)) and slices it over B/cellBit
                  columns, MSB first.)
input<NAME>.csv   rows = Cin*K*K (FC: in_features), cols = nvec*B_in with
                  nvec = H*W (3x3 convs, stride 1, zero padding 1) or 1 (FC).
                  Vector v is the im2col patch of output pixel v (row-major
                  over (y, x)), entries ordered like the weight rows, padding
                  taps are 0.  Column v*B_in + b holds bit b of that 8-bit
                  two's-complement fixed-point word (value in [-1, 1), step
                  2^-(B_in-1)); b = 0 is the MSB/sign bit, b = B_in-1 the LSB.
                  Entries are the characters 0 and 1.
trace_command.sh  ./NeuroSIM/main ./NeuroSIM/NetWork_VGG8.csv WB WIN SUB PAR
                  weight<L1> input<L1> weight<L2> input<L2> ...   (no newline)
NetWork_VGG8.csv  the network description (same numbers as NeuroSim's file).

Data distribution (synthetic)
-----------------------------
One numpy Generator (PCG64, default_rng(seed)) draws, layer by layer in
network order, first the weight codes, then the input feature map.
* weights: q i.i.d. uniform over all 2^B codes, so every bit of the unsigned
  code q+2^(B-1) is an independent fair coin (~50 % of cells at Gon).
* inputs, --input-dist full (default): every IFM element (Cin x H x W; FC:
  in_features) is an 8-bit word whose bits are independent fair coins
  (= value uniform on the grid of [-1, 1)).  ~50 % of the input bits of real
  pixels are 1; the zero-padding taps of the im2col lower the per-file
  density slightly (32x32: 1.0 -> 0.9385 of taps are real, 16x16: 0.8789,
  8x8: 0.7656).
* --input-dist relu: words uniform over [0, 2^(B_in-1)-1], i.e. sign bit 0,
  other bits fair coins (what a ReLU output looks like; ~43.75 % set).
Same (seed, bits, dist) always gives byte-identical files.
"""

import argparse
import os
import sys

import numpy as np

# VGG-8 as in NeuroSim's models/VGG.py and NeuroSIM/NetWork_VGG8.csv:
# (hook name, IFM H, IFM W, Cin, K, Cout, followed by max-pool, stride)
VGG8 = [
    ("Conv0_", 32, 32, 3, 3, 128, 0, 1),
    ("Conv1_", 32, 32, 128, 3, 128, 1, 1),
    ("Conv3_", 16, 16, 128, 3, 256, 0, 1),
    ("Conv4_", 16, 16, 256, 3, 256, 1, 1),
    ("Conv6_", 8, 8, 256, 3, 512, 0, 1),
    ("Conv7_", 8, 8, 512, 3, 512, 1, 1),
    ("FC0_", 1, 1, 8192, 1, 1024, 0, 1),
    ("FC1_", 1, 1, 1024, 1, 10, 0, 1),
]


def network_csv_text():
    return "".join(
        "%d,%d,%d,%d,%d,%d,%d,%d\n" % (h, w, cin, k, k, cout, pool, s)
        for (_, h, w, cin, k, cout, pool, s) in VGG8)


def weight_table(bits):
    """ASCII of '%10.5f' % (q/2^(bits-1)), indexed by q + 2^(bits-1)."""
    half = 2 ** (bits - 1)
    strs = [("%10.5f" % (q / half)).encode() for q in range(-half, half)]
    width = max(len(s) for s in strs)
    tab = np.zeros((len(strs), width), dtype=np.uint8)
    for i, s in enumerate(strs):
        tab[i, :] = np.frombuffer(s.rjust(width), dtype=np.uint8)
    return tab


def write_fields(path, cells):
    """cells: uint8 ASCII array (rows, cols, width) -> 'a,b,...\\n' lines."""
    rows, cols, width = cells.shape
    out = np.empty((rows, cols, width + 1), dtype=np.uint8)
    out[:, :, :width] = cells
    out[:, :, width] = ord(",")
    out[:, -1, width] = ord("\n")
    with open(path, "wb") as f:
        out.tofile(f)


def draw_layer(rng, layer, wb, ib, dist):
    """Return (q, ifm): weight codes (rows, Cout) int64 in [-2^(wb-1),
    2^(wb-1)) and IFM words (Cin, H, W) int64 in [0, 2^ib) (bit patterns)."""
    name, h, w, cin, k, cout, _pool, _stride = layer
    half = 2 ** (wb - 1)
    q = rng.integers(-half, half, size=(cin * k * k, cout), dtype=np.int64)
    hi = 2 ** ib if dist == "full" else 2 ** (ib - 1)
    ifm = rng.integers(0, hi, size=(cin, h, w), dtype=np.int64)
    return q, ifm


def im2col(ifm, k, stride):
    """(Cin,H,W) -> (Cin*k*k, nvec), zero padding k//2, like the wrapper."""
    cin, h, w = ifm.shape
    p = k // 2
    ho = (h + 2 * p - k) // stride + 1
    wo = (w + 2 * p - k) // stride + 1
    padded = np.zeros((cin, h + 2 * p, w + 2 * p), dtype=ifm.dtype)
    padded[:, p:p + h, p:p + w] = ifm
    cols = np.empty((cin, k, k, ho, wo), dtype=ifm.dtype)
    for kh in range(k):
        for kw in range(k):
            cols[:, kh, kw] = padded[:, kh:kh + stride * ho:stride,
                                     kw:kw + stride * wo:stride]
    return cols.reshape(cin * k * k, ho * wo)


def input_bits(words, ib):
    """(rows, nvec) words -> (rows, nvec*ib) uint8 bits, MSB first."""
    rows, nvec = words.shape
    out = np.empty((rows, nvec * ib), dtype=np.uint8)
    for b in range(ib):
        out[:, b::ib] = (words >> (ib - 1 - b)) & 1
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir", help="wrapper working directory; receives "
                    "layer_record_VGG8/ and NetWork_VGG8.csv")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--wl-weight", type=int, default=8)
    ap.add_argument("--wl-activate", type=int, default=8)
    ap.add_argument("--subarray", type=int, default=128)
    ap.add_argument("--parallel-read", type=int, default=128)
    ap.add_argument("--input-dist", choices=["full", "relu"], default="full")
    a = ap.parse_args(argv)

    wb, ib = a.wl_weight, a.wl_activate
    rec = os.path.join(a.outdir, "layer_record_VGG8")
    os.makedirs(rec, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    wtab = weight_table(wb)
    half = 2 ** (wb - 1)
    digits = np.array([ord("0"), ord("1")], dtype=np.uint8)

    with open(os.path.join(a.outdir, "NetWork_VGG8.csv"), "w") as f:
        f.write(network_csv_text())

    cmd = ["./NeuroSIM/main", "./NeuroSIM/NetWork_VGG8.csv",
           str(wb), str(ib), str(a.subarray), str(a.parallel_read)]
    stats = []
    for layer in VGG8:
        name, h, w, cin, k, cout, _pool, stride = layer
        q, ifm = draw_layer(rng, layer, wb, ib, a.input_dist)
        write_fields(os.path.join(rec, "weight%s.csv" % name), wtab[q + half])
        if k == 1 and h == 1 and w == 1:
            words = ifm.reshape(cin, 1)               # FC: one vector
        else:
            words = im2col(ifm, k, stride)
        bits = input_bits(words, ib)
        write_fields(os.path.join(rec, "input%s.csv" % name),
                     digits[bits][:, :, None])

        wcode = q + half
        wones = sum(int(((wcode >> b) & 1).sum()) for b in range(wb))
        ifm_ones = sum(int(((ifm >> b) & 1).sum()) for b in range(ib))
        stats.append((name, q.shape[0], cout, words.shape[1],
                      ifm_ones / float(ifm.size * ib), float(bits.mean()),
                      wones / float(wcode.size * wb)))
        rel = "./layer_record_VGG8/"
        cmd += [rel + "weight%s.csv" % name, rel + "input%s.csv" % name]

    with open(os.path.join(rec, "trace_command.sh"), "w") as f:
        f.write(" ".join(cmd) + " ")

    print("make_traces: seed=%d wl_weight=%d wl_activate=%d input_dist=%s"
          % (a.seed, wb, ib, a.input_dist))
    print("%-7s %6s %5s %5s %9s %9s %9s" % (
        "layer", "rows", "cols", "nvec", "ifm_b=1", "file_b=1", "w_b=1"))
    for s in stats:
        print("%-7s %6d %5d %5d %9.4f %9.4f %9.4f" % s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
