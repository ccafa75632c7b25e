#!/usr/bin/env python3
"""Checks a `vtpu run --report` on the edge chip against figures worked out by
hand from docs/observability.md's formulas and the chip's numbers: the edge
MXU is 32 x 32 (1024 MACs per cycle), its HBM one HBM2 pseudo-channel pair at
1 GHz (32 bytes per cycle); energies 0.3 pJ per int8 MAC, 1.25 pJ per SRAM
byte, 31.2 pJ per HBM byte.

    python3 check_report.py REPORT.json
"""

import json
import math
import sys


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-9)


def main() -> int:
    report = json.load(open(sys.argv[1]))
    failures = []
    if report["peak_macs_per_cycle"] != 1024 or report["peak_hbm_bytes_per_cycle"] != 32:
        failures.append("edge peaks: expected 1024 MACs and 32 HBM bytes per cycle")
    total_energy = 0.0
    for layer in report["layers"]:
        cycles, macs = layer["cycles"], layer["macs"]
        hbm = layer["hbm_read_bytes"] + layer["hbm_write_bytes"]
        expected = {
            "mxu_utilization": macs / (cycles * 1024),
            "hbm_gbps": hbm / (cycles * 1e-9) / 1e9,
            "arithmetic_intensity": macs / hbm if hbm else 0.0,
            "roofline_cycles": max(macs / 1024, hbm / 32),
            "energy_uj": (layer["mxu_macs"] * 0.3 +
                          (layer["dma_bytes"] + 8 * layer["vpu_elements"]) * 1.25 +
                          hbm * 31.2) * 1e-6,
        }
        bound = "compute" if macs and macs / 1024 >= hbm / 32 else "memory"
        for key, value in expected.items():
            if not close(layer[key], value):
                failures.append(f"layer {layer['index']} {key}: {layer[key]} != {value}")
        if layer["bound"] != bound:
            failures.append(f"layer {layer['index']} bound: {layer['bound']} != {bound}")
        total_energy += expected["energy_uj"]
    if not close(report["energy_uj"], total_energy):
        failures.append(f"energy_uj {report['energy_uj']} != {total_energy}")
    gemms = [l for l in report["layers"] if l["op"] in ("Gemm", "Conv")]
    print(f"{len(report['layers'])} layers checked; e.g. {gemms[0]['name']}: "
          f"utilization {gemms[0]['mxu_utilization']:.4f}, {gemms[0]['hbm_gbps']:.2f} GB/s, "
          f"intensity {gemms[0]['arithmetic_intensity']:.2f} MAC/B, {gemms[0]['bound']}-bound, "
          f"{gemms[0]['energy_uj']:.3f} uJ; total {report['energy_uj']:.2f} uJ")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
