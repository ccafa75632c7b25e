#!/usr/bin/env python3
"""--tune (docs/compiler.md, "Tuning") on one network and chip.

    check_tune.py --vtpu VTPU --model NET.onnx --config C --out DIR [--set PATH=VALUE ...]

Compiles the network with --tune --explain and without, then runs on a seeded input,
each with --check (every output byte equal to the host reference's): the untuned
program as it is (two buffer sets everywhere) and with runtime.double_buffering off (one
everywhere, set on the chip rather than per layer), and the tuned program. Fails unless
- the explain's cycles for two and for one buffer sets are those two runs' (the layer
  flag and the chip's setting give the same tiling), and its kept cycles the tuned run's;
- the tuned run is no slower than any uniform program, and kept is the least of the
  programs the explain names;
- the tuned run's report marks one_buffer on the layers of the nodes the explain lists,
  and on no other.
With mxu.dataflow auto (a --set), also the dataflow choice: the tuned program run on a
ws and on an os array (which ignore its named dataflows, the buffer choice unchanged)
gives the explain's cycles for every int8 product layer ws and os, and the tuned run's report
says each named layer ran its named dataflow; unless --may-name-none, at least one layer
must be named (where no layer's better dataflow differs from the array's pick nothing is
named, and only the explain's ws and os cycles are checked: the wide network's case, which
takes the tune's dataflow step under the sanitizers in seconds).
"""

import json
import re
import sys

from checklist import network_args, run


def summary(pattern, explain, what):
    m = re.search(pattern, explain)
    if not m:
        sys.exit(f"FAIL: no {what} line in --explain:\n{explain}")
    return [int(g) for g in m.groups()]


def main() -> int:
    a, out = network_args(flags=("--may-name-none",))
    chip = ["--config", a.config, *a.sets]
    auto = "mxu.dataflow=auto" in a.sets
    explain = run([a.vtpu, "compile", a.model, *chip, "--tune", "--explain", "-o",
                   out / "tuned.vtpu"]).stdout
    run([a.vtpu, "compile", a.model, *chip, "-o", out / "plain.vtpu"])
    two, one, per_layer, _ = summary(
        r"two buffer sets ([0-9]+), one ([0-9]+), per layer ([0-9]+) \(([0-9]+) layers", explain,
        "buffer sets")
    kept, count, named_ws, named_os = summary(
        r"kept ([0-9]+) \(([0-9]+) layers with one buffer set, ([0-9]+) named ws, ([0-9]+) "
        r"named os\)", explain, "kept")
    listed = {line.split("one buffer set: ", 1)[1] for line in explain.splitlines()
              if line.startswith("  one buffer set: ")}
    if len(listed) != count:
        sys.exit(f"FAIL: the explain lists {len(listed)} nodes, its summary says {count}")
    named = {}
    for line in explain.splitlines():
        m = re.match(r"  (ws|os): (.+)$", line)
        if m:
            named[m.group(2)] = m.group(1)
    if (sum(d == "ws" for d in named.values()), sum(d == "os" for d in named.values())) != \
            (named_ws, named_os):
        sys.exit(f"FAIL: the explain names {named}, its summary says {named_ws} ws, {named_os} os")

    def simulate(name, exe, *sets):
        report = out / f"{name}.json"
        run([a.vtpu, "run", exe, *chip, *sets, "--input", "random:0", "--check", "--report",
             report])
        return json.loads(report.read_text())

    runs = {"two": simulate("two", out / "plain.vtpu"),
            "one": simulate("one", out / "plain.vtpu", "--set", "runtime.double_buffering=false"),
            "tuned": simulate("tuned", out / "tuned.vtpu")}
    candidates = [two, one, per_layer]
    if auto:
        picked, in_ws, in_os, mixed, ahead = summary(
            r"pick per MATMUL ([0-9]+), every int8 product layer ws ([0-9]+), os ([0-9]+), per "
            r"layer ([0-9]+), per layer 1 % ahead ([0-9]+)", explain, "dataflow")
        runs["ws"] = simulate("ws", out / "tuned.vtpu", "--set", "mxu.dataflow=ws")
        runs["os"] = simulate("os", out / "tuned.vtpu", "--set", "mxu.dataflow=os")
        if (runs["ws"]["cycles"], runs["os"]["cycles"]) != (in_ws, in_os):
            sys.exit(f"FAIL: the explain's ws and os cycles {in_ws}, {in_os} are not the runs' "
                     f"{runs['ws']['cycles']}, {runs['os']['cycles']}")
        if picked != min(two, one, per_layer):
            sys.exit("FAIL: the dataflow choice did not start from the buffer choice's program")
        candidates += [in_ws, in_os, picked] + [c for c in (mixed, ahead) if c]
        if not named and not a.may_name_none:
            sys.exit("FAIL: no layer named a dataflow, so the ws and os runs checked nothing")
        # (A layer's counters are read at the boundaries the core sees, so a
        # neighbour's first or last MATMULs may show beside its own.)
        ran = {layer["name"]: layer.get("dataflow", "") for layer in runs["tuned"]["layers"]}
        wrong = {node: (d, ran.get(node)) for node, d in named.items()
                 if d not in ran.get(node, "").split("+")}
        if wrong:
            sys.exit(f"FAIL: named layers ran another dataflow (named, ran): {wrong}")
    elif named:
        sys.exit("FAIL: layers named a dataflow on an array that runs one")
    cycles = {k: r["cycles"] for k, r in runs.items()}
    print(f"explain: two {two}, one {one}, per layer {per_layer}, kept {kept} ({count} layers, "
          f"{len(named)} named); runs: {cycles}")
    if (cycles["two"], cycles["one"], cycles["tuned"]) != (two, one, kept):
        sys.exit("FAIL: the explain's cycles are not the runs'")
    if kept != min(candidates):
        sys.exit(f"FAIL: the kept program is not the fastest of {candidates}")
    if cycles["tuned"] > min(c for k, c in cycles.items() if k != "tuned"):
        sys.exit("FAIL: the tuned program is slower than one of the uniform ones")
    marked = {layer["name"] for layer in runs["tuned"]["layers"] if layer.get("one_buffer")}
    if marked != listed:
        sys.exit(f"FAIL: the report marks {sorted(marked)}, the explain lists {sorted(listed)}")
    if any(layer.get("one_buffer") for layer in runs["two"]["layers"]):
        sys.exit("FAIL: the untuned program has layers marked one_buffer")
    print("PASS tune")
    return 0


if __name__ == "__main__":
    sys.exit(main())
