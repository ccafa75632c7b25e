// Compressed weights (docs/compiler.md, "Compression"): 2:4 structured
// sparsity and int4 weights, in the layer table's formats (VTPU_WEIGHTS_*,
// models/isa/vtpu/model.h).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "sw/graph/graph.h"

namespace vtpu::sw {

// The nodes whose weights prune_2_4 prunes: Conv (2-D; not depthwise, whose
// merged form is compressed as it is), Gemm and MatMul whose weights are a
// constant, the latter two 2-D. A convolution of a graph input is one of them
// (it then runs without space to depth, whose re-blocked K is another order).
bool prunable_2_4(const Graph& g, const Node& n);

// Prunes the weights of every prunable node not named in `skip` to 2:4 along
// K in the order the chip multiplies them (a convolution's rows (ky, kx, ci)
// per output channel; a linear layer's rows of K x N): of each group of four
// rows, the two largest magnitudes of each column stay, ties to the lower
// row. A weight tensor shared by several nodes is pruned once per node.
// Returns the names of the nodes pruned. Throws Error when a name in `skip`
// is not a Conv, Gemm or MatMul with constant weights.
std::set<std::string> prune_2_4(Graph& g, const std::set<std::string>& skip);

// A Conv, Gemm or MatMul whose weights are a float constant.
bool has_constant_weights(const Graph& g, const Node& n);

// A depthwise Conv with constant weights (one input channel per group),
// which the compiler merges into block-diagonal groups.
bool is_depthwise(const Graph& g, const Node& n);

// The pruning of prune_2_4 on node `n` alone (prunable_2_4).
void prune_node_2_4(Graph& g, const Node& n);

// `n`'s weights (has_constant_weights) as int4 stands for them, in fp32:
// each output channel quantized at max|w| / 7 and dequantized (the
// sensitivity of --precision auto; the chip's rule, without the raise of
// the scale a huge bias would need).
void quantize_node_int4(Graph& g, const Node& n);

// int8 weights, `groups` row-major k x n matrices one after another, in the
// 2:4 form: the kept weights (2 ceil(k/4) rows of n per group) and their
// positions (ceil(k/4) rows of ceil(n/2) bytes per group). Each group of
// four rows keeps its non-zero weights (padded with zeros at rows not
// taken). Returns false, leaving both empty, when a group holds more than
// two non-zero weights in a column.
bool compress_2_4(const std::vector<uint8_t>& dense, int64_t groups, int64_t k, int64_t n,
                  std::vector<uint8_t>& kept, std::vector<uint8_t>& positions);

// int8 weights from -8 to 7, `groups` row-major k x n matrices, packed as
// int4: k rows of ceil(n/2) bytes per group, column j in byte j/2, the low
// nibble for even j.
std::vector<uint8_t> pack_int4(const std::vector<uint8_t>& dense, int64_t groups, int64_t k,
                               int64_t n);

}  // namespace vtpu::sw
