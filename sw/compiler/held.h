// Held weights (docs/compiler.md, "Held weights"; docs/runtime.md): on a chip
// whose memory, not its array, sets the pace of some layers, the compiler
// picks layers whose constants the runtime copies into the top of VMEM
// while earlier layers run and leave the memory idle, so that those layers
// load no weights when their turn comes.
#pragma once

#include <cstdint>
#include <vector>

#include "models/isa/vtpu/model.h"

namespace vtpu::sw {

// What the plan needs of the target chip.
struct HeldChip {
  uint32_t vmem_bytes = 0;  // 0: unknown (no plan)
  uint32_t rows = 0, cols = 0;
  double memory_bytes_per_cycle = 0;  // the memory's peak, 0: unknown (no plan)
};

// The pieces (vtpu_tensor with VTPU_TENSOR_HELD) for `layers`, given the
// model's activations (their spans, as ModelImage::activation_spans() has
// them). Each layer's cycles are estimated from its shape alone:
//   array  = max(groups x ceil(K / R) x ceil(N / C) x (2R + C + M - 2),
//                kLayerCycles)
//   memory = its constants' bytes / the memory's bytes per cycle
// A layer is worth holding when memory > array; the last go first, while
// the held bytes leave every activation the runtime would keep in VMEM
// there, and every piece can be copied in the memory's idle time of the
// layers before its own: during layer L (array(L) cycles) the
// memory also loads the next layer's constants when they are not held, so
// L hosts at most
//   kBudget x (array(L) - memory(L + 1)) x bytes per cycle
// bytes of pieces. Pieces are cut at 64-byte boundaries, in layer order.
std::vector<vtpu_tensor> plan_held(const std::vector<vtpu_layer>& layers,
                                   const std::vector<vtpu_tensor>& activations,
                                   const HeldChip& chip);

// The share of a host layer's estimated idle memory time the plan fills:
// a piece that outlasts its host delays the next layer's weights.
constexpr double kBudget = 0.8;
// The fewest cycles the plan estimates for a layer: the core's emission of
// a layer (about 9.5 k cycles on ResNet-50's layers, docs/compiler.md,
// "Mapping"), which sets the pace of the layers whose array work is short.
constexpr double kLayerCycles = 9500;

}  // namespace vtpu::sw
