#!/usr/bin/env python3
"""vtpu.traces (python/vtpu/traces.py) against the binary that wrote the
files: LeNet's transaction trace read in Python gives, per initiator and
target, the counts and bytes `vtpu trace --summary` (the C++ reader) prints;
its MXU stimulus gives every int8 MATMUL's recorded result as numpy computes
it from the recorded operands (bf16: within fp32 rounding); files of the other
kind, cut short or missing are refused naming the file.

    VTPU=build/vtpu PYTHONPATH=python python3 test_traces.py LENET.onnx OUT_DIR
"""

import os
import shutil
import subprocess
import sys
import unittest

import numpy as np

import vtpu
from vtpu.traces import bf16_to_float32, read_stimulus, read_transactions

LENET = OUT = None


def run(precision):
    """LeNet on edge with both traces; returns their paths."""
    out = os.path.join(OUT, precision)
    os.makedirs(out, exist_ok=True)
    pb, stim = os.path.join(out, "t.pb"), os.path.join(out, "s.stim")
    subprocess.run([vtpu.binary(), "run", LENET, "--input", "random", "--precision", precision,
                    "--transactions", pb, "--set", "mxu.record=" + stim, "--output-dir",
                    os.path.join(out, "run")], check=True, capture_output=True)
    return pb, stim


class TracesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.int8 = run("int8")
        cls.bf16 = run("bf16")

    def test_transactions_match_the_cpp_reader(self):
        trace = read_transactions(self.int8[0])
        self.assertTrue(trace.header.config.startswith("edge"))
        self.assertIn("lenet.onnx", trace.header.workload)
        self.assertIn("dma", list(trace.header.initiators))
        self.assertIn("hbm", list(trace.header.targets))
        summary = subprocess.run([vtpu.binary(), "trace", self.int8[0], "--summary"],
                                 check=True, capture_output=True, text=True).stdout
        groups = trace.frame.groupby(["initiator", "target"])
        count, length = groups.size(), groups["length"].sum()
        rows = 0
        for line in summary.splitlines()[2:]:
            initiator, target, n, nbytes, reads, writes = line.split()[:6]
            self.assertEqual(count[(initiator, target)], int(n), line)
            self.assertEqual(length[(initiator, target)], int(nbytes), line)
            w = trace.frame[(trace.frame.initiator == initiator) & (trace.frame.target == target)]
            self.assertEqual(int(w.write.sum()), int(writes), line)
            rows += 1
        self.assertEqual(rows, len(count))
        self.assertTrue((trace.frame.end_ps >= trace.frame.begin_ps).all())

    def test_int8_results_are_the_products_of_the_operands(self):
        stimulus = read_stimulus(self.int8[1])
        self.assertEqual((stimulus.header.rows, stimulus.header.cols), (32, 32))
        self.assertGreater(len(stimulus.matmuls), 0)
        for mm in stimulus.matmuls:
            self.assertEqual(mm.precision, "int8")
            want = mm.a.astype(np.int64) @ mm.b.astype(np.int64)
            if mm.accumulate:
                want += mm.c_before
            want = ((want + 2**31) % 2**32 - 2**31).astype(np.int32)  # the MXU's int32 wrap
            np.testing.assert_array_equal(mm.c_after, want)
            self.assertGreater(mm.cycles, 0)

    def test_bf16_results_within_fp32_rounding(self):
        stimulus = read_stimulus(self.bf16[1])
        self.assertGreater(len(stimulus.matmuls), 0)
        for mm in stimulus.matmuls:
            self.assertEqual(mm.precision, "bf16")
            a = bf16_to_float32(mm.a).astype(np.float64)
            b = bf16_to_float32(mm.b).astype(np.float64)
            want = a @ b + (mm.c_before if mm.accumulate else 0)
            scale = np.abs(a) @ np.abs(b) + 1e-30
            self.assertLess(float(np.max(np.abs(mm.c_after - want) / scale)), 1e-5)

    def test_wrong_short_and_missing_files_are_refused(self):
        for reader, path, what in ((read_transactions, self.int8[1], "not a vtpu transaction trace"),
                                   (read_stimulus, self.int8[0], "not an MXU stimulus recording"),
                                   (read_stimulus, os.path.join(OUT, "nope.stim"), "cannot open")):
            with self.assertRaises(vtpu.VtpuError) as caught:
                reader(path)
            self.assertEqual(caught.exception.status, 2)
            self.assertIn(path + ": " + what, str(caught.exception))
        cut = os.path.join(OUT, "cut.stim")
        shutil.copyfile(self.int8[1], cut)
        os.truncate(cut, os.path.getsize(cut) - 5)
        with self.assertRaises(vtpu.VtpuError) as caught:
            read_stimulus(cut)
        self.assertRegex(str(caught.exception), r"cut\.stim: record [0-9]+ is cut short or corrupt")


if __name__ == "__main__":
    LENET, OUT = sys.argv[1], sys.argv[2]
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    unittest.main(argv=sys.argv[:1], verbosity=2)
