// The fp32 reference evaluator of ONNX operators (opsets 13-17, with the
// attribute forms of earlier opsets where an input replaced them) on the graph
// IR: constant folding evaluates nodes whose inputs are all known, and
// quantization runs calibration data through the float model with it.
// Floats are computed in fp32 (no fused multiply-adds), integers and bools in
// int64 (Tensor::i); each op follows the ONNX definition, and a sum always
// runs in the order of its terms, so results do not depend on blocking.
#pragma once

#include <string>
#include <vector>

#include "sw/graph/graph.h"

namespace vtpu::sw {

// Computes `node` from the tensors in `env` (its inputs, by name; "" = omitted
// optional input) and stores its outputs in `env`. Throws vtpu::Error naming
// the node (node.where() + ": " + reason) for an unsupported op or attribute
// value, a missing input, or shapes that do not fit.
void evaluate(const Node& node, Env& env);

// true if evaluate() supports node.op.
bool can_evaluate(const std::string& op);

// Every operator evaluate() supports, in name order.
std::vector<std::string> evaluable_operators();

// Runs every node of `graph` in order with graph.constants and the given
// inputs; returns every tensor's value (inputs, constants, all node outputs).
// Every graph input must be given, with the shape and type graph.values records.
Env run_graph(const Graph& graph, const Env& inputs);

}  // namespace vtpu::sw
