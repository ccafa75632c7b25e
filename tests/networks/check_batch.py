#!/usr/bin/env python3
"""A batch on the chip computes each image exactly as batch 1 does (docs/compiler.md, --batch).

    check_batch.py VTPU NETS NET PRECISION BATCH OUT_DIR [--set ...]

Runs NETS/NET.onnx re-exported with `--batch BATCH` on BATCH different images (the test
input and calibration samples), then each image alone at batch 1, and requires the batch's
outputs to equal the single runs' bit for bit: the batch lives in M of every product, and
calibration takes the same images either way, so nothing may differ per image. Also
requires the batch's cycles to stay below BATCH times batch 1's (weights stream once).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np


def run(vtpu, model, precision, calib, x, out_dir, extra):
    out_dir.mkdir(parents=True, exist_ok=True)
    np.save(out_dir / "x.npy", x)
    cmd = [vtpu, "run", str(model), "--precision", precision, "--input", str(out_dir / "x.npy"),
           "--output-dir", str(out_dir), "--report", str(out_dir / "r.json")] + extra
    if precision == "int8":
        cmd += ["--calibration", str(calib)]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {done.returncode}: {done.stderr.strip()}")
    outputs = {p.name: np.load(p) for p in out_dir.glob("*.npy") if p.name != "x.npy"}
    return outputs, json.loads((out_dir / "r.json").read_text())["cycles"]


def main() -> int:
    vtpu, nets, net, precision, batch, out = sys.argv[1:7]
    extra = sys.argv[7:]
    nets, out, batch = Path(nets), Path(out), int(batch)
    shutil.rmtree(out, ignore_errors=True)
    calib = nets / f"{net}.calib"
    images = [np.load(nets / f"{net}.input.npy")]
    images += [np.load(p) for p in sorted(calib.glob("*.npy"))[: batch - 1]]
    model = nets / f"{net}.onnx"
    together, batch_cycles = run(vtpu, model, precision, calib, np.concatenate(images),
                                 out / "batch", extra + ["--batch", str(batch)])
    single_cycles = 0
    for i, x in enumerate(images):
        alone, cycles = run(vtpu, model, precision, calib, x, out / f"image{i}", extra)
        single_cycles += cycles
        for name, y in alone.items():
            if not np.array_equal(together[name][i : i + 1], y):
                diff = np.abs(together[name][i : i + 1] - y).max()
                sys.exit(f"FAIL {net} {precision}: output '{name}' of image {i} differs in the "
                         f"batch of {batch} (largest difference {diff})")
    if batch_cycles >= single_cycles:
        sys.exit(f"FAIL {net} {precision}: batch of {batch} took {batch_cycles} cycles, "
                 f"{batch} single runs {single_cycles}")
    print(f"PASS {net} {precision}: batch of {batch} identical to single images, "
          f"{batch_cycles} cycles against {single_cycles} for {batch} single runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
