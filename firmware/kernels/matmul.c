/* Matmul: the MXU pipeline shared by MATMUL and CONV2D (docs/firmware.md).
 *
 * For each column tile j of B (k x tn, with its scales and bias, kept in VMEM
 * buffer j % NB) and each row tile t of A, software-pipelined (loads one step
 * ahead of compute, stores one step behind):
 *   DMA   B(j), scales(j), bias(j) -> bbuf[j % NB]   wait bfree, signal bready
 *   DMA   A(i+1) -> abuf[(i+1) % NB]                wait afree, signal aready
 *   MXU   acc[i % NB] = abuf * B                    wait aready (and accfree, bready)
 *   VPU   out[i % NB] = epilogue(acc)               wait accready (and outfree)
 *   DMA   out -> C in HBM                           wait outready, signal outfree
 * (the VPU frees a B buffer after the column's last tile). The epilogue adds
 * the bias, applies ReLU and requantizes (int8) or rounds to bf16. With
 * NB = 2 (runtime.double_buffering) the DMA of tile i+1, and of the next
 * column's B, runs while the MXU works on tile i; with NB = 1 every stage
 * waits for the one before. */
#include "queue.h"

/* Semaphores: per buffer b, ready/free pairs for A, the accumulators, the
 * output tile and the column tile (B with its scales and bias). */
enum {
  SEM_A_READY = 0,   /* + b */
  SEM_A_FREE = 2,    /* + b */
  SEM_ACC_READY = 4, /* + b */
  SEM_ACC_FREE = 6,  /* + b */
  SEM_OUT_READY = 8, /* + b */
  SEM_OUT_FREE = 10, /* + b */
  SEM_B_READY = 12,  /* + b: B tile, scales and bias loaded */
  SEM_B_FREE = 14,   /* + b: the MXU and the VPU are done with them */
};

/* A transposed operand moves element by element: dst[r][c] = src[c][r]. */
static void load_transposed(uint64_t src, uint32_t ld, uint32_t dst, uint32_t rows, uint32_t cols,
                            uint32_t e, uint8_t signal) {
  vtpu_dma_desc* d = kq_dma(src, dst, NO_SEM, signal);
  d->size[0] = e;
  d->size[1] = cols; /* along a destination row: down a source column */
  d->src_stride[0] = ld;
  d->dst_stride[0] = e;
  d->size[2] = rows;
  d->src_stride[1] = e;
  d->dst_stride[1] = cols * e;
}

static int first_use = 1; /* semaphores of the free kind start at one per layer */

int kq_matmul_emit(const vtpu_context* ctx, const kq_matmul* x) {
  const vtpu_chip* chip = &ctx->chip;
  const uint32_t nb = chip->double_buffering ? 2 : 1;
  const uint32_t e = kq_type_bytes(x->dtype);
  const uint8_t acc_type = x->dtype == VTPU_TYPE_INT8 ? VTPU_TYPE_INT32 : VTPU_TYPE_FP32;
  vtpu_matmul_tiles tiles;
  if (vtpu_matmul_tiling(chip, x->m, x->k, x->n, e, nb, &tiles) != 0) return -(int)VTPU_BAD_FIT;
  const uint32_t tm = tiles.tm, tn = tiles.tn, k = x->k;

  /* VMEM: per buffer a B tile with its scales and bias, an A tile and an
   * output tile; AMEM: an accumulator tile per buffer. */
  uint32_t bbuf[2], sbuf[2], biasbuf[2], abuf[2], obuf[2], acc[2];
  uint32_t at = VTPU_VMEM_BASE;
  for (uint32_t b = 0; b < nb; ++b) {
    bbuf[b] = at;
    at += kq_align64(k * tn * e);
    sbuf[b] = at;
    at += kq_align64(4 * tn);
    biasbuf[b] = at;
    at += kq_align64(4 * tn);
    abuf[b] = at;
    at += kq_align64(tm * k * e);
    obuf[b] = at;
    at += kq_align64(tm * tn * e);
    acc[b] = VTPU_AMEM_BASE + b * kq_align64(4 * tm * tn);
  }
  if (first_use) {
    for (uint32_t b = 0; b < nb; ++b) {
      vtpu_cp_set_semaphore(SEM_A_FREE + b, 1);
      vtpu_cp_set_semaphore(SEM_ACC_FREE + b, 1);
      vtpu_cp_set_semaphore(SEM_OUT_FREE + b, 1);
      vtpu_cp_set_semaphore(SEM_B_FREE + b, 1);
    }
    first_use = 0;
  }

  const uint32_t m_tiles = (x->m + tm - 1) / tm, n_tiles = (x->n + tn - 1) / tn;
  const uint32_t steps = m_tiles * n_tiles;
  /* Iteration i: step i's loads, step i - NB's store, step i - 1's compute.
   * With two buffers each load goes into the DMA queue before the store of
   * the step before it, so that it does not wait behind a store that waits
   * for the VPU; with one, the store must go first (the load's buffer is
   * free only once that store's step has moved on). */
  for (uint32_t i = 0; i < steps + nb; ++i) {
    if (i < steps) {
      const uint32_t j = i / m_tiles, t = i % m_tiles, b = i % nb;
      const uint32_t rows = kq_min(tm, x->m - t * tm), cols = kq_min(tn, x->n - j * tn);
      if (t == 0) {
        const uint32_t cb = j % nb;
        kq_nop(VTPU_QUEUE_DMA, SEM_B_FREE + cb, NO_SEM);
        if (x->dtype == VTPU_TYPE_INT8)
          kq_dma2d(x->scales + 4ull * j * tn, sbuf[cb], 4 * cols, 1, 0, 0, NO_SEM, NO_SEM);
        if (x->bias)
          kq_dma2d(x->bias + 4ull * j * tn, biasbuf[cb], 4 * cols, 1, 0, 0, NO_SEM, NO_SEM);
        if (x->trans_b)
          load_transposed(x->b + (uint64_t)j * tn * x->ldb, x->ldb, bbuf[cb], k, cols, e,
                          SEM_B_READY + cb);
        else
          kq_dma2d(x->b + (uint64_t)j * tn * e, bbuf[cb], cols * e, k, x->ldb, cols * e, NO_SEM,
                   SEM_B_READY + cb);
      }
      kq_nop(VTPU_QUEUE_DMA, SEM_A_FREE + b, NO_SEM);
      if (x->trans_a)
        load_transposed(x->a + (uint64_t)t * tm * e, x->lda, abuf[b], rows, k, e, SEM_A_READY + b);
      else
        kq_dma2d(x->a + (uint64_t)t * tm * x->lda, abuf[b], k * e, rows, x->lda, k * e, NO_SEM,
                 SEM_A_READY + b);
    }
    if (i >= nb) {
      const uint32_t s = i - nb, j = s / m_tiles, t = s % m_tiles, b = s % nb;
      const uint32_t rows = kq_min(tm, x->m - t * tm), cols = kq_min(tn, x->n - j * tn);
      kq_dma2d(obuf[b], x->c + (uint64_t)t * tm * x->ldc + (uint64_t)j * tn * e, cols * e, rows,
               cols * e, x->ldc, SEM_OUT_READY + b, SEM_OUT_FREE + b);
    }
    if (i >= 1 && i <= steps) {
      const uint32_t s = i - 1, j = s / m_tiles, t = s % m_tiles, b = s % nb, cb = j % nb;
      const uint32_t rows = kq_min(tm, x->m - t * tm), cols = kq_min(tn, x->n - j * tn);
      if (t == 0) kq_nop(VTPU_QUEUE_MXU, SEM_B_READY + cb, NO_SEM);
      kq_nop(VTPU_QUEUE_MXU, SEM_ACC_FREE + b, NO_SEM);
      vtpu_insn_matmul* mm =
          &kq_insn(VTPU_QUEUE_MXU, VTPU_OP_MATMUL, SEM_A_READY + b, SEM_A_FREE + b)->matmul;
      mm->precision = x->dtype;
      mm->m = rows;
      mm->k = k;
      mm->n = cols;
      mm->a_addr = abuf[b];
      mm->a_stride = k * e;
      mm->b_addr = bbuf[cb];
      mm->b_stride = cols * e;
      mm->c_addr = acc[b];
      mm->c_stride = 4 * cols;
      kq_nop(VTPU_QUEUE_MXU, NO_SEM, SEM_ACC_READY + b);

      /* Epilogue, in place in the accumulators, then into the output tile. */
      kq_nop(VTPU_QUEUE_VPU, SEM_OUT_FREE + b, NO_SEM);
      kq_nop(VTPU_QUEUE_VPU, SEM_ACC_READY + b, NO_SEM);
      vtpu_insn_vpu* v;
      if (x->bias) {
        v = kq_vpu(VTPU_VPU_ADD, acc_type, acc_type, rows, cols, acc[b], acc[b], NO_SEM, NO_SEM);
        v->b_mode = VTPU_BCAST_ROW;
        v->b_addr = biasbuf[cb];
      }
      if (x->dtype == VTPU_TYPE_INT8) {
        if (x->relu) {
          v = kq_vpu(VTPU_VPU_MAX, acc_type, acc_type, rows, cols, acc[b], acc[b], NO_SEM, NO_SEM);
          v->b_mode = VTPU_BCAST_SCALAR; /* zero_point 0: the int32 scalar */
        }
        v = kq_vpu(VTPU_VPU_REQUANT, acc_type, VTPU_TYPE_INT8, rows, cols, acc[b], obuf[b], NO_SEM,
                   SEM_ACC_FREE + b);
        v->scale_addr = sbuf[cb];
        v->zero_point = x->zero_point;
      } else {
        kq_vpu(x->relu ? VTPU_VPU_RELU : VTPU_VPU_CONVERT, acc_type, x->dtype, rows, cols, acc[b],
               obuf[b], NO_SEM, SEM_ACC_FREE + b);
      }
      kq_nop(VTPU_QUEUE_VPU, NO_SEM, SEM_OUT_READY + b);
      /* The column tile's buffer is free once its last tile is through. */
      if (t == m_tiles - 1) kq_nop(VTPU_QUEUE_VPU, NO_SEM, SEM_B_FREE + cb);
    }
    kq_doorbell();
  }
  return 0;
}

void kq_matmul_reset(void) {
  first_use = 1;
}

/* MATMUL layer: one product per batch element, chained. */
int vtpu_kernel_matmul(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_layer_matmul* l = &layer->u.matmul;
  if (layer->dtype != VTPU_TYPE_INT8 && layer->dtype != VTPU_TYPE_BF16) return -(int)VTPU_BAD_KIND;
  if (l->m == 0 || l->k == 0 || l->n == 0 || l->batch == 0) return -(int)VTPU_BAD_SHAPE;
  const uint32_t e = kq_type_bytes(layer->dtype);
  kq_matmul job = {0};
  job.m = l->m;
  job.k = l->k;
  job.n = l->n;
  job.trans_a = (layer->flags & VTPU_LAYER_TRANS_A) != 0;
  job.trans_b = (layer->flags & VTPU_LAYER_TRANS_B) != 0;
  job.lda = (job.trans_a ? l->m : l->k) * e;
  job.ldb = (job.trans_b ? l->k : l->n) * e;
  job.ldc = l->n * e;
  job.dtype = layer->dtype;
  job.relu = (layer->flags & VTPU_LAYER_RELU) != 0;
  job.zero_point = l->zero_point;
  job.bias = (layer->flags & VTPU_LAYER_BIAS) ? ctx->hbm + l->bias : 0;
  job.scales = ctx->hbm + l->scales;
  kq_begin();
  kq_matmul_reset();
  for (uint32_t i = 0; i < l->batch; ++i) {
    job.a = ctx->hbm + l->a + (uint64_t)i * l->a_batch_stride;
    job.b = ctx->hbm + l->b + (uint64_t)i * l->b_batch_stride;
    job.c = ctx->hbm + l->c + (uint64_t)i * l->c_batch_stride;
    const int status = kq_matmul_emit(ctx, &job);
    if (status != 0) return status;
  }
  return kq_finish(ctx);
}
