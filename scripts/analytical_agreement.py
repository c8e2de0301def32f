#!/usr/bin/python3
"""How closely the analytical evaluator (cimsim run --mode analytical) agrees with the SystemC model.

    scripts/analytical_agreement.py OUT.json            # every case; the JSON of all cases
    scripts/analytical_agreement.py OUT.json --write    # and the generated section of docs/analytical.md
    scripts/analytical_agreement.py OUT.json --quick    # a small subset (tests/test_analytical.cpp)

Runs `cimsim run ... --json` in both modes (every run its own process, --jobs at a time, default 2) over:
the built-in networks on the default, isaac and rnc-box configs; 50 random DARTS genotypes (seeded, DARTS
form) deployed individually and on the hypernetwork chip; 10 random once-for-all MobileNetV3 sub-networks
on rnc-box with a 3000-crossbar budget (layers duplicated), streams of 4 inputs; the knob rows of docs/cost-model.md (read from
scripts/knob-table.sh, configs made by scripts/config_with.py); streams (--inputs 8); layer-by-layer
dataflow; a few networks with each layer on its own crossbars (--mapping isaac); the no-spill configs
tests/test_analytical.cpp uses; and small networks on chips where nothing contends. Per case: latency,
stream run-time and dynamic-energy error (analytical / SystemC - 1), whether area and every action count
are equal, spilled rows in each, and whether the SystemC run saw contention (resource_wait_ns or
buffer.stall_ns above 1 ps). Prints progress on stderr.

Options: --cimsim PATH (default $CIMSIM, else build/cimsim), --commit C (the commit that binary was built
from, default $CIMSIM_COMMIT; otherwise this tree's HEAD and its uncommitted source changes are named),
--jobs N, --doc PATH (the page --write updates, default docs/analytical.md: the text between
`<!-- agreement:begin -->` and `<!-- agreement:end -->`). Exit 0 when every case ran (a case both modes
refuse alike is recorded), 1 when a run failed in one mode only or an output could not be written, 2 for
bad arguments. Needs Python's standard library; scripts/config_with.py (run as its own process) needs
Debian's python3-yaml.
"""
import argparse
import concurrent.futures
import datetime
import json
import math
import os
import random
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

PROG = "analytical_agreement.py"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN, END = "<!-- agreement:begin -->", "<!-- agreement:end -->"
TEST_FILE = os.path.join(ROOT, "tests", "test_analytical.cpp")

# Below this, a SystemC run's summed waiting is rounding in its booking calendar (doubles; sums of
# intervals leave ~1e-11 ns), not contention: 1 ps, SystemC's default time resolution.
EPS_NS = 1e-3
UNCONTENDED_TOLERANCE = 0.02  # the claim: latency within 2 % where the SystemC run saw no waiting
ENERGY_TOLERANCE = 1e-9       # the claim: dynamic energy equal (relative) where no row spills
RUN_TIMEOUT_S = 600

# DARTS' primitives as workloads/genotype.cpp lists them, less `none`: DARTS never derives a `none` edge
OPS = ["max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
       "dil_conv_5x5"]
GENOTYPES = 50
QUICK_GENOTYPES = 5
OFA_SUBNETS = 10

BUILTIN_NETS = ["vgg8", "resnet18", "resnet18_imagenet", "squeezenet1_1", "squeezenet1_1_64",
                "mobilenet_v3_small", "mobilenet_v3_small_64", "deit_tiny", "vit_b_16", "darts_v1", "darts_v2",
                "pdarts"]
CONFIGS = ["default", "isaac", "rnc-box"]

# Small networks on chips whose periphery is fast and whose off-chip port is slow: rows arrive one by
# one, slower than a step computes, so no request waits (the SystemC run reports no waiting on most).
FAST_CHIP = """name: closed-form
technology: {clock_ghz: 1.0}
precision: {weight_bits: 8, activation_bits: 8}
crossbar: {rows: 128, cols: 128, bits_per_cell: 2, signed_weights: offset, read_latency_ns: 10}
dac: {bits: 1}
adc: {bits: 8, sample_rate_gsps: 1.0, per_crossbar: 4}
pe: {crossbars: 8}
tile: {pes: 4, buffer: {banks: 4, bus_bits: 4096}, bus: {width_bits: 8192}}
chip: {tiles: auto, tiles_per_router: 4}
noc: {flit_bits: 256, hop_latency_cycles: 1, link_bandwidth_gbps: 100000}
offchip: {bandwidth_gbps: BW}
"""
SMALL_NETS = {
    "conv": "name: conv\ninput: {channels: 8, height: 10, width: 10}\n"
            "layers:\n  - {name: conv, op: conv, out_channels: 8, kernel: 3}\n",
    "chain2": "name: chain2\ninput: {channels: 8, height: 12, width: 12}\nlayers:\n"
              "  - {name: conv1, op: conv, out_channels: 8, kernel: 3}\n"
              "  - {name: conv2, op: conv, out_channels: 8, kernel: 3}\n",
    "chain3": "name: chain3\ninput: {channels: 8, height: 14, width: 14}\nlayers:\n"
              "  - {name: conv1, op: conv, out_channels: 8, kernel: 3}\n"
              "  - {name: conv2, op: conv, out_channels: 8, kernel: 3}\n"
              "  - {name: conv3, op: conv, out_channels: 8, kernel: 3}\n",
    "conv_pool": "name: conv_pool\ninput: {channels: 8, height: 12, width: 12}\nlayers:\n"
                 "  - {name: conv, op: conv, out_channels: 16, kernel: 3}\n"
                 "  - {name: relu, op: relu}\n"
                 "  - {name: pool, op: max_pool, kernel: 2, stride: 2}\n",
    "conv_fc": "name: conv_fc\ninput: {channels: 8, height: 10, width: 10}\nlayers:\n"
               "  - {name: conv, op: conv, out_channels: 8, kernel: 3}\n"
               "  - {name: fc, op: fc, out_channels: 10}\n",
    "wide3": "name: wide3\ninput: {channels: 16, height: 16, width: 16}\nlayers:\n"
             "  - {name: conv1, op: conv, out_channels: 16, kernel: 3}\n"
             "  - {name: conv2, op: conv, out_channels: 32, kernel: 3}\n"
             "  - {name: conv3, op: conv, out_channels: 16, kernel: 3}\n",
}
BIG_BUFFER = "{tile: {buffer: {size_kib: 16384}}}"  # the no-spill config of tests/test_analytical.cpp
# (what changes, case, case): side by side in the page, where both were run
PAIRS = [
    ("packed crossbars / each layer on its own", "darts_v2 on default", "darts_v2 on default, --mapping isaac"),
    ("the same without spills", "darts_v2 on default + 16 MiB buffers",
     "darts_v2 on default + 16 MiB buffers, --mapping isaac"),
    ("packed crossbars / each layer on its own", "resnet18 on default", "resnet18 on default, --mapping isaac"),
    ("packed crossbars / each layer on its own", "deit_tiny on default", "deit_tiny on default, --mapping isaac"),
    ("pipelined / layer by layer", "vgg8 on default", "vgg8 on default, layer_by_layer"),
    ("pipelined / layer by layer", "darts_v2 on default", "darts_v2 on default, layer_by_layer"),
    ("pipelined / layer by layer (nothing contends pipelined)", "chain2 on fast chip, 0.5 Gb/s port",
     "chain2 on fast chip, 0.5 Gb/s port --dataflow layer_by_layer"),
    ("one input / the first of 8", "darts_v2 on default", "darts_v2 on default, 8 inputs"),
    ("one input / the first of 8", "vgg8 on default", "vgg8 on default, 8 inputs"),
]


class BadInput(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise BadInput(message)


def log(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- cases


def random_ofa_subnet(seed):
    """A once-for-all MobileNetV3-Large sub-network as `cimsim run --net` takes it (workloads/search_space.hpp):
    resolution 128-224, depth 2-4 per stage, kernel 3/5/7 and expansion 3/4/6 per block; seeded."""
    rng = random.Random(1000 + seed)
    depth = [rng.choice([2, 3, 4]) for _ in range(5)]
    blocks = sum(depth)
    kernel = [rng.choice([3, 5, 7]) for _ in range(blocks)]
    expand = [rng.choice([3, 4, 6]) for _ in range(blocks)]
    text = lambda v: "[" + ",".join(map(str, v)) + "]"
    return (f"ofa_mbv3(r={rng.choice([128, 160, 192, 224])}, d={text(depth)}, k={text(kernel)}, "
            f"e={text(expand)})")


def random_genotype(seed):
    """A DARTS-form genotype: per cell 8 (op, input) pairs, node i's two inputs distinct states of 0..i+1."""
    rng = random.Random(seed)

    def cell():
        edges = []
        for i in range(4):
            for state in rng.sample(range(i + 2), 2):
                edges.append((rng.choice(OPS), state))
        return "[" + ", ".join(f"('{op}', {s})" for op, s in edges) + "]"

    return (f"Genotype(normal={cell()}, normal_concat=range(2, 6), reduce={cell()}, "
            "reduce_concat=range(2, 6))")


def knob_rows():
    """(knob, value, YAML override) of scripts/knob-table.sh, and the run arguments it uses."""
    path = os.path.join(ROOT, "scripts", "knob-table.sh")
    with open(path) as f:
        text = f.read()
    rows = []
    for m in re.finditer(r'^row "([^"]+)" "([^"]+)" \'([^\']*)\'$', text, re.M):
        rows.append((m.group(1), m.group(2), m.group(3)))
    for m in re.finditer(r'^for (\w+) in ([^;]+); do row "([^"]+)" "\$\1" "([^"]+)"; done$', text, re.M):
        var, values, knob, over = m.groups()
        for v in values.split():
            rows.append((knob, v, over.replace("$" + var, v)))
    run = re.search(r'"\$cimsim" run --hw "\$f" (.*?) -q --json', text)
    if len(rows) < 10 or not run:
        raise BadInput(f"{path}: cannot read the knob rows (expected `row ...` lines, `for ...; do row ...; "
                       "done` loops and a `\"$cimsim\" run --hw \"$f\" ... -q --json` line)")
    return rows, run.group(1).split()


class Cases:
    """Builds the case list; configs and networks it needs are written into `work`."""

    def __init__(self, work, quick):
        self.work, self.quick, self.list = work, quick, []
        self.yaml_of = {}  # merged YAML text -> path (a knob row equal to an earlier one is run once)

    def config(self, base, override):
        base_path = base if os.path.isfile(base) else os.path.join(ROOT, "configs", base + ".yaml")
        out = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "config_with.py"), base_path,
                              override], capture_output=True, text=True)
        if out.returncode != 0:
            raise BadInput(f"scripts/config_with.py {base_path} '{override}': {out.stderr.strip()}")
        if out.stdout in self.yaml_of:
            return self.yaml_of[out.stdout], False
        path = os.path.join(self.work, f"hw{len(self.yaml_of)}.yaml")
        with open(path, "w") as f:
            f.write(out.stdout)
        self.yaml_of[out.stdout] = path
        return path, True

    def file(self, name, text):
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def add(self, group, name, args, hw, net, **extra):
        inputs = int(args[args.index("--inputs") + 1]) if "--inputs" in args else 1
        self.list.append(dict(group=group, name=name, args=args, hw=hw, net=net, inputs=inputs, **extra))

    def build(self):
        q = self.quick
        # built-in networks on three configs
        for hw in (["default"] if q else CONFIGS):
            for net in (["vgg8", "resnet18", "darts_v2"] if q else BUILTIN_NETS):
                self.add("built-in", f"{net} on {hw}", ["--hw", hw, "--net", net], hw, net)
        if not q:
            for net in ["darts_v1", "darts_v2", "pdarts"]:
                self.add("built-in", f"{net} on default, hypernet", ["--hw", "default", "--net", net, "--deploy",
                                                                    "hypernet"], "default", net, deploy="hypernet")
        # random DARTS genotypes, each individually and on the hypernetwork chip
        for seed in range(QUICK_GENOTYPES if q else GENOTYPES):
            g = random_genotype(seed)
            for deploy in ["individual", "hypernet"]:
                self.add(f"genotype, {deploy}", f"genotype {seed:02d} {deploy}",
                         ["--hw", "default", "--genotype", g, "--deploy", deploy], "default", f"genotype {seed}",
                         deploy=deploy, genotype=g, seed=seed)
        # the knob table of docs/cost-model.md
        rows, run_args = knob_rows()
        if q:
            rows = [r for r in rows if r[0] == "baseline" or (r[0] == "tile.buffer.size_kib" and r[1] == "8")]
        for knob, value, over in rows:
            path, new = self.config("default", over)
            if new:  # rows whose config equals an earlier row's (the baseline's values) are run once
                self.add("knob", f"{knob} = {value}", ["--hw", path] + run_args, f"default + {over}",
                         " ".join(run_args))
        # once-for-all MobileNetV3 sub-networks (seeded, RNC's space) on rnc-box with a crossbar budget that
        # duplicates layers, streams of 4 inputs: the copies interleave the stream's inputs
        for seed in range(0 if q else OFA_SUBNETS):
            net = random_ofa_subnet(seed)
            self.add("OFA stream, duplicated", f"OFA sub-network {seed:02d} on rnc-box, 3000 crossbars, 4 inputs",
                     ["--hw", "rnc-box", "--net", net, "--crossbars", "3000", "--inputs", "4"], "rnc-box", net)
        # streams and layer-by-layer dataflow
        streams = [("default", "vgg8", []), ("default", "resnet18", []), ("default", "squeezenet1_1_64", []),
                   ("default", "darts_v2", []), ("default", "darts_v2", ["--deploy", "hypernet"]),
                   ("isaac", "vgg8", []), ("rnc-box", "mobilenet_v3_small_64", [])]
        lbl = [("default", "vgg8", []), ("default", "resnet18", []), ("default", "darts_v2", []),
               ("isaac", "vgg8", []), ("isaac", "squeezenet1_1_64", []), ("default", "vgg8", ["--inputs", "4"])]
        for hw, net, more in streams[:1] if q else streams:
            self.add("stream", f"{net} on {hw}{' ' + ' '.join(more) if more else ''}, 8 inputs",
                     ["--hw", hw, "--net", net, "--inputs", "8"] + more, hw, net)
        for hw, net, more in lbl[:1] if q else lbl:
            self.add("layer-by-layer", f"{net} on {hw}, layer_by_layer{' ' + ' '.join(more) if more else ''}",
                     ["--hw", hw, "--net", net, "--dataflow", "layer_by_layer"] + more, hw, net)
        # each layer on its own crossbars (no packing): what shared crossbars add to the error
        isaac_mapping = [("default", "darts_v2"), ("default", "resnet18"), ("default", "mobilenet_v3_small_64"),
                         ("default", "deit_tiny")]
        for hw, net in [] if q else isaac_mapping:
            self.add("isaac mapping", f"{net} on {hw}, --mapping isaac", ["--hw", hw, "--net", net, "--mapping",
                                                                        "isaac"], hw, net)
        # no row spills: large buffers (tests/test_analytical.cpp's configs)
        big, _ = self.config("default", BIG_BUFFER)
        nospill = [("vgg8", []), ("resnet18", []), ("darts_v2", []), ("darts_v2", ["--deploy", "hypernet"]),
                   ("vgg8", ["--inputs", "4"]), ("darts_v2", ["--deploy", "hypernet", "--inputs", "4"])]
        if not q:
            self.add("isaac mapping", "darts_v2 on default + 16 MiB buffers, --mapping isaac",
                     ["--hw", big, "--net", "darts_v2", "--mapping", "isaac"], f"default + {BIG_BUFFER}", "darts_v2")
        for net, more in nospill[:1] if q else nospill:
            self.add("no-spill buffers", f"{net} on default + 16 MiB buffers{' ' + ' '.join(more) if more else ''}",
                     ["--hw", big, "--net", net] + more, f"default + {BIG_BUFFER}", net)
        # small networks where nothing contends
        chips = {bw: self.file(f"fast-{bw}.yaml", FAST_CHIP.replace("BW", bw)) for bw in ["0.5", "0.2"]}
        small = [("0.5", "conv", []), ("0.5", "chain2", []), ("0.5", "chain3", []), ("0.5", "conv_pool", []),
                 ("0.2", "conv", []), ("0.2", "chain2", []), ("0.2", "conv_pool", []), ("0.5", "conv_fc", []),
                 ("0.5", "wide3", []), ("0.5", "conv", ["--inputs", "4"]),
                 ("0.5", "chain2", ["--dataflow", "layer_by_layer"])]
        for bw, net, more in small[:2] if q else small:
            path = self.file(f"{net}.yaml", SMALL_NETS[net])
            self.add("small, fast chip", f"{net} on fast chip, {bw} Gb/s port{' ' + ' '.join(more) if more else ''}",
                     ["--hw", chips[bw], "--net", path] + more, f"fast chip (this script), off-chip {bw} Gb/s",
                     f"{net} (this script)")
        return self.list


# ---------------------------------------------------------------------------------------------- runs


def run_one(cimsim, work, index, mode, args):
    out = os.path.join(work, f"case{index}-{mode}.json")
    cmd = [cimsim, "run"] + args + ["--mode", mode, "-q", "--json", out]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return dict(ok=False, code=-1, error=f"timed out after {RUN_TIMEOUT_S} s", wall_s=RUN_TIMEOUT_S)
    except OSError as e:
        return dict(ok=False, code=-1, error=f"cannot run {cimsim}: {e}", wall_s=0.0)
    wall = time.monotonic() - t0
    errors = [l for l in p.stderr.splitlines() if "warning:" not in l]
    if p.returncode != 0:
        return dict(ok=False, code=p.returncode, error=(errors or ["(no message)"])[-1][:600], wall_s=wall)
    with open(out) as f:
        j = json.load(f)
    b = j["buffer"]
    r = dict(ok=True, wall_s=wall, mode=j["mode"], latency_ns=j["latency"]["ns"], run_ns=j["run"]["ns"],
             dynamic_pj=j["energy_pj"]["dynamic"], leakage_pj=j["energy_pj"]["leakage"],
             energy_pj=j["energy_pj"]["total"], area_mm2=j["area_mm2"]["total"], counts=j["counts"],
             spilled_rows=b["spilled_rows"], input_rows_left_off_chip=b["input_rows_left_off_chip"],
             spilled_bits=b["spilled_bits"], stall_ns=b["stall_ns"], resource_wait_ns=j["resource_wait_ns"],
             peak_buffer_bits=b["peak_occupancy_bits"], buffer_capacity_bits=b["capacity_bits"],
             busiest=[[x["resource"], x["busy_ns"]] for x in j["busiest"][:3]])
    # layers whose binding crossbar was busy longer than the layer ran (first step to last output row):
    # a layer's bursts all fall in that span, so their bookings on the crossbar overlap (other resources
    # are left out: an output leaving through the off-chip port is booked after its layer's end)
    spans = [l["binding"]["busy_fraction_of_span"] for l in j["layers"]
             if isinstance(l.get("binding"), dict) and ".xbar_" in l["binding"]["resource"]]
    r["layers_overbusy"] = sum(f > 1 + 1e-6 for f in spans)
    r["max_busy_fraction_of_span"] = max(spans, default=0.0)
    if "analytical" in j:
        a = j["analytical"]
        r["analytical"] = {k: a[k] for k in ["period_ns", "busiest", "busiest_per_inference_ns"]}
    os.unlink(out)
    return r


def rel(a, s):
    if s == 0:
        return 0.0 if a == 0 else math.inf
    return a / s - 1


def compare(case, s, a):
    c = dict(case)
    c["systemc"], c["analytical"] = s, a
    if not (s["ok"] and a["ok"]):
        c["status"] = "refused" if (not s["ok"] and not a["ok"] and s["code"] == a["code"] == 2) else "failed"
        return c
    c["status"] = "ok"
    c["latency_error"] = rel(a["latency_ns"], s["latency_ns"])
    c["run_error"] = rel(a["run_ns"], s["run_ns"]) if case["inputs"] > 1 else None
    c["energy_error"] = rel(a["dynamic_pj"], s["dynamic_pj"])
    c["area_equal"] = a["area_mm2"] == s["area_mm2"]
    c["counts_equal"] = a["counts"] == s["counts"]
    c["counts_differ"] = sorted(k for k in set(a["counts"]) | set(s["counts"])
                                if a["counts"].get(k) != s["counts"].get(k))
    c["contention"] = s["resource_wait_ns"] > EPS_NS or s["stall_ns"] > EPS_NS
    c["spill"] = any(x[k] > 0 for x in (s, a) for k in ("spilled_rows", "input_rows_left_off_chip"))
    return c


def run_all(cimsim, work, cases, jobs):
    results = [dict() for _ in cases]
    lock = threading.Lock()
    done = [0]

    def finished(i):
        c = compare(cases[i], results[i]["systemc"], results[i]["analytical"])
        with lock:
            done[0] += 1
            if c["status"] == "ok":
                what = (f"latency {c['latency_error'] * 100:+.2f} %"
                        + (f", run {c['run_error'] * 100:+.2f} %" if c["run_error"] is not None else "")
                        + f", energy {c['energy_error'] * 100:+.3g} %"
                        + (", contention" if c["contention"] else "") + (", spill" if c["spill"] else ""))
            else:
                what = f"{c['status']}: {c['systemc'].get('error') or c['analytical'].get('error')}"
            log(f"[{done[0]}/{len(cases)}] {c['name']}: {what} (SystemC {c['systemc']['wall_s']:.1f} s)")
        return c

    out = [None] * len(cases)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {}
        for i, case in enumerate(cases):
            for mode in ["systemc", "analytical"]:
                futures[pool.submit(run_one, cimsim, work, i, mode, case["args"])] = (i, mode)
        for f in concurrent.futures.as_completed(futures):
            i, mode = futures[f]
            results[i][mode] = f.result()
            if len(results[i]) == 2:
                out[i] = finished(i)
    return out


# ---------------------------------------------------------------------------------------------- summary


def quantile(sorted_values, q):
    """Nearest rank: the smallest value with at least q of the values at or below it."""
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def median(values):
    v = sorted(values)
    n = len(v)
    return (v[n // 2] + v[(n - 1) // 2]) / 2


def distribution(values):
    if not values:
        return dict(n=0)
    mags = sorted(abs(x) for x in values)
    return dict(n=len(values), median_abs=median(mags), p95_abs=quantile(mags, 0.95), max_abs=mags[-1],
                signed_median=median(values))


BUCKETS = [("no contention, no spill", False, False), ("no contention, spill", False, True),
           ("contention, no spill", True, False), ("contention, spill", True, True)]
METRICS = [("latency", "latency_error"), ("stream run time", "run_error"), ("dynamic energy", "energy_error")]


def test_bound():
    """The contended-latency bound tests/test_analytical.cpp asserts (kContendedLatencyBound), or None."""
    try:
        with open(TEST_FILE) as f:
            m = re.search(r"kContendedLatencyBound\s*=\s*([0-9.eE+-]+)", f.read())
        return float(m.group(1)) if m else None
    except OSError:
        return None


def over_capacity(c):
    a = c["analytical"]
    return a["peak_buffer_bits"] / a["buffer_capacity_bits"] - 1 if a["buffer_capacity_bits"] > 0 else 0.0


def summarize(cases):
    ok = [c for c in cases if c["status"] == "ok"]
    s = dict(cases=len(cases), compared=len(ok), refused=sum(c["status"] == "refused" for c in cases),
             failed=sum(c["status"] == "failed" for c in cases), distributions={})
    for label, key in METRICS:
        d = {}
        for name, cont, spill in BUCKETS:
            d[name] = distribution([c[key] for c in ok if c[key] is not None and c["contention"] == cont
                                    and c["spill"] == spill])
        d["all"] = distribution([c[key] for c in ok if c[key] is not None])
        s["distributions"][label] = d
    groups = []
    for c in ok:
        if c["group"] not in groups:
            groups.append(c["group"])
    s["groups"] = {g: dict(distribution([c["latency_error"] for c in ok if c["group"] == g]),
                           contended=sum(c["contention"] for c in ok if c["group"] == g),
                           spill=sum(c["spill"] for c in ok if c["group"] == g)) for g in groups}
    nospill = [c for c in ok if not c["spill"]]
    quiet = [c for c in ok if not c["contention"]]
    contended = [c for c in ok if c["contention"]]
    s["claims"] = dict(
        no_spill=len(nospill), no_spill_counts_equal=sum(c["counts_equal"] for c in nospill),
        no_spill_energy_equal=sum(abs(c["energy_error"]) <= ENERGY_TOLERANCE for c in nospill),
        area_equal=sum(c["area_equal"] for c in ok),
        uncontended=len(quiet),
        uncontended_within=sum(abs(c["latency_error"]) <= UNCONTENDED_TOLERANCE for c in quiet),
        uncontended_max_abs=max((abs(c["latency_error"]) for c in quiet), default=None),
        contended=len(contended),
        contended_max_abs=max((abs(c["latency_error"]) for c in contended), default=None),
        contended_max_over=max((c["latency_error"] for c in contended), default=None),
        # the analytical run's buffer peak (from its estimated spills) above the capacity SystemC enforces
        peak_over_capacity=sum(over_capacity(c) > 1e-9 for c in ok),
        peak_over_capacity_max=max((over_capacity(c) for c in ok), default=None),
        overbusy=sum(c["analytical"]["layers_overbusy"] > 0 for c in ok),
        overbusy_systemc=sum(c["systemc"]["layers_overbusy"] > 0 for c in ok),
        overbusy_max=max((c["analytical"]["max_busy_fraction_of_span"] for c in ok), default=None),
        test_bound=test_bound())
    return s


def pct(x, signed=False):
    if x is None:
        return "–"
    if x == 0:
        return "0"
    if abs(x) < 1e-4:
        return f"{x * 100:{'+' if signed else ''}.1e} %"
    return f"{x * 100:{'+' if signed else ''}.2f} %"


def provenance(commit_given):
    """The commit the numbers come from, and the source files changed since (not the docs)."""
    if commit_given:
        return commit_given, []

    def git(*a):
        p = subprocess.run(["git", "-C", ROOT] + list(a), capture_output=True, text=True)
        return p.stdout.rstrip("\n") if p.returncode == 0 else ""

    commit = git("rev-parse", "--short=12", "HEAD").strip() or "unknown"
    changed = [l[3:] for l in git("status", "--porcelain", "--untracked-files=no").splitlines()
               if not l[3:].endswith(".md")]
    return commit, changed


def case_table(rows, title):
    out = [title, "", "| case | latency | run time | dynamic energy | SystemC waited (us) | stalled (us) | "
           "rows spilled (SystemC / analytical) | analytical `busiest` |", "|---|---|---|---|---|---|---|---|"]
    for c in rows:
        s, a = c["systemc"], c["analytical"]
        by = a.get("analytical", {}).get("busiest", "")
        out.append(f"| {c['name']} | {pct(c['latency_error'], True)} | {pct(c['run_error'], True)} | "
                   f"{pct(c['energy_error'], True)} | {s['resource_wait_ns'] / 1e3:,.1f} | "
                   f"{s['stall_ns'] / 1e3:,.1f} | "
                   f"{s['spilled_rows'] + s['input_rows_left_off_chip']:,} / "
                   f"{a['spilled_rows'] + a['input_rows_left_off_chip']:,} | {by} |")
    return out


def markdown(cases, summary, quick, argv_note, commit_given):
    ok = [c for c in cases if c["status"] == "ok"]
    cl = summary["claims"]
    commit, changed = provenance(commit_given)
    lines = [f"Generated by `scripts/analytical_agreement.py{' --quick' if quick else ''}` ({argv_note}) at "
             f"commit {commit}" + (f" with uncommitted changes to {', '.join(changed)}" if changed else "")
             + f", {datetime.date.today().isoformat()}: {summary['cases']} cases, {summary['compared']} run in "
             f"both modes, {summary['refused']} refused by both, {summary['failed']} failed in one mode.", ""]
    slowest = max(ok, key=lambda c: c["systemc"]["wall_s"], default=None)
    if slowest:
        lines += [f"Every case ran (the slowest SystemC run: {slowest['name']}, "
                  f"{slowest['systemc']['wall_s']:.1f} s), so none was skipped for time.", ""]
    lines += ["**The claims, measured.**", ""]
    lines.append(f"- Where no row spills in either run ({cl['no_spill']} cases): every action count equal in "
                 f"{cl['no_spill_counts_equal']}, dynamic energy equal to 1e-9 in {cl['no_spill_energy_equal']}.")
    lines.append(f"- Area equal in {cl['area_equal']} of {summary['compared']} cases.")
    lines.append(f"- Where the SystemC run saw no waiting ({cl['uncontended']} cases): latency within 2 % in "
                 f"{cl['uncontended_within']} (largest |error| {pct(cl['uncontended_max_abs'])}).")
    bound = cl["test_bound"]
    if cl["contended"]:
        within = "" if bound is None else (
            f"; tests/test_analytical.cpp asserts |error| <= {pct(bound)} on a handful of built-in cases "
            + ("(every measured case is within it)" if cl["contended_max_abs"] <= bound
               else "(**some measured cases are outside it**)"))
        lines.append(f"- Where it saw contention ({cl['contended']} cases): largest |latency error| "
                     f"{pct(cl['contended_max_abs'])}, largest overestimate {pct(cl['contended_max_over'], True)}"
                     f"{within}.")
    if cl["peak_over_capacity"]:
        lines.append(f"- The analytical report's buffer peak (`buffer.peak_occupancy_bits`, from its estimated "
                     f"spills) is above the capacity in {cl['peak_over_capacity']} of {summary['compared']} cases "
                     f"(at most by {pct(cl['peak_over_capacity_max'])}); a SystemC run never is.")
    else:
        lines.append("- The analytical report's buffer peak is within the capacity in every case.")
    if cl["overbusy"]:
        lines.append(f"- In {cl['overbusy']} analytical reports (SystemC: {cl['overbusy_systemc']}) some layer's "
                     f"binding crossbar (`layers[].binding`) was busy longer than the layer ran, up to "
                     f"{cl['overbusy_max']:.2f}x its span: its bursts overlap on that crossbar.")
    else:
        lines.append(f"- No layer's binding crossbar was busy longer than the layer ran, in any analytical report "
                     f"(SystemC: {cl['overbusy_systemc']}).")
    lines.append("")
    for label, _ in METRICS:
        d = summary["distributions"][label]
        lines += [f"**{label[0].upper() + label[1:]} error** (analytical / SystemC - 1"
                  + (", cases with more than one input" if label == "stream run time" else "") + "):", "",
                  "| cases | n | median abs | 95th pct abs | max abs | signed median |", "|---|---|---|---|---|---|"]
        for name in [b[0] for b in BUCKETS] + ["all"]:
            x = d[name]
            if x["n"] == 0:
                lines.append(f"| {name} | 0 | | | | |")
            else:
                lines.append(f"| {name} | {x['n']} | {pct(x['median_abs'])} | {pct(x['p95_abs'])} | "
                             f"{pct(x['max_abs'])} | {pct(x['signed_median'], True)} |")
        lines.append("")
    lines += ["**Latency error by group:**", "",
              "| group | n | with contention | with spills | median abs | max abs | signed median |",
              "|---|---|---|---|---|---|---|"]
    for g, x in summary["groups"].items():
        lines.append(f"| {g} | {x['n']} | {x['contended']} | {x['spill']} | {pct(x['median_abs'])} | "
                     f"{pct(x['max_abs'])} | {pct(x['signed_median'], True)} |")
    lines.append("")
    by_name = {c["name"]: c for c in ok}
    pairs = [(label, a, b) for label, a, b in PAIRS if a in by_name and b in by_name]
    if pairs:
        lines += ["**The same network two ways** (latency in us: SystemC / analytical, and the error):", "",
                  "| what changes | case | SystemC | analytical | error | case | SystemC | analytical | error |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for label, a, b in pairs:
            row = f"| {label} "
            for c in (by_name[a], by_name[b]):
                row += (f"| {c['name']} | {c['systemc']['latency_ns'] / 1e3:,.1f} | "
                        f"{c['analytical']['latency_ns'] / 1e3:,.1f} | {pct(c['latency_error'], True)} ")
            lines.append(row + "|")
        lines.append("")
    worst = sorted(ok, key=lambda c: -max(abs(c["latency_error"]), abs(c["run_error"] or 0)))[:10]
    lines += case_table(worst, "**The 10 worst cases by latency or run-time error:**") + [""]
    worst_e = sorted([c for c in ok if c["energy_error"] != 0], key=lambda c: -abs(c["energy_error"]))[:10]
    if worst_e:
        lines += case_table(worst_e, "**The 10 worst cases by dynamic-energy error** (all with spills):") + [""]
    bad = [c for c in cases if c["status"] != "ok"]
    if bad:
        lines += ["**Not compared:**", ""]
        for c in bad:
            err = c["systemc"].get("error") or c["analytical"].get("error") or ""
            lines.append(f"- {c['name']} ({c['status']}): {err}")
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- output


def write_output(path, data):
    """Exclusive temporary beside `path`, fsync'd, renamed over it (a symbolic link is refused)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise BadInput(f"{path}: not a regular file (links and devices are refused)")
    d = os.path.dirname(path) or "."
    tmp = os.path.join(d, "." + os.path.basename(path)[:200] + ".cimsim-" + secrets.token_hex(4))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        view, n = memoryview(data.encode()), 0
        while n < len(view):
            n += os.write(fd, view[n:])
        if st is not None:
            os.fchmod(fd, st.st_mode & 0o7777)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    os.replace(tmp, path)


def replace_section(doc, text):
    with open(doc) as f:
        page = f.read()
    b, e = page.find(BEGIN), page.find(END)
    if b < 0 or e < b:
        raise BadInput(f"{doc}: no `{BEGIN}` ... `{END}` section to replace")
    return page[:b + len(BEGIN)] + "\n" + text + "\n" + page[e:]


def main(argv):
    p = Parser(prog=PROG, description=__doc__.split("\n")[0])
    p.add_argument("out", help="the JSON of all cases")
    p.add_argument("--write", action="store_true", help="replace the generated section of --doc")
    p.add_argument("--quick", action="store_true", help="a small subset (a few nets, 5 genotypes)")
    p.add_argument("--cimsim", default=os.environ.get("CIMSIM") or os.path.join(ROOT, "build", "cimsim"))
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "analytical.md"))
    p.add_argument("--commit", default=os.environ.get("CIMSIM_COMMIT", ""),
                   help="the commit --cimsim was built from, when not this tree (default $CIMSIM_COMMIT)")
    a = p.parse_args(argv)
    if a.jobs < 1:
        raise BadInput(f"--jobs {a.jobs}; allowed: 1 or more")
    if not (os.path.isfile(a.cimsim) and os.access(a.cimsim, os.X_OK)):
        raise BadInput(f"{a.cimsim}: not an executable (build with cmake --build build, or give --cimsim)")
    if a.write:
        replace_section(a.doc, "")  # fails now, not after the runs, when the page has no section
    work = tempfile.mkdtemp(prefix="cimsim-agreement-")
    try:
        t0 = time.monotonic()
        # every run uses this copy: a rebuild of the shared build directory during the runs changes nothing
        cimsim = os.path.join(work, "cimsim")
        shutil.copy2(a.cimsim, cimsim)
        cases = Cases(work, a.quick).build()
        log(f"{len(cases)} cases, 2 runs each, {a.jobs} at a time")
        results = run_all(cimsim, work, cases, a.jobs)
        wall = time.monotonic() - t0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for c in results:  # the temporary paths in the arguments, as a reader can rebuild them
        c["args"] = [x.replace(work, "$WORK") for x in c["args"]]
    summary = summarize(results)
    summary["wall_s"] = wall
    summary["eps_ns"] = EPS_NS
    report = dict(generator=PROG, quick=a.quick, cimsim=a.cimsim, summary=summary, cases=results)
    write_output(a.out, json.dumps(report, indent=1, allow_nan=True) + "\n")
    text = markdown(results, summary, a.quick, f"{wall / 60:.1f} min, {a.jobs} runs at a time", a.commit)
    if a.write:
        write_output(a.doc, replace_section(a.doc, text))
        log(f"wrote {a.out} and the agreement section of {a.doc}")
    else:
        print(text)
        log(f"wrote {a.out}")
    return 1 if summary["failed"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BadInput as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        sys.exit(1)
