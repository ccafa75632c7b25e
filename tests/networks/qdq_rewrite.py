"""Rewrites a QDQ model's float operators into primitive ONNX operators: the same
mathematics, rounded differently. ort_compare.js --against runs both in ONNX Runtime to
measure how far two correct float implementations of one QDQ graph drift apart over a
deep network (docs/compiler.md, "Network families").

    python3 qdq_rewrite.py IN.onnx OUT.onnx [--ops layernorm,softmax]

LayerNormalization becomes ReduceMean, Sub, Mul, ReduceMean, Add, Sqrt, Div, Mul, Add;
Softmax becomes ReduceMax, Sub, Exp, ReduceSum, Div.
"""
import argparse
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


class Rewriter:
    def __init__(self, model):
        self.graph = model.graph
        self.opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        self.count = 0

    def name(self, what):
        self.count += 1
        return f"qdq_rewrite_{self.count}_{what}"

    def constant(self, value, dtype):
        name = self.name("const")
        self.graph.initializer.append(numpy_helper.from_array(np.array(value, dtype), name))
        return name

    def reduce(self, op, x, axis, out):
        # Axes are an input from opset 18 (ReduceSum from 13), an attribute before.
        if self.opset >= 18 or op == "ReduceSum":
            return helper.make_node(op, [x, self.constant([axis], np.int64)], [out], keepdims=1)
        return helper.make_node(op, [x], [out], axes=[axis], keepdims=1)

    def layernorm(self, node, attrs):
        axis, eps = attrs.get("axis", -1), attrs.get("epsilon", 1e-5)
        x, out = node.input[0], node.output[0]
        mean, d, dd, var, shifted, sd, y = (self.name(s) for s in "mean d dd var shifted sd y".split())
        has_bias = len(node.input) > 2 and node.input[2]
        scaled = self.name("scaled") if has_bias else out
        nodes = [self.reduce("ReduceMean", x, axis, mean),
                 helper.make_node("Sub", [x, mean], [d]),
                 helper.make_node("Mul", [d, d], [dd]),
                 self.reduce("ReduceMean", dd, axis, var),
                 helper.make_node("Add", [var, self.constant(eps, np.float32)], [shifted]),
                 helper.make_node("Sqrt", [shifted], [sd]),
                 helper.make_node("Div", [d, sd], [y]),
                 helper.make_node("Mul", [y, node.input[1]], [scaled])]
        if has_bias:
            nodes.append(helper.make_node("Add", [scaled, node.input[2]], [out]))
        return nodes

    def softmax(self, node, attrs):
        axis, x = attrs.get("axis", -1), node.input[0]
        top, d, e, total = (self.name(s) for s in "top d e total".split())
        return [self.reduce("ReduceMax", x, axis, top),
                helper.make_node("Sub", [x, top], [d]),
                helper.make_node("Exp", [d], [e]),
                self.reduce("ReduceSum", e, axis, total),
                helper.make_node("Div", [e, total], [node.output[0]])]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--ops", default="layernorm,softmax")
    args = parser.parse_args()
    ops = set(args.ops.split(","))
    unknown = ops - {"layernorm", "softmax"}
    if unknown:
        sys.exit(f"qdq_rewrite.py: --ops: unknown operator {sorted(unknown)[0]!r} "
                 "(layernorm, softmax)")
    model = onnx.load(args.model)
    rewriter = Rewriter(model)
    nodes, rewritten = [], 0
    for node in model.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "LayerNormalization" and "layernorm" in ops:
            nodes += rewriter.layernorm(node, attrs)
        elif node.op_type == "Softmax" and "softmax" in ops:
            nodes += rewriter.softmax(node, attrs)
        else:
            nodes.append(node)
            continue
        rewritten += 1
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.save(model, args.out)
    print(f"{args.out}: {rewritten} operators rewritten")


if __name__ == "__main__":
    main()
