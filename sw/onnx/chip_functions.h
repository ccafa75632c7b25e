// The chip's float functions as ONNX model-local functions (domain ai.vtpu,
// docs/compiler.md "int8 against ONNX Runtime"). The QDQ export calls them
// where the chip computes softmax, LayerNorm, GELU, sigmoid, tanh, Mish or
// exp:
// each function's body is the chip's fp32 steps (models/vpu/numerics.h,
// sw/runtime/reference.cpp), one ONNX operator per rounded step, so that
// ONNX Runtime computes the chip's bits rather than its own approximations.
// vtpu's importer reads each call back as the ONNX operator it stands for.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

namespace vtpu::sw {

inline constexpr const char* kChipDomain = "ai.vtpu";

// Adds function `name` to `model` unless it is there, and imports its
// domain. The functions, with the call's inputs and attributes:
//   Exp(x), Sigmoid(x), Tanh(x),      numerics::exp_f32, sigmoid, tanh_f32,
//   Mish(x)                           mish
//   Gelu(x), GeluTanh(x)              numerics::gelu_erf, gelu_tanh
//   Softmax(x; axis, axes = [axis])   the SOFTMAX layer along `axis`
//   LayerNormalization(x, gamma, beta; axis, epsilon)
//                                     the LAYERNORM layer over the dimensions
//                                     from `axis` on
void define_chip_function(onnx::ModelProto& model, const std::string& name);

// Rewrites every call of an ai.vtpu function in `model` into the ONNX
// operator it stands for (Gelu and GeluTanh into GELU as PyTorch exports it,
// Mish into Softplus, Tanh and Mul) and drops the ai.vtpu functions. A call
// of any other ai.vtpu function is an error naming the node (`path` is the
// model's file).
void lower_chip_functions(onnx::ModelProto& model, const std::string& path);

}  // namespace vtpu::sw
