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
// `batch` > 0 re-exports a batch-1 model for that batch (vtpu --batch N):
// every input's first dimension becomes `batch` before shape inference.
Graph import_onnx(const std::string& path, int64_t batch = 0);

}  // namespace vtpu::sw
