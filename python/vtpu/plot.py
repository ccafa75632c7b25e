"""Plots of a sweep's results (`vtpu plot DIR`, docs/experiments.md):

- pareto.png: simulated time against energy, one panel per network, the
  Pareto front (no other point both faster and cheaper) drawn and labelled;
- axis_<field>.png: MXU utilization and simulated time against each swept
  field, one line per network and precision (the median over the others);
  zipped axes, which move together, are one field ("hbm.preset/hbm.channels");
- layers_<network>_<precision>.png: where each layer's time goes at the
  sweep's first point of that network and precision, as stacked cycles:
  compute (MXU busy), VPU busy, memory (DMA busy beyond both) and overhead
  (the rest: the core's bookkeeping, waiting, fill and drain).

Each is written as PNG and SVG into the results directory.
"""

import argparse
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from vtpu._binary import VtpuError  # noqa: E402
from vtpu.results import load_sweep  # noqa: E402

FORMATS = ("png", "svg")


def _save(fig, directory, stem):
    written = []
    for fmt in FORMATS:
        path = os.path.join(directory, f"{stem}.{fmt}")
        fig.savefig(path, dpi=120, bbox_inches="tight")
        written.append(path)
    plt.close(fig)
    return written


def _slug(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text)).strip("_")


def _network(path):
    return os.path.splitext(os.path.basename(str(path)))[0]


def pareto_front(times, energies):
    """Indexes of the points no other point beats in both time and energy,
    in order of time."""
    order = sorted(range(len(times)), key=lambda i: (times[i], energies[i]))
    front, best = [], float("inf")
    for i in order:
        if energies[i] < best:
            front.append(i)
            best = energies[i]
    return front


def _varied(runs, axes):
    """The fields that take more than one value in the sweep."""
    fields = [f for f in ["precision", "batch", "config"] if runs[f].nunique() > 1]
    return fields + [a for a in axes if runs[a].nunique() > 1]


def _zipped(sweep, runs):
    """Zipped axes move together: one field of their values joined by '/'
    (e.g. "hbm.preset/hbm.channels" = "hbm2/4"), in place of each alone."""
    axes = [a for a in sweep.axes if runs[a].nunique() > 1]
    if sweep.combine != "zip" or len(axes) < 2:
        return runs, sweep.axes
    joined = "/".join(axes)
    runs = runs.copy()
    runs[joined] = runs[axes].astype(str).agg("/".join, axis=1)
    return runs, [joined]


def plot_pareto(sweep, directory):
    runs = sweep.runs[sweep.runs["status"] == "ok"].copy()
    if runs.empty:
        return []
    runs["net"] = runs["network"].map(_network)
    nets = sorted(runs["net"].unique())
    varied = _varied(sweep.runs, sweep.axes)
    fig, panels = plt.subplots(1, len(nets), figsize=(5.5 * len(nets), 4.5), squeeze=False)
    for panel, net in zip(panels[0], nets):
        mine = runs[runs["net"] == net].reset_index(drop=True)
        times = (mine["simulated_time_ns"] / 1e6).tolist()
        energies = mine["energy_uj"].tolist()
        for precision, group in mine.groupby("precision"):
            panel.scatter(group["simulated_time_ns"] / 1e6, group["energy_uj"], label=precision,
                          alpha=0.7)
        front = pareto_front(times, energies)
        panel.step([times[i] for i in front], [energies[i] for i in front], where="post",
                   color="black", linewidth=1, label="Pareto front")
        for i in front:
            label = ", ".join(f"{f.split('.')[-1]}={mine.loc[i, f]}" for f in varied)
            panel.annotate(label, (times[i], energies[i]), fontsize=6, xytext=(3, 3),
                           textcoords="offset points")
        panel.set_title(net)
        panel.set_xlabel("simulated time (ms)")
        panel.set_ylabel("energy (uJ)")
        panel.legend(fontsize=7)
    fig.suptitle(f"{sweep.name}: latency against energy")
    return _save(fig, directory, "pareto")


def _sort_key(value):
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, str(value))


def plot_axes(sweep, directory):
    runs, axes = _zipped(sweep, sweep.runs[sweep.runs["status"] == "ok"])
    if runs.empty:
        return []
    runs["net"] = runs["network"].map(_network)
    written = []
    for field in _varied(runs, axes):
        values = list(dict.fromkeys(runs[field].astype(str)))  # the spec's order
        if all(_sort_key(v)[0] == 0 for v in values):
            values = sorted(values, key=_sort_key)
        position = {v: i for i, v in enumerate(values)}
        fig, (util, time) = plt.subplots(1, 2, figsize=(11, 4.2))
        lines = ["net"] + (["precision"] if field != "precision" else [])
        for key, group in runs.groupby(lines if len(lines) > 1 else lines[0]):
            key = key if isinstance(key, tuple) else (key,)
            median = group.groupby(group[field].astype(str)).median(numeric_only=True)
            xs = [v for v in values if v in median.index]
            label = " ".join(map(str, key))
            util.plot([position[x] for x in xs], [100 * median.loc[x, "mxu_utilization"]
                                                  for x in xs], marker="o", label=label)
            time.plot([position[x] for x in xs], [median.loc[x, "simulated_time_ns"] / 1e6
                                                  for x in xs], marker="o", label=label)
        for panel, title in ((util, "MXU utilization (%)"), (time, "simulated time (ms)")):
            panel.set_xticks(range(len(values)))
            panel.set_xticklabels(values)
            panel.set_xlabel(field)
            panel.set_ylabel(title)
            panel.grid(alpha=0.3)
        time.set_yscale("log")
        util.legend(fontsize=7)
        fig.suptitle(f"{sweep.name}: against {field} (median over the other fields)")
        written += _save(fig, directory, f"axis_{_slug(field)}")
    return written


def time_split(layer):
    """A layer's cycles as compute, VPU, memory and overhead (see above):
    each unit's busy time counted once, in that order, within the layer."""
    cycles = layer["cycles"]
    compute = min(layer["mxu_busy_cycles"], cycles)
    vpu = min(layer["vpu_busy_cycles"], cycles - compute)
    memory = min(max(layer["dma_busy_cycles"] - compute - vpu, 0), cycles - compute - vpu)
    return compute, vpu, memory, cycles - compute - vpu - memory


def plot_layers(sweep, directory):
    written = []
    firsts = {}
    for point in sweep.points:
        row = sweep.runs[sweep.runs["point"] == point["id"]]
        if row.empty or row.iloc[0]["status"] != "ok":
            continue
        key = (_network(point["network"]), row.iloc[0]["precision"])
        firsts.setdefault(key, point["id"])
    for (net, precision), point in sorted(firsts.items()):
        layers = sweep.layers[sweep.layers["point"] == point]
        splits = [time_split(l) for _, l in layers.iterrows()]
        fig, ax = plt.subplots(figsize=(max(6, 0.25 * len(splits) + 2), 4.5))
        bottom = [0] * len(splits)
        for part, name in enumerate(("compute (MXU)", "VPU", "memory (DMA)", "overhead")):
            heights = [s[part] for s in splits]
            ax.bar(range(len(splits)), heights, bottom=bottom, label=name)
            bottom = [b + h for b, h in zip(bottom, heights)]
        ax.set_xlabel("layer")
        ax.set_ylabel("cycles")
        ax.set_xticks(range(len(splits)))
        ax.set_xticklabels(layers["op"].tolist(), rotation=90, fontsize=6)
        ax.legend(fontsize=7)
        ax.set_title(f"{sweep.name}: {net} {precision}, where time goes ({point})")
        written += _save(fig, directory, f"layers_{_slug(net)}_{precision}")
    return written


def plot(directory):
    """Every plot of the sweep in `directory`; returns the files written."""
    sweep = load_sweep(directory)
    return plot_pareto(sweep, directory) + plot_axes(sweep, directory) + \
        plot_layers(sweep, directory)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="vtpu plot",
                                     description="plots of a vtpu sweep's results (PNG and SVG)")
    parser.add_argument("directory", help="the results directory of `vtpu sweep --out DIR`")
    args = parser.parse_args(argv)
    if not os.path.exists(os.path.join(args.directory, "sweep.json")):
        print(f"vtpu: {args.directory}: not a sweep's results directory (no sweep.json)",
              file=sys.stderr)
        return 2
    # A damaged results directory is bad input: one line, not a traceback.
    try:
        written = plot(args.directory)
    except VtpuError as e:
        print(f"vtpu: {e}", file=sys.stderr)  # it names the file
        return e.status or 2
    except KeyError as e:
        print(f"vtpu: {args.directory}: not a sweep's results (sweep.json or a CSV lacks {e})",
              file=sys.stderr)
        return 2
    except (OSError, ValueError, TypeError) as e:
        reason = " ".join(str(e).split())
        print(f"vtpu: {args.directory}: not a sweep's results ({reason})", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
