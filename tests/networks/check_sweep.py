#!/usr/bin/env python3
"""`vtpu sweep` end to end (docs/experiments.md): a 24-point sweep (LeNet and
the MLP, int8 and bf16, six configs) interrupted part-way (Ctrl-C, then
SIGKILL) and resumed without redoing finished points; runs.csv and layers.csv checked against every
point's JSON report; --collect reproducing them; a failing network recorded
while the sweep goes on; bad specs refused before any run with one line
naming the field.

    python3 check_sweep.py VTPU LENET.onnx MLP.onnx OUT_DIR
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from checklist import expect, finish, unsupported_model

def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def reports(out):
    points = os.path.join(out, "points")
    return sorted(f for f in os.listdir(points) if f.endswith(".json")) if os.path.isdir(points) \
        else []


def check_csvs(out, expected_points):
    """runs.csv and layers.csv against the points' reports, field by field."""
    sweep = json.load(open(os.path.join(out, "sweep.json")))
    runs = list(csv.DictReader(open(os.path.join(out, "runs.csv"))))
    layers = list(csv.DictReader(open(os.path.join(out, "layers.csv"))))
    expect(len(runs) == expected_points == len(sweep["points"]),
           f"runs.csv has {len(runs)} rows, sweep.json {len(sweep['points'])} points, "
           f"expected {expected_points}")
    layer_rows = 0
    for row, point in zip(runs, sweep["points"]):
        report = json.load(open(os.path.join(out, "points", point["id"] + ".json")))
        expect(row["point"] == point["id"], f"row {row['point']} for point {point['id']}")
        expect(row["status"] == report["status"], f"{row['point']}: status")
        for key in ("cycles", "macs", "hbm_read_bytes", "hbm_write_bytes"):
            expect(int(row[key]) == report[key], f"{row['point']}: {key} {row[key]}")
        for key in ("simulated_time_ns", "mxu_utilization", "energy_uj", "wall_time_s"):
            expect(float(row[key]) == float(report[key]), f"{row['point']}: {key} {row[key]}")
        expect(row["precision"] == report["precision"], f"{row['point']}: precision")
        for axis, value in point["values"].items():
            expect(row[axis] == value, f"{row['point']}: {axis} {row[axis]} != {value}")
            expect(f"{axis}={value}" in report["config_overrides"],
                   f"{row['point']}: the report's overrides lack {axis}={value}")
        mine = [l for l in layers if l["point"] == point["id"]]
        expect(len(mine) == len(report["layers"]),
               f"{row['point']}: {len(mine)} layer rows for {len(report['layers'])} layers")
        for l, r in zip(mine, report["layers"]):
            expect(int(l["cycles"]) == r["cycles"] and l["name"] == r["name"]
                   and float(l["energy_uj"]) == float(r["energy_uj"]),
                   f"{row['point']}: layer {r['index']} row differs from the report")
        layer_rows += len(mine)
    expect(layer_rows == len(layers), f"layers.csv has {len(layers) - layer_rows} stray rows")
    return runs


def main() -> int:
    vtpu, lenet, mlp, out = sys.argv[1:5]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    spec = os.path.join(out, "sweep.textproto")
    results = os.path.join(out, "results")
    write(spec, f'''name: "resume"
networks: ["{lenet}", "{mlp}"]
precisions: ["int8", "bf16"]
axes {{ path: "mxu.rows" values: ["16", "32", "64"] }}
axes {{ path: "runtime.double_buffering" values: ["true", "false"] }}
''')

    # Stopped part-way, twice: by Ctrl-C (SIGINT to the process group: a
    # point caught mid-run reports itself interrupted) and by SIGKILL (as a
    # scheduler kills a job: nothing more is written); resumed each time.
    compiled, first_seen = {}, {}
    for stop, at_least in ((signal.SIGINT, 6), (signal.SIGKILL, 14)):
        sweep = subprocess.Popen([vtpu, "sweep", spec, "--out", results, "-j", "1"],
                                 stdout=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 120
        while len(reports(results)) < at_least and sweep.poll() is None \
                and time.time() < deadline:
            time.sleep(0.002)
        os.killpg(sweep.pid, stop)
        sweep.wait()
        time.sleep(0.2)  # the interrupted `vtpu run` writes its report
        done = {}
        for f in reports(results):
            report = json.load(open(os.path.join(results, "points", f)))
            if report.get("error", {}).get("exit_code") != 130:  # interrupted: to redo
                done[f] = os.stat(os.path.join(results, "points", f)).st_mtime_ns
                first_seen.setdefault(f, done[f])
        expect(at_least <= len(done) + 1 and len(done) < 24,
               f"{len(done)} points done when stopped by {stop.name}")
        for f in os.listdir(os.path.join(results, "compiled")):
            if f.endswith(".vtpu"):
                compiled.setdefault(f, os.stat(os.path.join(results, "compiled", f)).st_mtime_ns)
        if stop == signal.SIGINT:
            continue  # the SIGKILL run resumes this one
        resumed = subprocess.run([vtpu, "sweep", spec, "--out", results, "-j", "2"],
                                 capture_output=True, text=True)
        expect(resumed.returncode == 0,
               f"resumed sweep: exit {resumed.returncode}: {resumed.stderr}")
        expect(f"24 points, {len(done)} done, {24 - len(done)} to run" in resumed.stdout,
               f"resumed sweep said: {resumed.stdout.splitlines()[:1]}, {len(done)} done")
    for f, mtime in first_seen.items():
        expect(os.stat(os.path.join(results, "points", f)).st_mtime_ns == mtime,
               f"point {f} was redone")
    for f, mtime in compiled.items():
        expect(os.stat(os.path.join(results, "compiled", f)).st_mtime_ns == mtime,
               f"{f} was compiled again")
    runs = check_csvs(results, 24)
    expect(all(r["status"] == "ok" for r in runs), "a point of the resumed sweep failed")

    # A report that says its run was interrupted (what a `vtpu run` caught by
    # Ctrl-C mid-simulation writes) is not done: that point alone runs again.
    victim = os.path.join(results, "points", reports(results)[0])
    report = json.load(open(victim))
    report["status"] = "error"
    report["error"] = {"message": "interrupted by a signal at pc 0x80000000", "exit_code": 130}
    with open(victim, "w") as f:
        json.dump(report, f)
    again = subprocess.run([vtpu, "sweep", spec, "--out", results], capture_output=True, text=True)
    expect("24 points, 23 done, 1 to run" in again.stdout,
           f"after an interrupted report: {again.stdout.splitlines()[:1]}")
    expect(json.load(open(victim))["status"] == "ok", "the interrupted point was not redone")
    check_csvs(results, 24)

    # Its plots.
    subprocess.run([vtpu, "plot", results], check=True, capture_output=True)
    for name in ("pareto", "axis_mxu.rows", "axis_runtime.double_buffering", "axis_precision",
                 "layers_lenet_int8", "layers_mlp_bf16"):
        with open(os.path.join(results, name + ".png"), "rb") as f:
            expect(f.read(8) == b"\x89PNG\r\n\x1a\n", f"plot {name}.png")

    # --collect writes the same tables from the reports.
    before = {n: open(os.path.join(results, n)).read() for n in ("runs.csv", "layers.csv")}
    for n in before:
        os.remove(os.path.join(results, n))
    subprocess.run([vtpu, "sweep", "--collect", results], check=True)
    for n, text in before.items():
        expect(open(os.path.join(results, n)).read() == text, f"--collect: {n} differs")

    # A network the compiler refuses: its points fail, the others run.
    unsupported_model(os.path.join(out, "mod.onnx"))
    mixed = os.path.join(out, "mixed.textproto")
    write(mixed, f'networks: ["mod.onnx", "{mlp}"]\nprecisions: ["bf16"]\n'
                 'axes { path: "mxu.rows" values: ["16", "32"] }\n')
    done = subprocess.run([vtpu, "sweep", mixed, "--out", os.path.join(out, "mixed"), "-j", "2"],
                          capture_output=True, text=True)
    expect(done.returncode == 0, f"mixed sweep: exit {done.returncode}: {done.stderr}")
    runs = check_csvs(os.path.join(out, "mixed"), 4)
    for r in runs:
        failing = r["network"].endswith("mod.onnx")
        expect(r["status"] == ("error" if failing else "ok"), f"{r['point']}: {r['status']}")
        expect(not failing or (r["error_layer"] == "the_mod" and "Mod" in r["error"]),
               f"{r['point']}: error '{r['error']}' layer '{r['error_layer']}'")

    # Bad specs: one line naming the field, before anything runs.
    bad = {
        "unknown_path": ('axes { path: "mxu.rowz" values: ["16"] }',
                         "axes[0] 'mxu.rowz': --set mxu.rowz=16: unknown field 'mxu.rowz'"),
        "wrong_type": ('axes { path: "mxu.rows" values: ["many"] }',
                       "axes[0] 'mxu.rows': --set mxu.rows=many: 'many' is not a valid uint32"),
        "out_of_range": ('axes { path: "mxu.rows" values: ["16", "100000"] }',
                         "axes[0] 'mxu.rows': mxu.rows: 100000 is out of range"),
        "empty_axis": ('axes { path: "mxu.rows" }', "axes[0] 'mxu.rows': no values"),
        "unknown_network": ('networks: "nope.onnx"', "networks[1] 'nope.onnx': no such file"),
        "bad_precision": ('precisions: "fp8"', "precisions 'fp8': expected int8, bf16 or int4"),
        "spec_type": ('batches: "x"', "batches"),
        "unknown_field": ('colour: "red"', "unknown field 'colour'"),
        "zip_lengths": ('combine: "zip" axes { path: "mxu.rows" values: ["16", "32"] } '
                        'axes { path: "mxu.cols" values: ["16"] }', "zip needs as many"),
        # Samples of another network's shape: found before any point runs.
        "calibration_shape": (f'calibration: "{os.path.join(os.path.dirname(mlp), "lenet.calib")}"',
                              "calibration '"),
    }
    for name, (text, message) in bad.items():
        path = os.path.join(out, name + ".textproto")
        write(path, f'networks: "{mlp}"\n{text}\n')
        target = os.path.join(out, "bad_" + name)
        done = subprocess.run([vtpu, "sweep", path, "--out", target], capture_output=True,
                              text=True)
        lines = done.stderr.strip().splitlines()
        expect(done.returncode == 2 and len(lines) == 1 and message in lines[0]
               and lines[0].startswith(f"vtpu: {path}"),
               f"bad spec {name}: exit {done.returncode}, stderr {lines}")
        expect(not os.path.exists(target), f"bad spec {name}: {target} was made")

    return finish("sweep: resumed, tables match the reports, failures recorded, bad specs refused")


if __name__ == "__main__":
    sys.exit(main())
