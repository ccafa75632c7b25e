#!/usr/bin/env python3
"""--precision auto (docs/compiler.md, "Mixed precision") on one network.

    check_auto.py --vtpu VTPU --model NET.onnx --calibration DIR --input X.npy --expected Y.npy
                  --budget B --out DIR

Compiles the network all-int8 and with --precision auto --explain, then runs both .vtpu
files on the same seeded input with --check (every output byte equal to the host
reference's) and on the held-out input. Fails unless
- the explain's cosines keep the budget: chosen >= all-int8 - B (worst calibration input);
- auto's simulated cycles, from its own run's report, are at most all-int8's, and equal
  the cycles the explain claims for both;
- on the held-out input (not in the calibration set) auto's cosine against PyTorch's fp32
  output is at least all-int8's - B - 0.01 (a generalisation check; the budget holds on
  the calibration set).
"""

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

from checklist import run


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main() -> int:
    p = argparse.ArgumentParser()
    for arg in ("--vtpu", "--model", "--calibration", "--input", "--expected", "--out"):
        p.add_argument(arg, required=True)
    p.add_argument("--budget", type=float, required=True)
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    explain = run([a.vtpu, "compile", a.model, "--calibration", a.calibration, "--precision",
                   "auto", "--accuracy-budget", str(a.budget), "--explain", "-o", out / "auto.vtpu"]).stdout
    run([a.vtpu, "compile", a.model, "--calibration", a.calibration, "-o", out / "int8.vtpu"])
    m = re.search(r"all-int8 ([0-9.]+), chosen ([0-9.]+) .*all-int8 ([0-9]+), chosen ([0-9]+)", explain)
    if not m:
        sys.exit(f"FAIL: no summary line in --explain:\n{explain}")
    cos8, cos, cycles8, cycles = float(m[1]), float(m[2]), int(m[3]), int(m[4])
    lines = explain.splitlines()
    summary = next(i for i, line in enumerate(lines) if line.startswith("cosine against fp32"))
    chosen = [line.split()[2] for line in lines[1:summary]]
    print(f"explain: {len(chosen)} layers, {chosen.count('int4')} int4, {chosen.count('2:4')} 2:4; "
          f"cosine {cos8:.6f} -> {cos:.6f}; cycles {cycles8} -> {cycles}")
    if cos < cos8 - a.budget - 1e-9:
        sys.exit(f"FAIL: chosen cosine {cos} loses more than {a.budget} from all-int8's {cos8}")
    simulated, held_out = {}, {}
    for name in ("int8", "auto"):
        d = out / name
        run([a.vtpu, "run", out / f"{name}.vtpu", "--input", "random:0", "--check", "--report",
             d / "report.json", "--output-dir", d / "random"])
        simulated[name] = json.loads((d / "report.json").read_text())["cycles"]
        run([a.vtpu, "run", out / f"{name}.vtpu", "--input", a.input, "--check", "--output-dir",
             d / "held_out"])
        (y,) = list((d / "held_out").glob("*.npy"))
        held_out[name] = cosine(np.load(a.expected), np.load(y))
    print(f"simulated cycles: int8 {simulated['int8']}, auto {simulated['auto']}; held-out cosine "
          f"against PyTorch: int8 {held_out['int8']:.6f}, auto {held_out['auto']:.6f}")
    if simulated["auto"] > simulated["int8"]:
        sys.exit("FAIL: auto is slower than all-int8")
    if (simulated["int8"], simulated["auto"]) != (cycles8, cycles):
        sys.exit("FAIL: the explain's cycles are not the runs'")
    if held_out["auto"] < held_out["int8"] - a.budget - 0.01:
        sys.exit("FAIL: auto's held-out cosine falls far below all-int8's")
    print("PASS auto")
    return 0


if __name__ == "__main__":
    sys.exit(main())
