// ONNX import (docs/compiler.md): an .onnx file, parsed with Debian's ONNX
// protobuf classes, checked by ONNX's checker, shapes inferred by ONNX's shape
// inference, into the tool chain's graph (sw/graph/graph.h).
#pragma once

#include <string>

#include "sw/graph/graph.h"

namespace vtpu::sw {

// Throws vtpu::Error("PATH: reason") for a file that is not a valid ONNX
// model: unreadable, truncated or garbage bytes, a checker failure, a symbolic
// input dimension, an unsupported element type or operator domain.
Graph import_onnx(const std::string& path);

}  // namespace vtpu::sw
