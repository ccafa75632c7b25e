#include "queue.h"
#include "vtpu/fw.h"

void vtpu_chip_read(vtpu_chip* chip) {
#define INFO(off) VTPU_MMIO32(VTPU_CHIPINFO_BASE + (off))
  chip->rows = INFO(VTPU_CHIPINFO_MXU_ROWS);
  chip->cols = INFO(VTPU_CHIPINFO_MXU_COLS);
  chip->vmem_size = INFO(VTPU_CHIPINFO_VMEM_SIZE);
  chip->amem_size = INFO(VTPU_CHIPINFO_AMEM_SIZE);
  chip->clock_khz = INFO(VTPU_CHIPINFO_CLOCK_KHZ);
  chip->hbm_base =
      ((uint64_t)INFO(VTPU_CHIPINFO_HBM_BASE_HI) << 32) | INFO(VTPU_CHIPINFO_HBM_BASE_LO);
  chip->double_buffering = (INFO(VTPU_CHIPINFO_RUNTIME) & VTPU_RUNTIME_DOUBLE_BUFFERING) != 0;
#undef INFO
}

/* VMEM: buffers x (B tile + scales + bias + A tile + C tile, of e-byte
 * elements); AMEM: buffers x accumulator tiles (32-bit). Each region is
 * 64-byte aligned (matmul.c lays them out in this order). */
static int fits(const vtpu_chip* chip, uint32_t k, uint32_t e, uint32_t tm, uint32_t tn,
                uint32_t buffers) {
  const uint64_t vmem =
      (uint64_t)buffers * ((uint64_t)kq_align64(k * tn * e) + 2 * kq_align64(4 * tn) +
                           kq_align64(tm * k * e) + kq_align64(tm * tn * e));
  const uint64_t amem = (uint64_t)buffers * kq_align64(4 * tm * tn);
  return vmem <= chip->vmem_size && amem <= chip->amem_size;
}

/* The largest tm (a multiple of the array's rows, or m) that fits with tk, tn. */
static uint32_t rows_that_fit(const vtpu_chip* chip, uint32_t m, uint32_t tk, uint32_t tn,
                              uint32_t e, uint32_t buffers) {
  /* With several buffers, keep at least four row tiles so that loads and
   * compute can overlap (one tile would leave nothing to overlap with). */
  const uint32_t most = buffers > 1 ? (m + 3) / 4 : m;
  const uint32_t r = chip->rows;
  uint32_t tm = kq_min(m, r);
  while (tm < most && fits(chip, tk, e, kq_min(m, tm + r), tn, buffers)) tm = kq_min(m, tm + r);
  return tm;
}

int vtpu_matmul_tiling(const vtpu_chip* chip, uint32_t m, uint32_t k, uint32_t n, uint32_t e,
                       uint32_t buffers, uint32_t k_unit, vtpu_matmul_tiles* tiles) {
  const uint32_t r = chip->rows, c = chip->cols;
  for (uint32_t tn = kq_min(n, 4 * c); tn > 0; tn = tn > c ? tn - c : 0) {
    if (!fits(chip, k, e, kq_min(m, r), tn, buffers)) continue;
    tiles->tm = rows_that_fit(chip, m, k, tn, e, buffers);
    tiles->tn = tn;
    tiles->tk = k;
    return 0;
  }
  /* K split: the largest chunk beside one array-sized row and column tile. */
  const uint32_t tn = kq_min(n, c);
  const uint32_t unit = k_unit > 1 ? k_unit : kq_min(k, r);
  for (uint32_t tk = (k - 1) / unit * unit; tk >= unit; tk -= unit) {
    if (!fits(chip, tk, e, kq_min(m, r), tn, buffers)) continue;
    tiles->tm = rows_that_fit(chip, m, tk, tn, e, buffers);
    tiles->tn = tn;
    tiles->tk = tk;
    return 0;
  }
  return -1;
}
