#!/usr/bin/env python3
"""Bad inputs for `vtpu compile` and `vtpu run` (tests/networks/tests.cmake).

    python3 tests/networks/bad_inputs.py OUT_DIR MLP.onnx

Writes OUT_DIR/truncated.onnx (the first half of MLP.onnx), garbage.onnx (random
bytes), unsupported.onnx (a CumSum, which vtpu does not run), leaky_relu.onnx (a
LeakyRelu, whose nearest supported form the error names), gather_outside.onnx (a
Gather whose constant index is outside the axis), resize_cubic.onnx (a bicubic
upsampling, which vtpu refuses by name), pool_all_padding.onnx (an average
pool whose uncounted padding holds whole windows), input_int64.npy and
input_wrong_shape.npy (for the MLP's [1, 784] input).
"""

import argparse
from pathlib import Path

import numpy as np
import torch
from torch import nn


class CumSum(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, dim=1)


def gather_outside() -> "onnx.ModelProto":
    """x[:, 9] of an [1, 8] input: PyTorch refuses to export it, so built by hand."""
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Relu", ["input"], ["r"]),
         helper.make_node("Gather", ["r", "index"], ["output"], axis=1)],
        "gather_outside",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 2])],
        [helper.make_tensor("index", TensorProto.INT64, [2], [1, 9])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def pool_all_padding() -> "onnx.ModelProto":
    """A 2 x 2 average over a 4 x 4 image padded by 2 without counting the
    padding: the corner windows have nothing to average (PyTorch refuses
    padding above half the window, so built by hand)."""
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("AveragePool", ["input"], ["output"], kernel_shape=[2, 2],
                          pads=[2, 2, 2, 2], count_include_pad=0)],
        "pool_all_padding",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 4, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, 7, 7])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


class Bicubic(nn.Module):
    def forward(self, x):
        return nn.functional.interpolate(x, scale_factor=2, mode="bicubic")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("mlp", type=Path)
    args = parser.parse_args()
    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    data = args.mlp.read_bytes()
    (out / "truncated.onnx").write_bytes(data[: len(data) // 2])
    (out / "garbage.onnx").write_bytes(np.random.default_rng(7).bytes(4096))
    torch.onnx.export(CumSum(), torch.zeros(1, 8), str(out / "unsupported.onnx"),
                      input_names=["input"], opset_version=13)
    torch.onnx.export(nn.LeakyReLU(0.1), torch.zeros(1, 8), str(out / "leaky_relu.onnx"),
                      input_names=["input"], opset_version=13)
    torch.onnx.export(Bicubic(), torch.zeros(1, 2, 4, 4), str(out / "resize_cubic.onnx"),
                      input_names=["input"], opset_version=13)
    import onnx
    onnx.save(gather_outside(), str(out / "gather_outside.onnx"))
    onnx.save(pool_all_padding(), str(out / "pool_all_padding.onnx"))
    np.save(out / "input_int64.npy", np.zeros((1, 784), dtype=np.int64))
    np.save(out / "input_wrong_shape.npy", np.zeros((1, 783), dtype=np.float32))


if __name__ == "__main__":
    main()
