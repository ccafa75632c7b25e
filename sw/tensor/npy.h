// NumPy .npy files (format versions 1.0-3.0, little-endian, C order): the
// tensors users hand to `vtpu run` and get back from it.
#pragma once

#include <string>

#include "sw/graph/graph.h"

namespace vtpu::sw {

// Reads float32 (<f4), float64 (<f8, narrowed), int64 (<i8), int32 (<i4),
// int8 (|i1), uint8 (|u1) or bool (|b1) arrays. Throws vtpu::Error("PATH:
// reason") for anything else: a bad magic or header, Fortran order, a
// big-endian or unsupported dtype, data shorter than the shape says.
// `descr`, when given, receives the file's own dtype ("<f8" for float64).
Tensor read_npy(const std::string& path, std::string* descr = nullptr);

// Writes a float32 tensor (or int64 for integer tensors) through a temporary
// file renamed into place, so a failed write leaves no file behind.
void write_npy(const std::string& path, const Tensor& t);

}  // namespace vtpu::sw
