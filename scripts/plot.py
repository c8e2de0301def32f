#!/usr/bin/python3
"""Plots of cimsim results: a run JSON, a compare JSON, a sweep directory (its results.csv) or a search
directory (its front.json and history.csv).

    scripts/plot.py out/vgg8-default.json          # energy, area, per-layer energy, layer timeline
    scripts/plot.py compare.json                   # individual vs hypernet per net, ratios annotated
    scripts/plot.py out/sweep/ [--metric M] [--x AXIS] [--color AXIS]
                                                   # M against an axis; Pareto front of latency, energy, area
    scripts/plot.py out/search/                    # front.png: the front, each pair of objectives (SystemC
                                                   # re-simulations hollow, joined to their analytical points);
                                                   # history.png: best of each objective, feasible count

Writes PNGs into --out (default: beside the input; a search's into its directory) and prints their paths, one
a line; for a sweep it then prints the Pareto-optimal points, one a line starting with "pareto ", for a search
the front's points, one a line starting with "front ". Bad input: one line on stderr, exit 2.
Needs Debian's python3-matplotlib (scripts/setup.sh installs it), hence /usr/bin/python3.
"""
import argparse
import csv
import io
import json
import math
import os
import secrets
import stat
import sys

PROG = "plot.py"

# Sweep results.csv: point, status, error, wall_s, the axes (dotted config keys, net, deploy), the metrics.
SWEEP_FIXED = ["point", "status"]
SWEEP_BOOKKEEPING = {"point", "status", "error", "wall_s"}  # neither axes nor metrics
SWEEP_NAMED_AXES = {"net", "deploy", "hw"}  # axes without a dot
SWEEP_METRICS = ["latency_ns", "energy_pj", "power_mw", "area_mm2", "throughput_per_s", "peak_power_mw",
                 "crossbars_used", "utilization"]  # documented; any other non-axis column is a metric too
PARETO = ["latency_ns", "energy_pj", "area_mm2"]

# metric -> (label with unit, factor from the CSV's unit to the plotted one)
METRIC_UNITS = {
    "latency_ns": ("latency (µs)", 1e-3),
    "energy_pj": ("energy per inference (µJ)", 1e-6),
    "power_mw": ("average power (mW)", 1.0),
    "area_mm2": ("area (mm²)", 1.0),
    "throughput_per_s": ("throughput (inferences/s)", 1.0),
    "peak_power_mw": ("peak power (mW)", 1.0),
    "leakage_pj": ("leakage energy per inference (µJ)", 1e-6),
    "tops_per_w": ("achieved TOPS/W", 1.0),
    "adc_lossless_bits": ("lossless ADC resolution (bits)", 1.0),
    "crossbars_used": ("crossbars used (count)", 1.0),
    "utilization": ("crossbar cell utilization (fraction)", 1.0),
    "latency_cycles": ("latency (digital cycles)", 1.0),
    "tiles": ("tiles used (count)", 1.0),
}


class BadInput(Exception):
    """A one-line complaint about the input: printed as `plot.py: error: <msg>`, exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints the usage too)
        raise BadInput(message)


def printable(text, limit=600):
    """One line: control characters escaped, at most `limit` characters (like cimsim's errors)."""
    out = "".join(c if c >= " " and c != "\x7f" else f"\\x{ord(c):02x}" for c in text)
    return out if len(out) <= limit else out[:limit] + f"... ({len(out) - limit} more characters)"


def fail(msg, code=2):
    print(f"{PROG}: error: {printable(msg)}", file=sys.stderr)
    sys.exit(code)


def import_pyplot():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        fail(f"cannot import matplotlib ({e}): scripts/setup.sh installs python3-matplotlib; "
             "run this script with /usr/bin/python3", code=3)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "font.size": 9,
                         "axes.grid": True, "grid.alpha": 0.3, "axes.axisbelow": True})
    return plt


def as_float(s):
    try:
        v = float(s)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def fmt(v):
    """A short human number."""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e4 or a < 1e-2:
        return f"{v:.3g}"
    return f"{v:.4g}"


_RENDERED = {}  # path -> PNG bytes: nothing is written until every plot has rendered


def save(plt, fig, path, written):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")  # legends placed outside the axes stay in
    plt.close(fig)
    _RENDERED[path] = buf.getvalue()
    written.append(path)


def _write_all(fd, data):
    view = memoryview(data)
    done = 0
    while done < len(view):
        done += os.write(fd, view[done:])


def write_output(path, data, inputs, check_only=False):
    """Writes `data` to `path` as cimsim's sim/output_file does: a symbolic link is refused, a character
    device or FIFO is written through, anything else gets an exclusively created temporary beside it
    (O_EXCL | O_NOFOLLOW, random name), fsync'd and renamed over it; never over one of `inputs`."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise BadInput(f"{path}: is a symbolic link; plot.py does not write through links")
        if stat.S_ISDIR(st.st_mode) or stat.S_ISBLK(st.st_mode) or stat.S_ISSOCK(st.st_mode):
            raise BadInput(f"{path}: is not a regular file, a character device or a FIFO")
        for i in inputs:
            if os.path.exists(i) and os.path.samefile(i, path):
                raise BadInput(f"{path}: is an input of this command; choose another --out")
    if check_only:
        return
    if st is not None:
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
            fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NOCTTY)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
            return
    d = os.path.dirname(path) or "."
    tmp = os.path.join(d, "." + os.path.basename(path)[:200] + ".cimsim-" + secrets.token_hex(4))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    try:
        _write_all(fd, data)
        if st is not None:
            os.fchmod(fd, st.st_mode & 0o7777)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------------------------- input


def load_input(path):
    """(kind, data, csv_or_json_path, stem) with kind in run|compare|sweep|search."""
    if not os.path.exists(path):
        raise BadInput(f"{path}: no such file or directory; expected a run JSON, a compare JSON, a "
                       "sweep directory (or its results.csv) or a search directory")
    if os.path.isdir(path):
        if is_search_dir(path):
            return "search", read_search(path), os.path.join(path, "front.json"), "search"
        csv_path = os.path.join(path, "results.csv")
        if not os.path.isfile(csv_path):
            raise BadInput(f"{path}: a directory without results.csv or front.json; expected a sweep directory "
                           "(cimsim sweep) or a search directory (cimsim search)")
        return "sweep", read_sweep(csv_path), csv_path, os.path.basename(os.path.normpath(path)) or "sweep"
    if os.path.basename(path) in ("front.json", "history.csv") and is_search_dir(os.path.dirname(path) or "."):
        return "search", read_search(os.path.dirname(path) or "."), path, "search"
    if path.endswith(".csv"):
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem == "results":  # name the plots after the sweep directory
            stem = os.path.basename(os.path.dirname(os.path.abspath(path))) or "sweep"
        return "sweep", read_sweep(path), path, stem
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: cannot read ({e}); expected a run JSON, a compare JSON or a sweep "
                       "directory")
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}:{e.lineno}:{e.colno}: not JSON ({e.msg}); expected a run JSON "
                       "(cimsim run --json), a compare JSON (cimsim compare --json) or a sweep directory")
    stem = os.path.splitext(os.path.basename(path))[0]
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        check_compare(data, path)
        return "compare", data, path, stem
    if isinstance(data, dict) and isinstance(data.get("energy_pj"), dict) and "layers" in data:
        check_run(data, path)
        return "run", data, path, stem
    raise BadInput(f"{path}: JSON is neither a run report (energy_pj, area_mm2, layers) nor a compare "
                   "report (rows[] of individual/hypernet/ratio)")


def check_run(d, path):
    def need(cond, what):
        if not cond:
            raise BadInput(f"{path}: run JSON without {what}")

    need(isinstance(d["energy_pj"].get("breakdown"), dict), "energy_pj.breakdown (an object)")
    need(isinstance(d.get("area_mm2"), dict) and isinstance(d["area_mm2"].get("breakdown"), dict),
         "area_mm2.breakdown (an object)")
    need(isinstance(d.get("layers"), list), "layers (a list)")
    for i, l in enumerate(d["layers"]):
        need(isinstance(l, dict) and all(as_float(l.get(k)) is not None
                                         for k in ("start_cycle", "end_cycle", "energy_pj")),
             f"start_cycle/end_cycle/energy_pj numbers in layers[{i}]")
    for k, v in list(d["energy_pj"]["breakdown"].items()) + list(d["area_mm2"]["breakdown"].items()):
        need(as_float(v) is not None, f"a number for breakdown entry {k!r}")


def check_compare(d, path):
    if not d["rows"]:
        raise BadInput(f"{path}: compare JSON with no rows")
    for i, r in enumerate(d["rows"]):
        ok = isinstance(r, dict) and "net" in r and all(
            isinstance(r.get(s), dict) and all(as_float(r[s].get(k)) is not None
                                               for k in ("latency_ns", "energy_pj", "power_mw", "area_mm2"))
            for s in ("individual", "hypernet"))
        if not ok:
            raise BadInput(f"{path}: compare JSON rows[{i}] lacks net and individual/hypernet "
                           "latency_ns, energy_pj, power_mw, area_mm2")


def read_sweep(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise BadInput(f"{path}: cannot read as CSV ({e}); expected a sweep results.csv")
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise BadInput(f"{path}: empty; expected a sweep results.csv with a header row")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in SWEEP_FIXED + PARETO if c not in header]
    if missing:
        raise BadInput(f"{path}: sweep CSV without column(s) {', '.join(missing)}; expected point, status, "
                       "the axes and the metrics " + ", ".join(SWEEP_METRICS))
    axes = [h for h in header if h not in SWEEP_BOOKKEEPING and ("." in h or h in SWEEP_NAMED_AXES)]
    metrics = [h for h in header if h and h not in SWEEP_BOOKKEEPING and h not in axes]
    points = []
    for n, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            raise BadInput(f"{path}:{n}: {len(r)} fields, the header has {len(header)}")
        rec = {h: c.strip() for h, c in zip(header, r)}
        status = rec["status"]
        if status not in ("ok", "failed"):
            raise BadInput(f"{path}:{n}: status {status!r}; expected ok or failed")
        if status == "ok":
            for m in PARETO:
                if as_float(rec[m]) is None:
                    raise BadInput(f"{path}:{n}: {m} {rec[m]!r} is not a number in an ok row")
        points.append(rec)
    if not points:
        raise BadInput(f"{path}: no rows under the header; expected one row per sweep point")
    # the axes that vary (net and deploy are columns even when a sweep holds one of each)
    varying = [a for a in axes if len({p[a] for p in points}) > 1]
    return {"header": header, "axes": axes, "varying": varying, "points": points, "metrics": metrics}


# ------------------------------------------------------------------------------------------------ run


def hbar(plt, items, title, xlabel, path, written, colors=None, legend=None):
    """Horizontal bars, largest on top, each annotated with its value and share."""
    total = sum(v for _, v in items)
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.3 * max(len(items), 3)))
    names = [n for n, _ in items][::-1]
    vals = [v for _, v in items][::-1]
    bars = ax.barh(names, vals, color=(colors[::-1] if colors else "tab:blue"))
    top = max(vals) if vals and max(vals) > 0 else 1.0
    for b, v in zip(bars, vals):
        share = f" ({100 * v / total:.1f}%)" if total > 0 else ""
        ax.text(b.get_width() + 0.01 * top, b.get_y() + b.get_height() / 2, fmt(v) + share,
                va="center", fontsize=8)
    ax.set_xlim(0, top * 1.25)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="y", visible=False)
    if legend:
        ax.legend(handles=legend, loc="lower right", fontsize=8, title="op")
    fig.tight_layout()
    save(plt, fig, path, written)


def op_colors(plt, ops):
    cmap = plt.get_cmap("tab10")
    order = []
    for o in ops:
        if o not in order:
            order.append(o)
    return {o: cmap(i % 10) for i, o in enumerate(order)}


def plot_run(plt, d, out, stem):
    written = []
    who = f"{d.get('workload', {}).get('name', '?')} on {d.get('hardware', '?')}"
    if d.get("deployment"):
        who += f" ({d['deployment']})"

    e = sorted(((k, float(v) * 1e-6) for k, v in d["energy_pj"]["breakdown"].items()), key=lambda kv: -kv[1])
    etot = float(d["energy_pj"].get("total", sum(v for _, v in e) * 1e6)) * 1e-6
    hbar(plt, e, f"Energy per inference by component: {who}\ntotal {fmt(etot)} µJ",
         "energy per inference (µJ)", os.path.join(out, f"{stem}_energy.png"), written)

    a = sorted(((k, float(v)) for k, v in d["area_mm2"]["breakdown"].items()), key=lambda kv: -kv[1])
    atot = float(d["area_mm2"].get("total", sum(v for _, v in a)))
    hbar(plt, a, f"Chip area by component: {who}\ntotal {fmt(atot)} mm²", "area (mm²)",
         os.path.join(out, f"{stem}_area.png"), written)

    layers = d["layers"]
    colors = op_colors(plt, [l.get("op", "?") for l in layers])
    from matplotlib.patches import Patch

    top = sorted(layers, key=lambda l: -float(l["energy_pj"]))[:30]
    legend = [Patch(color=colors[o], label=o) for o in colors if any(l.get("op", "?") == o for l in top)]
    hbar(plt, [(l.get("name", "?"), float(l["energy_pj"]) * 1e-6) for l in top],
         f"Dynamic energy per layer: {who}\n"
         f"{'top 30 of ' if len(layers) > 30 else ''}{len(layers)} layers (leakage is the chip's, not a layer's)",
         "energy per inference (µJ)", os.path.join(out, f"{stem}_layers.png"), written,
         colors=[colors[l.get("op", "?")] for l in top], legend=legend)

    n = len(layers)
    fig, ax = plt.subplots(figsize=(10, min(2.0 + 0.22 * n, 40)))
    span = max([float(l["end_cycle"]) for l in layers] + [1.0])
    scale, unit = (1e6, "million ") if span >= 2e6 else (1e3, "thousand ") if span >= 2e4 else (1.0, "")
    for i, l in enumerate(layers):
        s, t = float(l["start_cycle"]), float(l["end_cycle"])
        # at least 0.3% of the span wide, so that a short layer stays visible
        ax.barh(i, max(t - s, 0.003 * span) / scale, left=s / scale, height=0.7, color=colors[l.get("op", "?")])
    step = max(1, math.ceil(n / 120))  # at most ~120 labels
    ax.set_yticks(range(0, n, step))
    ax.set_yticklabels([layers[i].get("name", "?") for i in range(0, n, step)], fontsize=7 if n > 40 else 8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0, span * 1.01 / scale)
    ax.set_xlabel(f"digital clock cycle ({unit}cycles)" if unit else "digital clock cycle")
    ax.set_ylabel("layer (network order)")
    lat = d.get("latency", {})
    sub = ""
    if as_float(lat.get("cycles")) is not None and as_float(lat.get("ns")) is not None:
        sub = f"\nlatency {float(lat['cycles']):,.0f} cycles = {fmt(float(lat['ns']) * 1e-3)} µs"
    ax.set_title(f"Layer timeline (start..end cycle): {who}{sub}")
    ax.grid(axis="y", visible=False)
    ax.legend(handles=[Patch(color=c, label=o) for o, c in colors.items()], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize=8, title="op")
    fig.tight_layout()
    save(plt, fig, os.path.join(out, f"{stem}_timeline.png"), written)
    return written


# -------------------------------------------------------------------------------------------- compare


def plot_compare(plt, d, out, stem):
    rows = d["rows"]
    nets = [str(r["net"]) for r in rows]
    panels = [("latency_ns", "latency", "latency (µs)", 1e-3),
              ("energy_pj", "energy", "energy per inference (µJ)", 1e-6),
              ("power_mw", "power", "average power (mW)", 1.0), ("area_mm2", "area", "area (mm²)", 1.0)]
    width = max(7, 2.0 + 1.1 * len(nets))
    fig, axs = plt.subplots(2, 2, figsize=(2 * width / 1.4, 7.5))
    w = 0.38
    for ax, (key, rkey, label, f) in zip(axs.flat, panels):
        ind = [float(r["individual"][key]) * f for r in rows]
        hyp = [float(r["hypernet"][key]) * f for r in rows]
        xs = list(range(len(nets)))
        ax.bar([x - w / 2 for x in xs], ind, w, label="individual chip", color="tab:blue")
        bars = ax.bar([x + w / 2 for x in xs], hyp, w, label="hypernet chip", color="tab:orange")
        top = max(ind + hyp) if max(ind + hyp) > 0 else 1.0
        for b, r, i, h in zip(bars, rows, ind, hyp):
            ratio = as_float(r.get("ratio", {}).get(rkey))
            if ratio is None and i > 0:
                ratio = h / i
            if ratio is not None:
                ax.text(b.get_x() + b.get_width() / 2, b.get_height() + 0.02 * top, f"×{ratio:.3f}",
                        ha="center", va="bottom", fontsize=8)
        ax.set_ylim(0, top * 1.18)
        ax.set_xlim(-0.6 - 0.4 / len(nets), len(nets) - 0.4 + 0.4 / len(nets))
        ax.set_xticks(xs)
        ax.set_xticklabels(nets, rotation=20 if len(nets) > 4 else 0, ha="right" if len(nets) > 4 else "center")
        ax.set_ylabel(label)
        ax.set_title(label.split(" (")[0].capitalize() + "  (×: hypernet / individual)", fontsize=9)
        ax.grid(axis="x", visible=False)
    sharing = f", crossbars {d['sharing']}" if d.get("sharing") else ""
    baseline = f", baseline {d['baseline']}" if d.get("baseline") else ""
    fig.suptitle(f"Each network on its own chip vs on the all-inclusive hypernetwork chip "
                 f"(hardware {d.get('hardware', '?')}{sharing}{baseline})")
    fig.legend(*axs.flat[0].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.955),
               ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    written = []
    save(plt, fig, os.path.join(out, f"{stem}_compare.png"), written)
    return written


# ---------------------------------------------------------------------------------------------- sweep


LAYOUT = {"labels": 0, "label_overlaps": 0, "legend_overlaps_axes": 0}  # printed by --layout-report


def legend_overlaps_axes(fig, ax):
    """1 if the axes' legend covers part of its plotting area, else 0."""
    leg = ax.get_legend()
    if leg is None:
        return 0
    r = fig.canvas.get_renderer()
    return int(leg.get_window_extent(r).overlaps(ax.get_window_extent(r)))


def place_labels(fig, ax, items, draw=True):
    """Labels for points (x, y, text) that overlap neither each other nor the marked points: points closer
    than a marker share one label ("2, 5, 8"); each label tries offsets around its point, nearest first,
    with a leader line once it is away from the point. Returns (labels placed, labels still overlapping).
    draw=False: the figure's layout is drawn already (labelling several panels of one figure)."""
    if draw:
        fig.canvas.draw()
    r = fig.canvas.get_renderer()
    clusters = []
    for x, y, text in items:
        dx, dy = ax.transData.transform((x, y))
        for c in clusters:
            if abs(c["dx"] - dx) < 14 and abs(c["dy"] - dy) < 14:
                c["texts"].append(text)
                break
        else:
            clusters.append({"x": x, "y": y, "dx": dx, "dy": dy, "texts": [text]})
    frame = ax.get_window_extent(r)
    # the markers themselves are obstacles too (the ring drawn around a Pareto point is ~13 px across)
    from matplotlib.transforms import Bbox
    placed = [Bbox.from_extents(c["dx"] - 8, c["dy"] - 8, c["dx"] + 8, c["dy"] + 8) for c in clusters]
    offsets = [(9, 7), (9, -15), (-9, 7), (-9, -15)]
    for ring in (1, 2, 3, 4, 5, 6):
        offsets += [(9 + 14 * ring, 7 + 16 * ring), (9 + 14 * ring, -15 - 16 * ring),
                    (-9 - 14 * ring, 7 + 16 * ring), (-9 - 14 * ring, -15 - 16 * ring),
                    (9, 7 + 16 * ring), (9, -15 - 16 * ring), (-9, 7 + 16 * ring), (-9, -15 - 16 * ring)]
    overlaps = 0
    for c in sorted(clusters, key=lambda c: (c["dx"], c["dy"])):
        text = ", ".join(sorted(c["texts"], key=lambda t: (len(t), t)))
        best = None
        for ox, oy in offsets:
            far = abs(ox) > 12 or abs(oy) > 16
            ann = ax.annotate(text, (c["x"], c["y"]), xytext=(ox, oy), textcoords="offset points",
                              ha="left" if ox >= 0 else "right", va="bottom" if oy >= 0 else "top",
                              fontsize=8, color="darkred", zorder=4,
                              arrowprops={"arrowstyle": "-", "color": "darkred", "lw": 0.6} if far else None)
            bb = ann.get_window_extent(r).expanded(1.04, 1.1)
            clash = any(bb.overlaps(p) for p in placed) or not frame.contains(bb.x0, bb.y0) or \
                not frame.contains(bb.x1, bb.y1)
            if not clash:
                best = (ann, bb)
                break
            ann.remove()
        if best is None:  # nowhere free: the nearest spot, counted
            ann = ax.annotate(text, (c["x"], c["y"]), xytext=offsets[0], textcoords="offset points",
                              fontsize=8, color="darkred", zorder=4)
            best = (ann, ann.get_window_extent(r))
            overlaps += 1
        placed.append(best[1])
    return len(clusters), overlaps


def pareto_front(pts):
    """Indices of the points no other point beats: <= in every metric and < in at least one."""
    front = []
    for i, p in enumerate(pts):
        dominated = any(all(q[k] <= p[k] for k in range(len(p))) and any(q[k] < p[k] for k in range(len(p)))
                        for j, q in enumerate(pts) if j != i)
        if not dominated:
            front.append(i)
    return front


def ordered_values(vals):
    """Distinct values: numerically sorted when all are numbers, else in order of first appearance."""
    distinct = list(dict.fromkeys(vals))
    if all(as_float(v) is not None for v in distinct):
        return sorted(distinct, key=float), True
    return distinct, False


def axis_label(name):
    return {"net": "network", "deploy": "deployment"}.get(name, name)


def plot_sweep(plt, s, src, out, stem, metric, xaxis, caxis):
    axes, points, varying = s["axes"], s["points"], s["varying"]
    if not axes:
        raise BadInput(f"{src}: sweep CSV has no axis column (a dotted config key, net or deploy)")
    if metric not in s["metrics"]:
        raise BadInput(f"{src}: no metric column {metric!r}; the CSV has {', '.join(s['metrics'])}")
    xaxis = xaxis or (varying or axes)[0]
    if xaxis not in axes:
        raise BadInput(f"{src}: --x {xaxis!r} is not an axis of this sweep; axes: {', '.join(axes)}")
    if caxis is None:
        caxis = next((a for a in varying if a != xaxis), None)
    elif caxis not in axes:
        raise BadInput(f"{src}: --color {caxis!r} is not an axis of this sweep; axes: {', '.join(axes)}")
    if caxis == xaxis:
        raise BadInput(f"{src}: --color and --x are both {xaxis!r}")

    ok = [p for p in points if p["status"] == "ok"]
    failed = len(points) - len(ok)
    if not ok:
        raise BadInput(f"{src}: all {len(points)} points failed; nothing to plot")
    failed_note = (f"{failed} of {len(points)} points failed (omitted)" if failed
                   else f"{len(points)} points, none failed")
    written = []

    # -- metric against the x axis, one line per colour value (and per value of any other axis)
    label, f = METRIC_UNITS.get(metric, (metric, 1.0))
    have = [p for p in ok if as_float(p[metric]) is not None]
    unplotted = len(ok) - len(have)
    xs_order, x_numeric = ordered_values([p[xaxis] for p in have] or [p[xaxis] for p in ok])
    cvals = ordered_values([p[caxis] for p in have])[0] if caxis else [None]
    others = [a for a in varying if a not in (xaxis, caxis)]
    constants = ", ".join(f"{a}={points[0][a]}" for a in axes if a not in varying and a not in (xaxis, caxis))
    cmap = plt.get_cmap("viridis" if caxis and len(cvals) > 10 else "tab10")
    styles = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    series = {}
    for p in have:
        key = (p[caxis] if caxis else None, tuple(p[a] for a in others))
        series.setdefault(key, []).append(p)
    rest_keys = list(dict.fromkeys(k[1] for k in series))
    for (cv, rest), ps in sorted(series.items(), key=lambda kv: (cvals.index(kv[0][0]), rest_keys.index(kv[0][1]))):
        ps.sort(key=lambda p: float(p[xaxis]) if x_numeric else xs_order.index(p[xaxis]))
        xv = [float(p[xaxis]) if x_numeric else xs_order.index(p[xaxis]) for p in ps]
        yv = [float(p[metric]) * f for p in ps]
        ci = cvals.index(cv)
        color = cmap(ci / max(len(cvals) - 1, 1)) if cmap.name == "viridis" else cmap(ci % 10)
        ri = rest_keys.index(rest)
        parts = ([f"{caxis}={cv}"] if caxis else []) + [f"{a}={v}" for a, v in zip(others, rest)]
        # categories (networks, deployments) are not a continuum: markers only
        ax.plot(xv, yv, linestyle=styles[ri % len(styles)] if x_numeric else "none",
                marker=markers[ri % len(markers)], color=color,
                label=", ".join(parts) or None)
    if not x_numeric:
        ax.margins(x=0.15)
        ax.set_xticks(range(len(xs_order)))
        ax.set_xticklabels(xs_order, rotation=20 if len(xs_order) > 5 else 0)
    else:
        xsf = [float(v) for v in xs_order]
        if len(xsf) > 2 and min(xsf) > 0 and max(xsf) / min(xsf) >= 16:
            ax.set_xscale("log", base=2)
        if len(xsf) <= 20:  # the swept values themselves as ticks
            ax.set_xticks(xsf)
            ax.set_xticklabels(xs_order)
            ax.minorticks_off()
    ax.set_xlabel(axis_label(xaxis))
    ax.set_ylabel(label)
    extra = f"; {unplotted} ok points without {metric}" if unplotted else ""
    ax.set_title(f"{label.split(' (')[0].capitalize()} against {axis_label(xaxis)}"
                 f"{' by ' + axis_label(caxis) if caxis else ''}{' (' + constants + ')' if constants else ''}"
                 f"\n{failed_note}{extra}")
    if len(series) > 1 or caxis:
        # outside the axes, to the right: a legend inside may cover the curves
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0,
                  ncol=2 if len(series) > 24 else 1)
    fig.tight_layout()
    LAYOUT["legend_overlaps_axes"] = legend_overlaps_axes(fig, ax)
    save(plt, fig, os.path.join(out, f"{stem}_{metric}.png"), written)

    # -- Pareto front of (latency, energy, area)
    vals = [tuple(float(p[m]) for m in PARETO) for p in ok]
    front = pareto_front(vals)
    fig, ax = plt.subplots(figsize=(8.5, 5.8))
    lat = [v[0] * 1e-3 for v in vals]
    en = [v[1] * 1e-6 for v in vals]
    ar = [v[2] for v in vals]
    sc = ax.scatter(lat, en, c=ar, cmap="viridis", s=36, zorder=2)
    fig.colorbar(sc, ax=ax, label="area (mm²)")
    ax.scatter([lat[i] for i in front], [en[i] for i in front], s=130, facecolors="none", edgecolors="red",
               linewidths=1.6, zorder=3, label="Pareto-optimal (latency, energy, area)")
    for vs, setter in ((lat, ax.set_xscale), (en, ax.set_yscale)):
        if min(vs) > 0 and max(vs) / min(vs) > 50:
            setter("log")
    ax.set_xlabel("latency (µs)")
    ax.set_ylabel("energy per inference (µJ)")
    ax.set_title(f"Design space: latency vs energy, colour = area{' (' + constants + ')' if constants else ''}"
                 f"\n{len(front)} Pareto-optimal of "
                 f"{len(ok)} ok points; {failed_note}")
    ax.margins(0.08)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, -0.12), borderaxespad=0.0)
    fig.tight_layout()
    LAYOUT["labels"], LAYOUT["label_overlaps"] = place_labels(
        fig, ax, [(lat[i], en[i], ok[i]["point"]) for i in front])
    LAYOUT["legend_overlaps_axes"] += legend_overlaps_axes(fig, ax)
    save(plt, fig, os.path.join(out, f"{stem}_pareto.png"), written)

    listing = []
    for i in sorted(front, key=lambda i: vals[i]):
        p = ok[i]
        listing.append("pareto point=" + p["point"] + "".join(f" {a}={p[a]}" for a in (varying or axes)) +
                       "".join(f" {m}={p[m]}" for m in PARETO))
    return written, listing


# --------------------------------------------------------------------------------------------- search


# An objective of `cimsim search` -> (its key in front.json's analytical/systemc figures, axis label with unit,
# the unit as history.csv spells it). Throughput and accuracy are maximized: their f values are negated.
SEARCH_OBJECTIVES = {
    "latency": ("latency_us", "latency (µs)", "us"),
    "throughput": ("throughput_per_s", "throughput (inferences/s, higher is better)", "inferences/s"),
    "energy": ("energy_uj", "energy per inference (µJ)", "uJ"),
    "area": ("area_mm2", "area (mm²)", "mm2"),
    "power": ("power_mw", "average power (mW)", "mW"),
    "accuracy": ("accuracy", "accuracy (%, higher is better)", "%"),
}
SEARCH_MAXIMIZED = {"throughput", "accuracy"}
HISTORY_FIXED = ["generation", "evaluations", "feasible", "front", "wall_s"]


def is_search_dir(path):
    return os.path.isfile(os.path.join(path, "front.json"))


def read_search(path):
    """A search directory: front.json (validated) and its history (history.csv, or each island's for a merged
    Slurm search) -> {"front": front.json, "histories": [(label, rows)], "inputs": [files read]}."""
    fj = os.path.join(path, "front.json")
    try:
        with open(fj, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{fj}: cannot read ({e}); expected the front.json of `cimsim search`")
    except json.JSONDecodeError as e:
        raise BadInput(f"{fj}:{e.lineno}:{e.colno}: not JSON ({e.msg}); expected the front.json of `cimsim search`")
    check_front(d, fj)
    inputs = [fj]
    own = os.path.join(path, "history.csv")
    if os.path.exists(own):
        histories = [(None, read_history(own, d["objectives"]))]
        inputs.append(own)
    elif isinstance(d.get("islands"), list) and d["islands"]:  # merged: each island's own history
        histories = []
        for isl in d["islands"]:
            n = isl.get("island") if isinstance(isl, dict) else None
            if not isinstance(n, int) or isinstance(n, bool):
                raise BadInput(f"{fj}: an islands[] entry without an island number")
            h = os.path.join(path, "islands", str(n), "history.csv")
            if not os.path.exists(h):
                raise BadInput(f"{h}: missing; a merged search keeps each island's history.csv under islands/")
            histories.append((f"island {n}", read_history(h, d["objectives"])))
            inputs.append(h)
    else:
        raise BadInput(f"{own}: missing; a search directory holds front.json and history.csv (cimsim search --out)")
    return {"front": d, "histories": histories, "inputs": inputs}


def check_front(d, path):
    def need(cond, what):
        if not cond:
            raise BadInput(f"{path}: front.json without {what}")

    if not isinstance(d, dict):
        raise BadInput(f"{path}: JSON is not an object; expected the front.json of `cimsim search`")
    objs = d.get("objectives")
    need(isinstance(objs, list) and len(objs) >= 2 and all(isinstance(o, str) for o in objs),
         "objectives (a list of 2 or more names)")
    for o in objs:
        need(o in SEARCH_OBJECTIVES and objs.count(o) == 1,
             f"a known objective in place of {o!r} (each once of {', '.join(SEARCH_OBJECTIVES)})")
    for k in ("space", "regime"):
        need(isinstance(d.get(k), str), f"{k} (a string)")
    need(as_float(d.get("evaluations")) is not None, "evaluations (a number)")
    need(isinstance(d.get("front"), list), "front (a list of points)")
    for i, p in enumerate(d["front"]):
        need(isinstance(p, dict) and "point" in p, f"point in front[{i}]")
        f = p.get("f")
        need(isinstance(f, list) and len(f) == len(objs) and all(as_float(v) is not None for v in f),
             f"f (one number per objective) in front[{i}]")
        sc = p.get("systemc")
        keys = [SEARCH_OBJECTIVES[o][0] for o in objs if o != "accuracy"]
        if sc is not None and not (isinstance(sc, dict) and all(as_float(sc.get(k)) is not None for k in keys)):
            raise BadInput(f"{path}: front[{i}].systemc is neither null nor the SystemC figures "
                           f"({', '.join(keys)} numbers)")


def read_history(path, objectives):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = [r for r in csv.reader(f)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise BadInput(f"{path}: cannot read as CSV ({e}); expected the history.csv of `cimsim search`")
    want = HISTORY_FIXED + [f"best_{o}_{SEARCH_OBJECTIVES[o][2]}" for o in objectives]
    if not rows or [h.strip() for h in rows[0]] != want:
        raise BadInput(f"{path}: header is not {','.join(want)} (front.json's objectives)")
    out = []
    for n, r in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in r):
            continue
        if len(r) != len(want):
            raise BadInput(f"{path}:{n}: {len(r)} fields, the header has {len(want)}")
        rec = {}
        for h, c in zip(want, r):
            v = as_float(c)
            if v is None and not (h.startswith("best_") and c.strip() == ""):  # empty: no feasible point yet
                raise BadInput(f"{path}:{n}: {h} {c.strip()!r} is not a number")
            rec[h] = v
        out.append(rec)
    if not out:
        raise BadInput(f"{path}: no generations under the header")
    return out


def point_label(p):
    """A front point's name, else its architecture without spaces, shortened."""
    name = p.get("name") if isinstance(p.get("name"), str) else ""
    if not name:
        name = "".join(str(p.get("architecture") or "?").split())
        if len(name) > 48:
            name = name[:45] + "..."
    return printable(name, 80)


def search_values(d):
    """Per front point: (analytical values, SystemC values or None), each a list in objective order and unit
    (throughput and accuracy as they are, not negated)."""
    objs = d["objectives"]
    out = []
    for p in d["front"]:
        ana = [-float(v) if o in SEARCH_MAXIMIZED else float(v) for o, v in zip(objs, p["f"])]
        sc = p.get("systemc")
        sim = None
        if sc is not None:  # accuracy is the architecture's, whoever evaluates the chip
            sim = [a if o == "accuracy" else float(sc[SEARCH_OBJECTIVES[o][0]]) for o, a in zip(objs, ana)]
        out.append((ana, sim))
    return out


def log_if_wide(vals, setter):
    if vals and min(vals) > 0 and max(vals) / min(vals) > 50:
        setter("log")


def plot_search(plt, s, out):
    d = s["front"]
    objs, pts = d["objectives"], d["front"]
    vals = search_values(d)
    labels = [SEARCH_OBJECTIVES[o][1] for o in objs]
    resim = sum(1 for _, sim in vals if sim is not None)
    sc_failed = sum(1 for p in pts if p.get("systemc_error"))
    names = {p.get("name") for p in pts}
    who = f"{d['space']} space" + (f" ({next(iter(names))})" if len(names) == 1 and next(iter(names)) else "")
    islands = f", {len(d['islands'])} islands" if isinstance(d.get("islands"), list) else ""
    head = f"Front found: {who}, {d['regime']} regime, {fmt(float(d['evaluations']))} evaluations{islands}"
    written = []

    # -- the front: every pair of objectives, analytical filled, SystemC hollow and joined to it
    pairs = [(i, j) for i in range(len(objs)) for j in range(i + 1, len(objs))]
    ncols = min(len(pairs), 3 if len(pairs) <= 9 else 4)
    nrows = math.ceil(len(pairs) / ncols)
    fig, axs = plt.subplots(nrows, ncols, figsize=(1.0 + 4.6 * ncols, 0.9 + 4.0 * nrows), squeeze=False)
    LAYOUT["panels"], LAYOUT["labels"], LAYOUT["label_overlaps"] = len(pairs), 0, 0
    panels = []
    for ax, (i, j) in zip(axs.flat, pairs):
        for ana, sim in vals:
            if sim is not None:
                ax.plot([ana[i], sim[i]], [ana[j], sim[j]], color="gray", lw=0.7, zorder=1)
        ax.scatter([a[i] for a, _ in vals], [a[j] for a, _ in vals], s=36, color="tab:blue", zorder=3,
                   label="analytical model (filled)")
        if resim:
            ax.scatter([s_[i] for _, s_ in vals if s_], [s_[j] for _, s_ in vals if s_], s=46, facecolors="none",
                       edgecolors="tab:orange", linewidths=1.4, zorder=2,
                       label="SystemC re-simulation (hollow, joined to its analytical point)")
        for k, setter in ((i, ax.set_xscale), (j, ax.set_yscale)):
            log_if_wide([a[k] for a, _ in vals] + [s_[k] for _, s_ in vals if s_], setter)
        ax.set_xlabel(labels[i])
        ax.set_ylabel(labels[j])
        ax.margins(0.1)
        panels.append((ax, i, j))
    for ax in list(axs.flat)[len(pairs):]:
        ax.set_visible(False)
    if not pts:
        for ax, _, _ in panels:
            ax.text(0.5, 0.5, "no feasible point: the front is empty", ha="center", va="center",
                    transform=ax.transAxes)
    sub = (f"{len(pts)} points; {resim} re-simulated with SystemC"
           + (f", {sc_failed} re-simulation(s) failed" if sc_failed else "")
           + f"; hardware {d.get('hw', '?')}, deploy {d.get('deploy', '?')}")
    fig.suptitle(head + "\n" + sub)
    handles, hl = axs.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, hl, loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.05 if handles else 0, 1, 1))
    if len(pts) <= 40:  # numbered like the "front" lines; past that, a cloud
        fig.canvas.draw()  # once: a label placed in one panel moves nothing in another
        for ax, i, j in panels:
            placed, overl = place_labels(fig, ax, [(a[i], a[j], str(p.get("point"))) for (a, _), p in zip(vals, pts)],
                                         draw=False)
            LAYOUT["labels"] += placed
            LAYOUT["label_overlaps"] += overl
    LAYOUT["legend_overlaps_axes"] = 0  # the legend is the figure's, below the panels
    save(plt, fig, os.path.join(out, "front.png"), written)

    # -- the history: each objective's best feasible value, and the feasible count, per generation
    hs = s["histories"]
    fig, axs = plt.subplots(len(objs) + 1, 1, sharex=True, figsize=(8.5, 1.2 + 2.0 * (len(objs) + 1)),
                            squeeze=False)
    axs = axs[:, 0]
    cmap = plt.get_cmap("tab10")
    for k, (o, ax) in enumerate(zip(objs, axs)):
        col = f"best_{o}_{SEARCH_OBJECTIVES[o][2]}"
        for n, (label, rows) in enumerate(hs):
            ax.plot([r["generation"] for r in rows], [math.nan if r[col] is None else r[col] for r in rows],
                    marker="o", ms=3.5, color=cmap(n % 10), label=label)
        if all(r[col] is None for _, rows in hs for r in rows):
            ax.text(0.5, 0.5, "no feasible candidate in any generation", ha="center", va="center",
                    transform=ax.transAxes)
            ax.set_yticks([])
        ax.set_ylabel("best " + SEARCH_OBJECTIVES[o][1].replace(", higher is better", ""), fontsize=8)
        ax.set_title(f"Best feasible {o} ({'highest' if o in SEARCH_MAXIMIZED else 'lowest'} of the population)",
                     fontsize=9)
    ax = axs[-1]
    for n, (label, rows) in enumerate(hs):
        g = [r["generation"] for r in rows]
        ax.plot(g, [r["feasible"] for r in rows], marker="o", ms=3.5, color=cmap(n % 10),
                label=("feasible" + (f", {label}" if label else "")))
        ax.plot(g, [r["front"] for r in rows], linestyle="--", marker="s", ms=3, color=cmap(n % 10),
                label=("non-dominated" + (f", {label}" if label else "")))
    top = max([r["feasible"] for _, rows in hs for r in rows] + [1.0])
    if as_float(d.get("population")) is not None:
        ax.axhline(float(d["population"]), color="gray", lw=0.8, linestyle=":", label="population")
        top = max(top, float(d["population"]))
    ax.set_ylim(0, top * 1.12)
    ax.set_ylabel("candidates (count)", fontsize=8)
    ax.set_title("Feasible candidates per generation (and the non-dominated among them)", fontsize=9)
    ax.set_xlabel("generation")
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    if len(hs) > 1:
        axs[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    fig.suptitle(f"Search progress: {who}, {d['regime']} regime, population {d.get('population', '?')}")
    fig.tight_layout()
    LAYOUT["legend_overlaps_axes"] += legend_overlaps_axes(fig, axs[0]) + legend_overlaps_axes(fig, ax)
    save(plt, fig, os.path.join(out, "history.png"), written)

    listing = []
    for (ana, sim), p in zip(vals, pts):
        line = f"front point={printable(str(p.get('point')), 40)}"
        if "island" in p:
            line += f" island={printable(str(p['island']), 40)}"
        line += f" name={point_label(p)}"
        line += "".join(f" {SEARCH_OBJECTIVES[o][0]}={v:.6g}" for o, v in zip(objs, ana))
        line += " systemc=" + ("yes" if sim is not None else "failed" if p.get("systemc_error") else "no")
        listing.append(line)
    return written, listing


# ----------------------------------------------------------------------------------------------- main


def main(argv):
    ap = Parser(prog=PROG, description="Plots of cimsim results (run JSON, compare JSON, sweep or search "
                                       "directory).")
    ap.add_argument("input", help="run JSON, compare JSON, sweep directory (or its results.csv), or search "
                                  "directory (or its front.json)")
    ap.add_argument("--out", help="directory for the PNGs (default: beside the input)")
    ap.add_argument("--metric", default="latency_ns", help="sweep: the metric to plot (default latency_ns)")
    ap.add_argument("--x", dest="x", help="sweep: the axis along x (default: the first axis column)")
    ap.add_argument("--color", help="sweep: one line per value of this axis (default: the second axis)")
    ap.add_argument("--layout-report", action="store_true",
                    help="print one 'layout' line: labels placed, labels overlapping, legends over the axes "
                         "(and, for a search, the front's panels)")
    try:
        args = ap.parse_args(argv)
        kind, data, src, stem = load_input(args.input)
        beside = args.input if os.path.isdir(args.input) else os.path.dirname(os.path.abspath(args.input))
        inputs = [src, args.input] + (data["inputs"] if kind == "search" else [])
        out = os.path.abspath(args.out or beside)
        if args.out:
            try:
                os.makedirs(out, exist_ok=True)
            except OSError as e:
                raise BadInput(f"{out}: cannot create the output directory ({e.strerror})")
        if not os.access(out, os.W_OK):
            raise BadInput(f"{out}: output directory is not writable")
        if kind == "sweep" and args.metric not in data["metrics"]:
            raise BadInput(f"{src}: no metric column {args.metric!r}; the CSV has {', '.join(data['metrics'])}")
        plt = import_pyplot()
        listing = []
        if kind == "run":
            written = plot_run(plt, data, out, stem)
        elif kind == "compare":
            written = plot_compare(plt, data, out, stem)
        elif kind == "search":
            written, listing = plot_search(plt, data, out)
        else:
            written, listing = plot_sweep(plt, data, src, out, stem, args.metric, args.x, args.color)
        for p in written:  # every target checked before the first is written
            write_output(p, None, inputs, check_only=True)
        for p in written:
            write_output(p, _RENDERED[p], inputs)
    except BadInput as e:
        fail(str(e))
    except OSError as e:
        fail(f"{e.filename or out}: cannot write ({e.strerror})")
    for p in written:
        print(p)
    for line in listing:
        print(line)
    if args.layout_report:
        print("layout" + "".join(f" {k}={v}" for k, v in LAYOUT.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
