#include "sw/compiler/held.h"

#include <algorithm>

#include "models/isa/vtpu/isa.h"
#include "sw/runtime/model_image.h"

namespace vtpu::sw {
namespace {

uint64_t align64(uint64_t v) {
  return (v + 63) & ~uint64_t{63};
}
uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

// A layer as the plan sees it: its estimated array cycles and, when its
// constants may be held, where they lie.
struct Estimate {
  double array = 0;
  uint64_t lo = 0, bytes = 0;  // its constants' span; bytes 0: not holdable
  double memory = 0;           // its constants' loading cycles (held or not)
};

// The bytes of a product's constants: its span when they lie together,
// else its weights and 4 bytes per output of bias and of scales.
uint64_t constants(const Estimate& e, uint64_t weights, bool bias, bool scales, uint64_t n) {
  return e.bytes ? e.bytes : weights + (bias ? 4 * n : 0) + (scales ? 4 * n : 0);
}

Estimate estimate(const vtpu_layer& l, const HeldChip& chip) {
  Estimate e;
  const runtime::ConstantsSpan span = runtime::held_span(l);
  e.lo = span.offset;
  e.bytes = span.bytes;
  const uint64_t r = chip.rows, c = chip.cols;
  const uint64_t el = vtpu_type_size(l.dtype);
  const bool int8 = l.dtype == VTPU_TYPE_INT8, bias = (l.flags & VTPU_LAYER_BIAS) != 0;
  if (l.kind == VTPU_LAYER_CONV2D) {
    const vtpu_layer_conv2d& v = l.u.conv2d;
    if (v.groups == 0 || v.sy == 0 || v.sx == 0) return e;
    const uint64_t hp = uint64_t{v.h} + v.pad_top + v.pad_bottom;
    const uint64_t wp = uint64_t{v.w} + v.pad_left + v.pad_right;
    const uint64_t span_y = uint64_t{v.dil_y} * (v.kh - 1u) + 1,
                   span_x = uint64_t{v.dil_x} * (v.kw - 1u) + 1;
    if (span_y > hp || span_x > wp) return e;
    const uint64_t m = uint64_t{v.n} * ((hp - span_y) / v.sy + 1) * ((wp - span_x) / v.sx + 1);
    const uint64_t k = uint64_t{v.kh} * v.kw * (v.cin / v.groups), n = v.cout / v.groups;
    e.array = static_cast<double>(v.groups * ceil_div(k, r) * ceil_div(n, c) * (2 * r + c + m - 2));
    const uint64_t weights = uint64_t{v.groups} * vtpu_weights_rows(v.weights_format, k) *
                             vtpu_weights_row_bytes(v.weights_format, n) * el;
    e.memory = static_cast<double>(constants(e, weights, bias, int8, v.cout)) /
               chip.memory_bytes_per_cycle;
  } else if (l.kind == VTPU_LAYER_MATMUL && (l.flags & VTPU_LAYER_CONST_B)) {
    const vtpu_layer_matmul& v = l.u.matmul;
    const uint64_t m = uint64_t{v.m} * v.batch;
    e.array = static_cast<double>(ceil_div(v.k, r) * ceil_div(v.n, c) * (2 * r + c + m - 2));
    const uint64_t copies = v.b_batch_stride == 0 ? 1 : v.batch;
    const uint64_t weights = copies * vtpu_weights_rows(v.weights_format, v.k) *
                             vtpu_weights_row_bytes(v.weights_format, v.n) * el;
    e.memory =
        static_cast<double>(constants(e, weights, bias, int8, v.n)) / chip.memory_bytes_per_cycle;
  }
  e.array = std::max(e.array, kLayerCycles);
  return e;
}

// The pieces for the layers in `held` (ascending), each layer's span cut
// over the hosts before it by their budgets; empty when some layer's bytes
// cannot all be copied before it.
std::vector<vtpu_tensor> assign(const std::vector<Estimate>& est, const std::vector<size_t>& held,
                                double bytes_per_cycle) {
  const size_t n = est.size();
  std::vector<bool> is_held(n, false);
  for (size_t j : held) is_held[j] = true;
  std::vector<vtpu_tensor> pieces;
  size_t host = 0;
  uint64_t room = 0;  // what the current host may still take
  bool host_open = false;
  for (size_t j : held) {
    uint64_t at = est[j].lo, left = est[j].bytes;
    while (left > 0) {
      if (!host_open) {
        const double next = host + 1 < n && !is_held[host + 1] ? est[host + 1].memory : 0;
        const double idle = std::max(0.0, est[host].array - next);
        room = static_cast<uint64_t>(kBudget * idle * bytes_per_cycle) & ~uint64_t{63};
        host_open = true;
      }
      if (host >= j) return {};
      const uint64_t take = std::min(left, room);
      if (take > 0) {
        vtpu_tensor t{};
        t.offset = at;
        t.bytes = static_cast<uint32_t>(take);
        t.first = static_cast<uint32_t>(host);
        t.last = static_cast<uint32_t>(j);
        t.flags = VTPU_TENSOR_HELD;
        pieces.push_back(t);
        at += take, left -= take, room -= take;
      }
      if (left > 0) ++host, host_open = false;
    }
  }
  return pieces;
}

// The activation bytes the runtime leaves in HBM when resident activations
// may use VMEM offsets [window, top): its placement replayed
// (firmware/runtime/runtime.c, update_residents(): before each layer the
// activations whose span ended leave, those whose span starts move in,
// first fit, at most kMaxResident at once).
constexpr size_t kMaxResident = 64;
uint64_t spilled(const std::vector<vtpu_tensor>& activations, size_t layers, uint64_t window,
                 uint64_t top) {
  struct Resident {
    uint64_t at, bytes;
    uint32_t last;
  };
  std::vector<Resident> resident;
  uint64_t out = 0;
  size_t next = 0;
  for (uint32_t index = 0; index < layers; ++index) {
    resident.erase(std::remove_if(resident.begin(), resident.end(),
                                  [&](const Resident& r) { return r.last < index; }),
                   resident.end());
    for (; next < activations.size() && activations[next].first <= index; ++next) {
      const vtpu_tensor& t = activations[next];
      if (t.last < index || resident.size() == kMaxResident) continue;
      const uint64_t need = align64(t.bytes);
      uint64_t at = window;
      size_t slot = 0;
      for (; slot < resident.size(); ++slot) {
        if (resident[slot].at >= at && resident[slot].at - at >= need) break;
        at = std::max(at, resident[slot].at + resident[slot].bytes);
      }
      if (at > top || top - at < need) {
        out += t.bytes;
        continue;
      }
      resident.insert(resident.begin() + static_cast<std::ptrdiff_t>(slot), {at, need, t.last});
    }
  }
  return out;
}

}  // namespace

std::vector<vtpu_tensor> plan_held(const std::vector<vtpu_layer>& layers,
                                   const std::vector<vtpu_tensor>& activations,
                                   const HeldChip& chip) {
  if (chip.vmem_bytes == 0 || chip.rows == 0 || chip.cols == 0 ||
      !(chip.memory_bytes_per_cycle > 0) || layers.size() < 2)
    return {};
  // Held weights take the top of VMEM, above the tile window, where they
  // must leave in VMEM every activation the runtime would keep there.
  const uint64_t window = vtpu_tile_window(chip.vmem_bytes, chip.rows, chip.cols);
  if (window >= chip.vmem_bytes) return {};
  const uint64_t unheld = spilled(activations, layers.size(), window, chip.vmem_bytes);
  const auto fits = [&](uint64_t held_bytes) {
    return held_bytes <= chip.vmem_bytes - window &&
           spilled(activations, layers.size(), window, chip.vmem_bytes - held_bytes) == unheld;
  };

  std::vector<Estimate> est;
  for (const vtpu_layer& l : layers) est.push_back(estimate(l, chip));
  // Candidates: the memory-bound layers, the last first. The last layers
  // have the most idle memory time before them, and nothing after them
  // hides their loading; an earlier one's loads overlap the layers before.
  std::vector<size_t> order;
  for (size_t j = layers.size() - 1; j >= 1; --j)
    if (est[j].bytes > 0 && est[j].bytes <= UINT32_MAX && est[j].memory > est[j].array)
      order.push_back(j);
  std::vector<size_t> held;
  std::vector<vtpu_tensor> pieces;
  uint64_t used = 0;
  for (size_t j : order) {
    if (!fits(used + align64(est[j].bytes))) continue;
    std::vector<size_t> tried = held;
    tried.insert(std::upper_bound(tried.begin(), tried.end(), j), j);
    std::vector<vtpu_tensor> p = assign(est, tried, chip.memory_bytes_per_cycle);
    if (p.empty()) continue;
    // The runtime reads the table's first VTPU_MODEL_MAX_TENSORS entries only.
    if (activations.size() + p.size() > VTPU_MODEL_MAX_TENSORS) continue;
    held = std::move(tried);
    pieces = std::move(p);
    used += align64(est[j].bytes);
  }
  return pieces;
}

}  // namespace vtpu::sw
