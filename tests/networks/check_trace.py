#!/usr/bin/env python3
"""Checks a `vtpu run --trace` timeline against its report (docs/observability.md).

    python3 check_trace.py TRACE.json REPORT.json --clock-mhz F

The JSON must parse as Chrome trace events; DMA (either queue: activations and
gathers, or weights) and MXU instruction slices must overlap in time (double
buffering at work; the overlap is printed); the layer
slices must be one per report layer and their durations must add up to the
report's layer cycles at the clock (within 1 %); every instruction must carry
its layer (`args.tag`, a report layer's index, never decreasing along a queue),
the median gap between one layer's last instruction and the next one's
first must be at most 2,000 core cycles (layer pipelining, docs/firmware.md),
and at least --min-prefetched layers (default 1) must have their weights start
loading (the DMA1 queue) while the layer before is still at work (weight
prefetch, docs/firmware.md). Exit 0 on success, 1 otherwise.
"""

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from layer_gaps import layer_gaps  # noqa: E402  (bench/, beside the tests)

MAX_MEDIAN_GAP = 2000  # core cycles


def merged(intervals):
    out = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return out


def intersection(a, b):
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0.0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def prefetched(events):
    """(layers whose weights came through DMA1, those whose first weight copy
    started before the layer before had ended)."""
    spans, weights = {}, {}
    for e in events:
        if e.get("ph") != "X" or e.get("tid") not in (2, 3, 4, 5):
            continue
        tag, start, end = e["args"]["tag"], e["ts"], e["ts"] + e["dur"]
        lo, hi = spans.get(tag, (start, end))
        spans[tag] = (min(lo, start), max(hi, end))
        if e["tid"] == 5:  # the DMA1 queue: weights
            weights[tag] = min(weights.get(tag, start), start)
    tags = sorted(spans)
    before = {after: prev for prev, after in zip(tags, tags[1:])}
    early = [t for t in weights if t in before and weights[t] < spans[before[t]][1]]
    return len(weights), len(early)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("report")
    parser.add_argument("--clock-mhz", type=float, required=True)
    parser.add_argument("--min-prefetched", type=int, default=1)
    args = parser.parse_args()
    events = json.load(open(args.trace))["traceEvents"]
    report = json.load(open(args.report))
    threads = {e["tid"]: e["args"]["name"] for e in events
               if e["ph"] == "M" and e["name"] == "thread_name"}
    slices = {}
    for e in events:
        if e["ph"] == "X":
            slices.setdefault(threads[e["tid"]], []).append((e["ts"], e["ts"] + e["dur"]))
    # Either DMA queue: with A read in place and activations resident, the
    # next tiles a layer loads behind the array are often its weights (DMA1).
    dma = merged(slices.get("DMA queue", []) + slices.get("DMA1 queue", []))
    mxu = merged(slices.get("MXU queue", []))
    overlap = intersection(dma, mxu)
    busy_mxu = sum(e - s for s, e in mxu)
    layers = slices.get("core: layers", [])
    traced_us = sum(e - s for s, e in layers)
    report_us = sum(l["cycles"] for l in report["layers"]) / args.clock_mhz
    print(f"{len(events)} events; DMA and MXU overlap {overlap:.1f} us "
          f"({100 * overlap / busy_mxu:.1f} % of MXU busy time); {len(layers)} layer slices, "
          f"{traced_us:.1f} us, report {report_us:.1f} us")
    ok = True
    if overlap <= 0:
        print("FAIL: DMA and MXU slices never overlap")
        ok = False
    if len(layers) != len(report["layers"]):
        print(f"FAIL: {len(layers)} layer slices for {len(report['layers'])} report layers")
        ok = False
    if abs(traced_us - report_us) > 0.01 * report_us:
        print("FAIL: layer slices and report cycles differ by more than 1 %")
        ok = False
    for tid in (2, 3, 4):
        tags = [e["args"].get("tag") for e in sorted(
            (e for e in events if e["ph"] == "X" and e["tid"] == tid), key=lambda e: e["ts"])]
        if any(t is None or not 0 <= t < len(report["layers"]) for t in tags):
            print(f"FAIL: {threads[tid]}: an instruction without a layer's tag")
            ok = False
        elif tags != sorted(tags):
            print(f"FAIL: {threads[tid]}: layer tags go backwards")
            ok = False
    gaps = layer_gaps(events, args.clock_mhz)
    median = statistics.median(gaps) if gaps else float("inf")
    print(f"layer gaps: median {median:,.0f} core cycles over {len(gaps)} boundaries")
    if median > MAX_MEDIAN_GAP:
        print(f"FAIL: median layer gap above {MAX_MEDIAN_GAP} core cycles")
        ok = False
    with_weights, early = prefetched(events)
    print(f"weight prefetch: {early} of {with_weights} layers' weights started loading "
          "while the layer before was at work")
    if early < args.min_prefetched:
        print(f"FAIL: fewer than {args.min_prefetched} layers' weights prefetched")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
