// The host tool chain's graph: an ONNX model after import (sw/onnx), before
// and after the passes (sw/graph/passes.*), with tensor values for constants.
// Plain C++ (no SystemC, no protobuf): every pass and the fp32 evaluator work
// on this, not on ONNX's classes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/common/error.h"

namespace vtpu::sw {

enum class DType { kFloat32, kInt64, kInt32, kInt8, kUint8, kBool };

const char* dtype_name(DType t);

// Limits (docs/compiler.md, "Limits"), checked before a tensor is allocated or
// a shape handed to ONNX's shape inference: a dimension at most the MXU's
// largest, a tensor at most 2^28 elements (1 GiB of fp32; VGG's first fully
// connected weights are 103 M), of at most 32 axes (ONNX models use up to 8;
// per-axis work is not for ranks in the thousands).
constexpr int64_t kMaxDimension = int64_t{1} << 24;
constexpr size_t kMaxRank = 32;
constexpr int64_t kMaxElements = int64_t{1} << 28;
// The element limit check_limits() applies: kMaxElements unless an embedder
// lowers it for the whole process (the ONNX fuzzer does, so that one input
// cannot evaluate gigabytes under the sanitizers). At most kMaxElements.
int64_t max_elements();
void set_max_elements(int64_t limit);

// A shape beyond the limits (thrown by check_limits(); the evaluator names the
// node it met it in).
struct LimitError : Error {
  using Error::Error;
};
// The element count of `shape`; throws LimitError starting with `what` when it
// has more than kMaxRank axes, a dimension is negative, zero (unless `zero_ok`) or above
// kMaxDimension, or the count above max_elements().
int64_t check_limits(const std::vector<int64_t>& shape, const std::string& what,
                     bool zero_ok = false);

// The elements a Slice takes along one axis, from `begin` (clamped onto the
// axis) towards `end` (exclusive) by `step` (not 0): one every |step| while
// moving towards `end`, none when `end` lies behind. Exact for any values,
// INT64_MIN included (no |step| + distance is formed).
int64_t slice_count(int64_t begin, int64_t end, int64_t step);

// A dense row-major tensor. Floating-point data lives in `f`; every integer
// type (and bool) in `i`, widened to int64.
struct Tensor {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<float> f;
  std::vector<int64_t> i;

  int64_t numel() const;
  bool is_float() const { return dtype == DType::kFloat32; }
  static Tensor floats(std::vector<int64_t> shape, std::vector<float> data);
  static Tensor ints(std::vector<int64_t> shape, std::vector<int64_t> data,
                     DType t = DType::kInt64);
};

struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kTensor } kind = Kind::kInt;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<Tensor> t;  // kTensor: one element
};

struct Node {
  std::string name;                 // unique in the graph (the importer names unnamed nodes)
  std::string op;                   // ONNX op type, e.g. "Conv"
  std::vector<std::string> inputs;  // "" for an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, Attribute> attrs;

  bool has(const std::string& attr) const { return attrs.count(attr) != 0; }
  int64_t get_int(const std::string& attr, int64_t fallback) const;
  float get_float(const std::string& attr, float fallback) const;
  std::string get_string(const std::string& attr, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& attr, std::vector<int64_t> fallback) const;
  // "node 'name' (Op)": how messages name a node.
  std::string where() const;
};

struct ValueInfo {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;  // static shapes only (the importer refuses symbolic ones)
};

// The int8 parameters a pre-quantized model gives a float tensor.
struct QuantHint {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

struct Graph {
  std::string name;
  int64_t opset = 0;
  std::vector<Node> nodes;                       // in topological order
  std::map<std::string, Tensor> constants;       // initializers and folded values
  std::map<std::string, ValueInfo> values;       // shape and type of every tensor
  std::vector<std::string> inputs, outputs;      // graph inputs (not constants) and outputs
  std::map<std::string, QuantHint> quant_hints;  // from QuantizeLinear & co. (absorb_quantization)
};

// The values of tensors by name, for the evaluator.
using Env = std::map<std::string, Tensor>;

}  // namespace vtpu::sw
