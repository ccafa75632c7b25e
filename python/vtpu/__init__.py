"""vtpu from Python (docs/experiments.md, "Python"): configs, runs and sweeps
of the `vtpu` binary, with results as pandas DataFrames.

The package drives the binary (one simulation per process, as SystemC wants):
it is found from $VTPU, else beside this package in a build tree
(python/../build/vtpu), else on $PATH.

    import vtpu
    chip = vtpu.Config("tpuv1-like", mxu__rows=128)   # or {"mxu.rows": 128}
    result = vtpu.run("build/networks/lenet.onnx", chip, precision="bf16")
    result.cycles, result.layers            # int, DataFrame (one row per layer)
    sweep = vtpu.sweep("experiments/smoke.textproto", "build/sweeps/smoke")
    sweep.runs, sweep.layers                # DataFrames of runs.csv, layers.csv

vtpu.traces reads the binary traces (the transaction trace, the MXU stimulus).
"""

from vtpu._binary import VtpuError, binary
from vtpu.config import Config
from vtpu.results import Result, Sweep, load_sweep, run, sweep

__all__ = ["Config", "Result", "Sweep", "VtpuError", "binary", "load_sweep", "run", "sweep"]
