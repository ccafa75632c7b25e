// ONNX Resize (opsets 10 to 19) as per-axis index maps, shared by the fp32
// evaluator and the compiler's lowering (docs/compiler.md, "Resize"): each
// output index along an axis reads input index `first` and, for linear
// interpolation, `second` with weight `weight`:
//   y = x[first] + weight * (x[second] - x[first]),
// with coordinates computed in fp32 as ONNX Runtime computes them.
#pragma once

#include <cstdint>
#include <vector>

#include "sw/graph/graph.h"

namespace vtpu::sw {

struct ResizeMap {
  std::vector<int64_t> first, second;
  std::vector<float> weight;  // nearest: all 0
  bool identity() const;      // y = x along this axis
};

// The node's mode ("nearest" or "linear"), checked with its other attributes:
// throws vtpu::Error naming the node and the attribute vtpu does not take.
bool resize_is_linear(const Node& n);

// One map per axis from input shape `in` to output shape `out`; `scales` are
// the node's scales input (empty when it gives sizes: then out / in).
std::vector<ResizeMap> resize_maps(const Node& n, const std::vector<int64_t>& in,
                                   const std::vector<int64_t>& out,
                                   const std::vector<float>& scales);

// The scales input's index: 1 for opset 10's (X, scales), else 2.
size_t resize_scales_input(const Node& n);

}  // namespace vtpu::sw
