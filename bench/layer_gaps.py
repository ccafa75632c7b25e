#!/usr/bin/env python3
"""Gaps between layers in a `vtpu run --trace` timeline (docs/compiler.md, "Mapping").

    python3 bench/layer_gaps.py TRACE.json CLOCK_MHZ

For each pair of consecutive layers: the core cycles from the previous layer's last
accelerator instruction ending to the next layer's first one starting. Prints the
count, median, smallest and largest gap.
"""

import json
import statistics
import sys


def main() -> int:
    trace, clock_mhz = sys.argv[1], float(sys.argv[2])
    events = [e for e in json.load(open(trace))["traceEvents"] if e.get("ph") == "X"]
    layers = sorted((e for e in events if e.get("tid") == 1), key=lambda e: e["ts"])
    units = [e for e in events if e.get("tid") in (2, 3, 4)]  # DMA, MXU, VPU queues

    def inside(layer):
        return [e for e in units if layer["ts"] <= e["ts"] <= layer["ts"] + layer["dur"]]

    gaps = []
    for before, after in zip(layers, layers[1:]):
        a, b = inside(before), inside(after)
        if a and b:
            end = max(e["ts"] + e["dur"] for e in a)
            gaps.append((min(e["ts"] for e in b) - end) * clock_mhz)  # us -> cycles
    if not gaps:
        sys.exit(f"{trace}: no two layers with accelerator instructions")
    print(f"{len(gaps)} gaps: median {statistics.median(gaps):,.0f} core cycles, "
          f"min {min(gaps):,.0f}, max {max(gaps):,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
