// The host's reference of the compiled-model layer table (models/isa/vtpu/model.h):
// each layer computed as the firmware computes it on the chip, bit for bit, so that
// a run's outputs can be compared with it byte for byte. Plain C++: the MXU's
// accumulation order comes from its scalar reference (models/mxu/reference.h), every
// rounding from models/vpu/numerics.h.
#pragma once

#include <cstdint>
#include <vector>

#include "models/isa/vtpu/model.h"
#include "models/mxu/mxu.h"
#include "sw/runtime/model_image.h"

namespace vtpu::runtime {

// Runs one layer on `hbm` (the HBM's bytes; every address in the layer is an offset
// into it): reads its inputs and writes its outputs, with the numerics model.h fixes.
// `array` decides the bf16 accumulation order (docs/numerics.md).
// Throws vtpu::Error on a layer the firmware would refuse (bad kind/op/dtype, zero
// dims, out-of-range offsets), the message naming the field; nothing is written then.
void reference_layer(const vtpu_layer& layer, const mxu::ArrayConfig& array,
                     std::vector<uint8_t>& hbm);

// The same checks alone, on an HBM of `hbm_size` bytes: throws as
// reference_layer() would, reads and writes nothing. `vtpu run` checks a
// .vtpu's layer table with it before the run (a corrupt table is refused, not
// run for hours).
void check_layer(const vtpu_layer& layer, uint64_t hbm_size);

// check_layer() on every layer of `image`'s table, on an HBM of the image's
// size; the error starts "layer I (KIND): ".
void check_layer_table(const ModelImage& image);

}  // namespace vtpu::runtime
