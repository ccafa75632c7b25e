#include "models/mxu/reference.h"

#include <cstring>

#include "models/vpu/numerics.h"

namespace vtpu::mxu {

void reference_matmul(const vtpu_insn_matmul& x, const Memory& vmem, const Memory& amem,
                      const ArrayConfig& array, std::vector<uint8_t>& c_out) {
  const uint64_t c_bytes = (uint64_t{x.m} - 1) * x.c_stride + uint64_t{x.n} * 4;
  const uint8_t* c_in = amem.data + (x.c_addr - amem.base);
  c_out.assign(c_in, c_in + c_bytes);
  auto a_row = [&](uint32_t i) {
    return vmem.data + (x.a_addr - vmem.base) + uint64_t{i} * x.a_stride;
  };
  auto b_at = [&](uint32_t k) {
    return vmem.data + (x.b_addr - vmem.base) + uint64_t{k} * x.b_stride;
  };
  const bool ws = for_instruction(array, x).value_or(array).dataflow == Dataflow::kWeightStationary;
  const uint32_t tile = ws ? array.rows : x.k;
  for (uint32_t i = 0; i < x.m; ++i) {
    for (uint32_t j = 0; j < x.n; ++j) {
      uint8_t* c = c_out.data() + uint64_t{i} * x.c_stride + uint64_t{j} * 4;
      if (x.sparsity == VTPU_SPARSITY_2_4) {  // int8: each stored weight at its position
        int32_t acc = 0;
        if (x.accumulate) std::memcpy(&acc, c, 4);
        for (uint32_t g = 0; 4 * g < x.k; ++g) {
          const uint8_t* meta = vmem.data + (x.meta_addr - vmem.base) + uint64_t{g} * x.meta_stride;
          const unsigned nibble = (meta[j / 2] >> (j % 2 == 0 ? 0 : 4)) & 0xf;
          for (uint32_t s = 0; s < 2; ++s) {
            const uint32_t k = 4 * g + ((nibble >> (2 * s)) & 3);
            if (k >= x.k) continue;  // past K the array's activations are zeros
            const int8_t a = static_cast<int8_t>(a_row(i)[k]);
            const int8_t b = static_cast<int8_t>(b_at(2 * g + s)[j]);
            acc += int32_t{a} * int32_t{b};
          }
        }
        std::memcpy(c, &acc, 4);
        continue;
      }
      if (x.precision == VTPU_TYPE_INT4) {  // int8 x the signed nibble of column j
        int32_t acc = 0;
        if (x.accumulate) std::memcpy(&acc, c, 4);
        for (uint32_t k = 0; k < x.k; ++k) {
          const int8_t a = static_cast<int8_t>(a_row(i)[k]);
          const int nibble = (b_at(k)[j / 2] >> (j % 2 == 0 ? 0 : 4)) & 0xf;
          acc += int32_t{a} * (nibble >= 8 ? nibble - 16 : nibble);
        }
        std::memcpy(c, &acc, 4);
        continue;
      }
      if (x.precision == VTPU_TYPE_INT8) {
        int32_t acc = 0;
        if (x.accumulate) std::memcpy(&acc, c, 4);
        for (uint32_t k = 0; k < x.k; ++k) {
          const int8_t a = static_cast<int8_t>(a_row(i)[k]);
          const int8_t b = static_cast<int8_t>(b_at(k)[j]);
          acc += int32_t{a} * int32_t{b};
        }
        std::memcpy(c, &acc, 4);
        continue;
      }
      float out = 0;
      if (x.accumulate) std::memcpy(&out, c, 4);
      for (uint32_t k0 = 0; k0 < x.k; k0 += tile) {
        float part = 0;
        for (uint32_t k = k0; k < x.k && k < k0 + tile; ++k) {
          uint16_t a, b;
          std::memcpy(&a, a_row(i) + 2 * uint64_t{k}, 2);
          std::memcpy(&b, b_at(k) + 2 * uint64_t{j}, 2);
          part += numerics::bf16_to_f32(a) * numerics::bf16_to_f32(b);
        }
        out = (k0 == 0 && !x.accumulate) ? part : out + part;
      }
      std::memcpy(c, &out, 4);
    }
  }
}

}  // namespace vtpu::mxu
