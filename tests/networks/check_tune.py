#!/usr/bin/env python3
"""--tune (docs/compiler.md, "Tuning") on one network and chip.

    check_tune.py --vtpu VTPU --model NET.onnx --config C --out DIR

Compiles the network with --tune --explain and without, then runs on a seeded input,
each with --check (every output byte equal to the host reference's): the untuned
program as it is (two buffer sets everywhere) and with runtime.double_buffering off (one
everywhere, set on the chip rather than per layer), and the tuned program. Fails unless
- the explain's cycles for two and for one buffer sets are those two runs' (the layer
  flag and the chip's setting give the same tiling), and its kept cycles the tuned run's;
- the tuned run is no slower than either, and kept is the least of the three the explain
  names (two, one, per layer);
- the tuned run's report marks one_buffer on the layers of the nodes the explain lists,
  and on no other.
"""

import json
import re
import sys

from checklist import network_args, run


def main() -> int:
    a, out = network_args()
    chip = ["--config", a.config]
    explain = run([a.vtpu, "compile", a.model, *chip, "--tune", "--explain", "-o", out / "tuned.vtpu"]).stdout
    run([a.vtpu, "compile", a.model, *chip, "-o", out / "plain.vtpu"])
    m = re.search(r"two buffer sets ([0-9]+), one ([0-9]+), per layer ([0-9]+); kept ([0-9]+) "
                  r"\(([0-9]+) layers", explain)
    if not m:
        sys.exit(f"FAIL: no summary line in --explain:\n{explain}")
    two, one, per_layer, kept, count = (int(g) for g in m.groups())
    listed = {line.split("one buffer set: ", 1)[1] for line in explain.splitlines()
              if line.startswith("  one buffer set: ")}
    if len(listed) != count:
        sys.exit(f"FAIL: the explain lists {len(listed)} nodes, its summary says {count}")

    def simulate(name, exe, *sets):
        report = out / f"{name}.json"
        run([a.vtpu, "run", exe, *chip, *sets, "--input", "random:0", "--check", "--report", report])
        return json.loads(report.read_text())

    runs = {"two": simulate("two", out / "plain.vtpu"),
            "one": simulate("one", out / "plain.vtpu", "--set", "runtime.double_buffering=false"),
            "tuned": simulate("tuned", out / "tuned.vtpu")}
    cycles = {k: r["cycles"] for k, r in runs.items()}
    print(f"explain: two {two}, one {one}, per layer {per_layer}, kept {kept} ({count} layers); "
          f"runs: {cycles}")
    if (cycles["two"], cycles["one"], cycles["tuned"]) != (two, one, kept):
        sys.exit("FAIL: the explain's cycles are not the runs'")
    if kept != min(two, one, per_layer):
        sys.exit("FAIL: the kept program is not the fastest of the three")
    if cycles["tuned"] > min(cycles["two"], cycles["one"]):
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
