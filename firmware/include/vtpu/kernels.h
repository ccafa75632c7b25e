/*
 * The kernel library's first kernel and the tiling routine every kernel will
 * use (docs/firmware.md, "Kernels"). Tensors live in HBM; kernels stage tiles
 * in VMEM/AMEM with DMA and run them on the MXU and VPU through the command
 * processor, double-buffered when the chip's runtime switch says so.
 */
#ifndef VTPU_KERNELS_H
#define VTPU_KERNELS_H

#include <stdint.h>

/* What a kernel needs to know about the chip, read from chip info at run time
 * so that one firmware binary serves every configuration. */
typedef struct vtpu_chip {
  uint32_t rows, cols;           /* MXU R x C */
  uint32_t vmem_size, amem_size; /* bytes */
  uint32_t clock_khz;
  uint64_t hbm_base;
  int double_buffering; /* runtime.double_buffering */
} vtpu_chip;

void vtpu_chip_read(vtpu_chip* chip);

/* Tile sizes for an m x k x n matmul: column tiles of B (k x tn) and row
 * tiles of A (tm x k) stream through `buffers` buffers each in VMEM. */
typedef struct vtpu_matmul_tiles {
  uint32_t tm, tn;
} vtpu_matmul_tiles;

/* The one tiling routine: tn a multiple of the array's columns (up to 4 C),
 * tm a multiple of its rows, as large as VMEM and AMEM allow with `buffers`
 * of each streamed tile. Returns 0, or -1 when even one array-sized tile
 * does not fit. */
int vtpu_matmul_tiling(const vtpu_chip* chip, uint32_t m, uint32_t k, uint32_t n, uint32_t buffers,
                       vtpu_matmul_tiles* tiles);

/* C = requantize_int8(A * B, scale[column], zero_point): A m x k and B k x n
 * int8, row-major in HBM; scales n fp32 in HBM; C m x n int8 in HBM. */
typedef struct vtpu_matmul_int8_args {
  uint64_t a, b, scales, c;
  uint32_t m, k, n;
  int32_t zero_point;
} vtpu_matmul_int8_args;

/* Returns 0, or the command processor's error cause (negative: no tiling). */
int vtpu_matmul_int8(const vtpu_chip* chip, const vtpu_matmul_int8_args* args);

#endif /* VTPU_KERNELS_H */
