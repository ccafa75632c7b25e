#include "sw/graph/graph.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <utility>

#include "models/common/error.h"

namespace vtpu::sw {

namespace {

int64_t product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t d = 0; d < shape.size(); ++d) s += (d ? "," : "") + std::to_string(shape[d]);
  return s + "]";
}

void check_size(const char* factory, const std::vector<int64_t>& shape, size_t values) {
  if (static_cast<int64_t>(values) != product(shape)) {
    throw Error(std::string("Tensor::") + factory + ": " + std::to_string(values) +
                " values for shape " + shape_text(shape));
  }
}

const char* kind_name(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::kInt: return "an int";
    case Attribute::Kind::kFloat: return "a float";
    case Attribute::Kind::kString: return "a string";
    case Attribute::Kind::kInts: return "a list of ints";
    case Attribute::Kind::kFloats: return "a list of floats";
    case Attribute::Kind::kTensor: return "a tensor";
  }
  return "?";
}

// The attribute `name` of `node` if it is there, checked to be of `kind`.
const Attribute* find(const Node& node, const std::string& name, Attribute::Kind kind) {
  const auto it = node.attrs.find(name);
  if (it == node.attrs.end()) return nullptr;
  if (it->second.kind != kind) {
    throw Error(node.where() + ": attribute '" + name + "' is " + kind_name(it->second.kind) +
                ", not " + kind_name(kind));
  }
  return &it->second;
}

}  // namespace

namespace {
std::atomic<int64_t> element_limit{kMaxElements};
}  // namespace

int64_t max_elements() {
  return element_limit.load(std::memory_order_relaxed);
}

void set_max_elements(int64_t limit) {
  element_limit.store(std::clamp<int64_t>(limit, 1, kMaxElements), std::memory_order_relaxed);
}

int64_t slice_count(int64_t begin, int64_t end, int64_t step) {
  const bool forwards = step > 0;
  if (forwards ? end <= begin : end >= begin) return 0;
  // In unsigned arithmetic, exact for any begin and end in order.
  const uint64_t distance = forwards ? static_cast<uint64_t>(end) - static_cast<uint64_t>(begin)
                                     : static_cast<uint64_t>(begin) - static_cast<uint64_t>(end);
  const uint64_t magnitude =
      forwards ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  return static_cast<int64_t>(1 + (distance - 1) / magnitude);
}

int64_t check_limits(const std::vector<int64_t>& shape, const std::string& what, bool zero_ok) {
  if (shape.size() > kMaxRank)
    throw LimitError(what + " has " + std::to_string(shape.size()) +
                     " axes: more than vtpu's limit of " + std::to_string(kMaxRank));
  const int64_t limit = max_elements();
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d == 0 && !zero_ok))
      throw LimitError(what + " has shape " + shape_text(shape) +
                       ": dimensions must be at least 1");
    if (d > kMaxDimension)
      throw LimitError(what + " has shape " + shape_text(shape) +
                       ": a dimension above vtpu's limit of 2^24");
    count *= d;  // both factors at most 2^28 and 2^24: no overflow
    if (count > limit)
      throw LimitError(what + " has shape " + shape_text(shape) + ": more than vtpu's limit of " +
                       (limit == kMaxElements ? std::string("2^28") : std::to_string(limit)) +
                       " elements");
  }
  return count;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kInt64: return "int64";
    case DType::kInt32: return "int32";
    case DType::kInt8: return "int8";
    case DType::kUint8: return "uint8";
    case DType::kBool: return "bool";
  }
  return "?";
}

int64_t Tensor::numel() const {
  return product(shape);
}

Tensor Tensor::floats(std::vector<int64_t> shape, std::vector<float> data) {
  check_size("floats", shape, data.size());
  Tensor t;
  t.shape = std::move(shape);
  t.f = std::move(data);
  return t;
}

Tensor Tensor::ints(std::vector<int64_t> shape, std::vector<int64_t> data, DType type) {
  if (type == DType::kFloat32) throw Error("Tensor::ints: float32 is not an integer type");
  check_size("ints", shape, data.size());
  Tensor t;
  t.dtype = type;
  t.shape = std::move(shape);
  t.i = std::move(data);
  return t;
}

int64_t Node::get_int(const std::string& attr, int64_t fallback) const {
  const Attribute* a = find(*this, attr, Attribute::Kind::kInt);
  return a ? a->i : fallback;
}

float Node::get_float(const std::string& attr, float fallback) const {
  const Attribute* a = find(*this, attr, Attribute::Kind::kFloat);
  return a ? a->f : fallback;
}

std::string Node::get_string(const std::string& attr, const std::string& fallback) const {
  const Attribute* a = find(*this, attr, Attribute::Kind::kString);
  return a ? a->s : fallback;
}

std::vector<int64_t> Node::get_ints(const std::string& attr, std::vector<int64_t> fallback) const {
  const Attribute* a = find(*this, attr, Attribute::Kind::kInts);
  return a ? a->ints : fallback;
}

std::string Node::where() const {
  return "node '" + name + "' (" + op + ")";
}

}  // namespace vtpu::sw
