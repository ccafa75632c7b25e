"""What the end-to-end checkers of this folder share: a list of failures
that ends the check with one PASS line or the FAIL lines, and a model the
compiler refuses (for the reports and sweeps of failed runs)."""

import argparse
import subprocess
import sys
from pathlib import Path

FAILURES = []


def run(cmd, expect=0):
    """Runs `cmd` (its items as strings); exits with a FAIL line unless it exits
    `expect`. Returns the completed process."""
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if done.returncode != expect:
        sys.exit(f"FAIL: {' '.join(map(str, cmd))} exited {done.returncode}: {done.stderr.strip()}")
    return done


def network_args(flags=()):
    """--vtpu, --model, --config and --out of a checker of one network on one
    chip (and --set PATH=VALUE overrides of it, as `sets`: the vtpu arguments;
    and the checker's own yes/no `flags`, "--name" each); returns them and the
    output folder, made."""
    p = argparse.ArgumentParser()
    for arg in ("--vtpu", "--model", "--config", "--out"):
        p.add_argument(arg, required=True)
    for flag in flags:
        p.add_argument(flag, action="store_true")
    p.add_argument("--set", action="append", default=[], dest="overrides")
    a = p.parse_args()
    a.sets = [arg for s in a.overrides for arg in ("--set", s)]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    return a, out


def expect(ok, what):
    """Records `what` as a failure unless `ok`."""
    if not ok:
        FAILURES.append(what)


def finish(passed):
    """Prints the failures, or `passed` after PASS; the exit status."""
    for f in FAILURES:
        print("FAIL:", f)
    if not FAILURES:
        print("PASS", passed)
    return 1 if FAILURES else 0


def unsupported_model(path, node="the_mod"):
    """A one-node ONNX model of Mod (which vtpu does not compile) at `path`."""
    import onnx
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])
    relu = helper.make_node("Relu", ["x"], ["r"], name="relu")
    mod = helper.make_node("Mod", ["r", "r"], ["y"], name=node, fmod=1)
    graph = helper.make_graph([relu, mod], "g", [x], [y])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


if __name__ == "__main__":
    sys.exit("a module for the checkers of tests/networks")
