#!/usr/bin/env python3
"""Checks a transaction trace against the run's report (docs/observability.md):
the DMA's bytes to and from HBM in `vtpu trace --summary` equal the report's
HBM bytes plus what the runtime itself moves (its 64-byte header, 128-byte
layers and tensor table read, its 128-byte layer results and 64-byte run
result written).

    python3 check_transactions.py VTPU TRACE REPORT.json
"""

import json
import subprocess
import sys


def main() -> int:
    vtpu, trace, report_path = sys.argv[1:4]
    report = json.load(open(report_path))
    out = subprocess.run([vtpu, "trace", trace, "--summary", "--initiator", "dma",
                          "--target", "hbm"], capture_output=True, text=True, check=True).stdout
    row = [line.split() for line in out.splitlines() if line.startswith("dma ")][0]
    traced = int(row[3])
    layers = len(report["layers"])
    runtime = 2 * (64 + 128 * layers) + report["activation_table_bytes"]
    expected = report["hbm_read_bytes"] + report["hbm_write_bytes"] + runtime
    print(f"traced DMA <-> HBM bytes {traced}, report {report['hbm_read_bytes']} + "
          f"{report['hbm_write_bytes']} + runtime {runtime} = {expected}")
    return 0 if traced == expected else 1


if __name__ == "__main__":
    sys.exit(main())
