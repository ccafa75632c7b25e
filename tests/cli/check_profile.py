#!/usr/bin/env python3
"""--profile (docs/debugging.md, "Profiling firmware").

    check_profile.py --vtpu VTPU --elf profile.elf --model NET.onnx --out DIR

Fails unless
- on tests/cli/profile.S, `inner` took 100 x 22 instructions and 100 x 42 cycles (the
  core's cost table, docs/core.md: 1 for li and addi, 3 for a taken branch and 1 for one
  not taken, 3 for ret) and `_start` 305 and 605 (li; 100 x jal 2, addi 1, bnez; li, la (2),
  sw 3 (its store's two cycles of latency)), and the profile's totals are the core's
  (`--stats`);
- the core's cycles are the same with and without --profile, for that program and for a
  network through the runtime (its report's cycles and retired instructions), whose
  profile's totals are the run's;
- a profile that cannot be written is refused before the run, in one line, exit 2, no file.
"""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path


def fail(why):
    sys.exit(f"FAIL: {why}")


def run(command, expect=0):
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    if done.returncode != expect:
        fail(f"{' '.join(map(str, command))}: exit {done.returncode}\n{done.stderr}")
    return done


def stats(stderr):
    return (int(re.search(r"core cycles: +([0-9]+)", stderr).group(1)),
            int(re.search(r"instructions retired: +([0-9]+)", stderr).group(1)))


def read_profile(path):
    text = Path(path).read_text()
    totals = re.search(r"# ([0-9]+) core cycles, ([0-9]+) instructions retired; profiled "
                       r"([0-9]+) cycles, ([0-9]+) instructions", text)
    if not totals:
        fail(f"{path}: no totals line")
    functions = {}
    for line in text.split("# by function\n", 1)[1].split("#\n# by address", 1)[0].splitlines():
        if line.startswith("#"):
            continue
        cycles, _, instructions, _, name = line.split()
        functions[name] = (int(instructions), int(cycles))
    return [int(g) for g in totals.groups()], functions


def main():
    p = argparse.ArgumentParser()
    for arg in ("--vtpu", "--elf", "--model", "--out"):
        p.add_argument(arg, required=True)
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    plain = stats(run([a.vtpu, "firmware", a.elf, "--stats"]).stderr)
    profile = out / "profile.txt"
    profiled = stats(run([a.vtpu, "firmware", a.elf, "--stats", "--profile", profile]).stderr)
    if profiled != plain:
        fail(f"core cycles and instructions {profiled} with --profile, {plain} without")
    (cycles, instructions, p_cycles, p_instructions), functions = read_profile(profile)
    if (cycles, instructions) != plain or (p_cycles, p_instructions) != plain:
        fail(f"profile totals {cycles, instructions, p_cycles, p_instructions}, core {plain}")
    expected = {"inner": (100 * 22, 100 * (1 + 9 * (1 + 3) + (1 + 1) + 3)),
                "_start": (1 + 3 * 100 + 4, 1 + 100 * (2 + 1 + 3) - 2 + 1 + 2 + 3)}
    for name, want in expected.items():
        if functions.get(name) != want:
            fail(f"{name}: (instructions, cycles) {functions.get(name)}, expected {want}")
    inner = functions["inner"]

    reports = {}
    for name, extra in (("plain", []), ("profiled", ["--profile", out / "net.txt"])):
        report = out / f"{name}.json"
        run([a.vtpu, "run", a.model, "--input", "random:0", "--report", report, *extra])
        reports[name] = json.loads(report.read_text())
    figures = {k: (r["cycles"], r["core_instructions"]) for k, r in reports.items()}
    if figures["plain"] != figures["profiled"]:
        fail(f"network (cycles, instructions) {figures}")
    (cycles, instructions, p_cycles, p_instructions), functions = read_profile(out / "net.txt")
    if (instructions != reports["plain"]["core_instructions"]
            or (p_cycles, p_instructions) != (cycles, instructions)
            or cycles < reports["plain"]["cycles"]):
        fail(f"network profile totals {cycles, instructions, p_cycles, p_instructions}, "
             f"report {figures['plain']}")
    if "kq_matmul_emit" not in functions:
        fail("the runtime's profile names no kq_matmul_emit")

    missing = "/nonexistent/profile.txt"
    refused = run([a.vtpu, "firmware", a.elf, "--profile", missing], expect=2)
    if not re.fullmatch(r"vtpu: --profile /nonexistent/profile.txt: cannot write in "
                        r"/nonexistent\n", refused.stderr):
        fail(f"refusal: {refused.stderr!r}")
    print(f"PASS profile: inner (instructions, cycles) {inner}, network (cycles, instructions) "
          f"{figures['plain']}")


if __name__ == "__main__":
    main()
