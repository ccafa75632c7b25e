#include "queue.h"
#include "vtpu/fw.h"

uint64_t vtpu_address(const vtpu_context* ctx, uint64_t offset) {
  for (uint32_t i = 0; i < ctx->resident_count; ++i) {
    const vtpu_resident* r = &ctx->resident[i];
    if (offset >= r->offset && offset - r->offset < r->bytes) return r->vmem + (offset - r->offset);
  }
  return ctx->hbm + offset;
}

void vtpu_chip_read(vtpu_chip* chip) {
  chip->rows = vtpu_chip_info(VTPU_CHIPINFO_MXU_ROWS);
  chip->cols = vtpu_chip_info(VTPU_CHIPINFO_MXU_COLS);
  chip->vmem_size = vtpu_chip_info(VTPU_CHIPINFO_VMEM_SIZE);
  chip->amem_size = vtpu_chip_info(VTPU_CHIPINFO_AMEM_SIZE);
  chip->clock_khz = vtpu_chip_info(VTPU_CHIPINFO_CLOCK_KHZ);
  chip->hbm_base = ((uint64_t)vtpu_chip_info(VTPU_CHIPINFO_HBM_BASE_HI) << 32) |
                   vtpu_chip_info(VTPU_CHIPINFO_HBM_BASE_LO);
  chip->vmem_base = vtpu_chip_info(VTPU_CHIPINFO_VMEM_BASE);
  chip->amem_base = vtpu_chip_info(VTPU_CHIPINFO_AMEM_BASE);
  chip->double_buffering =
      (vtpu_chip_info(VTPU_CHIPINFO_RUNTIME) & VTPU_RUNTIME_DOUBLE_BUFFERING) != 0;
  chip->resident_activations =
      (vtpu_chip_info(VTPU_CHIPINFO_RUNTIME) & VTPU_RUNTIME_RESIDENT_ACTIVATIONS) != 0;
  chip->held_weights = (vtpu_chip_info(VTPU_CHIPINFO_RUNTIME) & VTPU_RUNTIME_HELD_WEIGHTS) != 0;
  chip->both_dataflows = vtpu_chip_info(VTPU_CHIPINFO_MXU_DATAFLOW) == VTPU_DATAFLOW_AUTO;
}

/* The tiles' shape and how many of each a buffer holds. */
typedef struct tile_space {
  uint32_t e, format, buffers, out_tiles;
} tile_space;

/* VMEM: buffers x (B tile + scales + bias + A tile + out_tiles C tiles, of
 * e-byte elements); AMEM: buffers x accumulator tiles (32-bit). Each region
 * is 64-byte aligned (matmul.c lays them out in this order). */
static int fits(const vtpu_chip* chip, uint32_t k, const tile_space* sp, uint32_t tm, uint32_t tn) {
  const uint32_t e = sp->e, buffers = sp->buffers;
  const uint64_t vmem =
      (uint64_t)buffers *
      ((uint64_t)vtpu_matmul_b_tile_bytes(sp->format, k, tn, e) + 2 * kq_align64(4 * tn) +
       kq_align64(tm * k * e) + sp->out_tiles * kq_align64(tm * tn * e));
  const uint64_t amem = (uint64_t)buffers * kq_align64(4 * tm * tn);
  return vmem <= chip->vmem_size && amem <= chip->amem_size;
}

/* The largest tm that fits with tk, tn: a multiple of the array's rows (or
 * m), or, when not even min(m, R) rows fit and `smaller` allows, the
 * largest power-of-two fraction of it; 0 when none fits. */
static uint32_t rows_that_fit(const vtpu_chip* chip, uint32_t m, uint32_t tk, uint32_t tn,
                              const tile_space* sp, int smaller) {
  const uint32_t r = chip->rows;
  uint32_t tm = kq_min(m, r);
  if (!fits(chip, tk, sp, tm, tn)) {
    if (!smaller) return 0;
    while (tm > 1 && !fits(chip, tk, sp, tm, tn)) tm = (tm + 1) / 2;
    return fits(chip, tk, sp, tm, tn) ? tm : 0;
  }
  /* With several buffers, keep at least four row tiles so that loads and
   * compute can overlap (one tile would leave nothing to overlap with). */
  const uint32_t most = sp->buffers > 1 ? (m + 3) / 4 : m;
  while (tm < most && fits(chip, tk, sp, kq_min(m, tm + r), tn)) tm = kq_min(m, tm + r);
  return tm;
}

/* Column tiles: multiples of C from 4 C down to C (or n), then, when
 * `smaller` allows, halves of C. */
static uint32_t next_tn(uint32_t tn, uint32_t c, int smaller) {
  if (tn > c) return tn - c;
  return smaller && tn > 1 ? (tn + 1) / 2 : 0;
}

/* K chunks: the whole K, then multiples of `unit` from the largest down. */
static uint32_t next_tk(uint32_t tk, uint32_t k, uint32_t unit) {
  return tk == k ? (k - 1) / unit * unit : tk - unit;
}

static int choose(vtpu_matmul_tiles* tiles, uint32_t tm, uint32_t tn, uint32_t tk) {
  tiles->tm = tm;
  tiles->tn = tn;
  tiles->tk = tk;
  return 0;
}

/* A column tile of nibbles (int4 weights, 2:4 positions) must start on a byte. */
static int splits_bytes(const tile_space* sp, uint32_t tn, uint32_t n) {
  return sp->format == VTPU_WEIGHTS_DENSE || tn % 2 == 0 || tn == n;
}

int vtpu_matmul_tiling(const vtpu_chip* chip, uint32_t m, uint32_t k, uint32_t n, uint32_t e,
                       uint32_t weights_format, uint32_t buffers, uint32_t out_tiles,
                       uint32_t k_unit, vtpu_matmul_tiles* tiles) {
  const tile_space sp = {e, weights_format, buffers, out_tiles};
  const uint32_t r = chip->rows, c = chip->cols;
  const uint32_t unit = k_unit > 1 ? k_unit : kq_min(k, r);
  /* With one row tile and two buffers, up to four column tiles, so that
   * the next column's weights load while the array works on this one; up
   * to eight when the rows fill half the array or more, so that the last
   * tile, which nothing overlaps, is short. */
  uint32_t widest = 4 * c;
  if (buffers > 1 && m <= r) {
    const uint32_t parts = 2 * m >= r ? 8 : 4;
    const uint32_t part = ((n + parts - 1) / parts + c - 1) / c * c;
    widest = kq_min(widest, part > c ? part : c);
  }
  /* Array-sized tiles or larger: the whole K before chunks of it (the
   * largest that fit; a chunk costs B's reload per row tile). */
  for (uint32_t tk = k; tk >= unit; tk = next_tk(tk, k, unit)) {
    for (uint32_t tn = kq_min(n, tk == k ? widest : c); tn > 0; tn = next_tn(tn, c, 0)) {
      if (!splits_bytes(&sp, tn, n)) continue;
      const uint32_t tm = rows_that_fit(chip, m, tk, tn, &sp, 0);
      if (tm > 0) return choose(tiles, tm, tn, tk);
    }
  }
  /* VMEM or AMEM smaller than the array's tiles: the widest column tile,
   * then the largest chunk, then the most rows that fit. */
  for (uint32_t tn = kq_min(n, c); tn > 0; tn = next_tn(tn, c, 1)) {
    if (!splits_bytes(&sp, tn, n)) continue;
    for (uint32_t tk = k; tk >= unit; tk = next_tk(tk, k, unit)) {
      const uint32_t tm = rows_that_fit(chip, m, tk, tn, &sp, 1);
      if (tm > 0) return choose(tiles, tm, tn, tk);
    }
  }
  return -1;
}
