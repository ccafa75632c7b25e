/* DMA copies, 1-D to 4-D, between every kind of memory, each compared byte
 * for byte with a plain C copy of the same descriptor, including the bytes
 * around the destination (nothing outside it may change). HBM is beyond the
 * core's reach, so HBM is checked by copying there and back. */
#include <stdio.h>

#include "dma_test.h"

#define SRC_BYTES 16384u
#define WINDOW 8192u /* destination window checked in full */

static uint8_t src[SRC_BYTES];
static uint8_t want[WINDOW];
static uint8_t back[WINDOW];

static void run(const vtpu_dma_desc* d) {
  vtpu_dma_start(d);
  uint32_t status = vtpu_dma_wait();
  if (status != VTPU_DMA_STATUS_DONE)
    printf("status 0x%lx cause %lu\n", (unsigned long)status, (unsigned long)vtpu_dma_cause());
  CHECK_EQ(status, VTPU_DMA_STATUS_DONE);
}

/* A random 4-D descriptor whose destination items never overlap and whose
 * footprints fit SRC_BYTES and WINDOW. */
static vtpu_dma_desc random_desc(void) {
  for (;;) {
    vtpu_dma_desc d = {0};
    d.size[0] = 1 + rng() % 70;
    d.size[1] = 1 + rng() % 5;
    d.size[2] = 1 + rng() % 4;
    d.size[3] = 1 + rng() % 3;
    d.dst_stride[0] = d.size[0] + rng() % 9;
    d.dst_stride[1] = d.dst_stride[0] * d.size[1] + rng() % 17;
    d.dst_stride[2] = d.dst_stride[1] * d.size[2] + rng() % 5;
    d.src_stride[0] = rng() % 100; /* sources may overlap */
    d.src_stride[1] = rng() % 400;
    d.src_stride[2] = rng() % 1200;
    if (extent(&d, d.src_stride) < SRC_BYTES / 2 && extent(&d, d.dst_stride) < WINDOW / 2) return d;
  }
}

/* Dense strides for the same shape. */
static void make_dense(vtpu_dma_desc* d, uint32_t* stride) {
  stride[0] = d->size[0];
  stride[1] = stride[0] * d->size[1];
  stride[2] = stride[1] * d->size[2];
}

int main(void) {
  vtpu_dma_init();
  fill(src, SRC_BYTES, 1);
  const uint64_t hbm = hbm_base();
  CHECK(hbm >= 0x100000000ull);
  CHECK(hbm_size() >= (64u << 20));
  int copies = 0;

  /* 1-D, unaligned, core RAM -> VMEM, guards around it. */
  memset(vmem(), 0xa5, WINDOW);
  memset(want, 0xa5, WINDOW);
  vtpu_dma_desc d = vtpu_dma_linear(addr_of(src + 3), addr_of(vmem() + 7), 5000);
  run(&d);
  reference_copy(&d, want + 7, src + 3);
  CHECK_SAME(vmem(), want, WINDOW);
  ++copies;

  /* Random 4-D strided copies, core RAM -> VMEM. */
  for (int n = 0; n < 25; ++n) {
    d = random_desc();
    uint32_t offset = rng() % 64;
    uint32_t from = rng() % 512;
    d.src = addr_of(src + from);
    d.dst = addr_of(vmem() + offset);
    memset(vmem(), 0x5a, WINDOW);
    memset(want, 0x5a, WINDOW);
    run(&d);
    reference_copy(&d, want + offset, src + from);
    CHECK_SAME(vmem(), want, WINDOW);
    ++copies;
  }

  /* Through HBM: scatter core RAM -> HBM with a random layout, then gather the
   * same layout back into AMEM, densely: the result is a dense copy of the
   * source items. */
  for (int n = 0; n < 15; ++n) {
    vtpu_dma_desc out = random_desc();
    uint32_t from = rng() % 512;
    uint64_t at = hbm + (uint64_t)(rng() % 4096) * 4096 + rng() % 64;
    out.src = addr_of(src + from);
    out.dst = at;
    run(&out);
    vtpu_dma_desc in = out;
    in.src = at;
    in.src_stride[0] = out.dst_stride[0];
    in.src_stride[1] = out.dst_stride[1];
    in.src_stride[2] = out.dst_stride[2];
    in.dst = addr_of(amem());
    make_dense(&in, in.dst_stride);
    memset(amem(), 0x3c, WINDOW);
    memset(want, 0x3c, WINDOW);
    run(&in);
    vtpu_dma_desc direct = out;
    make_dense(&direct, direct.dst_stride);
    reference_copy(&direct, want, src + from);
    CHECK_SAME(amem(), want, WINDOW);
    copies += 2;
  }

  /* Large 1-D round trip core RAM -> HBM -> HBM -> VMEM -> AMEM -> core RAM. */
  d = vtpu_dma_linear(addr_of(src), hbm + 0x100000, SRC_BYTES);
  run(&d);
  d = vtpu_dma_linear(hbm + 0x100000, hbm + 0x3000001, SRC_BYTES);
  run(&d);
  d = vtpu_dma_linear(hbm + 0x3000001, addr_of(vmem() + 0x10000), SRC_BYTES);
  run(&d);
  d = vtpu_dma_linear(addr_of(vmem() + 0x10000), addr_of(amem() + 0x100), SRC_BYTES);
  run(&d);
  memset(back, 0, sizeof back);
  d = vtpu_dma_linear(addr_of(amem() + 0x100), addr_of(back), SRC_BYTES);
  run(&d);
  CHECK_SAME(back, src, SRC_BYTES);
  copies += 5;

  uint64_t bytes = ((uint64_t)VTPU_MMIO32(vtpu_soc.dma + VTPU_DMA_BYTES_HI) << 32) |
                   VTPU_MMIO32(vtpu_soc.dma + VTPU_DMA_BYTES_LO);
  CHECK(bytes >= 5u * SRC_BYTES);
  CHECK(VTPU_MMIO32(vtpu_soc.dma + VTPU_DMA_BUSY_LO) > 0);
  printf("PASS dma_copy: %d copies\n", copies);
  return 0;
}
