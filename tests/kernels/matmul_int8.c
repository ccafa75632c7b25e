/* The int8 matmul kernel on random ragged shapes: inputs staged in HBM by
 * DMA, C read back, compared element by element with a plain C reference of
 * the same numerics (int32 accumulate; fp32 product with the column's scale,
 * round half to even, zero point, saturate). The same ELF runs on every
 * config: the kernel reads the chip's parameters. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../rv32/check.h"
#include "vtpu/cp_driver.h"
#include "vtpu/dma_driver.h"
#include "vtpu/kernels.h"

#define MAX_A (100 * 200)
#define MAX_B (200 * 140)
#define MAX_N 140
#define MAX_C (100 * 140)

static int8_t a[MAX_A], b[MAX_B], c[MAX_C];
static float scales[MAX_N];
static uint32_t seed = 99;
static uint32_t rnd(void) {
  return (seed = seed * 1664525u + 1013904223u) >> 8;
}

static void copy(uint64_t src, uint64_t dst, uint32_t bytes) {
  vtpu_dma_desc d = vtpu_dma_linear(src, dst, bytes);
  vtpu_dma_start(&d);
  CHECK_EQ(vtpu_dma_wait(), VTPU_DMA_STATUS_DONE);
}

static int8_t reference(uint32_t i, uint32_t j, uint32_t k, uint32_t n, int32_t zp) {
  int32_t acc = 0;
  for (uint32_t kk = 0; kk < k; ++kk) acc += a[i * k + kk] * b[kk * n + j];
  float r = nearbyintf((float)acc * scales[j]);
  if (r > 1000.0f) r = 1000.0f;
  if (r < -1000.0f) r = -1000.0f;
  int32_t q = (int32_t)r + zp;
  return (int8_t)(q > 127 ? 127 : q < -128 ? -128 : q);
}

int main(void) {
  vtpu_dma_init();
  vtpu_cp_init();
  vtpu_chip chip;
  vtpu_chip_read(&chip);
  static const uint32_t shapes[][3] = {{1, 1, 1},      {7, 13, 5},    {33, 40, 70},
                                       {100, 64, 130}, {65, 200, 33}, {40, 9, 140}};
  const uint64_t ha = chip.hbm_base, hb = ha + (1u << 20), hs = ha + (2u << 20),
                 hc = ha + (3u << 20);
  uint32_t checked = 0;
  for (unsigned s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    const uint32_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
    const int32_t zp = (int32_t)(rnd() % 21) - 10;
    for (uint32_t i = 0; i < m * k; ++i) a[i] = (int8_t)rnd();
    for (uint32_t i = 0; i < k * n; ++i) b[i] = (int8_t)rnd();
    for (uint32_t j = 0; j < n; ++j) scales[j] = (float)(1 + rnd() % 1000) / 65536.0f;
    copy((uintptr_t)a, ha, m * k);
    copy((uintptr_t)b, hb, k * n);
    copy((uintptr_t)scales, hs, 4 * n);
    vtpu_matmul_int8_args args = {ha, hb, hs, hc, m, k, n, zp};
    const int status = vtpu_matmul_int8(&chip, &args);
    if (status != 0)
      printf("kernel status %d on %lux%lux%lu\n", status, (unsigned long)m, (unsigned long)k,
             (unsigned long)n);
    CHECK_EQ(status, 0);
    memset(c, 0x55, sizeof c);
    copy(hc, (uintptr_t)c, m * n);
    for (uint32_t i = 0; i < m; ++i)
      for (uint32_t j = 0; j < n; ++j) {
        const int8_t want = reference(i, j, k, n, zp);
        if (c[i * n + j] != want) {
          printf("FAIL %lux%lux%lu: C[%lu][%lu] = %d, want %d\n", (unsigned long)m,
                 (unsigned long)k, (unsigned long)n, (unsigned long)i, (unsigned long)j,
                 c[i * n + j], want);
          return 1;
        }
        ++checked;
      }
  }
  printf("PASS matmul_int8: %lu outputs, double buffering %s\n", (unsigned long)checked,
         chip.double_buffering ? "on" : "off");
  return 0;
}
