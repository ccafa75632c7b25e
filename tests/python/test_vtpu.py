#!/usr/bin/env python3
"""The Python package (python/vtpu, docs/experiments.md "Python") against the
binary it drives: configs validated by `vtpu config`, `vtpu.run` giving the
CLI's cycles, sweeps loaded into DataFrames that match the reports, plots.

    VTPU=build/vtpu PYTHONPATH=python python3 test_vtpu.py LENET.onnx OUT_DIR
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

import vtpu
from vtpu.plot import pareto_front, plot, time_split

LENET = OUT = None


class ConfigTest(unittest.TestCase):
    def test_overrides_reach_the_effective_config(self):
        chip = vtpu.Config("tpuv1-like", mxu__rows=128, **{"hbm.preset": "hbm2"})
        effective = chip.effective()
        self.assertEqual(effective["mxu"]["rows"], 128)
        self.assertEqual(effective["mxu"]["cols"], 256)  # the preset's
        self.assertEqual(effective["hbm"]["preset"], "hbm2")
        self.assertEqual(effective["overrides"], ["mxu.rows=128", "hbm.preset=hbm2"])
        self.assertEqual(chip.set("runtime.double_buffering", False).overrides,
                         {"mxu.rows": "128", "hbm.preset": "hbm2",
                          "runtime.double_buffering": "false"})

    def test_a_bad_field_is_refused_by_the_binary(self):
        with self.assertRaises(vtpu.VtpuError) as caught:
            vtpu.Config("edge", mxu__rowz=16).validate()
        self.assertEqual(caught.exception.status, 2)
        self.assertIn("unknown field 'mxu.rowz'", str(caught.exception))
        with self.assertRaises(vtpu.VtpuError) as caught:
            vtpu.Config("edge", mxu__rows=100000).validate()
        self.assertIn("mxu.rows: 100000 is out of range", str(caught.exception))


class RunTest(unittest.TestCase):
    def test_same_cycles_as_the_cli(self):
        report = os.path.join(OUT, "cli.json")
        subprocess.run([vtpu.binary(), "run", LENET, "--set", "mxu.rows=16", "--precision",
                        "bf16", "--input", "random:5", "--report", report],
                       check=True, capture_output=True)
        cli = json.load(open(report))
        result = vtpu.run(LENET, vtpu.Config(mxu__rows=16), precision="bf16", input="random:5")
        self.assertEqual(result.status, "ok")
        self.assertEqual(result.cycles, cli["cycles"])
        self.assertEqual(result.simulated_time_ns, cli["simulated_time_ns"])
        self.assertEqual(list(result.layers["cycles"]), [l["cycles"] for l in cli["layers"]])
        self.assertEqual(result.report["config"], "edge --set mxu.rows=16")

    def test_a_failed_run_raises_with_its_report(self):
        with self.assertRaises(vtpu.VtpuError) as caught:
            vtpu.run(LENET, "edge", extra=("--max-time", "20us"))
        self.assertEqual(caught.exception.status, 4)
        self.assertEqual(caught.exception.report["status"], "error")
        self.assertEqual(caught.exception.report["error"]["exit_code"], 4)


class SweepTest(unittest.TestCase):
    def test_sweep_tables_and_plots(self):
        spec = os.path.join(OUT, "smoke.textproto")
        with open(spec, "w") as f:
            f.write(f'name: "py"\nnetworks: "{LENET}"\nprecisions: ["int8", "bf16"]\n'
                    'axes { path: "mxu.rows" values: ["16", "32"] }\n')
        results = os.path.join(OUT, "sweep")
        shutil.rmtree(results, ignore_errors=True)
        sweep = vtpu.sweep(spec, results, jobs=2)
        self.assertEqual(len(sweep.runs), 4)
        self.assertEqual(sorted(sweep.runs["mxu.rows"]), ["16", "16", "32", "32"])
        for _, row in sweep.runs.iterrows():
            report = sweep.report(row["point"])
            self.assertEqual(row["cycles"], report["cycles"])
            self.assertEqual(row["status"], "ok")
            layers = sweep.layers[sweep.layers["point"] == row["point"]]
            self.assertEqual(list(layers["cycles"]), [l["cycles"] for l in report["layers"]])
        again = vtpu.load_sweep(results)
        self.assertTrue(again.runs.equals(sweep.runs))
        written = plot(results)
        pngs = [p for p in written if p.endswith(".png")]
        self.assertIn(os.path.join(results, "pareto.png"), pngs)
        self.assertTrue(any("axis_mxu.rows" in p for p in pngs))
        for p in written:
            with open(p, "rb") as f:
                head = f.read(8)
            self.assertTrue(head == b"\x89PNG\r\n\x1a\n" if p.endswith(".png")
                            else head.startswith(b"<?xml"), p)


class PlotMathTest(unittest.TestCase):
    def test_pareto_front(self):
        # (time, energy): B beats A in both; C is fastest; D is cheapest; E is beaten by D.
        times = [3.0, 2.0, 1.0, 4.0, 5.0]
        energies = [3.0, 2.0, 5.0, 1.0, 1.5]
        self.assertEqual(pareto_front(times, energies), [2, 1, 3])

    def test_time_split_counts_each_cycle_once(self):
        # DMA busy 95 cycles: 90 of them may hide behind the MXU and the VPU.
        layer = {"cycles": 100, "mxu_busy_cycles": 60, "vpu_busy_cycles": 30,
                 "dma_busy_cycles": 95}
        self.assertEqual(time_split(layer), (60, 30, 5, 5))
        # Units busier than the layer is long (they overlap): clipped to it.
        layer = {"cycles": 100, "mxu_busy_cycles": 90, "vpu_busy_cycles": 30,
                 "dma_busy_cycles": 200}
        self.assertEqual(time_split(layer), (90, 10, 0, 0))
        layer = {"cycles": 100, "mxu_busy_cycles": 20, "vpu_busy_cycles": 10,
                 "dma_busy_cycles": 40}
        self.assertEqual(time_split(layer), (20, 10, 10, 60))


if __name__ == "__main__":
    LENET, OUT = sys.argv[1], sys.argv[2]
    os.makedirs(OUT, exist_ok=True)
    unittest.main(argv=[sys.argv[0]], verbosity=2)
