#!/usr/bin/env python3
"""Dataflow per layer (docs/compiler.md, "Dataflow per layer"): each network run with
mxu.dataflow ws, os and auto through `vtpu run`, twice: compiled for the default chip,
edge (an `auto` array then picks per MATMUL by its timing formula, "picked"), and compiled
with `--tune` for the config with mxu.dataflow auto (the compiler names ws or os per layer
where that ran faster on the chip, "tuned"; the ws and os runs of that program share its
buffer choices, so they differ from the tuned auto run in dataflow only). Per layer the
cycles of each and auto's excess over the better of ws and os, and the totals.

    python3 bench/dataflow.py --vtpu build/vtpu --networks build/networks \\
        [NETWORK:CONFIG:PRECISION ...] [--layers]

(default: ResNet-50 and MobileNetV2, int8, on edge, tpuv1-like and tpuv3-like). Layer
cycles run from one layer boundary the core sees to the next, so a layer's figure also
moves with its neighbours' schedule; the largest such move on a layer without a MATMUL
(where auto and ws issue the same instructions) is printed beside the MATMUL layers'
largest excess, as the scale of that effect.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_CASES = [f"{net}:{config}:int8" for net in ("resnet50", "mobilenetv2")
                 for config in ("edge", "tpuv1-like", "tpuv3-like")]
MATMUL_OPS = {"Conv", "Gemm", "MatMul", "Einsum"}  # "+Add": a residual fused into it


def run(vtpu: str, model: Path, inputs: Path, config: str, dataflow: str, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.json"
    subprocess.run([vtpu, "run", str(model), "--input", str(inputs), "--config", config,
                    "--set", f"mxu.dataflow={dataflow}", "--output-dir", str(out),
                    "--report", str(report)], check=True, stdout=subprocess.DEVNULL)
    return json.loads(report.read_text())


def compile_model(args, net: str, precision: str, out: Path, tune_for: str = "") -> None:
    command = [args.vtpu, "compile", str(args.networks / f"{net}.onnx"),
               "--precision", precision, "-o", str(out)]
    if precision == "int8":
        command += ["--calibration", str(args.networks / f"{net}.calib")]
    if tune_for:
        command += ["--tune", "--config", tune_for, "--set", "mxu.dataflow=auto"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def compare(args, label: str, model: Path, inputs: Path, config: str, out: Path) -> bool:
    """Runs `model` with ws, os and auto; prints the totals and the worst layers."""
    runs = {d: run(args.vtpu, model, inputs, config, d, out / d) for d in ("ws", "os", "auto")}
    outputs = {d: (out / d / "output.npy").read_bytes() for d in runs}
    if len(set(outputs.values())) != 1:
        print(f"{label}: outputs differ between dataflows", file=sys.stderr)
        return False
    worst, moved, os_layers = (0.0, 0, "-"), (0.0, 0), 0
    for ws, os_, auto in zip(*(runs[d]["layers"] for d in ("ws", "os", "auto"))):
        best = min(ws["cycles"], os_["cycles"])
        excess = auto["cycles"] - best
        if args.layers:
            print(f"  {ws['name'][:40]:40} {ws['op'][:12]:12} ws {ws['cycles']:9} "
                  f"os {os_['cycles']:9} auto {auto['cycles']:9} "
                  f"{auto.get('dataflow', '-'):5} {excess:+7}")
        if ws["op"].split("+")[0] in MATMUL_OPS:
            os_layers += "os" in auto.get("dataflow", "")
            worst = max(worst, (100.0 * excess / best, excess, ws["name"]))
        else:
            moved = max(moved, (100.0 * excess / best, excess))
    total = {d: runs[d]["cycles"] for d in runs}
    best = min(total["ws"], total["os"])
    print(f"{label:36} {total['ws']:10} {total['os']:10} "
          f"{total['auto']:11} {100.0 * (total['auto'] / best - 1):+11.2f} %  "
          f"{worst[0]:+6.2f} % {worst[1]:+6} {worst[2][:22]:22} "
          f"{moved[0]:+6.2f} % {moved[1]:+5}  {os_layers}", flush=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vtpu", required=True)
    parser.add_argument("--networks", required=True, type=Path)
    parser.add_argument("--layers", action="store_true", help="print every layer")
    parser.add_argument("cases", nargs="*", default=DEFAULT_CASES)
    args = parser.parse_args()
    print(f"{'network config precision, auto':36} {'ws cycles':>10} {'os cycles':>10} "
          f"{'auto cycles':>11} {'auto vs best':>12}  {'worst MATMUL layer':38} "
          f"{'boundary move':>13}  os layers")
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            net, config, precision = case.split(":")
            inputs = args.networks / f"{net}.input.npy"
            plain = Path(tmp) / f"{net}.{precision}.vtpu"
            if not plain.exists():
                compile_model(args, net, precision, plain)
            tuned = Path(tmp) / f"{net}.{precision}.{config}.vtpu"
            compile_model(args, net, precision, tuned, tune_for=config)
            for label, model in (("picked", plain), ("tuned", tuned)):
                if not compare(args, f"{net} {config} {precision}, {label}", model, inputs,
                               config, Path(tmp) / label):
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
