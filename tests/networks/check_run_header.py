#!/usr/bin/env python3
"""Checks that a `vtpu run` report, timeline, transaction trace and MXU
stimulus describe their run (docs/compiler.md "Report", docs/observability.md),
and that a refused or failed run still writes its report with the status.

    python3 check_run_header.py VTPU SOURCE_DIR MODEL.onnx OUT_DIR

Every expected value comes from outside the report: the file's SHA-256 from
hashlib, the config from the command line, the DRAM prices from the papers
docs/observability.md cites (HBM2 3.9 pJ/bit, DDR3 20.3 pJ/bit), the error
line from vtpu's stderr, the version's commit from git.
"""

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys

from checklist import expect, finish, unsupported_model

def run(vtpu, *args):
    return subprocess.run([vtpu, "run", *args], capture_output=True, text=True)


def load(path):
    with open(path) as f:
        return json.load(f)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_version(version, source):
    expect(version and version != "unknown", f"vtpu_version '{version}'")
    if not os.path.isdir(os.path.join(source, ".git")):
        return  # a source tarball: the build says "unknown"
    commit = version.removesuffix("-dirty").split("-g")[-1]
    known = subprocess.run(["git", "-C", source, "cat-file", "-e", commit + "^{commit}"],
                           capture_output=True).returncode == 0
    expect(known, f"vtpu_version '{version}' names no commit of {source}")


def energy_uj(layer, dram_pj_per_byte):
    hbm = layer["hbm_read_bytes"] + layer["hbm_write_bytes"]
    on_chip = layer["dma_bytes"] + 8 * layer["vpu_elements"]
    return (layer["mxu_macs"] * 0.3 + on_chip * 1.25 + hbm * dram_pj_per_byte) * 1e-6


def check_energy(report, pj_per_bit, source_start, what):
    expect(math.isclose(report["dram_pj_per_bit"], pj_per_bit, rel_tol=1e-9),
           f"{what}: dram_pj_per_bit {report['dram_pj_per_bit']} != {pj_per_bit}")
    expect(report["dram_energy_source"].startswith(source_start),
           f"{what}: dram_energy_source '{report['dram_energy_source']}'")
    for layer in report["layers"]:
        want = energy_uj(layer, 8 * pj_per_bit)
        expect(math.isclose(layer["energy_uj"], want, rel_tol=1e-6, abs_tol=1e-12),
               f"{what}: layer {layer['index']} energy {layer['energy_uj']} != {want}")


def decode_stimulus_header(path, source):
    """The stimulus file's first message (a varint length, then the header)."""
    data = open(path, "rb").read()
    size, shift, at = 0, 0, 0
    while True:
        byte = data[at]
        size |= (byte & 0x7F) << shift
        at += 1
        shift += 7
        if byte < 0x80:
            break
    traces = os.path.join(source, "traces")
    out = subprocess.run(["protoc", "--decode=vtpu.trace.StimulusHeader", "-I", traces,
                          os.path.join(traces, "mxu_stimulus.proto")],
                         input=data[at:at + size], capture_output=True, check=True)
    return out.stdout.decode()


def main() -> int:
    vtpu, source, model, out = sys.argv[1:5]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    sets = ["mxu.rows=16", "hbm.preset=hbm3", f"mxu.record={out}/m.stim"]
    described = "edge" + "".join(f" --set {s}" for s in sets)

    # A run that ends well, with every file that describes it.
    args = [model, "--input", "random:3", "--report", f"{out}/ok.json", "--trace",
            f"{out}/trace.json", "--transactions", f"{out}/t.pb"]
    for s in sets:
        args += ["--set", s]
    done = run(vtpu, *args)
    expect(done.returncode == 0, f"ok run: exit {done.returncode}: {done.stderr}")
    r = load(f"{out}/ok.json")
    expect(r["status"] == "ok" and "error" not in r, f"ok run: status {r['status']}")
    check_version(r["vtpu_version"], source)
    expect(r["model"] == model, f"model {r['model']}")
    expect(r["model_name"] == os.path.splitext(os.path.basename(model))[0], "model_name")
    expect(r["model_sha256"] == sha256(model), "model_sha256 is not the file's SHA-256")
    expect(r["precision"] == "int8" and r["batch"] == 1, f"{r['precision']} batch {r['batch']}")
    expect(r["config"] == described, f"config '{r['config']}' != '{described}'")
    expect(r["config_name"] == "edge" and r["config_overrides"] == sets, "config overrides")
    effective = r["config_effective"]
    expect(effective["mxu"]["rows"] == 16 and effective["mxu"]["cols"] == 32, "effective mxu")
    expect(effective["hbm"]["preset"] == "hbm3", "effective hbm.preset")
    expect(effective["overrides"] == sets, "effective overrides")
    expect(r["peak_macs_per_cycle"] == 16 * 32, "peak MACs of the overridden array")
    check_energy(r, 3.9, "HBM2's 3.9 pJ/bit", "hbm3")
    other = load(f"{out}/trace.json")["otherData"]
    expect(other.get("vtpu_version") == r["vtpu_version"] and other.get("config") == described
           and other.get("model_sha256") == r["model_sha256"], f"timeline otherData {other}")
    summary = subprocess.run([vtpu, "trace", f"{out}/t.pb", "--summary"], capture_output=True,
                             text=True, check=True).stdout.splitlines()[0]
    workload = f"{model} (sha256 {sha256(model)}, int8, batch 1)"
    expect(summary == f"# {out}/t.pb: {described}, vtpu {r['vtpu_version']}, {workload}",
           f"trace summary header '{summary}'")
    header = decode_stimulus_header(f"{out}/m.stim", source)
    expect(f'config: "{described}"' in header and f'vtpu_version: "{r["vtpu_version"]}"'
           in header and f'workload: "{workload}"' in header and "rows: 16" in header and 'preset: \\"hbm3\\"' in header,
           f"stimulus header:\n{header}")

    # DDR3 is priced as DDR3, and the config can set its own price.
    done = run(vtpu, model, "--input", "random:3", "--config", "tpuv1-like", "--report",
               f"{out}/ddr3.json")
    expect(done.returncode == 0, f"tpuv1-like run: {done.stderr}")
    check_energy(load(f"{out}/ddr3.json"), 20.3, "Horowitz, ISSCC 2014", "ddr3-2133")
    done = run(vtpu, model, "--input", "random:3", "--set", "energy.hbm_pj_per_byte=100",
               "--report", f"{out}/priced.json")
    expect(done.returncode == 0, f"priced run: {done.stderr}")
    check_energy(load(f"{out}/priced.json"), 12.5, "energy.hbm_pj_per_byte", "set price")

    # Refused and failed runs write their report with the status.
    with open(f"{out}/overrides.textproto", "w") as f:
        f.write('name: "mine"\noverrides: "mxu.rows=8"\n')
    cases = [
        ("bad_set", ["--set", "mxu.rowz=16"], 2, None),
        ("bad_config", ["--config", f"{out}/overrides.textproto"], 2, None),
        # Cut short while booting (no layer: LeNet's first starts at 6.5 us),
        # and in a MATMUL (made 1000 times slower, so that the limit finds one
        # running): its layer, named by the message too.
        ("limit_boot", ["--max-time", "3us"], 4, None),
        ("limit", ["--max-time", "500us", "--set", "faults.mxu_slowdown=1000"], 4, "unfinished"),
        ("bad_input", ["--input", f"{out}/none.npy"], 2, None),
    ]
    for name, extra, code, layer in cases:
        path = f"{out}/{name}.json"
        args = [model, "--report", path] + extra
        if "--input" not in extra:
            args += ["--input", "random"]
        done = run(vtpu, *args)
        expect(done.returncode == code, f"{name}: exit {done.returncode}, expected {code}")
        if not os.path.exists(path):
            expect(False, f"{name}: no report")
            continue
        r = load(path)
        line = done.stderr.strip().removeprefix("vtpu: ")
        error = r.get("error", {})
        expect(r["status"] == "error" and error.get("message") == line
               and error.get("exit_code") == code, f"{name}: status {r['status']} {error}")
        if layer == "unfinished":
            names = [l["name"] for l in load(f"{out}/ok.json")["layers"]]
            index = int(line.split(" of layer ")[1].split()[0]) if " of layer " in line else -1
            expect("unfinished: the MXU queue's MATMUL of layer" in line and 0 <= index < len(names)
                   and error.get("layer") == names[index],
                   f"{name}: layer {error.get('layer')} for '{line}'")
        else:
            expect(("layer" in error) == (layer is not None),
                   f"{name}: layer {error.get('layer')}")
        expect(r["model_sha256"] == sha256(model), f"{name}: model_sha256")
        check_version(r["vtpu_version"], source)
        expect(not os.path.exists(f"{out}/{name}.json.partial"), f"{name}: partial file left")
    expect(load(f"{out}/bad_set.json")["config"] == "edge --set mxu.rowz=16", "bad_set config")

    # A compiler refusal names its node.
    unsupported_model(f"{out}/mod.onnx")
    done = run(vtpu, f"{out}/mod.onnx", "--input", "random", "--precision", "bf16", "--report",
               f"{out}/mod.json")
    r = load(f"{out}/mod.json")
    expect(done.returncode == 2 and r["status"] == "error"
           and r["error"].get("layer") == "the_mod" and r["precision"] == "bf16",
           f"unsupported operator: exit {done.returncode}, {r.get('error')}")

    return finish("run headers and status reports")


if __name__ == "__main__":
    sys.exit(main())
