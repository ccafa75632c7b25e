// Graph passes before lowering (docs/compiler.md): Identity/Dropout removal,
// constant folding (PyTorch's shape subgraphs included), BatchNorm folding
// into convolutions, shapes for every value, and the fusions the chip's layer
// kinds take (activation into conv/gemm/matmul, decomposed LayerNorm and
// GELU recognised). Each pass keeps the graph's output names.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sw/graph/graph.h"

namespace vtpu::sw {

// Removes Identity and inference Dropout, folds every node whose inputs are
// all constants (and Shape of a value with a known shape), drops nodes no
// output depends on, and gives every value a shape (evaluating nodes ONNX's
// shape inference left without one). Throws vtpu::Error naming the node when
// a shape cannot be known.
void simplify(Graph& g);

// A pre-quantized model (QDQ or QLinear operators) as a float graph with
// hints: DequantizeLinear of constant int8 weights folds into float
// constants; QuantizeLinear/DequantizeLinear pairs on activations become the
// float tensor with its scale and zero point in g.quant_hints; QLinearConv
// and QLinearMatMul become Conv and MatMul on dequantized weights and bias,
// their outputs hinted; an int8 graph output becomes its float value. The
// compiler then quantizes with the hinted parameters instead of calibrated
// ones.
void absorb_quantization(Graph& g);

// Conv followed by BatchNormalization (the Conv's only consumer) becomes one
// Conv with scaled weights and a bias.
void fold_batchnorm(Graph& g);

// A BatchNormalization's (inference) affine per channel, y = x * k + c:
// k = scale / sqrt(var + epsilon), c = B - mean * k, in fp32. Its four
// parameters must be constants of `channels` values.
struct Affine {
  std::vector<float> k, c;
};
Affine batchnorm_affine(const Graph& g, const Node& bn, int64_t channels);

// Pattern fusions; fused nodes get vtpu-specific op names:
// - "VtpuLayerNorm" (inputs x, gamma, beta; attrs epsilon) for
//   ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add and LayerNormalization;
// - "VtpuGelu" (input x) for Div(x, sqrt 2)/Erf/Add 1/Mul x/Mul 0.5, and
//   "VtpuGeluTanh" for its tanh approximation (sqrt(2/pi) (x + 0.044715 x^3));
// - "VtpuSilu" for x * Sigmoid(x), "VtpuMish" for x * Tanh(Softplus(x));
// - a Relu, or a Clip to [0, 6] ("vtpu_activation" = "relu" or "relu6"),
//   after a Conv, Gemm or MatMul whose only consumer it is; a Relu after an Add.
void fuse(Graph& g);

// The error for an operator vtpu takes in no form: the node, its op, and the
// nearest supported form where one exists (docs/compiler.md).
std::string unsupported_operator(const Node& n);

// Every consumer of each value, by name (node indices).
std::map<std::string, std::vector<size_t>> consumers(const Graph& g);

}  // namespace vtpu::sw
