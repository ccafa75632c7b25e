#!/usr/bin/env python3
"""Checks a `vtpu run --vcd` waveform file: the interrupt lines, the units' busy
flags and queue depths are declared, and the MXU and DMA busy flags rise at
least MIN times.

    python3 check_vcd.py FILE.vcd [--min 5]
"""

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vcd")
    parser.add_argument("--min", type=int, default=5)
    args = parser.parse_args()
    ids = {}
    rises = {}
    for line in open(args.vcd):
        parts = line.split()
        if parts[:1] == ["$var"] and len(parts) >= 5:
            ids[parts[3]] = parts[4]
        elif len(parts) == 1 and parts[0][:1] == "1" and parts[0][1:] in ids:
            name = ids[parts[0][1:]]
            rises[name] = rises.get(name, 0) + 1
    names = set(ids.values())
    missing = [n for n in ("meip", "irq10", "dma_busy", "mxu_busy", "vpu_busy",
                           "dma_queue_depth", "mxu_queue_depth", "vpu_queue_depth")
               if n not in names]
    print(f"{len(names)} signals; rises: dma_busy {rises.get('dma_busy', 0)}, "
          f"mxu_busy {rises.get('mxu_busy', 0)}, vpu_busy {rises.get('vpu_busy', 0)}, "
          f"irq10 {rises.get('irq10', 0)}")
    if missing:
        print("FAIL: missing", " ".join(missing))
        return 1
    if rises.get("mxu_busy", 0) < args.min or rises.get("dma_busy", 0) < args.min:
        print("FAIL: the busy flags hardly move")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
