#!/usr/bin/env python3
"""The compiled-against-isaac mapping table of docs/mapping.md.

For SqueezeNet 1.1 and MobileNetV3-small at 64x64 (RNC's setting) and crossbar budgets of 168, 211 and 253
(RNC's), on the rnc-box config (RNC's one-cell-per-weight box model on the MNSIM edge chip), on the same
config with its tile buffers and digital units widened so that crossbars bound the pipeline (the regime
RNC's latency model assumes), and on the faithful default config at 4x the budgets (its weights take 4
cells): crossbar utilization and throughput (--inputs 16) of both mappings, the simulated speedup and the
speedup the crossbar-only model predicts.

    scripts/mapping_table.py            # prints the markdown table
    scripts/mapping_table.py --write    # and replaces it in docs/mapping.md between the markers
Uses build/cimsim (or $CIMSIM). Python standard library only.
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CIMSIM = os.environ.get("CIMSIM", os.path.join(ROOT, "build", "cimsim"))
NETS = ["squeezenet1_1_64", "mobilenet_v3_small_64"]
BUDGETS = [168, 211, 253]


def wide_config(tmp):
    """rnc-box with 512 KiB buffers of 8 banks and 64 activation/accumulate units per tile."""
    text = open(os.path.join(ROOT, "configs", "rnc-box.yaml")).read()
    text = text.replace("name: rnc-box", "name: rnc-box-wide")
    text = text.replace("    banks: 1\n", "    banks: 8\n")
    text = text.replace("    size_kib: 16 ", "    size_kib: 512 ")
    text = text.replace("  activation: {}", "  activation: {count: 64}")
    text = text.replace("  accumulate: {}", "  accumulate: {count: 64}")
    path = os.path.join(tmp, "rnc-box-wide.yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def cimsim(tmp, *args):
    """Runs cimsim with --json; returns (json or None, error line)."""
    out = os.path.join(tmp, "out.json")
    if os.path.exists(out):
        os.remove(out)
    p = subprocess.run([CIMSIM, *args, "--json", out], capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().replace("cimsim: error: ", "")
    with open(out) as f:
        return json.load(f), ""


def point(tmp, hw, net, mapping, budget):
    m, err = cimsim(tmp, "map", "--hw", hw, "--net", net, "--mapping", mapping, "--crossbars", str(budget))
    if m is None:
        needs = err.split(" needs ")[1].split(" ")[0] if " needs " in err else "?"
        return {"fits": False, "needs": needs}
    r, err = cimsim(tmp, "run", "--hw", hw, "--net", net, "--mapping", mapping, "--crossbars", str(budget),
                    "--inputs", "16", "-q")
    return {"fits": True, "util": m["utilization"]["crossbar_cells"], "used": m["crossbars"]["used"],
            "xbar_ns": m["duplication"]["bottleneck_ns"], "thr": r["throughput_per_s"],
            "busiest": r["busiest"][0]["resource"] if r["busiest"] else "-"}


def main():
    write = "--write" in sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        configs = [("rnc-box", "rnc-box", 1), ("rnc-box, wide buffers and units", wide_config(tmp), 1),
                   ("default (faithful, 4 cells per weight)", "default", 4)]
        lines = ["| config | network | budget | isaac: util. / inf/s | compiled: util. / inf/s | "
                 "speedup simulated | speedup crossbar-only | compiled's busiest resource |",
                 "|---|---|---:|---|---|---:|---:|---|"]
        for label, hw, scale in configs:
            for net in NETS:
                for b in BUDGETS:
                    budget = b * scale
                    i = point(tmp, hw, net, "isaac", budget)
                    c = point(tmp, hw, net, "compiled", budget)
                    def cell(x):
                        return (f"{100 * x['util']:.1f} % / {x['thr']:,.0f}" if x["fits"]
                                else f"needs {x['needs']} crossbars")
                    sim = xb = "-"
                    if i["fits"] and c["fits"]:
                        sim = f"{c['thr'] / i['thr']:.2f}x"
                        xb = f"{i['xbar_ns'] / c['xbar_ns']:.1f}x"
                    lines.append(f"| {label} | {net} | {budget} | {cell(i)} | {cell(c)} | {sim} | {xb} | "
                                 f"{c.get('busiest', '-')} |")
    table = "\n".join(lines) + "\n"
    print(table, end="")
    if write:
        doc = os.path.join(ROOT, "docs", "mapping.md")
        text = open(doc).read()
        begin, end = "<!-- mapping:begin -->\n", "<!-- mapping:end -->"
        a, z = text.index(begin) + len(begin), text.index(end)
        with open(doc, "w") as f:
            f.write(text[:a] + table + text[z:])
        print("mapping_table.py: table written to docs/mapping.md", file=sys.stderr)


if __name__ == "__main__":
    main()
