/* Instruction rings, helpers and the streaming pipeline (queue.h). */
#include "queue.h"

#include "vtpu/fw.h"

/* Instructions are built in place, in the queues' rings in core RAM: the
 * core is slow at copying 64-byte structs and at writing them through
 * registers; a ring takes one register write per batch. What the command
 * processor reads of a slot is written first (an instruction's every word,
 * vtpu_cp_ring_next(); a NOP's header), so the rings (16 KiB) and the fill
 * blocks below stay out of .bss: clearing them cost every run 36 k core
 * cycles before its first instruction. */
static vtpu_insn rings[VTPU_QUEUES][64] VTPU_NOINIT;
vtpu_cp_ring kq_rings[VTPU_QUEUES];

/* kq_fill's source: one block of the pattern per slot (kq_slot), repeated
 * by a zero stride. */
#define FILL_BLOCK 1024u
static uint32_t fill_block[KQ_SLOTS][FILL_BLOCK / 4] VTPU_NOINIT;
unsigned kq_parity, kq_slot;
kq_span kq_footprint[2];
/* This layer's weights so far in DMA1 (kq_weights_start()), and where. */
static int weights_started, waited_layer_before;
static kq_span weights_span;

/* A full ring releases every queue's instructions so far, not its own
 * alone: a kernel builds a signaller before the waits on it in other queues
 * (a band's MATMULs before its epilogue, a VPU instruction per output row,
 * which may outgrow a ring), and a wait released without it would stop the
 * command processor (VTPU_ERR_DEADLOCK). */
static void release_all(vtpu_cp_ring* full) {
  (void)full;
  kq_doorbell();
}

void vtpu_kernels_init(void) {
  for (unsigned s = 0; s < VTPU_SEMAPHORES; ++s)
    vtpu_cp_set_semaphore(s, (KQ_FREE_SEMAPHORES >> s) & 1u);
  vtpu_cp_set_semaphore(KQ_SEM_WEIGHTS_GO, 2);
  vtpu_cp_set_semaphore(KQ_SEM_LAYER_DONE, 1);
  kq_footprint[0] = kq_footprint[1] = (kq_span){0, 0xffffffffu};
  for (unsigned q = 0; q < VTPU_QUEUES; ++q) {
    vtpu_cp_ring_init(&kq_rings[q], q, rings[q], sizeof rings[q] / sizeof rings[q][0]);
    kq_rings[q].full = release_all;
  }
}

uint32_t vtpu_wait_layers(vtpu_context* ctx, uint32_t count) {
  const uint32_t status = vtpu_cp_wait_semaphore(KQ_SEM_LAYERS, count, &ctx->error);
  return status == 0 ? 0 : ctx->error.cause;
}

void kq_layer_start(void) {
  kq_parity ^= 1u;
  kq_slot = kq_slot + 1 == KQ_SLOTS ? 0 : kq_slot + 1;
  kq_footprint[kq_parity] = (kq_span){0, 0xffffffffu};
  weights_started = waited_layer_before = 0;
}

void kq_weights_start(kq_span weights, int constant) {
  if (weights_started) {
    /* A later product of the layer with weights elsewhere: behind the layer
     * before (a fence waits for all released before it). */
    if (weights.lo != weights_span.lo || weights.hi != weights_span.hi)
      kq_bare(VTPU_QUEUE_DMA1, VTPU_OP_FENCE, NO_SEM, NO_SEM, 0);
    return;
  }
  weights_started = 1;
  weights_span = weights;
  kq_nop(VTPU_QUEUE_DMA1, KQ_SEM_WEIGHTS_GO, NO_SEM);
  const kq_span before = kq_footprint[kq_parity ^ 1u];
  if (!constant || (weights.lo < before.hi && before.lo < weights.hi)) {
    /* Behind the layer before: a wait for its end, not a fence, which
     * would also wait for this layer's own first copies. */
    kq_nop(VTPU_QUEUE_DMA1, KQ_SEM_LAYER_DONE, NO_SEM);
    waited_layer_before = 1;
  }
}

/* The layers' fences leave DMA1 out: a layer's own copies there end before
 * its units do (the MXU waits for each), and held weights' copies released
 * after it (docs/runtime.md) must hold up no layer but the one that reads
 * them. */
#define KQ_FENCE_FLAGS VTPU_INSN_FENCE_SKIP(VTPU_QUEUE_DMA1)
void kq_begin(void) {
  for (unsigned q = 0; q < VTPU_QUEUES; ++q)
    if (q != VTPU_QUEUE_DMA1) kq_bare(q, VTPU_OP_FENCE, NO_SEM, NO_SEM, KQ_FENCE_FLAGS);
  /* A doorbell of their own: the fences wait for the layer before only. */
  kq_doorbell();
}

void kq_doorbell(void) {
  for (unsigned q = 0; q < VTPU_QUEUES; ++q) vtpu_cp_ring_publish(&kq_rings[q]);
  vtpu_cp_doorbell();
}

int kq_end(void) {
  /* Each layer takes one count of each weights' semaphore (those its
   * weights did not wait for, after them), and gives one back at its end. */
  if (!weights_started) kq_nop(VTPU_QUEUE_DMA1, KQ_SEM_WEIGHTS_GO, NO_SEM);
  if (!waited_layer_before) kq_nop(VTPU_QUEUE_DMA1, KQ_SEM_LAYER_DONE, NO_SEM);
  /* In the VPU's ring, the last released: it waits for every queue. */
  kq_bare(VTPU_QUEUE_VPU, VTPU_OP_FENCE, NO_SEM, KQ_SEM_LAYERS, VTPU_INSN_IRQ | KQ_FENCE_FLAGS);
  kq_nop(VTPU_QUEUE_VPU, NO_SEM, KQ_SEM_WEIGHTS_GO);
  kq_nop(VTPU_QUEUE_VPU, NO_SEM, KQ_SEM_LAYER_DONE);
  kq_doorbell();
  return 0;
}

vtpu_held vtpu_held_layer;

void vtpu_hold(uint64_t src, uint32_t dst, uint32_t bytes) {
  kq_dma2d_on(VTPU_QUEUE_DMA1, src, dst, bytes, 1, 0, 0, NO_SEM, KQ_SEM_HELD);
  kq_doorbell();
}

/* This layer's block of `pattern`. A block keeps its pattern between fills
 * (rewriting it cost the core 1.8 k cycles). It is rewritten only for a new
 * pattern, so a layer uses one pattern (a rewrite under a queued fill would
 * change that fill); the layers released before, which may still be
 * running, use the others. */
static uint64_t fill_source(uint32_t pattern) {
  static uint32_t block_pattern[KQ_SLOTS], block_valid[KQ_SLOTS];
  uint32_t* block = fill_block[kq_slot];
  if (!block_valid[kq_slot] || block_pattern[kq_slot] != pattern) {
    for (unsigned i = 0; i < FILL_BLOCK / 4; ++i) block[i] = pattern;
    block_pattern[kq_slot] = pattern, block_valid[kq_slot] = 1;
  }
  return (uintptr_t)block;
}

void kq_fill_rows(uint64_t dst, uint32_t row_bytes, uint32_t rows, uint32_t stride,
                  uint32_t pattern) {
  if (row_bytes == 0 || rows == 0) return;
  if (row_bytes > FILL_BLOCK) {
    for (uint32_t r = 0; r < rows; ++r) kq_fill(dst + (uint64_t)r * stride, row_bytes, pattern);
    return;
  }
  kq_dma2d(fill_source(pattern), dst, row_bytes, rows, 0, stride, NO_SEM, NO_SEM);
}

void kq_fill(uint64_t dst, uint32_t bytes, uint32_t pattern) {
  const uint64_t src = fill_source(pattern);
  const uint32_t blocks = bytes / FILL_BLOCK, rest = bytes % FILL_BLOCK;
  if (blocks > 0) kq_dma2d(src, dst, FILL_BLOCK, blocks, 0, FILL_BLOCK, NO_SEM, NO_SEM);
  if (rest > 0) kq_dma2d(src, dst + (uint64_t)blocks * FILL_BLOCK, rest, 1, 0, 0, NO_SEM, NO_SEM);
}

static uint64_t padded_bytes(const kq_padding* p) {
  return (uint64_t)p->n * p->hp * p->wp * p->pixel;
}

/* (At most half the window before: at batch 8 on tpuv1-like, ResNet-50's
 * stride-2 3 x 3 convolution of the second stage, 3.4 MB padded of a 6 MiB
 * window, went through DDR3 scratch: 238 k cycles, 180 k in VMEM.) */
int kq_padded_in_vmem(const vtpu_context* ctx, const kq_padding* p) {
  const uint64_t window = ctx->tiles_size;
  const uint64_t tiles = vtpu_array_tiles_bytes(ctx->chip.rows, ctx->chip.cols);
  const uint64_t most = tiles < window / 2 ? window - tiles : window / 2;
  return padded_bytes(p) <= most;
}

uint64_t kq_padded_area(vtpu_context* ctx, const kq_padding* p) {
  const uint64_t bytes = padded_bytes(p);
  if (kq_padded_in_vmem(ctx, p)) {
    /* At this layer's end of the window (kq_parity). */
    const uint32_t size = kq_align64((uint32_t)bytes);
    ctx->tiles_size -= size;
    uint32_t at = ctx->tiles + ctx->tiles_size;
    if (kq_parity == 0) {
      at = ctx->tiles;
      ctx->tiles += size;
    }
    kq_footprint_add(at, at + size);
    return at;
  }
  return bytes <= ctx->scratch_size && bytes <= 0xffffffffu ? ctx->scratch : 0;
}

void kq_pad_border(uint64_t dst, const kq_padding* p, uint32_t image) {
  if (p->hp == p->h && p->wp == p->w) return;
  const uint32_t line = p->wp * p->pixel, row = p->w * p->pixel;
  /* The border only (the copies write the interior); filling the whole
   * area first cost as much DMA time as the copy. Along an image the border
   * is contiguous runs: a head (the rows above, then the first row's left
   * columns), between each row and the next its right and the next one's
   * left columns, and a tail (the last row's right columns, then the rows
   * below). The runs between rows are one 2-D fill when they fit the fill
   * block, else their left and right parts are one each. */
  const uint32_t bottom = p->hp - p->h - p->top, right = p->wp - p->w - p->left;
  const uint32_t head = p->top * line + p->left * p->pixel;
  const uint32_t gap = (p->left + right) * p->pixel;
  const uint32_t tail = right * p->pixel + bottom * line;
  const uint64_t first = dst + (uint64_t)image * p->hp * line + head; /* the interior's */
  kq_fill(first - head, head, p->pattern);
  if (gap <= FILL_BLOCK) {
    kq_fill_rows(first + row, gap, p->h - 1, line, p->pattern);
  } else {
    kq_fill_rows(first + line - p->left * p->pixel, p->left * p->pixel, p->h - 1, line, p->pattern);
    kq_fill_rows(first + row, right * p->pixel, p->h - 1, line, p->pattern);
  }
  kq_fill(first + (uint64_t)(p->h - 1) * line + row, tail, p->pattern);
}

void kq_pad_rows(uint64_t src, uint64_t dst, const kq_padding* p, uint32_t image, uint32_t r0,
                 uint32_t r1) {
  if (r1 <= r0) return;
  const uint32_t line = p->wp * p->pixel, row = p->w * p->pixel;
  kq_dma2d(src + ((uint64_t)image * p->h + r0) * row,
           dst + ((uint64_t)image * p->hp + p->top + r0) * line + p->left * p->pixel, row, r1 - r0,
           row, line, NO_SEM, NO_SEM);
}

void kq_pad_images(uint64_t src, uint64_t dst, const kq_padding* p) {
  const uint32_t line = p->wp * p->pixel, row = p->w * p->pixel;
  for (uint32_t i = 0; i < p->n; ++i) kq_pad_border(dst, p, i);
  vtpu_dma_desc* d =
      kq_dma(src, dst + (uint64_t)p->top * line + p->left * p->pixel, NO_SEM, NO_SEM);
  d->size[0] = row;
  d->size[1] = p->h, d->src_stride[0] = row, d->dst_stride[0] = line;
  d->size[2] = p->n, d->src_stride[1] = p->h * row, d->dst_stride[1] = p->hp * line;
}

/* Semaphores of the streaming pipeline, per buffer b. */
enum { SEM_IN_READY = 0, SEM_IN_FREE = 2, SEM_OUT_READY = 4, SEM_OUT_FREE = 6 };

void kq_pipeline(uint32_t tiles, unsigned buffers, kq_stage load, kq_stage compute, kq_stage store,
                 void* ctx) {
  /* Iteration i: tile i's load, tile i - buffers' store, tile i - 1's
   * compute. With two buffer sets each load goes into the DMA queue before
   * the store of the tile before it, so that it does not wait behind a store
   * that waits for the VPU; with one, the store must go first. */
  for (uint32_t i = 0; i < tiles + buffers; ++i) {
    if (i < tiles) {
      const unsigned b = i % buffers;
      kq_nop(VTPU_QUEUE_DMA, SEM_IN_FREE + b, NO_SEM);
      load(ctx, i, b);
      kq_nop(VTPU_QUEUE_DMA, NO_SEM, SEM_IN_READY + b);
    }
    if (i >= buffers) {
      const uint32_t t = i - buffers;
      const unsigned b = t % buffers;
      kq_nop(VTPU_QUEUE_DMA, SEM_OUT_READY + b, NO_SEM);
      store(ctx, t, b);
      kq_nop(VTPU_QUEUE_DMA, NO_SEM, SEM_OUT_FREE + b);
    }
    if (i >= 1 && i <= tiles) {
      const uint32_t t = i - 1;
      const unsigned b = t % buffers;
      kq_nop(VTPU_QUEUE_VPU, SEM_OUT_FREE + b, NO_SEM);
      kq_nop(VTPU_QUEUE_VPU, SEM_IN_READY + b, NO_SEM);
      compute(ctx, t, b);
      kq_nop(VTPU_QUEUE_VPU, NO_SEM, SEM_IN_FREE + b);
      kq_nop(VTPU_QUEUE_VPU, NO_SEM, SEM_OUT_READY + b);
    }
    kq_doorbell();
  }
}
