#!/usr/bin/env python3
"""What 2:4 sparsity and int4 weights buy on the chip (docs/compiler.md, "Compression").

    python3 bench/compression.py --vtpu build/vtpu --networks build/networks [CASE ...]

A CASE is NETWORK:BATCH:CONFIG (default: ResNet-50 at batch 1 and 8 on tpuv3-like,
ResNet-18 on edge). Each is run three times with `vtpu run --check` (every output byte
equal to the host reference's): int8 with dense weights, with `--sparsity 2:4` and with
`--precision int4`. Printed per run: the simulated cycles, the HBM bytes read, the
convolutions' time (the sum of the cycles of the report's Conv and Conv+Add layers) and
their MXU busy cycles, each against the dense run's.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_CASES = ["resnet50:1:tpuv3-like", "resnet50:8:tpuv3-like", "resnet18:1:edge"]
FORMATS = [("dense", []), ("2:4", ["--sparsity", "2:4"]), ("int4", ["--precision", "int4"])]


def run(args, net: str, batch: int, config: str, flags: list, tmp: Path) -> dict:
    model = args.networks / f"{net}.onnx"
    if not model.exists():
        generate = Path(__file__).parent.parent / "tests/networks/generate.py"
        subprocess.run([sys.executable, str(generate), str(args.networks), "--only", net],
                       check=True, stdout=subprocess.DEVNULL)
    cmd = [str(args.vtpu), "run", str(model), "--config", config, "--input", "random:0",
           "--output-dir", str(tmp), "--report", str(tmp / "r.json"), "--check"] + flags
    if batch != 1:
        cmd += ["--batch", str(batch)]
    calib = args.networks / f"{net}.calib"
    if calib.is_dir():
        cmd += ["--calibration", str(calib)]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"compression: {' '.join(cmd)}: {done.stderr.strip()}")
    report = json.loads((tmp / "r.json").read_text())
    # Conv layers, those with a residual Add fused into them (Conv+Add) included.
    convs = [l for l in report["layers"] if l["op"].startswith("Conv")]
    return {"cycles": report["cycles"], "hbm_read_bytes": report["hbm_read_bytes"],
            "conv_cycles": sum(l["cycles"] for l in convs),
            "conv_mxu_busy": sum(l["mxu_busy_cycles"] for l in convs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vtpu", required=True, type=Path)
    parser.add_argument("--networks", required=True, type=Path)
    parser.add_argument("cases", nargs="*", default=DEFAULT_CASES)
    args = parser.parse_args()
    print("| network | batch | config | weights | cycles | HBM read MB | conv cycles | "
          "conv / dense | conv MXU busy / dense |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            net, batch, config = case.split(":")
            dense = None
            for name, flags in FORMATS:
                r = run(args, net, int(batch), config, flags, Path(tmp))
                dense = dense or r
                print(f"| {net} | {batch} | {config} | {name} | {r['cycles']:,} | "
                      f"{r['hbm_read_bytes'] / 1e6:.1f} | {r['conv_cycles']:,} | "
                      f"{r['conv_cycles'] / dense['conv_cycles']:.3f} | "
                      f"{r['conv_mxu_busy'] / dense['conv_mxu_busy']:.3f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
