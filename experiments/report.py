#!/usr/bin/env python3
"""The tables of docs/experiments.md from the sweeps' results:

    PYTHONPATH=python python3 experiments/report.py build/sweeps

reads build/sweeps/<experiment>/ for each experiment that has been run
(int8_vs_bf16, array_size, memory_bandwidth, double_buffering, dataflow) and
prints its table as Markdown. Every figure comes from the points' reports.
For the dataflow experiment it also draws dataflow_per_layer.png (and .svg)
in its folder: each MXU layer's cycles under os over its cycles under ws.
"""

import os
import sys

import vtpu


def network(path):
    return os.path.splitext(os.path.basename(path))[0]


def ok_runs(sweep):
    runs = sweep.runs[sweep.runs["status"] == "ok"].copy()
    runs["net"] = runs["network"].map(network)
    runs["ms"] = runs["simulated_time_ns"] / 1e6
    return runs


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def failures(sweep):
    bad = sweep.runs[sweep.runs["status"] != "ok"]
    return "".join(f"\nfailed: {r.point}: {r.error}" for r in bad.itertuples())


def int8_vs_bf16(sweep):
    runs = ok_runs(sweep)
    rows = []
    for net, g in runs.groupby("net"):
        by = {r.precision: r for r in g.itertuples()}
        if not {"int8", "bf16"} <= by.keys():
            continue
        i, b = by["int8"], by["bf16"]
        rows.append([net, f"{i.ms:.3f}", f"{b.ms:.3f}", f"{b.ms / i.ms:.2f}",
                     f"{1e3 * i.batch / i.ms:.0f}", f"{1e3 * b.batch / b.ms:.0f}",
                     f"{i.energy_uj:.0f}", f"{b.energy_uj:.0f}", f"{b.energy_uj / i.energy_uj:.2f}"])
    return table(["network", "int8 ms", "bf16 ms", "bf16/int8 time", "int8 inf/s", "bf16 inf/s",
                  "int8 uJ", "bf16 uJ", "bf16/int8 energy"], rows) + failures(sweep)


def memory_share(sweep, point):
    """The share of a point's layer cycles in layers its roofline calls memory-bound."""
    layers = sweep.layers[sweep.layers["point"] == point]
    total = layers["cycles"].sum()
    return layers[layers["bound"] == "memory"]["cycles"].sum() / total if total else 0.0


def array_size(sweep):
    runs = ok_runs(sweep)
    rows = []
    for net, g in runs.groupby("net"):
        g = g.assign(rows_=g["mxu.rows"].astype(int)).sort_values("rows_")
        base = g.iloc[0]
        for r in g.itertuples():
            rows.append([net, f"{r.rows_}x{r.rows_}", f"{r.ms:.3f}", f"{base.ms / r.ms:.2f}",
                         f"{100 * r.mxu_utilization:.1f}",
                         f"{100 * memory_share(sweep, r.point):.0f}"])
    return table(["network", "array", "ms (batch 8)", "speed-up over 32x32", "MXU util. %",
                  "memory-bound cycles %"], rows) + failures(sweep)


def memory_bandwidth(sweep):
    runs = ok_runs(sweep)
    rows = []
    for net, g in runs.groupby("net"):
        base = None
        for _, r in g.iterrows():
            report = sweep.report(r["point"])
            clock = report["config_effective"]["clock_mhz"] * 1e6
            gbps = report["peak_hbm_bytes_per_cycle"] * clock / 1e9
            tops = 2 * r["macs"] / (r["simulated_time_ns"] * 1e-9) / 1e12
            base = base if base is not None else tops
            rows.append([net, r["hbm.preset"], r["hbm.channels"], f"{gbps:.0f}", f"{r['ms']:.3f}",
                         f"{tops:.2f}", f"{tops / base:.2f}", f"{r['energy_uj'] / 1e3:.2f}"])
    return table(["network", "memory", "channels (0: all)", "peak GB/s", "ms (batch 8)",
                  "achieved TOPS", "over DDR3", "energy mJ"], rows) + failures(sweep)


def double_buffering(sweep):
    runs = ok_runs(sweep)
    rows = []
    for (net, config), g in runs.groupby(["net", "config"]):
        on = g[g["runtime.double_buffering"] == "true"].iloc[0]
        off = g[g["runtime.double_buffering"] == "false"].iloc[0]
        rows.append([net, config, f"{on['ms']:.3f}", f"{off['ms']:.3f}",
                     f"{off['ms'] / on['ms']:.2f}"])
    return table(["network", "config", "ping-pong on, ms", "off, ms", "off/on"], rows) + \
        failures(sweep)


def dataflow(sweep):
    runs = ok_runs(sweep)
    rows = []
    for net, g in runs.groupby("net"):
        point = {r["mxu.dataflow"]: r for _, r in g.iterrows()}
        if not {"ws", "os", "auto"} <= point.keys():
            continue
        per = {d: sweep.layers[sweep.layers["point"] == point[d]["point"]].reset_index()
               for d in ("ws", "os", "auto")}
        mm = per["ws"]["mxu_macs"] > 0
        ws, os_, auto = (per[d]["cycles"] for d in ("ws", "os", "auto"))
        best = ws.where(ws <= os_, os_)
        os_wins = int(((os_ < ws) & mm).sum())
        rows.append([net, f"{point['ws']['ms']:.3f}", f"{point['os']['ms']:.3f}",
                     f"{point['auto']['ms']:.3f}", f"{os_wins} of {int(mm.sum())}",
                     f"{100 * (auto[mm].sum() / best[mm].sum() - 1):+.1f}",
                     f"{100 * ((auto[mm] - best[mm]) / best[mm]).max():+.1f}"])
    return table(["network", "ws ms", "os ms", "auto ms", "layers where os beats ws",
                  "auto over per-layer best, % (MXU layers)", "worst layer, %"], rows) + \
        failures(sweep)


def plot_dataflow(sweep, directory):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    runs = ok_runs(sweep)
    nets = sorted(runs["net"].unique())
    fig, panels = plt.subplots(len(nets), 1, figsize=(10, 2.6 * len(nets)), squeeze=False)
    for panel, net in zip(panels[:, 0], nets):
        g = runs[runs["net"] == net]
        point = {r["mxu.dataflow"]: r["point"] for _, r in g.iterrows()}
        ws = sweep.layers[sweep.layers["point"] == point["ws"]].reset_index()
        os_ = sweep.layers[sweep.layers["point"] == point["os"]].reset_index()
        mm = ws["mxu_macs"] > 0
        ratio = (os_["cycles"] / ws["cycles"])[mm]
        panel.bar(range(len(ratio)), ratio,
                  color=["tab:green" if r < 0.995 else "tab:red" if r > 1.005 else "tab:gray"
                         for r in ratio])
        panel.axhline(1.0, color="black", linewidth=0.8)
        panel.set_ylabel("os / ws cycles")
        panel.set_title(f"{net}: MXU layers in order (green: os faster, red: ws faster, "
                        "grey: within 0.5 %)")
    panels[-1, 0].set_xlabel("MXU layer")
    fig.tight_layout()
    for fmt in ("png", "svg"):
        fig.savefig(os.path.join(directory, f"dataflow_per_layer.{fmt}"), dpi=120)
    plt.close(fig)


EXPERIMENTS = {
    "int8_vs_bf16": int8_vs_bf16,
    "array_size": array_size,
    "memory_bandwidth": memory_bandwidth,
    "double_buffering": double_buffering,
    "dataflow": dataflow,
}


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "build/sweeps"
    for name, summarize in EXPERIMENTS.items():
        directory = os.path.join(root, name)
        if not os.path.exists(os.path.join(directory, "runs.csv")):
            continue
        print(f"### {name}\n")
        sweep = vtpu.load_sweep(directory)
        print(summarize(sweep))
        print()
        if name == "dataflow":
            plot_dataflow(sweep, directory)


if __name__ == "__main__":
    main()
