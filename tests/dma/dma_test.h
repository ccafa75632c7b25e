/* Helpers for the DMA firmware tests: the chip's memories (from chip info),
 * a reproducible byte pattern, and a plain C reference of a 4-D copy. */
#ifndef VTPU_DMA_TEST_H
#define VTPU_DMA_TEST_H

#include <stdint.h>
#include <string.h>

#include "../rv32/check.h"
#include "vtpu/dma_driver.h"

#define CHIPINFO(off) VTPU_MMIO32(vtpu_soc.chip_info + (off))

static inline uint64_t hbm_base(void) {
  return ((uint64_t)CHIPINFO(VTPU_CHIPINFO_HBM_BASE_HI) << 32) |
         CHIPINFO(VTPU_CHIPINFO_HBM_BASE_LO);
}
static inline uint64_t hbm_size(void) {
  return (uint64_t)CHIPINFO(VTPU_CHIPINFO_HBM_SIZE_MIB) << 20;
}
static inline uint8_t* vmem(void) {
  return (uint8_t*)vtpu_soc.vmem;
}
static inline uint8_t* amem(void) {
  return (uint8_t*)vtpu_soc.amem;
}
static inline uint64_t addr_of(const void* p) {
  return (uint64_t)(uintptr_t)p;
}

static uint32_t rng_state = 12345;
static inline uint32_t rng(void) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return rng_state >> 8;
}
static inline void fill(uint8_t* p, uint32_t n, uint32_t seed) {
  for (uint32_t i = 0; i < n; ++i) p[i] = (uint8_t)((i * 131u + seed * 7u + (i >> 8)) ^ seed);
}

/* Last byte offset of a footprint, from its first byte. */
static inline uint32_t extent(const vtpu_dma_desc* d, const uint32_t* stride) {
  return d->size[0] - 1 + (d->size[1] - 1) * stride[0] + (d->size[2] - 1) * stride[1] +
         (d->size[3] - 1) * stride[2];
}

/* What the descriptor means, written out as loops: dst and src point at the
 * descriptor's first destination and source bytes. */
static inline void reference_copy(const vtpu_dma_desc* d, uint8_t* dst, const uint8_t* src) {
  for (uint32_t k = 0; k < d->size[3]; ++k)
    for (uint32_t j = 0; j < d->size[2]; ++j)
      for (uint32_t i = 0; i < d->size[1]; ++i)
        for (uint32_t b = 0; b < d->size[0]; ++b)
          dst[i * d->dst_stride[0] + j * d->dst_stride[1] + k * d->dst_stride[2] + b] =
              src[i * d->src_stride[0] + j * d->src_stride[1] + k * d->src_stride[2] + b];
}

/* Fails with the first differing byte. */
#define CHECK_SAME(got, want, n)                                                      \
  do {                                                                                \
    const uint8_t *g_ = (got), *w_ = (want);                                          \
    for (uint32_t i_ = 0; i_ < (n); ++i_)                                             \
      if (g_[i_] != w_[i_]) {                                                         \
        printf("FAIL %s:%d: byte %lu: got 0x%02x, want 0x%02x\n", __FILE__, __LINE__, \
               (unsigned long)i_, g_[i_], w_[i_]);                                    \
        vtpu_exit(1);                                                                 \
      }                                                                               \
  } while (0)

#endif
