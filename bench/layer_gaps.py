#!/usr/bin/env python3
"""Gaps between layers in a `vtpu run --trace` timeline (docs/compiler.md, "Mapping").

    python3 bench/layer_gaps.py TRACE.json CLOCK_MHZ

Each accelerator instruction carries its layer as `args.tag` (the runtime writes the
layer index to the command processor's TAG register before releasing the layer). For
each pair of consecutive layers with instructions: the core cycles from the previous
layer's last instruction ending to the next layer's first one starting (negative if
the next layer's first instruction started while the previous layer was still at
work). Prints the count, median, smallest and largest gap.
"""

import json
import statistics
import sys


def layer_gaps(events, clock_mhz: float):
    """The gaps, in core cycles, between consecutive layers' instructions."""
    layers = {}
    for e in events:
        if e.get("ph") == "X" and e.get("tid") in (2, 3, 4):  # DMA, MXU, VPU queues
            layers.setdefault(e["args"]["tag"], []).append(e)
    tags = sorted(layers)
    gaps = []
    for before, after in zip(tags, tags[1:]):
        end = max(e["ts"] + e["dur"] for e in layers[before])
        gaps.append((min(e["ts"] for e in layers[after]) - end) * clock_mhz)  # us -> cycles
    return gaps


def main() -> int:
    trace, clock_mhz = sys.argv[1], float(sys.argv[2])
    gaps = layer_gaps(json.load(open(trace))["traceEvents"], clock_mhz)
    if not gaps:
        sys.exit(f"{trace}: no two layers with accelerator instructions")
    print(f"{len(gaps)} gaps: median {statistics.median(gaps):,.0f} core cycles, "
          f"min {min(gaps):,.0f}, max {max(gaps):,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
