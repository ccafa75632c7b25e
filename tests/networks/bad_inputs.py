#!/usr/bin/env python3
"""Bad inputs for `vtpu compile` and `vtpu run` (tests/networks/tests.cmake).

    python3 tests/networks/bad_inputs.py OUT_DIR MLP.onnx

Writes OUT_DIR/truncated.onnx (the first half of MLP.onnx), garbage.onnx (random
bytes), unsupported.onnx (a CumSum, which vtpu does not run), leaky_relu.onnx (a
LeakyRelu, whose nearest supported form the error names), gather_outside.onnx (a
Gather whose constant index is outside the axis), resize_cubic.onnx (a bicubic
upsampling, which vtpu refuses by name), chip_function_unknown.onnx (a call of an
ai.vtpu function vtpu's QDQ export never writes), pool_all_padding.onnx (an average
pool whose uncounted padding holds whole windows), opset99.onnx (an opset no ONNX
release has), input_int64.npy, input_float64.npy, input_wrong_shape.npy and
input_fractional_shape.npy (for the MLP's [1, 784] input), and the crash reproducers of
issue 19, each now a one-line error (crash_*.onnx, see CRASHES).
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


def tiny(nodes, inputs, outputs, initializers=(), opset=13) -> "onnx.ModelProto":
    """A graph of `nodes` at `opset`; inputs and outputs as (name, shape)."""
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        nodes, "bad",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def crashes() -> dict:
    """Inputs that crashed the importer or the compiler (SIGSEGV in ONNX's shape
    inference, SIGFPE in the lowering) or ran for minutes (issue 19)."""
    from onnx import helper, numpy_helper

    def weights(shape):
        return numpy_helper.from_array(np.full(shape, 0.1, np.float32), "w")

    def ints(name, values):
        return numpy_helper.from_array(np.array(values, np.int64), name)

    conv = helper.make_node
    out4 = [("y", ["a", "b", "c", "d"])]
    return {
        "conv_rank3": tiny([conv("Conv", ["x", "w"], ["y"])], [("x", [1, 28, 28])],
                           [("y", ["a", "b", "c"])], [weights([4, 1, 3, 3])]),
        # The Shape reads the Conv's untyped output in ONNX's data propagation.
        "conv_rank3_shape": tiny([conv("Conv", ["x", "w"], ["c"]), conv("Shape", ["c"], ["s"]),
                                  conv("Cast", ["s"], ["y"], to=1)],
                                 [("x", [1, 3, 24])], [("y", ["n"])], [weights([8, 3, 3, 3])]),
        "conv_stride0": tiny([conv("Conv", ["x", "w"], ["y"], strides=[0, 0])],
                             [("x", [1, 1, 28, 28])], out4, [weights([4, 1, 3, 3])]),
        "maxpool_stride0": tiny([conv("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[0, 0])],
                                [("x", [1, 1, 28, 28])], out4),
        "conv_pads3": tiny([conv("Conv", ["x", "w"], ["y"], pads=[0, 0, 0])],
                           [("x", [1, 1, 28, 28])], out4, [weights([4, 1, 3, 3])]),
        "avgpool_pads6": tiny([conv("AveragePool", ["x"], ["y"], kernel_shape=[2, 2],
                                    pads=[0] * 6)], [("x", [1, 1, 28, 28])], out4),
        "reduce_keepdims17": tiny([conv("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=17)],
                                  [("x", [1, 2, 4, 4])], out4),
        "conv_group0": tiny([conv("Conv", ["x", "w"], ["y"], group=0)], [("x", [1, 4, 28, 28])],
                            out4, [weights([4, 4, 3, 3])]),
        "conv_group256": tiny([conv("Conv", ["x", "w"], ["y"], group=256)], [("x", [1, 1, 28, 28])],
                              out4, [weights([6, 1, 5, 5])]),
        "conv_zero_outputs": tiny([conv("Conv", ["x", "w"], ["y"])], [("x", [1, 1, 28, 28])], out4,
                                  [weights([0, 1, 3, 3])]),
        "empty_slice": tiny([conv("Slice", ["x", "s", "e", "a"], ["t"]), conv("Relu", ["t"], ["y"])],
                            [("x", [1, 8])], [("y", ["a", "b"])],
                            [ints("s", [4]), ints("e", [4]), ints("a", [1])]),
        "zero_dim": tiny([conv("Relu", ["x"], ["y"])], [("x", [1, 0, 4])], [("y", ["a", "b", "c"])]),
        "zero_batch": tiny([conv("Relu", ["x"], ["y"])], [("x", [0, 16])], [("y", ["a", "b"])]),
        "crop_experimental": tiny([conv("Crop", ["x"], ["y"])], [("x", [1, 1, 8, 8])], out4),
        "rank40": tiny([conv("Relu", ["x"], ["y"])], [("x", [1] * 40)], [("y", ["a"] * 40)]),
        "count_overflow": tiny([conv("Relu", ["x"], ["y"])], [("x", [2**20] * 4)], out4),
        "huge_input": tiny([conv("Relu", ["x"], ["y"])], [("x", [1, 10**9])], [("y", ["a", "b"])]),
        "expand_huge": tiny([conv("Expand", ["x", "s"], ["y"])], [("x", [1, 1])],
                            [("y", ["a", "b"])], [ints("s", [40000, 40000])]),
        "range_huge": tiny([conv("Range", ["a", "b", "d"], ["r"]),
                            conv("Cast", ["r"], ["rf"], to=1), conv("Add", ["x", "rf"], ["y"])],
                           [("x", [1])], [("y", ["n"])],
                           [ints("a", 0), ints("b", 3 * 10**9), ints("d", 1)]),
    }


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
    unknown = tiny([onnx.helper.make_node("Cosine", ["x"], ["y"], domain="ai.vtpu")],
                   [("x", [1, 8])], [("y", [1, 8])])
    unknown.opset_import.append(onnx.helper.make_opsetid("ai.vtpu", 1))
    onnx.save(unknown, str(out / "chip_function_unknown.onnx"))
    for name, model in crashes().items():
        onnx.save(model, str(out / f"crash_{name}.onnx"))
    onnx.save(tiny([onnx.helper.make_node("Relu", ["x"], ["y"])], [("x", [1, 8])], [("y", [1, 8])],
                   opset=99), str(out / "opset99.onnx"))
    np.save(out / "input_int64.npy", np.zeros((1, 784), dtype=np.int64))
    np.save(out / "input_float64.npy", np.zeros((1, 784), dtype=np.float64))
    np.save(out / "input_wrong_shape.npy", np.zeros((1, 783), dtype=np.float32))
    # A header numpy would never write: a fractional dimension (it read as 1).
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1.5, 784), }"
    header += b" " * (117 - len(header)) + b"\n"
    (out / "input_fractional_shape.npy").write_bytes(
        b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + bytes(4 * 784))


if __name__ == "__main__":
    main()
