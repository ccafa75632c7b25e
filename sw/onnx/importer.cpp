#include "sw/onnx/importer.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "models/common/error.h"
#include "models/common/read_file.h"
#include "sw/onnx/chip_functions.h"

namespace vtpu::sw {

namespace {

// ONNX's message on one line: its lines joined with "; ", blank ones dropped.
std::string one_line(const std::string& text) {
  std::string out, line;
  std::istringstream lines(text);
  while (std::getline(lines, line)) {
    const size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;
    out += (out.empty() ? "" : "; ") + line.substr(a, line.find_last_not_of(" \t\r") - a + 1);
  }
  return out;
}

// The name messages give node i: its own, or "Op_i" when it has none.
std::string node_name(const onnx::NodeProto& n, int i) {
  return n.name().empty() ? n.op_type() + "_" + std::to_string(i) : n.name();
}

// check_limits() over a protobuf's dimensions.
template <typename Dims>
int64_t checked_count(const Dims& dims, const std::string& what, bool zero_ok) {
  return check_limits(std::vector<int64_t>(dims.begin(), dims.end()), what, zero_ok);
}

// Element types the tool chain reads (ONNX's TensorProto::DataType).
DType dtype_of(int onnx_type, const std::string& what) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT: return DType::kFloat32;
    case onnx::TensorProto::INT64: return DType::kInt64;
    case onnx::TensorProto::INT32: return DType::kInt32;
    case onnx::TensorProto::INT8: return DType::kInt8;
    case onnx::TensorProto::UINT8: return DType::kUint8;
    case onnx::TensorProto::BOOL: return DType::kBool;
    default:
      throw Error(
          what + ": element type " +
          onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(onnx_type)) +
          " is not supported (float, int64, int32, int8, uint8, bool)");
  }
}

template <typename T>
void append_raw(const std::string& raw, std::vector<T>& out) {
  out.resize(raw.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), raw.data(), out.size() * sizeof(T));  // data(): null
}

Tensor tensor_of(const onnx::TensorProto& t, const std::string& what) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw Error(what + ": tensor '" + t.name() +
                "' keeps its data in an external file (not supported; save the model with the "
                "weights inside)");
  Tensor out;
  out.dtype = dtype_of(t.data_type(), what + ": tensor '" + t.name() + "'");
  // Empty constants stand for absent optional inputs (Resize's roi).
  checked_count(t.dims(), what + ": tensor '" + t.name() + "'", true);
  out.shape.assign(t.dims().begin(), t.dims().end());
  const int64_t n = out.numel();
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (raw)
        append_raw(t.raw_data(), out.f);
      else
        out.f.assign(t.float_data().begin(), t.float_data().end());
      break;
    case onnx::TensorProto::INT64:
      if (raw)
        append_raw(t.raw_data(), out.i);
      else
        out.i.assign(t.int64_data().begin(), t.int64_data().end());
      break;
    case onnx::TensorProto::INT32: {
      std::vector<int32_t> v;
      if (raw)
        append_raw(t.raw_data(), v);
      else
        v.assign(t.int32_data().begin(), t.int32_data().end());
      out.i.assign(v.begin(), v.end());
      break;
    }
    case onnx::TensorProto::INT8: {
      std::vector<int8_t> v;
      if (raw) {
        append_raw(t.raw_data(), v);
        out.i.assign(v.begin(), v.end());
      } else {
        for (int32_t x : t.int32_data()) out.i.push_back(static_cast<int8_t>(x));
      }
      break;
    }
    default: {  // UINT8, BOOL: one byte each in raw data, int32_data otherwise
      if (raw)
        for (unsigned char c : t.raw_data()) out.i.push_back(c);
      else
        out.i.assign(t.int32_data().begin(), t.int32_data().end());
    }
  }
  const int64_t have =
      out.is_float() ? static_cast<int64_t>(out.f.size()) : static_cast<int64_t>(out.i.size());
  if (have != n)
    throw Error(what + ": tensor '" + t.name() + "' has " + std::to_string(have) +
                " values for its shape's " + std::to_string(n));
  return out;
}

Attribute attribute_of(const onnx::AttributeProto& a, const std::string& where) {
  Attribute out;
  switch (a.type()) {
    case onnx::AttributeProto::INT:
      out.kind = Attribute::Kind::kInt;
      out.i = a.i();
      break;
    case onnx::AttributeProto::FLOAT:
      out.kind = Attribute::Kind::kFloat;
      out.f = a.f();
      break;
    case onnx::AttributeProto::STRING:
      out.kind = Attribute::Kind::kString;
      out.s = a.s();
      break;
    case onnx::AttributeProto::INTS:
      out.kind = Attribute::Kind::kInts;
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case onnx::AttributeProto::FLOATS:
      out.kind = Attribute::Kind::kFloats;
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case onnx::AttributeProto::TENSOR:
      out.kind = Attribute::Kind::kTensor;
      out.t.push_back(tensor_of(a.t(), where));
      break;
    default: throw Error(where + ": attribute '" + a.name() + "' has a type vtpu does not read");
  }
  return out;
}

// The static shape of a value, or an error naming its symbolic dimension.
bool static_shape(const onnx::ValueInfoProto& v, ValueInfo& out, std::string* symbolic) {
  if (!v.type().has_tensor_type()) return false;
  const onnx::TypeProto_Tensor& t = v.type().tensor_type();
  if (!t.has_shape()) return false;
  out.shape.clear();
  for (const onnx::TensorShapeProto_Dimension& d : t.shape().dim()) {
    if (!d.has_dim_value()) {
      if (symbolic) *symbolic = d.has_dim_param() ? "'" + d.dim_param() + "'" : "unknown";
      return false;
    }
    out.shape.push_back(d.dim_value());
  }
  try {
    out.dtype = dtype_of(t.elem_type(), "");
  } catch (const Error&) {
    return false;
  }
  return true;
}

// The version of the default domain (ai.onnx) the model imports; 0 when none.
int64_t default_opset(const onnx::ModelProto& model) {
  int64_t opset = 0;
  for (const onnx::OperatorSetIdProto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  return opset;
}

onnx::ModelProto read_model(const std::string& path) {
  const std::string data = read_file(path);
  if (data.empty()) throw Error(path + ": empty file, not an ONNX model");
  onnx::ModelProto model;
  if (!model.ParseFromString(data))
    throw Error(path + ": not an ONNX model (the protobuf does not parse: truncated or garbage)");
  if (!model.has_graph() || model.ir_version() == 0)
    throw Error(path + ": not an ONNX model (no graph or IR version)");
  // The checker takes any opset; shape inference would then read a newer
  // model with the newest schemas it knows, which may mean other things.
  const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  for (const onnx::OperatorSetIdProto& o : model.opset_import()) {
    const std::string domain = o.domain().empty() ? "ai.onnx" : o.domain();
    auto range = known.find(o.domain() == "ai.onnx" ? "" : o.domain());
    if (range == known.end()) continue;  // a custom domain: its nodes are refused by op
    if (o.version() < range->second.first || o.version() > range->second.second)
      throw Error(path + ": opset_import: opset " + std::to_string(o.version()) + " of domain '" +
                  domain + "' is outside what this build's ONNX knows (" +
                  std::to_string(range->second.first) + " to " +
                  std::to_string(range->second.second) + ")");
  }
  // An operator of the default domain with no schema at its opset: the
  // checker only warns (on stderr) for the old experimental ones (Crop, ...),
  // and shape inference then dereferences the schema that is not there.
  const int opset = static_cast<int>(default_opset(model));
  for (int i = 0; i < model.graph().node_size(); ++i) {
    const onnx::NodeProto& n = model.graph().node(i);
    if (!n.domain().empty() && n.domain() != "ai.onnx") continue;
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(n.op_type(), opset, "");
    if (schema == nullptr || schema->support_level() == onnx::OpSchema::SupportType::EXPERIMENTAL)
      throw Error(path + ": node '" + node_name(n, i) + "' (" + n.op_type() +
                  "): not an operator of ONNX opset " + std::to_string(opset) +
                  " (an experimental or unknown one)");
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(path + ": the ONNX checker refuses the model: " + one_line(e.what()));
  }
  return model;
}

// The per-axis attributes of a windowed node hold one value per spatial axis
// of its kernel (pads two): ONNX's shape inference indexes them by the
// kernel's axes without looking at their lengths.
void check_window_lengths(const onnx::NodeProto& n, const std::string& where) {
  const onnx::AttributeProto* kernel = nullptr;
  for (const onnx::AttributeProto& a : n.attribute())
    if (a.name() == "kernel_shape") kernel = &a;
  if (kernel == nullptr) return;  // no constant weights: inference checks the input's rank
  const int axes = kernel->ints_size();
  for (const onnx::AttributeProto& a : n.attribute()) {
    const int want = a.name() == "pads" ? 2 * axes : axes;
    const bool per_axis = a.name() == "strides" || a.name() == "dilations" || a.name() == "pads" ||
                          a.name() == "output_padding";
    if (per_axis && a.ints_size() != want)
      throw Error(where + ": attribute " + a.name() + " holds " + std::to_string(a.ints_size()) +
                  (a.ints_size() == 1 ? " value" : " values") +
                  std::string(" where its kernel of ") + std::to_string(axes) + " axes needs " +
                  std::to_string(want));
  }
}

// What ONNX's shape inference takes on trust: attributes of convolutions and
// pools it divides by or indexes with (a zero stride is a division by zero in
// it, a kernel of another rank than the input an access out of bounds). A
// Conv whose weights are a constant gets its kernel_shape from them, so that
// inference compares the ranks itself and fails with a message.
void validate_for_inference(onnx::ModelProto& model, const std::string& path) {
  static const std::set<std::string> windowed = {"Conv",        "ConvTranspose", "MaxPool",
                                                 "AveragePool", "LpPool",        "MaxUnpool"};
  onnx::GraphProto& graph = *model.mutable_graph();
  std::map<std::string, const onnx::TensorProto*> constants;
  for (const onnx::TensorProto& t : graph.initializer()) constants[t.name()] = &t;
  for (const onnx::NodeProto& n : graph.node())
    if (n.op_type() == "Constant" && n.output_size() == 1 && n.attribute_size() == 1 &&
        n.attribute(0).has_t())
      constants[n.output(0)] = &n.attribute(0).t();
  for (int i = 0; i < graph.node_size(); ++i) {
    onnx::NodeProto& n = *graph.mutable_node(i);
    // A constant shape whose tensor is beyond the limits: ONNX's inference,
    // which propagates it, would build a shape of 2^35 dimensions downstream.
    if (n.op_type() == "ConstantOfShape" && n.input_size() == 1 && constants.count(n.input(0))) {
      const std::string where = path + ": node '" + node_name(n, i) + "' (ConstantOfShape)";
      const Tensor shape = tensor_of(*constants.at(n.input(0)), where + ": shape");
      if (shape.dtype == DType::kInt64) checked_count(shape.i, where + ": output", true);
    }
    // A flag the schema types as an integer: shape inference, ONNX Runtime
    // and vtpu's passes may each read another value as another answer.
    for (const onnx::AttributeProto& a : n.attribute())
      if (a.name() == "keepdims" && a.type() == onnx::AttributeProto::INT && a.i() != 0 &&
          a.i() != 1)
        throw Error(path + ": node '" + node_name(n, i) + "' (" + n.op_type() +
                    "): attribute keepdims is " + std::to_string(a.i()) + " (must be 0 or 1)");
    if (!windowed.count(n.op_type())) continue;
    const std::string where = path + ": node '" + node_name(n, i) + "' (" + n.op_type() + ")";
    bool has_kernel_shape = false;
    for (const onnx::AttributeProto& a : n.attribute()) {
      const std::string& name = a.name();
      has_kernel_shape |= name == "kernel_shape";
      const int64_t least = name == "pads" ? 0 : 1;
      if (name == "strides" || name == "dilations" || name == "kernel_shape" || name == "pads") {
        for (int64_t v : a.ints())
          if (v < least || v > kMaxDimension)
            throw Error(where + ": attribute " + name + " holds " + std::to_string(v) + " (" +
                        (least ? "each must be 1 to 2^24)" : "each must be 0 to 2^24)"));
      } else if (name == "group" && (a.i() < 1 || a.i() > kMaxDimension)) {
        throw Error(where + ": attribute group is " + std::to_string(a.i()) +
                    " (must be 1 to 2^24)");
      }
    }
    if ((n.op_type() == "Conv" || n.op_type() == "ConvTranspose") && n.input_size() > 1) {
      const auto w = constants.find(n.input(1));
      if (w == constants.end()) continue;
      const onnx::TensorProto& weights = *w->second;
      if (weights.dims_size() < 3)
        throw Error(where + ": weights '" + weights.name() + "' have rank " +
                    std::to_string(weights.dims_size()) + " (a convolution's are N, C, kernel...)");
      for (int d = 0; d < weights.dims_size(); ++d)
        if (weights.dims(d) < 1)
          throw Error(where + ": weights '" + weights.name() + "' have a dimension of " +
                      std::to_string(weights.dims(d)));
      if (!has_kernel_shape) {
        onnx::AttributeProto& k = *n.add_attribute();
        k.set_name("kernel_shape");
        k.set_type(onnx::AttributeProto::INTS);
        for (int d = 2; d < weights.dims_size(); ++d) k.add_ints(weights.dims(d));
      }
    }
    check_window_lengths(n, where);
  }
}

// The main graph after shape inference without data propagation, inferred on
// a copy (inference reads the bytes of some initializers: Range's limits).
onnx::GraphProto inferred_types(onnx::ModelProto model) {
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                     onnx::ShapeInferenceOptions(false, 0, false));
  return std::move(*model.mutable_graph());
}

// Whether shape inference gave every value a node reads a type.
bool every_input_typed(const onnx::GraphProto& graph) {
  std::set<std::string> typed;
  for (const auto* values : {&graph.input(), &graph.value_info(), &graph.output()})
    for (const onnx::ValueInfoProto& v : *values)
      if (v.type().value_case() != onnx::TypeProto::VALUE_NOT_SET) typed.insert(v.name());
  for (const onnx::TensorProto& t : graph.initializer()) typed.insert(t.name());
  for (const onnx::NodeProto& n : graph.node())
    for (const std::string& input : n.input())
      if (!input.empty() && !typed.count(input)) return false;
  return true;
}

}  // namespace

// Re-exports a model for a batch of `batch`: every graph input's first
// dimension becomes `batch`, and the shapes the exporter recorded for the
// batch it was exported with are dropped, so that shape inference derives
// them again.
void rebatch(onnx::ModelProto& model, int64_t batch, const std::string& path) {
  onnx::GraphProto& graph = *model.mutable_graph();
  std::set<std::string> initializers;
  for (const onnx::TensorProto& t : graph.initializer()) initializers.insert(t.name());
  for (onnx::ValueInfoProto& v : *graph.mutable_input()) {
    if (initializers.count(v.name())) continue;
    onnx::TensorShapeProto* shape = v.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape->dim_size() == 0)
      throw Error(path + ": --batch: input '" + v.name() + "' has no batch dimension");
    onnx::TensorShapeProto_Dimension& d = *shape->mutable_dim(0);
    if (d.has_dim_value() && d.dim_value() != 1 && d.dim_value() != batch)
      throw Error(path + ": --batch " + std::to_string(batch) + ": input '" + v.name() +
                  "' was exported with batch " + std::to_string(d.dim_value()) +
                  " (re-export takes batch-1 models)");
    d.set_dim_value(batch);
  }
  graph.clear_value_info();
  for (onnx::ValueInfoProto& v : *graph.mutable_output())
    v.mutable_type()->mutable_tensor_type()->clear_shape();
}

Graph import_onnx(const std::string& path, int64_t batch) {
  onnx::ModelProto model = read_model(path);
  lower_chip_functions(model, path);  // a QDQ export of vtpu's own
  if (batch != 0) rebatch(model, batch, path);
  Graph g;
  g.opset = default_opset(model);
  for (const onnx::ValueInfoProto& v : model.graph().input()) {
    if (!v.type().tensor_type().has_shape()) continue;
    std::vector<int64_t> dims;
    for (const onnx::TensorShapeProto_Dimension& d : v.type().tensor_type().shape().dim())
      if (d.has_dim_value()) dims.push_back(d.dim_value());
    checked_count(dims, path + ": input '" + v.name() + "'", false);
  }
  validate_for_inference(model, path);
  try {
    // Types first, without data propagation. A node whose inference fails (a 2-D kernel on a rank-3
    // input) leaves its output untyped, and libonnx's data propagation (Shape, Slice...)
    // dereferences that missing type; such a model gets its shapes without it, and the checks below
    // say what is wrong with the node.
    const bool propagate = every_input_typed(inferred_types(model));
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(false, 0, propagate));
  } catch (const std::exception& e) {
    throw Error(path + ": ONNX shape inference fails: " + one_line(e.what()));
  }
  const onnx::GraphProto& graph = model.graph();
  g.name = graph.name();

  for (const onnx::TensorProto& t : graph.initializer()) g.constants[t.name()] = tensor_of(t, path);
  for (const onnx::ValueInfoProto& v : graph.input()) {
    if (g.constants.count(v.name())) continue;  // an initializer listed as an input
    ValueInfo info;
    std::string symbolic;
    if (!static_shape(v, info, &symbolic))
      throw Error(path + ": input '" + v.name() + "' has a " +
                  (symbolic.empty() ? std::string("missing or unsupported type or shape")
                                    : "symbolic dimension " + symbolic) +
                  " (vtpu compiles for static shapes)");
    g.values[v.name()] = info;
    g.inputs.push_back(v.name());
  }
  // Every tensor whose shape inference knows is within the limits. Computed
  // ones may be empty (an empty Slice of Swin's shift arithmetic folds away);
  // the compiler refuses one that would reach the chip.
  std::map<std::string, std::string> producer;
  for (int i = 0; i < graph.node_size(); ++i)
    for (const std::string& out : graph.node(i).output())
      producer[out] = node_name(graph.node(i), i);
  auto computed = [&](const onnx::ValueInfoProto& v) {
    ValueInfo info;
    if (!static_shape(v, info, nullptr)) return;
    const auto p = producer.find(v.name());
    checked_count(info.shape,
                  path + ": tensor '" + v.name() + "'" +
                      (p == producer.end() ? "" : " (output of node '" + p->second + "')"),
                  true);
    g.values[v.name()] = info;
  };
  for (const onnx::ValueInfoProto& v : graph.value_info()) computed(v);
  for (const onnx::ValueInfoProto& v : graph.output()) {
    computed(v);
    g.outputs.push_back(v.name());
  }
  for (const auto& [name, t] : g.constants) g.values[name] = ValueInfo{t.dtype, t.shape};

  std::set<std::string> names;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& n = graph.node(i);
    Node node;
    node.op = n.op_type();
    node.name = node_name(n, i);
    while (!names.insert(node.name).second) node.name += "_" + std::to_string(i);
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      throw Error(path + ": " + node.where() + " is in domain '" + n.domain() +
                  "' (vtpu reads the default ONNX domain only)");
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    for (const onnx::AttributeProto& a : n.attribute())
      node.attrs[a.name()] = attribute_of(a, path + ": " + node.where());
    g.nodes.push_back(std::move(node));
  }
  return g;
}

}  // namespace vtpu::sw
