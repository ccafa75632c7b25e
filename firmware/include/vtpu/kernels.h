/*
 * The kernel library (docs/firmware.md, "Kernels"): one function per layer
 * kind of the compiled model (vtpu/model.h). Tensors live in HBM; kernels
 * stage tiles in VMEM/AMEM with DMA and run them on the MXU and VPU through
 * the command processor, double-buffered when the chip's runtime switch says
 * so. A kernel releases its layer's instructions and returns without waiting:
 * the layer starts on the accelerator when the one before is done, so the
 * core prepares the next layer while this one runs (vtpu_wait_layers).
 */
#ifndef VTPU_KERNELS_H
#define VTPU_KERNELS_H

#include <stdint.h>

#include "vtpu/cp_driver.h"
#include "vtpu/model.h"

/* What a kernel needs to know about the chip, read from chip info at run time
 * so that one firmware binary serves every configuration. */
typedef struct vtpu_chip {
  uint32_t rows, cols;           /* MXU R x C */
  uint32_t vmem_base, amem_base; /* bus addresses */
  uint32_t vmem_size, amem_size; /* bytes */
  uint32_t clock_khz;
  uint64_t hbm_base;
  int double_buffering;     /* runtime.double_buffering */
  int resident_activations; /* runtime.resident_activations */
  int held_weights;         /* runtime.held_weights */
  int both_dataflows;       /* mxu.dataflow auto: a layer's `dataflow` is named (vtpu/model.h) */
} vtpu_chip;

void vtpu_chip_read(vtpu_chip* chip);

/* An activation the runtime keeps in VMEM: HBM offsets [offset, offset +
 * bytes) of the model address VMEM from `vmem` on. */
typedef struct vtpu_resident {
  uint64_t offset;
  uint32_t bytes, vmem;
  uint32_t last; /* the last layer that uses it */
} vtpu_resident;

/* A layer's surroundings: the chip, where the model's HBM offsets start, the
 * scratch space the model gives its kernels, the VMEM window they stage
 * tiles in, and the activations resident in the rest of VMEM. */
typedef struct vtpu_context {
  vtpu_chip chip;
  uint64_t hbm;                   /* bus address of HBM offset 0 */
  uint64_t scratch, scratch_size; /* bus address and bytes */
  uint32_t tiles, tiles_size;     /* VMEM window for the kernels' tiles */
  const vtpu_resident* resident;  /* sorted by vmem */
  uint32_t resident_count;
  vtpu_cp_error error; /* the accelerator's registers after an error */
} vtpu_context;

/* The bus address of the model's HBM offset `offset`: inside a resident
 * activation, its VMEM copy; otherwise HBM. */
uint64_t vtpu_address(const vtpu_context* ctx, uint64_t offset);

/* The running layer's held weights (docs/runtime.md), which the runtime sets
 * before each layer: the model's HBM offsets [lo, lo + size) of its
 * constants address VMEM from `vmem` on, and its MXU first takes `waits`
 * counts of KQ_SEM_HELD, one per piece copied for it; size 0: none. Not in
 * vtpu_context, which kernels copy: on the fast chips the core's work per
 * layer sets the pace. */
typedef struct vtpu_held {
  uint32_t lo, size, vmem, waits;
} vtpu_held;
extern vtpu_held vtpu_held_layer;

/* A constant's bus address (weights, bias, scales): inside the layer's held
 * weights, their VMEM copy; otherwise HBM. */
static inline uint64_t vtpu_constant(const vtpu_context* ctx, uint64_t offset) {
  const uint32_t in = (uint32_t)offset - vtpu_held_layer.lo;
  return in < vtpu_held_layer.size && offset >> 32 == 0 ? vtpu_held_layer.vmem + in
                                                        : ctx->hbm + offset;
}

/* Held weights (docs/runtime.md): copies `bytes` from `src` to VMEM at `dst`
 * through DMA1, behind everything released there, and releases it; the
 * layer the piece is for waits for it (vtpu_held_layer.waits). */
void vtpu_hold(uint64_t src, uint32_t dst, uint32_t bytes);

/* Once per run, with the accelerator idle: instruction rings and semaphores. */
void vtpu_kernels_init(void);
/* Emits one layer and releases it. Returns 0, or -VTPU_BAD_* when the layer
 * is invalid or does not fit the chip (nothing of it runs). */
int vtpu_run_layer(vtpu_context* ctx, const vtpu_layer* layer);
/* How many layers the core may have released beyond the oldest one not
 * known to be done: it releases layer i, then waits for layer i - this.
 * Deeper than one, the core's preparation of a short layer hides behind the
 * accelerator's work on the layers before (docs/firmware.md). Per-layer
 * data in core RAM that a DMA reads has this many copies plus one. */
#define VTPU_LAYERS_AHEAD 3u
/* Sleeps until `count` layers have finished since vtpu_kernels_init().
 * Returns 0, or the accelerator's VTPU_ERR_* after an error (its registers
 * in ctx->error; the queues are flushed). */
uint32_t vtpu_wait_layers(vtpu_context* ctx, uint32_t count);

/* Tile sizes for an m x k x n matmul of `bytes`-byte elements: column tiles
 * of B (tk x tn) and row tiles of A (tm x tk) stream through `buffers`
 * buffers each in VMEM; K is split into chunks of tk rows, accumulated in
 * AMEM, when a whole column tile does not fit. */
typedef struct vtpu_matmul_tiles {
  uint32_t tm, tn, tk;
} vtpu_matmul_tiles;

/* The one tiling routine: tn a multiple of the array's columns (up to 4 C),
 * tm a multiple of its rows, as large as VMEM and AMEM allow with `buffers`
 * of each streamed tile; tk = k when a column tile of the whole K fits,
 * else the largest multiple of `k_unit` (and of the array's rows when
 * k_unit is 1) that fits beside one array-sized row tile; each buffer holds
 * `out_tiles` tm x tn tiles (the output; a loaded residual's is a second).
 * B's tiles are stored as `weights_format` (VTPU_WEIGHTS_*, vtpu/model.h;
 * not DENSE: tn is even unless it is n, so that a column tile starts on a
 * byte of nibbles). Returns 0, or -1 when even one k_unit does not fit. */
int vtpu_matmul_tiling(const vtpu_chip* chip, uint32_t m, uint32_t k, uint32_t n, uint32_t bytes,
                       uint32_t weights_format, uint32_t buffers, uint32_t out_tiles,
                       uint32_t k_unit, vtpu_matmul_tiles* tiles);

/* VMEM bytes of a tk x tn tile of B stored as `weights_format` with
 * `bytes`-byte elements: its weights, and a 2:4 tile's positions after
 * them, each 64-byte aligned. (Inline: the tiling's search asks often.) */
static inline uint32_t vtpu_matmul_b_tile_bytes(uint32_t weights_format, uint32_t tk, uint32_t tn,
                                                uint32_t bytes) {
  if (weights_format == VTPU_WEIGHTS_DENSE) return (tk * tn * bytes + 63u) & ~63u;
  const uint32_t weights =
      vtpu_weights_rows(weights_format, tk) * vtpu_weights_row_bytes(weights_format, tn) * bytes;
  const uint32_t meta =
      weights_format == VTPU_WEIGHTS_SPARSE_2_4
          ? vtpu_weights_groups(tk) * vtpu_weights_row_bytes(VTPU_WEIGHTS_INT4, tn)
          : 0;
  return ((weights + 63u) & ~63u) + ((meta + 63u) & ~63u);
}

#endif /* VTPU_KERNELS_H */
