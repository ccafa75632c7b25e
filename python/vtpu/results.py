"""Runs and sweeps through the binary, and their results as DataFrames."""

import json
import os
import tempfile

import pandas as pd

from vtpu._binary import VtpuError, call
from vtpu.config import Config


class Result:
    """One `vtpu run`: its JSON report (docs/compiler.md, "Report") as
    `report`, the per-layer figures as the DataFrame `layers`."""

    def __init__(self, report):
        self.report = report
        self.layers = pd.DataFrame(report.get("layers", []))

    status = property(lambda self: self.report["status"])
    cycles = property(lambda self: self.report["cycles"])
    simulated_time_ns = property(lambda self: self.report["simulated_time_ns"])
    energy_uj = property(lambda self: self.report["energy_uj"])
    mxu_utilization = property(lambda self: self.report["mxu_utilization"])

    def __repr__(self):
        return (f"Result({self.report['model']} on {self.report['config']}: {self.status}, "
                f"{self.cycles} cycles, {len(self.layers)} layers)")


def run(model, config=None, precision="int8", batch=None, input="random:0", calibration=None,
        extra=()):
    """Runs `model` (.onnx or .vtpu) on `config` (a Config, a preset name or
    None for edge) with a seeded random input by default. Returns a Result;
    raises VtpuError for a refused or failed run, with the run's report as
    its `report` attribute."""
    if config is None:
        config = Config()
    elif isinstance(config, str):
        config = Config(config)
    with tempfile.TemporaryDirectory() as scratch:
        report = os.path.join(scratch, "report.json")
        args = ["run", model, *config.args(), "--input", input, "--report", report]
        if not str(model).endswith(".vtpu"):
            args += ["--precision", precision]
        if batch:
            args += ["--batch", batch]
        if calibration:
            args += ["--calibration", calibration]
        try:
            call(*args, *extra)
        except VtpuError as e:
            e.report = json.load(open(report)) if os.path.exists(report) else None
            raise
        return Result(json.load(open(report)))


class Sweep:
    """A sweep's results directory: `runs` (runs.csv) and `layers`
    (layers.csv) as DataFrames, `axes` the swept config paths, `points` the
    point list of sweep.json."""

    def __init__(self, directory):
        self.directory = directory
        with open(os.path.join(directory, "sweep.json")) as f:
            listing = json.load(f)
        self.name = listing.get("name") or os.path.basename(os.path.normpath(directory))
        self.axes = listing["axes"]
        self.combine = listing.get("combine", "grid")
        self.points = listing["points"]
        self.runs = pd.read_csv(os.path.join(directory, "runs.csv"), dtype={a: str for a in self.axes})
        self.layers = pd.read_csv(os.path.join(directory, "layers.csv"),
                                  dtype={a: str for a in self.axes})

    def report(self, point):
        """The JSON report of point `point` (its id)."""
        with open(os.path.join(self.directory, "points", point + ".json")) as f:
            return json.load(f)

    def __repr__(self):
        ok = int((self.runs["status"] == "ok").sum())
        return f"Sweep({self.directory}: {len(self.runs)} points, {ok} ok, axes {self.axes})"


def load_sweep(directory):
    """The results of a sweep run (or collected) into `directory`."""
    if not os.path.exists(os.path.join(directory, "runs.csv")):
        call("sweep", "--collect", directory)
    return Sweep(directory)


def sweep(spec, out, jobs=0, force=False):
    """Runs the sweep `spec` (a .textproto, platform/sweep.proto) into `out`
    (resuming what is done unless `force`); returns its Sweep."""
    args = ["sweep", spec, "--out", out, "-j", jobs]
    if force:
        args.append("--force")
    call(*args)
    return Sweep(out)
