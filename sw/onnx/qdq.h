// Export of an int8 program as a QDQ ONNX model (`vtpu compile --emit-qdq`):
// the graph the compiler lowered, with QuantizeLinear/DequantizeLinear at
// every tensor that is int8 on the chip, using the chip's scales and zero
// points. Convolutions and matrix products take their int8 operands as
// integer-valued floats (DequantizeLinear with scale 1), the per-channel int8
// weights and int32 biases likewise, so their sums are exact in fp32; then the
// chip's requantization: times the fp32 multiplier, QuantizeLinear with scale
// 1 and the output's zero point. Everything else runs in float between
// DequantizeLinear and QuantizeLinear, as the ONNX spec defines. An independent runtime
// (ONNX Runtime) running it checks vtpu's int8 numerics; its outputs are the
// int8 values before the final dequantization ("<output>_int8") with their
// parameters ("<output>_scale", "<output>_zero_point").
#pragma once

#include <string>

#include "sw/compiler/compiler.h"

namespace vtpu::sw {

// Throws vtpu::Error for a bf16 program or an operator it cannot express.
void write_qdq(const std::string& path, const Program& program);

}  // namespace vtpu::sw
