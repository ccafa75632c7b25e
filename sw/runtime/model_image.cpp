#include "sw/runtime/model_image.h"

#include <algorithm>
#include <cstring>

#include "models/common/error.h"
#include "models/isa/vtpu/isa.h"

namespace vtpu::runtime {

namespace {

// A tensor starts on a 256-byte boundary: the DMA's burst in every preset
// (dma.burst_bytes), at whose boundaries the DMA cuts a copy's rows. At 64
// bytes a tensor of 256-byte rows that started off a burst boundary took two
// requests a row, half the DMA's rate (ResNet-50 at batch 8 on tpuv3-like,
// 2:4: a 6.4 MB activation read at 120 GB/s instead of 240).
constexpr uint64_t kAlign = 256;

uint64_t align(uint64_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

}  // namespace

vtpu_layer blank_layer(uint8_t kind, uint8_t dtype) {
  vtpu_layer l;
  std::memset(&l, 0, sizeof l);
  l.kind = kind;
  l.dtype = dtype;
  return l;
}

ModelImage::ModelImage() : bytes_(sizeof(vtpu_model_header), 0) {}

uint64_t ModelImage::allocate(uint64_t bytes) {
  const uint64_t offset = align(end_);
  if (bytes > limit_ || offset > limit_ - bytes)
    throw Error("model image: the model's tensors need more than " + std::to_string(limit_) +
                " bytes (the image's limit; docs/compiler.md, \"Limits\")");
  end_ = offset + bytes;
  if (!layout_only_) bytes_.resize(end_, 0);
  return offset;
}

void ModelImage::write(uint64_t offset, const void* data, uint64_t size) {
  if (offset > end_ || size > end_ - offset)
    throw Error("model image: write beyond the allocated tensors");
  if (layout_only_) return;
  std::memcpy(bytes_.data() + offset, data, size);
  written_.push_back({offset, size});
}

void ModelImage::read(uint64_t offset, void* data, uint64_t size) const {
  if (offset > bytes_.size() || size > bytes_.size() - offset)
    throw Error("model image: read beyond the image");
  std::memcpy(data, bytes_.data() + offset, size);
}

std::vector<uint64_t> layer_operands(const vtpu_layer& l) {
  const auto& u = l.u;
  switch (l.kind) {
    case VTPU_LAYER_MATMUL: {
      std::vector<uint64_t> v;
      for (uint32_t i = 0; i < std::max(u.matmul.batch, 1u); ++i) {
        for (uint64_t at : {u.matmul.a + uint64_t{i} * u.matmul.a_batch_stride,
                            u.matmul.b + uint64_t{i} * u.matmul.b_batch_stride,
                            u.matmul.c + uint64_t{i} * u.matmul.c_batch_stride})
          v.push_back(at);
        if (l.flags & VTPU_LAYER_RESIDUAL)
          v.push_back(u.matmul.residual + uint64_t{i} * u.matmul.c_batch_stride);
      }
      return v;
    }
    case VTPU_LAYER_CONV2D:
      if (l.flags & VTPU_LAYER_RESIDUAL)
        return {u.conv2d.in, u.conv2d.weights, u.conv2d.out, u.conv2d.residual};
      return {u.conv2d.in, u.conv2d.weights, u.conv2d.out};
    case VTPU_LAYER_POOL: return {u.pool.in, u.pool.out};
    case VTPU_LAYER_ELEMENTWISE: return {u.elementwise.a, u.elementwise.b, u.elementwise.out};
    case VTPU_LAYER_SOFTMAX:
    case VTPU_LAYER_LAYERNORM: return {u.rowwise.in, u.rowwise.out};
    case VTPU_LAYER_COPY: return {u.copy.desc.src, u.copy.desc.dst};
    case VTPU_LAYER_FILL: return {u.fill.dst};
    default: return {};
  }
}

std::vector<vtpu_tensor> ModelImage::activation_spans() {
  // Each activation's span: the first and last layer with an operand in it.
  std::sort(activations_.begin(), activations_.end(),
            [](const Segment& a, const Segment& b) { return a.offset < b.offset; });
  // An activation's bytes come from layers and go to layers: none that the
  // host writes or reads.
  auto host_written = [this](const Segment& a) {
    for (const std::vector<Segment>* list : {&written_, &host_read_})
      for (const Segment& w : *list)
        if (w.offset < a.offset + a.size && a.offset < w.offset + w.size) return true;
    return false;
  };
  activations_.erase(std::remove_if(activations_.begin(), activations_.end(),
                                    [&](const Segment& a) {
                                      return a.size == 0 || a.size > UINT32_MAX || host_written(a);
                                    }),
                     activations_.end());
  std::vector<vtpu_tensor> spans(activations_.size());
  for (size_t t = 0; t < activations_.size(); ++t) {
    spans[t].offset = activations_[t].offset;
    spans[t].bytes = static_cast<uint32_t>(activations_[t].size);
    spans[t].first = UINT32_MAX;
  }
  for (uint32_t i = 0; i < layers_.size(); ++i) {
    for (uint64_t at : layer_operands(layers_[i])) {
      auto after = std::upper_bound(activations_.begin(), activations_.end(), at,
                                    [](uint64_t v, const Segment& s) { return v < s.offset; });
      if (after == activations_.begin()) continue;
      const size_t t = static_cast<size_t>(after - activations_.begin()) - 1;
      if (at >= activations_[t].offset + activations_[t].size) continue;
      spans[t].first = std::min(spans[t].first, i);
      spans[t].last = std::max(spans[t].last, i);
    }
  }
  std::vector<vtpu_tensor> used;
  for (const vtpu_tensor& t : spans)
    if (t.first != UINT32_MAX && t.bytes > 0) used.push_back(t);
  std::stable_sort(used.begin(), used.end(),
                   [](const vtpu_tensor& a, const vtpu_tensor& b) { return a.first < b.first; });
  return used;
}

ConstantsSpan held_span(const vtpu_layer& l) {
  const auto align64 = [](uint64_t v) { return (v + 63) & ~uint64_t{63}; };
  // Weights of `weight_bytes` at `weights`, then (when used) n int32 biases
  // and n fp32 scales, each 64-byte aligned.
  const auto span = [&](uint64_t weights, uint64_t weight_bytes, uint64_t bias, uint64_t scales,
                        uint64_t n) {
    uint64_t end = weights + align64(weight_bytes);
    if (l.flags & VTPU_LAYER_BIAS) {
      if (bias != end) return ConstantsSpan{};
      end += align64(4 * n);
    }
    if (l.dtype == VTPU_TYPE_INT8) {
      if (scales != end) return ConstantsSpan{};
      end += 4 * n;
    }
    return ConstantsSpan{weights, end - weights};
  };
  const uint64_t e = vtpu_type_size(l.dtype);
  if (l.kind == VTPU_LAYER_CONV2D) {
    const vtpu_layer_conv2d& v = l.u.conv2d;
    if (v.groups != 1 || v.weights_format != VTPU_WEIGHTS_DENSE) return {};
    return span(v.weights, uint64_t{v.kh} * v.kw * v.cin * v.cout * e, v.bias, v.scales, v.cout);
  }
  if (l.kind == VTPU_LAYER_MATMUL) {
    const vtpu_layer_matmul& v = l.u.matmul;
    if (!(l.flags & VTPU_LAYER_CONST_B) || (l.flags & VTPU_LAYER_TRANS_B) ||
        v.weights_format != VTPU_WEIGHTS_DENSE || (v.batch > 1 && v.b_batch_stride != 0))
      return {};
    return span(v.b, uint64_t{v.k} * v.n * e, v.bias, v.scales, v.n);
  }
  return {};
}

void ModelImage::finish(uint64_t scratch_bytes) {
  tensors_ = activation_spans();
  // The held pieces after the activations of the same layer, in their order.
  tensors_.insert(tensors_.end(), held_.begin(), held_.end());
  std::stable_sort(tensors_.begin(), tensors_.end(),
                   [](const vtpu_tensor& a, const vtpu_tensor& b) { return a.first < b.first; });
  header_.tensor_count = static_cast<uint32_t>(tensors_.size());
  header_.tensors = allocate(tensors_.size() * sizeof(vtpu_tensor));
  if (!tensors_.empty())
    write(header_.tensors, tensors_.data(), tensors_.size() * sizeof(vtpu_tensor));

  header_.magic = VTPU_MODEL_MAGIC;
  header_.version = VTPU_MODEL_VERSION;
  header_.layer_count = static_cast<uint32_t>(layers_.size());
  header_.layer_size = sizeof(vtpu_layer);
  header_.layers = allocate(layers_.size() * sizeof(vtpu_layer));
  if (!layers_.empty()) write(header_.layers, layers_.data(), layers_.size() * sizeof(vtpu_layer));
  header_.results = allocate(sizeof(vtpu_run_result) + layers_.size() * sizeof(vtpu_layer_result));
  header_.scratch = align(end_);
  header_.scratch_size = scratch_bytes;
  write(VTPU_MODEL_OFFSET, &header_, sizeof header_);
}

std::vector<ModelImage::Segment> ModelImage::segments() const {
  std::vector<Segment> sorted = written_;
  std::sort(sorted.begin(), sorted.end(),
            [](const Segment& a, const Segment& b) { return a.offset < b.offset; });
  std::vector<Segment> merged;
  for (const Segment& s : sorted) {
    if (!merged.empty() && s.offset <= merged.back().offset + merged.back().size)
      merged.back().size = std::max(merged.back().size, s.offset + s.size - merged.back().offset);
    else
      merged.push_back(s);
  }
  return merged;
}

ModelImage ModelImage::from_segments(uint64_t size, const std::vector<Segment>& segments,
                                     const std::vector<std::vector<uint8_t>>& data) {
  ModelImage image;
  // At most 2 GiB (docs/compiler.md, "Limits"): a .vtpu's declared size is
  // allocated at once, so a corrupt one must not ask for 30 GB.
  if (size < sizeof(vtpu_model_header) || size > kMaxImageBytes)
    throw Error("model image: size " + std::to_string(size) + " is out of range (at most 2 GiB)");
  image.bytes_.assign(size, 0);
  image.end_ = size;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    if (i >= data.size() || data[i].size() != s.size || s.offset > size || s.size > size - s.offset)
      throw Error("model image: segment " + std::to_string(i) + " lies outside the image");
    if (s.size) std::memcpy(image.bytes_.data() + s.offset, data[i].data(), s.size);
    image.written_.push_back(s);
  }
  vtpu_model_header& h = image.header_;
  std::memcpy(&h, image.bytes_.data() + VTPU_MODEL_OFFSET, sizeof h);
  if (h.magic != VTPU_MODEL_MAGIC || h.version != VTPU_MODEL_VERSION ||
      h.layer_size != sizeof(vtpu_layer))
    throw Error("model image: no model header of version " + std::to_string(VTPU_MODEL_VERSION));
  const uint64_t table = uint64_t{h.layer_count} * sizeof(vtpu_layer);
  const uint64_t results =
      sizeof(vtpu_run_result) + uint64_t{h.layer_count} * sizeof(vtpu_layer_result);
  const uint64_t tensors = uint64_t{h.tensor_count} * sizeof(vtpu_tensor);
  if (h.layers > size || table > size - h.layers || h.results > size ||
      results > size - h.results || h.tensors > size || tensors > size - h.tensors)
    throw Error("model image: the layer table, tensor table or result area lies outside the image");
  image.layers_.resize(h.layer_count);
  if (table) std::memcpy(image.layers_.data(), image.bytes_.data() + h.layers, table);
  image.tensors_.resize(h.tensor_count);
  if (tensors) std::memcpy(image.tensors_.data(), image.bytes_.data() + h.tensors, tensors);
  // Held pieces: as vtpu/model.h has them, each layer's covering exactly
  // the constants it reads in place.
  const vtpu_tensor* before = nullptr;
  uint64_t covered = 0;
  const auto check_cover = [&](size_t entry) {
    const ConstantsSpan want = held_span(image.layers_[before->last]);
    if (want.bytes == 0 || covered != want.offset + want.bytes)
      throw Error("model image: tensor table entry " + std::to_string(entry) +
                  ": held pieces do not cover the constants of layer " +
                  std::to_string(before->last));
  };
  for (size_t i = 0; i < image.tensors_.size(); ++i) {
    const vtpu_tensor& t = image.tensors_[i];
    if (!t.flags) continue;
    if (const char* problem = vtpu_held_piece_problem(before, &t, h.layer_count, size))
      throw Error("model image: tensor table entry " + std::to_string(i) + ": held piece " +
                  problem);
    if (i >= VTPU_MODEL_MAX_TENSORS)
      throw Error("model image: tensor table entry " + std::to_string(i) +
                  ": held piece past the entries the runtime reads (" +
                  std::to_string(VTPU_MODEL_MAX_TENSORS) + ")");
    const bool first_of_layer = !before || before->last != t.last;
    if (first_of_layer && before) check_cover(i);
    if (first_of_layer && t.offset != held_span(image.layers_[t.last]).offset)
      throw Error("model image: tensor table entry " + std::to_string(i) +
                  ": held piece does not start at the constants of layer " +
                  std::to_string(t.last));
    covered = t.offset + t.bytes;
    before = &t;
  }
  if (before) check_cover(image.tensors_.size());
  return image;
}

}  // namespace vtpu::runtime
