#!/usr/bin/python3
"""The evidence of docs/search.md: runs the example searches of workloads/search/ and the baselines they are
measured against, and prints (or, with --write, replaces in docs/search.md between
<!-- search-evidence:begin --> and <!-- search-evidence:end -->) the tables.

    /usr/bin/python3 scripts/search_evidence.py OUT_DIR [--write] [--quick]

OUT_DIR receives every search directory and baseline report. --quick: population 8, 3 generations (a check
that the script works, not evidence). Takes about 10 minutes on 2 cores at full size.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CIMSIM = os.path.join(ROOT, "build", "cimsim")
SPECS = os.path.join(ROOT, "workloads", "search")
DOC = os.path.join(ROOT, "docs", "search.md")
BEGIN, END = "<!-- search-evidence:begin -->", "<!-- search-evidence:end -->"


def run(args, log):
    """Runs cimsim with an argument list (no shell); its stderr goes to `log`."""
    with open(log, "w") as err:
        subprocess.run([CIMSIM] + args, check=True, stdout=subprocess.DEVNULL, stderr=err)


def baseline(out, tag, net, hw, mode="systemc"):
    """latency (us), energy (uJ), area (mm2) of `net` on `hw`, from a cimsim run report."""
    path = os.path.join(out, tag + "-" + mode + ".json")
    if not os.path.exists(path):
        run(["run", "--net", net, "--hw", hw, "--mode", mode, "-q", "--json", path], path + ".log")
    j = json.load(open(path))
    return {"latency_us": j["latency"]["ns"] / 1e3, "energy_uj": j["energy_pj"]["total"] / 1e6,
            "area_mm2": j["area_mm2"]["total"]}


def search(out, name, quick, extra=()):
    """Runs workloads/search/NAME.yaml into OUT/NAME (kept when already there); returns front.json and the
    wall time."""
    d = os.path.join(out, name)
    if not os.path.exists(os.path.join(d, "front.json")):
        args = ["search", os.path.join(SPECS, name + ".yaml"), "--out", d, "--jobs", str(os.cpu_count() or 2)]
        if quick:
            args += ["--population", "8", "--generations", "3"]
        args += list(extra)
        t0 = time.time()
        run(args, d + ".log")
        with open(d + ".wall", "w") as f:
            f.write(str(time.time() - t0))
    return json.load(open(os.path.join(d, "front.json"))), float(open(d + ".wall").read())


def fastest(front, floor=None):
    """The front point of least latency (its SystemC figure when it was re-simulated)."""
    pts = [p for p in front["front"] if floor is None or (p["accuracy"] is not None and p["accuracy"] >= floor)]
    best = min(pts, key=lambda p: p["analytical"]["latency_us"])
    sysc = best["systemc"]["latency_us"] if best.get("systemc") else None
    return best, best["analytical"]["latency_us"], sysc


def fmt(v, digits=3):
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.{digits}g}"


def label(p):
    return p["name"] or p["architecture"][:60] + "..."


def hardware(p):
    return ", ".join(f"{k} {v}" for k, v in p["hardware"].items()) or "the spec's chip"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    lines = []
    floor = 97.2
    base = baseline(a.out, "darts_v2-default", "darts_v2", "default")
    base_an = baseline(a.out, "darts_v2-default", "darts_v2", "default", "analytical")

    # 1. the DARTS space, hardware objectives alone
    dj, dj_wall = search(a.out, "darts-joint", a.quick)
    lines += ["### DARTS space x ISAAC-like knobs, hardware objectives (`darts-joint.yaml`)", "",
              f"{dj['evaluations']} evaluations in {dj_wall:.0f} s wall (population {dj['population']}, "
              f"{dj['generations']} generations); accuracy source: {dj['accuracy_source']}. "
              f"Front: {len(dj['front'])} points, the 12 fastest below (points with the same hardware differ in "
              "their genotype, which front.csv gives; SystemC: the points re-simulated).", "",
              "| point | latency (us), analytical / SystemC | energy (uJ) | area (mm2) | hardware |",
              "|---|---|---|---|---|"]
    for p in sorted(dj["front"], key=lambda p: p["analytical"]["latency_us"])[:12]:
        s = p.get("systemc") or {}
        lines.append(f"| {p['point']} | {fmt(p['analytical']['latency_us'])} / {fmt(s.get('latency_us'))} | "
                     f"{fmt(p['analytical']['energy_uj'])} | {fmt(p['analytical']['area_mm2'])} | {hardware(p)} |")
    lines += ["", f"DARTS-V2 on the default chip for scale: {fmt(base['latency_us'])} us, {fmt(base['energy_uj'])} uJ, "
              f"{fmt(base['area_mm2'])} mm2 (SystemC). These genotypes are not accuracy-ranked: without an accuracy "
              "source the search favours cheap cells (pooling, skip connections) that would not train as well.", ""]

    # 2. network-only, hardware-only, joint at the accuracy floor
    rows = []
    for title, name in [("network only (the chip as it is)", "darts-published-fixed-chip"),
                        ("hardware only (DARTS-V2 held)", "darts-v2-fixed-network"),
                        ("joint", "darts-published-joint")]:
        f, wall = search(a.out, name, a.quick)
        # darts-v2-fixed-network has no accuracy source: DARTS-V2's published accuracy meets the floor
        best, lat, sysc = fastest(f, None if name == "darts-v2-fixed-network" else floor)
        rows.append((title, name, best, lat, sysc, f["evaluations"], wall))
    lines += [f"### Network-only, hardware-only and joint search at a {floor} % accuracy floor", "",
              "Speed-up: DARTS-V2 on the default chip over the fastest front point at or above the floor "
              f"(DARTS-V2: {fmt(base_an['latency_us'])} us analytical, {fmt(base['latency_us'])} us SystemC). "
              "Accuracy: the published CIFAR-10 figures in `workloads/search/darts-accuracy.csv`, an example "
              "table and not an accuracy model.", "",
              "| search | spec | fastest point | its hardware | latency (us), analytical / SystemC | speed-up, analytical / SystemC | evaluations | wall (s) |",
              "|---|---|---|---|---|---|---|---|"]
    table = {r["architecture"]: float(r["accuracy"]) for r in csv.DictReader(open(os.path.join(SPECS, "darts-accuracy.csv")))}
    for title, name, best, lat, sysc, ev, wall in rows:
        acc = best["accuracy"] if best["accuracy"] is not None else table.get(best["name"])
        lines.append(f"| {title} | `{name}.yaml` | {label(best)} ({fmt(acc, 4)} %) | {hardware(best)} | "
                     f"{fmt(lat)} / {fmt(sysc)} | {fmt(base_an['latency_us'] / lat)}x / "
                     f"{fmt(base['latency_us'] / sysc if sysc else None)}x | {ev} | {wall:.0f} |")
    lines += ["", "CiMNet reports 1.7x from the network alone and 3.1x jointly on ViT-B (ImageNet) at ViT-B's accuracy.", ""]

    # 3. RNC's space on the rnc-box chip
    rf, rwall = search(a.out, "ofa-mbv3-rnc-box", a.quick)
    largest = ("ofa_mbv3(r=224, d=[4,4,4,4,4], k=[" + ",".join(["7"] * 20) + "], e=[" + ",".join(["6"] * 20) + "])")
    big = baseline(a.out, "ofa-largest-rnc-box", largest, "rnc-box")
    small = baseline(a.out, "mbv3-small-rnc-box", "mobilenet_v3_small", "rnc-box")
    best, lat, sysc = fastest(rf)
    lines += ["### RNC's once-for-all MobileNetV3 space on the rnc-box chip (`ofa-mbv3-rnc-box.yaml`)", "",
              f"{rf['evaluations']} evaluations in {rwall:.0f} s wall; front: {len(rf['front'])} point(s); "
              f"accuracy source: {rf['accuracy_source']} (latency against energy only).", "",
              "| network on rnc-box | latency (us), SystemC | the fastest front point's speed-up over it |",
              "|---|---|---|",
              f"| largest sub-network (d 4, k 7, e 6, 224 px) | {fmt(big['latency_us'])} | {fmt(big['latency_us'] / sysc if sysc else None)}x |",
              f"| torchvision MobileNetV3-Small | {fmt(small['latency_us'])} | {fmt(small['latency_us'] / sysc if sysc else None)}x |",
              f"| fastest front point: `{best['architecture']}` | {fmt(sysc)} (analytical {fmt(lat)}) | |", ""]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.write:
        doc = open(DOC).read()
        i, j = doc.index(BEGIN), doc.index(END)
        open(DOC, "w").write(doc[: i + len(BEGIN)] + "\n" + text + doc[j:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
