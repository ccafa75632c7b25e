#!/usr/bin/env python3
"""How close vtpu's mapping comes to the chip's roofline (docs/compiler.md, "Mapping").

    python3 bench/roofline.py --vtpu build/vtpu --networks build/networks [CASE ...]

A CASE is NETWORK:BATCH:CONFIG:PRECISION (default: the table of issue 15). For each, the
network's lower bound on the chip is computed here from the ONNX model's shapes alone,
independently of vtpu's compiler and report:

    bound = max(sum over conv/GEMM layers of SCALE-Sim's stall-free WS cycles on the
                configured R x C array,
                conv/GEMM weight bytes / the memory's peak bytes per core cycle)

with SCALE-Sim v2's WS formula per GEMM M x K x N: ceil(K/R) ceil(N/C) (2R + C + M - 2) - 1
(convolutions as GEMMs, M = batch x output pixels, K = kh kw cin/groups, N = cout/groups,
once per group; depthwise layers are left out of both terms). The model is then run with
`vtpu run --check` (batch through `--batch`; with --tune, `--tune`; every output byte
must equal the host reference's), and the simulated cycles are divided by the bound.
"""

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference

# Peak pin bandwidth per channel and channels per stack of each memory preset (JEDEC
# JESD235 / JESD79-3 figures, as in docs/memory.md's preset table).
MEMORY = {
    "hbm2": (32.0e9, 8),
    "hbm2e": (51.2e9, 8),
    "hbm3": (51.2e9, 16),
    "ddr3-2133": (17.064e9, 2),
}

DEFAULT_CASES = [
    "resnet50:1:tpuv3-like:int8",
    "resnet50:8:tpuv1-like:int8",
    "resnet50:1:tpuv1-like:int8",
    "resnet18:1:edge:int8",
    "mlp0:200:tpuv1-like:int8",
    "resnet50:1:tpuv3-like:bf16",
]


def read_textproto(path: Path) -> dict:
    """The handful of fields the bound needs, from a preset's text format."""
    import re
    text = path.read_text()
    text = re.sub(r"#.*", "", text)
    fields = {}
    for section, key in [("mxu", "rows"), ("mxu", "cols"), ("hbm", "preset"), ("hbm", "stacks"),
                         ("hbm", "channels")]:
        m = re.search(section + r"\s*\{[^}]*\b" + key + r"\s*:\s*\"?([\w.-]+)\"?", text)
        if m:
            fields[f"{section}.{key}"] = m.group(1)
    m = re.search(r"^clock_mhz\s*:\s*([\d.]+)", text, re.M)
    if m:
        fields["clock_mhz"] = m.group(1)
    return fields


def chip(config: str, configs_dir: Path, overrides: dict) -> dict:
    c = read_textproto(configs_dir / "defaults.textproto")
    c.update(read_textproto(configs_dir / f"{config}.textproto"))
    c.update(overrides)
    per_channel, channels_per_stack = MEMORY[c["hbm.preset"]]
    channels = int(c.get("hbm.channels", 0)) or channels_per_stack * int(c.get("hbm.stacks", 1))
    clock_hz = float(c["clock_mhz"]) * 1e6
    return {"rows": int(c["mxu.rows"]), "cols": int(c["mxu.cols"]), "clock_hz": clock_hz,
            "peak_bytes_per_cycle": per_channel * channels / clock_hz}


def ws_cycles(m: int, k: int, n: int, r: int, c: int) -> int:
    return math.ceil(k / r) * math.ceil(n / c) * (2 * r + c + m - 2) - 1


def gemms(model: onnx.ModelProto, batch: int):
    """(M, K, N, groups, weight elements) of every conv/GEMM with constant weights."""
    model = shape_inference.infer_shapes(model)
    shapes = {}
    for v in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output):
        shapes[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Conv":
            w = inits[node.input[1]]
            y = shapes[node.output[0]]
            groups = attrs.get("group", 1)
            if w.shape[1] == 1 and groups > 1:
                continue  # depthwise: left out
            m = batch * y[0] * y[2] * y[3]
            yield m, w.shape[1] * w.shape[2] * w.shape[3], w.shape[0] // groups, groups, w.size
        elif node.op_type in ("Gemm", "MatMul") and node.input[1] in inits:
            w = inits[node.input[1]]
            a = shapes[node.input[0]]
            trans_b = node.op_type == "Gemm" and attrs.get("transB", 0)
            k, n = (w.shape[1], w.shape[0]) if trans_b else (w.shape[0], w.shape[1])
            m = batch * int(np.prod(a[:-1]))
            yield m, k, n, 1, w.size


def self_check() -> None:
    """The formula against SCALE-Sim v2's own runs (shared/REFERENCE-FIGURES.md)."""
    assert ws_cycles(12100, 147, 64, 32, 32) == 121939, "ResNet-18 conv1 on 32x32"
    assert ws_cycles(2916, 576, 64, 32, 32) == 108359, "56x56x64 3x3 conv on 32x32"


def bound(model_path: Path, batch: int, hw: dict, weight_bytes: int) -> dict:
    model = onnx.load(str(model_path))
    compute = 0
    weights = 0
    for m, k, n, groups, numel in gemms(model, batch):
        compute += groups * ws_cycles(m, k, n, hw["rows"], hw["cols"])
        weights += numel * weight_bytes
    memory = weights / hw["peak_bytes_per_cycle"]
    return {"compute_cycles": compute, "memory_cycles": memory, "bound": max(compute, memory),
            "weight_bytes": weights}


def export_mlp0(path: Path) -> None:
    """TPUv1's MLP0 shape: five fully connected layers, ~21 M weights (random, seeded)."""
    import torch
    from torch import nn
    torch.manual_seed(1100)
    layers = []
    for _ in range(5):
        layers += [nn.Linear(2048, 2048), nn.ReLU()]
    model = nn.Sequential(*layers[:-1]).eval()
    torch.onnx.export(model, torch.randn(1, 2048), str(path), input_names=["input"],
                      output_names=["output"], opset_version=13)


def main() -> int:
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--vtpu", required=True, type=Path)
    p.add_argument("--networks", required=True, type=Path, help="where generate.py's models are")
    p.add_argument("--configs", type=Path, default=here.parent / "platform" / "configs")
    p.add_argument("--set", action="append", default=[], help="config override for every case")
    p.add_argument("--firmware", type=Path, help="the runtime ELF (default: vtpu's own)")
    p.add_argument("--json", type=Path, help="also write the rows as JSON")
    p.add_argument("--tune", action="store_true",
                   help="compile with --tune (each layer's buffer sets chosen by simulating; "
                        "the wall time includes those runs)")
    p.add_argument("cases", nargs="*", default=DEFAULT_CASES)
    args = p.parse_args()
    self_check()
    overrides = dict(s.split("=", 1) for s in args.set)

    rows = []
    print(f"{'network':<10} {'batch':>5} {'config':<11} {'prec':<5} {'bound':>11} {'by':<7} "
          f"{'simulated':>11} {'ratio':>6} {'mxu util':>8} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for case in args.cases:
            net, batch, config, precision = case.split(":")
            batch = int(batch)
            model = args.networks / f"{net}.onnx"
            if net == "mlp0" and not model.exists():
                export_mlp0(model)
            elif not model.exists():
                subprocess.run([sys.executable, str(here.parent / "tests/networks/generate.py"),
                                str(args.networks), "--only", net], check=True,
                               stdout=subprocess.DEVNULL)
            hw = chip(config, args.configs, overrides)
            b = bound(model, batch, hw, 1 if precision == "int8" else 2)
            inputs = onnx.load(str(model)).graph.input
            shape = [d.dim_value for d in inputs[0].type.tensor_type.shape.dim]
            shape[0] *= batch
            x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
            np.save(tmp / "x.npy", x)
            cmd = [str(args.vtpu), "run", str(model), "--precision", precision, "--config", config,
                   "--input", str(tmp / "x.npy"), "--output-dir", str(tmp),
                   "--report", str(tmp / "r.json"), "--check"]
            if batch != 1:
                cmd += ["--batch", str(batch)]
            if args.tune:
                cmd += ["--tune"]
            calib = args.networks / f"{net}.calib"
            if precision == "int8" and calib.is_dir():
                cmd += ["--calibration", str(calib)]
            for s in args.set:
                cmd += ["--set", s]
            if args.firmware:
                cmd += ["--firmware", str(args.firmware)]
            start = time.monotonic()
            run = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = time.monotonic() - start
            if run.returncode != 0:
                print(f"{net:<10} {batch:>5} {config:<11} {precision:<5} refused: "
                      f"{run.stderr.strip()}")
                rows.append({"case": case, "error": run.stderr.strip()})
                continue
            report = json.loads((tmp / "r.json").read_text())
            cycles = report["cycles"]
            ratio = cycles / b["bound"]
            by = "array" if b["compute_cycles"] >= b["memory_cycles"] else "weights"
            macs = sum(l["macs"] for l in report["layers"])
            util = macs / (cycles * hw["rows"] * hw["cols"])
            print(f"{net:<10} {batch:>5} {config:<11} {precision:<5} {b['bound']:>11,.0f} {by:<7} "
                  f"{cycles:>11,} {ratio:>6.2f} {util:>8.1%} {wall:>7.1f}")
            rows.append({"case": case, "bound_cycles": b["bound"], "bound_by": by,
                         "compute_cycles": b["compute_cycles"],
                         "memory_cycles": b["memory_cycles"], "cycles": cycles, "ratio": ratio,
                         "mxu_utilization": util, "wall_s": wall})
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
