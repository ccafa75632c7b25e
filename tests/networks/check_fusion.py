#!/usr/bin/env python3
"""A residual Add fused into its product's epilogue gives the bytes of the Add on its own.

Runs a network twice through `vtpu run --check`: as it is, where the compiler folds
each residual Add into the Conv/Gemm/MatMul that makes one of its operands
(VTPU_LAYER_RESIDUAL), and with those products' outputs made graph outputs too,
which keeps every Add an ELEMENTWISE layer of its own (a graph output is read by the
host, so the product must store it). The network's own outputs must be equal byte
for byte, the first run's report must show fused layers ("Conv+Add") and the second
none.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

# A BatchNormalization after a Conv folds into it (the exports keep it).
PRODUCTS = {"Conv", "Gemm", "MatMul", "BatchNormalization"}


def unfused_copy(model_path: Path, out: Path) -> int:
    """Write the model with every product that feeds an Add as an extra output."""
    model = onnx.load(str(model_path))
    graph = model.graph
    made_by = {o: n.op_type for n in graph.node for o in n.output}
    outputs = {o.name for o in graph.output}
    extra = []
    for node in graph.node:
        if node.op_type != "Add":
            continue
        for name in node.input:
            if made_by.get(name) in PRODUCTS and name not in outputs:
                outputs.add(name)
                extra.append(name)
    inferred = {v.name: v for v in onnx.shape_inference.infer_shapes(model).graph.value_info}
    for name in extra:
        graph.output.append(inferred[name])
    onnx.save(model, str(out))
    return len(extra)


def run(vtpu: str, model: Path, args, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    command = [vtpu, "run", str(model), "--precision", args.precision, "--input", args.input,
               "--check", "--output-dir", str(out), "--report", str(out / "report.json")]
    if args.calibration:
        command += ["--calibration", args.calibration]
    command += args.extra
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"vtpu run {model.name} failed ({result.returncode}):\n{result.stderr}")
    return json.loads((out / "report.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vtpu", required=True)
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--input", required=True)
    parser.add_argument("--precision", required=True)
    parser.add_argument("--calibration")
    parser.add_argument("extra", nargs="*", help="more `vtpu run` arguments")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        unfused_model = tmp / "unfused.onnx"
        extra = unfused_copy(args.model, unfused_model)
        if extra == 0:
            sys.exit(f"{args.model.name}: no product feeds an Add; nothing to check")
        fused = run(args.vtpu, args.model, args, tmp / "fused")
        unfused = run(args.vtpu, unfused_model, args, tmp / "unfused")
        fused_layers = [l for l in fused["layers"] if l["op"].endswith("+Add")]
        left = [l for l in unfused["layers"] if l["op"].endswith("+Add")]
        failures = []
        if not fused_layers:
            failures.append("the network's run fused no Add")
        if left:
            failures.append(f"{len(left)} Adds were fused although their operand is an output")
        compared = 0
        for npy in sorted((tmp / "fused").glob("*.npy")):
            a, b = np.load(npy), np.load(tmp / "unfused" / npy.name)
            compared += 1
            if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
                diff = np.abs(a.astype(np.float64) - b.astype(np.float64)).max()
                failures.append(f"{npy.name}: fused and unfused outputs differ (max {diff})")
        if compared == 0:
            failures.append("no outputs to compare")
        print(f"{args.model.name} {args.precision}: {len(fused_layers)} of {extra} Adds fused; "
              f"{len(fused['layers'])} layers against {len(unfused['layers'])}; cycles "
              f"{fused['cycles']} fused, {unfused['cycles']} unfused; {compared} outputs equal"
              if not failures else "")
        for f in failures:
            print("FAIL:", f)
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
