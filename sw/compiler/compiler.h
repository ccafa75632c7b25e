// The compiler (docs/compiler.md): a graph after the passes, lowered to the
// firmware's layer table (models/isa/vtpu/model.h) in a model image, with
// int8 post-training quantization or bf16, and memory planned in HBM.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "models/isa/vtpu/isa.h"
#include "sw/compiler/quantize.h"
#include "sw/graph/graph.h"
#include "sw/runtime/model_image.h"

namespace vtpu::sw {

enum class Precision { kInt8, kBf16 };
const char* precision_name(Precision p);
// "int8" or "bf16"; throws vtpu::Error naming `what` otherwise.
Precision parse_precision(const std::string& text, const std::string& what);

struct CompileOptions {
  Precision precision = Precision::kInt8;
  // int8: inputs to calibrate activation ranges with (each maps every graph
  // input to a tensor). Empty: one input per graph input drawn from N(0, 1)
  // with a fixed seed (docs/compiler.md, "Quantization").
  std::vector<Env> calibration;
  // The rows of the target chip's MXU (0: unknown), for mapping choices that
  // depend on it (space to depth, docs/compiler.md). The program runs on any
  // chip; only its speed depends on the choice.
  uint32_t array_rows = 0;
  // The target memory's peak bytes per core cycle (0: unknown), for the
  // same kind of choice (depthwise merging: its weights' bytes).
  double memory_bytes_per_cycle = 0;
  // Held weights (docs/compiler.md): the target's VMEM bytes and array
  // columns, 0 when unknown or when runtime.held_weights (or
  // resident_activations) is off; then no layer's weights are held.
  uint32_t vmem_bytes = 0, array_cols = 0;
  // The largest image the model may lay out (tensors, constants, tables),
  // at most runtime::kMaxImageBytes: past it compile() refuses the model.
  uint64_t max_image_bytes = runtime::kMaxImageBytes;
  // int8 only (docs/compiler.md, "Compression"). sparsity_2_4: Conv, Gemm and
  // MatMul weights pruned to 2:4 by magnitude (those of the nodes named in
  // sparsity_skip kept) and stored in the 2:4 form. int4_weights: the same
  // layers' weights quantized to int4 (w4a8). Not both.
  bool sparsity_2_4 = false;
  std::set<std::string> sparsity_skip;
  bool int4_weights = false;
  // Per node (Conv, Gemm, MatMul with constant weights), a VTPU_WEIGHTS_*
  // that overrides the two above (--precision auto's choice): SPARSE_2_4
  // prunes that node's weights.
  std::map<std::string, uint8_t> node_weights;
  // Nodes whose layers the firmware tiles with one buffer set
  // (VTPU_LAYER_ONE_BUFFER on those vtpu_layer_buffered(); --tune's choice,
  // docs/compiler.md).
  std::set<std::string> one_buffer;
  // Per node, the dataflow its int8 MATMUL and CONV2D layers name on an array
  // that runs both (VTPU_DATAFLOW_WS or _OS in the layer's `dataflow`; --tune's
  // choice with mxu.dataflow auto, docs/compiler.md). Others: the array picks.
  std::map<std::string, uint8_t> dataflow;
  // int8: the activation ranges compile() calibrated for this graph with
  // these options before (Program::ranges); compile() then uses them
  // instead of calibrating again (--tune's later programs, which differ
  // only in mapping).
  std::shared_ptr<const std::map<std::string, Range>> ranges;
  // Set by compile(): the nodes whose weights it pruned to 2:4.
  std::set<std::string> pruned_2_4;
};

// A graph input or output as the host sees it: float32 in ONNX's layout, at
// `offset` in the image.
// A graph input or output as it lies in HBM. The host converts between the
// float32 .npy and the element type as it writes or reads (docs/compiler.md):
// int8 with quantize_int8 / dequantize_int8 at (scale, zero_point), bf16 by
// rounding to nearest even, as the chip's QUANT, DEQUANT and CONVERT would.
struct Binding {
  std::string name;
  std::vector<int64_t> shape;  // ONNX's (NCHW for images)
  uint64_t offset = 0;
  bool nhwc = false;  // an input image the host writes N, H, W, C
  uint8_t type = VTPU_TYPE_FP32;
  float scale = 1.0f;  // int8
  int32_t zero_point = 0;
  // An NHWC input the host also pads (pads: top, left, bottom, right, with
  // the encoding of 0.0) and folds into blocks of block x block pixels
  // (space to depth): it lies in HBM as [N, ceil(Hp / block), ceil(Wp / block),
  // block * block * C], channels in (row in block, column in block, c) order;
  // rows and columns past the padded image's edge hold 0.0 too. block 1: none.
  uint32_t block = 1;
  std::vector<int64_t> pads = {};
  // The shape as it lies in HBM: `shape`, or the blocked one above.
  std::vector<int64_t> stored_shape() const;
  uint64_t bytes() const;
};

// What each entry of the layer table came from, for reports.
struct LayerInfo {
  std::string name;  // the ONNX node (or "input:x", "output:y")
  std::string op;    // its op type
  uint64_t macs = 0;
};

// A MaxPool's, AveragePool's or global pool's window on the chip: kernel and
// strides (2 each), pads (top, left, bottom, right) with ceil mode's extra
// at the bottom and right, and of those the lines an average does not count
// (all of them without count_include_pad; else the ceil-mode extra). Throws
// Error for what the chip cannot pool.
struct PoolGeometry {
  std::vector<int64_t> kernel, strides, pads, uncounted;
};
PoolGeometry pool_geometry(const Node& n, const std::vector<int64_t>& xs,
                           const std::vector<int64_t>& ys);

struct Program {
  Precision precision = Precision::kInt8;
  runtime::ModelImage image;
  std::vector<Binding> inputs, outputs;
  std::vector<LayerInfo> layers;  // one per layer of image.layers()
  // What was lowered, for export (int8: --emit-qdq): the graph after the
  // passes, and the parameters of every int8 tensor on the chip by name
  // (a computed matmul operand requantized to symmetric also as
  // "NAME#symmetric").
  Graph graph;
  std::map<std::string, QuantParams> quant;
  // int8: tensors the chip keeps in fp32 (a masked attention score before its
  // Softmax); exported without QuantizeLinear/DequantizeLinear.
  std::set<std::string> float_tensors;
  // int8: the Conv, Gemm and MatMul nodes whose weights are int4 on the chip
  // (exported with int4's scales, max|w| / 7).
  std::set<std::string> int4_nodes;
  // int8: host seconds the calibration took (the fp32 graph over its inputs),
  // and the ranges it found (CompileOptions::ranges).
  double calibration_seconds = 0;
  std::shared_ptr<const std::map<std::string, Range>> ranges;
};

// The passes compile() starts with (absorb quantization, simplify, fold
// BatchNorm), on their own: a graph they leave as it is. Throws vtpu::Error
// for an operator compile() does not take.
void prepare(Graph& graph);

// The whole path from an imported graph: simplify, fold BatchNorm, calibrate
// (int8), fuse, lower. Throws vtpu::Error naming the node, its op and why for
// anything the chip cannot run.
Program compile(Graph graph, CompileOptions options);

// One row of the operator table that compile() dispatches on
// (`vtpu compile --list-ops`, docs/compiler.md "Supported operators"): the
// ONNX operators, what they become on the chip, and the lowering's limits.
struct OperatorRow {
  std::vector<std::string> ops;
  std::string lowering;
  std::string limits;
};
std::vector<OperatorRow> operator_table();

// The table as Markdown (a header and one line per row), as the docs hold it.
std::string operator_table_markdown();

}  // namespace vtpu::sw
