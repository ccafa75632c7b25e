#!/usr/bin/env python3
"""Held weights (docs/runtime.md, "Held weights") on one network and chip.

    check_held.py --vtpu VTPU --model NET.onnx --config C --out DIR [--set PATH=VALUE ...]

Runs the network on a seeded input with --check (every output byte equal to the host
reference's) twice: as it is, and with runtime.held_weights off. Fails unless
- some layers are held, and each held layer's held_bytes is its ONNX node's constants as
  the chip stores them, from the model alone: int8 weights (one byte each), then the int32
  bias and fp32 scales (4 bytes per output channel each, the bias 64-byte aligned);
- the run without held weights holds none;
- the outputs of the two runs are byte-identical, and the held run takes fewer cycles;
- a .vtpu of the network whose first held piece is copied after its layer, and one whose
  first held piece is cut to 64 bytes (its layer's constants no longer covered), are
  refused before the run: exit 2, one line naming the entry, no output written.
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx

from checklist import network_args, run


def constants_bytes(model: onnx.ModelProto) -> dict:
    """Per Conv/Gemm/MatMul node with constant weights: weights + aligned bias + scales,
    int8."""
    inits = {i.name: i for i in model.graph.initializer}
    out = {}
    for n in model.graph.node:
        if n.op_type not in ("Conv", "Gemm", "MatMul") or n.input[1] not in inits:
            continue
        dims = list(inits[n.input[1]].dims)
        # Conv: cout first; Gemm: N first with transB (torch's), else last; MatMul: last.
        trans_b = any(a.name == "transB" and a.i for a in n.attribute)
        channels = dims[0] if n.op_type == "Conv" or trans_b else dims[-1]
        weights = int(np.prod(dims))
        out[n.name] = weights + (-weights % 64) + ((4 * channels + 63) // 64) * 64 + 4 * channels
    return out


def main() -> int:
    a, out = network_args()
    model = onnx.load(a.model)
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    np.save(out / "x.npy", np.random.default_rng(11).standard_normal(shape).astype(np.float32))

    reports = {}
    for name, extra in (("held", []), ("unheld", ["--set", "runtime.held_weights=false"])):
        (out / name).mkdir(exist_ok=True)
        run([a.vtpu, "run", a.model, "--config", a.config, *a.sets, "--input", out / "x.npy",
             "--output-dir", out / name, "--report", out / f"{name}.json", "--check", *extra])
        reports[name] = json.loads((out / f"{name}.json").read_text())

    expected = constants_bytes(model)
    held = [l for l in reports["held"]["layers"] if l.get("held_bytes")]
    if not held:
        sys.exit(f"FAIL: no layer of {a.model} is held on {a.config}")
    for l in held:
        if l["name"] not in expected or l["held_bytes"] != expected[l["name"]]:
            sys.exit(f"FAIL: {l['name']} holds {l['held_bytes']} bytes, its constants are "
                     f"{expected.get(l['name'])}")
    if any(l.get("held_bytes") for l in reports["unheld"]["layers"]):
        sys.exit("FAIL: layers held with runtime.held_weights off")
    for f in sorted((out / "held").glob("*.npy")):
        if f.read_bytes() != (out / "unheld" / f.name).read_bytes():
            sys.exit(f"FAIL: {f.name} differs with held weights")
    cycles = {k: r["cycles"] for k, r in reports.items()}
    if cycles["held"] >= cycles["unheld"]:
        sys.exit(f"FAIL: held weights take {cycles['held']} cycles, without {cycles['unheld']}")

    # A held piece copied after its layer (its `first` past its `last`), and one cut short.
    run([a.vtpu, "compile", a.model, "--config", a.config, *a.sets, "-o", out / "m.vtpu"])
    for field, value, message in (
            ("held.first", "0xffffffff", "held piece is not copied before its layer"),
            ("held.bytes", "64", "held piece")):
        bad = out / f"bad_{field}"
        run([sys.executable, Path(__file__).parent / "mutate_vtpu.py", out / "m.vtpu",
             out / "bad.vtpu", "held", field, value])
        bad.mkdir(exist_ok=True)
        done = run([a.vtpu, "run", out / "bad.vtpu", "--config", a.config, *a.sets, "--input",
                    out / "x.npy", "--output-dir", bad], expect=2)
        lines = done.stderr.strip().splitlines()
        if len(lines) != 1 or "tensor table entry" not in lines[0] or message not in lines[0]:
            sys.exit(f"FAIL: {field} {value} gave: {done.stderr.strip()}")
        print(f"{field} {value}: {lines[0]}")
        if any(bad.iterdir()):
            sys.exit("FAIL: a refused run wrote outputs")
    print(f"PASS held: {len(held)} layers, {sum(l['held_bytes'] for l in held)} bytes; "
          f"{cycles['held']} cycles against {cycles['unheld']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
