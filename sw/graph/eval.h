// The fp32 reference evaluator of ONNX operators (opsets 13-17, with the
// attribute forms of earlier opsets where an input replaced them) on the graph
// IR: constant folding evaluates nodes whose inputs are all known, and
// quantization runs calibration data through the float model with it.
// Floats are computed in fp32, integers and bools in int64 (Tensor::i); each op
// follows the ONNX definition. Conv, MatMul and Gemm run on oneDNN
// (models/common/host_gemm.h), whose sums follow its own blocking and vector
// extension: the same on one host whatever its core count, and a row of a
// MatMul or Gemm does not depend on how many rows share the product (a batch-N
// model gives each image the values batch 1 gives). Other reductions run in
// the order of their terms.
#pragma once

#include <functional>
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

// Runs every node of `graph` in order on graph.constants and the given
// inputs, and calls visit(name, value) for each input and each node output as
// it is computed. A tensor is freed after its last reader, so `value` lives
// only for the call. Every graph input must be given, with the shape and type
// graph.values records.
using GraphVisitor = std::function<void(const std::string& name, const Tensor& value)>;
void run_graph(const Graph& graph, const Env& inputs, const GraphVisitor& visit);

// The same, keeping every input and node output (not the constants) by name.
Env run_graph(const Graph& graph, const Env& inputs);

// Convolutions split a batch's images between the host's threads (on by
// default): each image's sums are the same on any thread, so results do not
// change. A caller that already runs graphs side by side on its own threads
// turns it off for each of them (per thread). Returns the setting before.
bool set_image_threads(bool on);

}  // namespace vtpu::sw
