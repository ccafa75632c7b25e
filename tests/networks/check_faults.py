#!/usr/bin/env python3
"""Injected DRAM ECC faults through a whole run (docs/faults.md).

    python3 check_faults.py VTPU MODEL INPUT.npy OUT_DIR corrected|uncorrected|abort|stuck|watchdog|upsets

corrected: with a single-bit error in 5 % of read bursts, the outputs are
byte-identical to a run without faults, the cycles the same, the errors
counted. uncorrected: with double-bit errors in 2 % of read bursts, the run
stops with status 3 and one line naming a layer and the uncorrectable memory
error; a second run gives the same line (the faults are seeded); the report
says so; another seed fails elsewhere or not at all. abort: the same with
DMA copies aborted (10 % of copies; the runtime retries its own), "copy
aborted" named. stuck: an MXU, VPU or DMA that never finishes its third
instruction ends the run at once (no hang) with status 3, naming the queue,
the instruction and its layer, which the report names too. watchdog: with
runtime.watchdog_us=20 and no fault the outputs are those of the clean run;
with each unit stuck the firmware's watchdog ends the run (status 3), naming
the layer the report names and the stuck unit's queue among those with
unfinished work. upsets: bit flips in
VMEM and AMEM at 1e5 and 1e4 per ms: the run completes in the clean run's
cycles, its outputs corrupted, the report's counts within 5 sigma of rate x
simulated time (Poisson), the same outputs and counts again, others with
another seed.
"""

import json
import os
import shutil
import subprocess
import sys

from checklist import expect, finish


def run(vtpu, model, data, out, *sets):
    args = [vtpu, "run", model, "--input", data, "--output-dir", out, "--report",
            os.path.join(out, "r.json")]
    for s in sets:
        args += ["--set", s]
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def main() -> int:
    vtpu, model, data, out, mode = sys.argv[1:6]
    shutil.rmtree(out, ignore_errors=True)
    clean = run(vtpu, model, data, os.path.join(out, "clean"))
    expect(clean.returncode == 0, f"clean run: {clean.stderr}")
    base = json.load(open(os.path.join(out, "clean", "r.json")))
    expect(base["hbm_corrected_errors"] == 0 and base["hbm_uncorrected_errors"] == 0,
           "faults counted without faults")
    if mode == "corrected":
        faulty = run(vtpu, model, data, os.path.join(out, "faulty"),
                     "faults.hbm_corrected_per_access=0.05")
        expect(faulty.returncode == 0, f"corrected errors stopped the run: {faulty.stderr}")
        r = json.load(open(os.path.join(out, "faulty", "r.json")))
        expect(r["hbm_corrected_errors"] > 0 and r["hbm_uncorrected_errors"] == 0,
               f"counts {r['hbm_corrected_errors']}, {r['hbm_uncorrected_errors']}")
        expect(r["cycles"] == base["cycles"], f"cycles {r['cycles']} != {base['cycles']}")
        for f in os.listdir(os.path.join(out, "clean")):
            if f.endswith(".npy"):
                same = open(os.path.join(out, "clean", f), "rb").read() == \
                    open(os.path.join(out, "faulty", f), "rb").read()
                expect(same, f"{f} differs with corrected errors")
        return finish(f"corrected ECC errors: {r['hbm_corrected_errors']} counted, outputs "
                      "and cycles unchanged")
    if mode == "upsets":
        rates = {"vmem": 1e5, "amem": 1e4}
        sets = [f"faults.{m}_upsets_per_ms={v:g}" for m, v in rates.items()]
        seen = []
        for attempt, seed in enumerate((1, 1, 2)):
            d = os.path.join(out, f"upsets{attempt}")
            hit = run(vtpu, model, data, d, *sets, f"faults.seed={seed}")
            expect(hit.returncode == 0, f"upsets: exit {hit.returncode}: {hit.stderr}")
            r = json.load(open(os.path.join(d, "r.json")))
            # Timing does not depend on data; the upsets' process may only reorder requests
            # that reach a memory port at the same time (docs/faults.md): a few cycles.
            expect(abs(r["cycles"] - base["cycles"]) <= base["cycles"] // 1000,
                   f"upsets changed the cycles: {r['cycles']} against {base['cycles']}")
            ms = r["simulated_time_ns"] / 1e6
            for memory, rate in rates.items():
                mean, got = rate * ms, r["sram_upsets"][memory]
                expect(abs(got - mean) <= 5 * mean ** 0.5, f"{memory}: {got} upsets, {mean:.0f} expected")
            expect(r["sram_upsets"]["core_ram"] == 0, "core RAM upsets without a rate")
            outputs = b"".join(open(os.path.join(d, f), "rb").read()
                               for f in sorted(os.listdir(d)) if f.endswith(".npy"))
            seen.append((outputs, r["sram_upsets"]))
        clean_outputs = b"".join(open(os.path.join(out, "clean", f), "rb").read()
                                 for f in sorted(os.listdir(os.path.join(out, "clean")))
                                 if f.endswith(".npy"))
        expect(seen[0][0] != clean_outputs, "outputs unchanged by thousands of upsets")
        expect(seen[0] == seen[1], "the same seed gave other upsets")
        expect(seen[0] != seen[2], "another seed gave the same upsets")
        return finish(f"SRAM upsets: {seen[0][1]}, outputs corrupted, seeded, cycles within 0.1 %")
    if mode == "watchdog":
        watched = run(vtpu, model, data, os.path.join(out, "watched"), "runtime.watchdog_us=20")
        expect(watched.returncode == 0, f"the watchdog fired on a healthy run: {watched.stderr}")
        for f in os.listdir(os.path.join(out, "clean")):
            if f.endswith(".npy"):
                same = open(os.path.join(out, "clean", f), "rb").read() == \
                    open(os.path.join(out, "watched", f), "rb").read()
                expect(same, f"{f} differs with the watchdog on")
        layers = [l["name"] for l in base["layers"]]
        for unit, queue in (("mxu", "MXU"), ("vpu", "VPU"), ("dma", "DMA")):
            stuck = run(vtpu, model, data, os.path.join(out, unit), f"faults.{unit}_stuck_after=3",
                        "runtime.watchdog_us=20")
            err = stuck.stderr.strip().splitlines()
            expect(stuck.returncode == 3, f"{unit}: exit {stuck.returncode}, expected 3")
            expect(len(err) == 1 and err[0].startswith("vtpu: layer ")
                   and "the firmware's watchdog: no accelerator instruction finished in 20 us"
                   in err[0] and queue in err[0].split("unfinished work:")[-1].replace(",", " ")
                   .split(), f"{unit}: stderr {err}")
            index = int(err[0].split()[2]) if err else -1
            r = json.load(open(os.path.join(out, unit, "r.json")))
            expect(r["status"] == "error" and 0 <= index < len(layers)
                   and r["error"].get("layer") == layers[index],
                   f"{unit}: report layer {r['error'].get('layer')}, message layer {index}")
        return finish("watchdog: silent on a healthy run; names the layer and queues of a stuck unit")
    if mode == "stuck":
        layers = [l["name"] for l in base["layers"]]
        for unit, queue, op in (("mxu", "MXU", "MATMUL"), ("vpu", "VPU", "VPU"),
                                ("dma", "DMA", "DMA")):
            stuck = run(vtpu, model, data, os.path.join(out, unit), f"faults.{unit}_stuck_after=3")
            err = stuck.stderr.strip().splitlines()
            expect(stuck.returncode == 3, f"{unit}: exit {stuck.returncode}, expected 3")
            expect(len(err) == 1 and err[0].startswith("vtpu: deadlock: ")
                   and f"unfinished: the {queue} queue's {op} of layer " in err[0],
                   f"{unit}: stderr {err}")
            r = json.load(open(os.path.join(out, unit, "r.json")))
            index = int(err[0].split(" of layer ")[1].split()[0]) if err else -1
            expect(r["status"] == "error" and 0 <= index < len(layers)
                   and r["error"].get("layer") == layers[index],
                   f"{unit}: report layer {r['error'].get('layer')}, message layer {index}")
        return finish("stuck units: the run ends, naming the queue, the instruction and the layer")
    fault, named = (("faults.hbm_uncorrected_per_access=0.02", "uncorrectable memory error")
                    if mode == "uncorrected" else ("faults.dma_abort_per_copy=0.1", "copy aborted"))
    lines = []
    for attempt in range(2):
        faulty = run(vtpu, model, data, os.path.join(out, f"faulty{attempt}"), fault)
        err = faulty.stderr.strip().splitlines()
        expect(faulty.returncode == 3, f"exit {faulty.returncode}, expected 3")
        expect(len(err) >= 1 and err[-1].startswith("vtpu: layer ") and named in err[-1],
               f"stderr {err}")
        lines.append(err[-1] if err else "")
        r = json.load(open(os.path.join(out, f"faulty{attempt}", "r.json")))
        expect(r["status"] == "error" and r["error"]["exit_code"] == 3
               and r["error"].get("layer")
               and (r["hbm_uncorrected_errors"] >= 1) == (mode == "uncorrected"),
               f"report {r.get('error')}, {r['hbm_uncorrected_errors']}")
        expect(not any(f.endswith(".npy") for f in os.listdir(os.path.join(out,
                                                                            f"faulty{attempt}"))),
               "outputs written by a failed run")
    expect(lines[0] == lines[1], f"two runs, two faults: {lines}")
    other = run(vtpu, model, data, os.path.join(out, "other"), fault, "faults.seed=99")
    expect(other.returncode == 0 or other.stderr.strip().splitlines()[-1] != lines[0],
           "another seed failed the same way")
    if mode == "abort":
        # Wherever an abort lands, the run ends as the contract says: a
        # layer's copy fails that layer (named); the runtime's own copies
        # through the registers are tried again, so the run then completes
        # with the clean run's outputs, never "without writing the result".
        for seed in range(1, 13):
            sub = os.path.join(out, f"seed{seed}")
            r = run(vtpu, model, data, sub, "faults.dma_abort_per_copy=0.05", f"faults.seed={seed}")
            err = r.stderr.strip().splitlines()
            if r.returncode == 0:
                for f in os.listdir(os.path.join(out, "clean")):
                    if f.endswith(".npy"):
                        expect(open(os.path.join(out, "clean", f), "rb").read() ==
                               open(os.path.join(sub, f), "rb").read(),
                               f"seed {seed}: {f} differs from the clean run's")
            else:
                expect(r.returncode == 3 and len(err) >= 1 and err[-1].startswith("vtpu: layer ")
                       and named in err[-1], f"seed {seed}: exit {r.returncode}, stderr {err}")
    return finish(f"{named}: {lines[0]}")


if __name__ == "__main__":
    sys.exit(main())
