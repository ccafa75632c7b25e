#include "sw/runtime/model_image.h"

#include <cstring>

#include "models/common/error.h"

namespace vtpu::runtime {

namespace {

constexpr uint64_t kAlign = 64;

uint64_t align(uint64_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

}  // namespace

ModelImage::ModelImage() : bytes_(sizeof(vtpu_model_header), 0) {}

uint64_t ModelImage::allocate(uint64_t bytes) {
  const uint64_t offset = align(bytes_.size());
  bytes_.resize(offset + bytes, 0);
  return offset;
}

void ModelImage::write(uint64_t offset, const void* data, uint64_t size) {
  if (offset > bytes_.size() || size > bytes_.size() - offset)
    throw Error("model image: write beyond the allocated tensors");
  std::memcpy(bytes_.data() + offset, data, size);
}

void ModelImage::read(uint64_t offset, void* data, uint64_t size) const {
  if (offset > bytes_.size() || size > bytes_.size() - offset)
    throw Error("model image: read beyond the image");
  std::memcpy(data, bytes_.data() + offset, size);
}

void ModelImage::finish(uint64_t scratch_bytes) {
  header_.magic = VTPU_MODEL_MAGIC;
  header_.version = VTPU_MODEL_VERSION;
  header_.layer_count = static_cast<uint32_t>(layers_.size());
  header_.layer_size = sizeof(vtpu_layer);
  header_.layers = allocate(layers_.size() * sizeof(vtpu_layer));
  if (!layers_.empty()) write(header_.layers, layers_.data(), layers_.size() * sizeof(vtpu_layer));
  header_.results = allocate(sizeof(vtpu_run_result) + layers_.size() * sizeof(vtpu_layer_result));
  header_.scratch = align(bytes_.size());
  header_.scratch_size = scratch_bytes;
  std::memcpy(bytes_.data() + VTPU_MODEL_OFFSET, &header_, sizeof header_);
}

}  // namespace vtpu::runtime
