// A compiled model as the host lays it out in HBM (models/isa/vtpu/model.h,
// docs/runtime.md): the header at offset 0, tensors, the layer table, the
// result area, then scratch. The image is the HBM's first bytes, so the same
// bytes feed the chip and the host's reference.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/isa/vtpu/model.h"

namespace vtpu::runtime {

// A layer of `kind` and `dtype` with every other field zero.
vtpu_layer blank_layer(uint8_t kind, uint8_t dtype);

// The HBM offsets of a layer's tensor operands (inputs and outputs; not its
// constants' bias and scales): the first byte of each as the kernel
// addresses it.
std::vector<uint64_t> layer_operands(const vtpu_layer& layer);

// The constants a layer's held pieces must cover (docs/runtime.md, "Held
// weights"): a dense, ungrouped CONV2D's, or a constant-B MATMUL's (B not
// transposed, one for the batch), weights, bias and scales when they lie one
// after another as the compiler writes them: [offset, offset + bytes);
// bytes 0 for any other layer.
struct ConstantsSpan {
  uint64_t offset = 0, bytes = 0;
};
ConstantsSpan held_span(const vtpu_layer& layer);

// The largest model image (docs/compiler.md, "Limits"): what a .vtpu may
// declare, and what the compiler may lay out by default.
constexpr uint64_t kMaxImageBytes = uint64_t{1} << 31;

class ModelImage {
 public:
  ModelImage();

  // The image may not grow past `bytes` (at most kMaxImageBytes): allocate()
  // and finish() throw vtpu::Error instead.
  void limit(uint64_t bytes) { limit_ = std::min(bytes, kMaxImageBytes); }
  // Keep offsets and tables but no bytes: allocate() only advances, write()
  // only checks. For laying a model out to learn its size.
  void layout_only() { layout_only_ = true; }
  // Reserves `bytes` (256-byte aligned, zeroed) for a tensor; returns its
  // offset. Throws vtpu::Error when the image would outgrow its limit.
  uint64_t allocate(uint64_t bytes);
  void write(uint64_t offset, const void* data, uint64_t size);
  void read(uint64_t offset, void* data, uint64_t size) const;
  void add_layer(const vtpu_layer& layer) { layers_.push_back(layer); }
  // Marks [offset, offset + bytes) as an activation: written and read by
  // layers only (not by the host), so the runtime may keep it in VMEM.
  void mark_activation(uint64_t offset, uint64_t bytes) { activations_.push_back({offset, bytes}); }
  // Marks [offset, offset + bytes) as read by the host (a graph output): no
  // activation overlapping it is kept in VMEM.
  void mark_host_read(uint64_t offset, uint64_t bytes) { host_read_.push_back({offset, bytes}); }

  // Each marked activation that a layer touches, with its first and last
  // layer (not the host's), sorted by first: the tensor table's activations.
  std::vector<vtpu_tensor> activation_spans();
  // Held weights' pieces (VTPU_TENSOR_HELD, in their order) for the tensor
  // table: finish() puts them after the activations of the same `first`.
  void hold(std::vector<vtpu_tensor> pieces) { held_ = std::move(pieces); }
  // Places the tensor table (activation_spans() and the held pieces), the
  // layer table, the result area and `scratch_bytes` of scratch after the
  // tensors and writes the header. Call once, after the last allocate(),
  // mark_activation(), add_layer() and hold().
  void finish(uint64_t scratch_bytes);
  const std::vector<vtpu_tensor>& tensors() const { return tensors_; }

  const std::vector<vtpu_layer>& layers() const { return layers_; }
  vtpu_layer& layer(size_t i) { return layers_.at(i); }
  const vtpu_model_header& header() const { return header_; }

  // The written byte ranges (tensors' data, the table and header), merged:
  // what an executable file stores; the rest of the image is zeros.
  struct Segment {
    uint64_t offset, size;
  };
  std::vector<Segment> segments() const;
  // An image from its size and written ranges (bytes() afterwards), with the
  // header and layer table read back from it. Throws vtpu::Error if they
  // are not a valid model.
  static ModelImage from_segments(uint64_t size, const std::vector<Segment>& segments,
                                  const std::vector<std::vector<uint8_t>>& data);
  // Every byte from offset 0 to the end of the result area (scratch is not
  // stored: the chip's HBM starts zeroed and kernels fill what they use).
  std::vector<uint8_t>& bytes() { return bytes_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
  std::vector<Segment> written_;
  std::vector<vtpu_layer> layers_;
  std::vector<Segment> activations_, host_read_;
  std::vector<vtpu_tensor> tensors_, held_;
  vtpu_model_header header_{};
  uint64_t limit_ = kMaxImageBytes;
  bool layout_only_ = false;
  uint64_t end_ = sizeof(vtpu_model_header);  // the image's size
};

}  // namespace vtpu::runtime
