/* int8 matmul with per-column requantization (docs/firmware.md, "Kernels").
 *
 * For each column tile j of B (k x tn, with its scales, kept in VMEM buffer
 * j % NB) and each row tile t of A, software-pipelined one tile ahead:
 *   DMA   B(j), scales(j) -> bbuf[j % NB]            wait bfree, signal bready
 *   DMA   A(i+1) -> abuf[(i+1) % NB]                wait afree, signal aready
 *   MXU   acc[i % NB] = abuf * B                    wait aready (and accfree, bready)
 *   VPU   out[i % NB] = requantize(acc, scales)     wait accready (and outfree)
 *   DMA   out -> C in HBM                           wait outready, signal outfree
 * (the VPU frees a B buffer after the column's last tile). With NB = 2
 * (runtime.double_buffering) the DMA of tile i+1, and of the next column's
 * B, runs while the MXU works on tile i; with NB = 1 every stage waits for
 * the one before. */
#include <string.h>

#include "vtpu/cp_driver.h"
#include "vtpu/fw.h"
#include "vtpu/kernels.h"

/* Semaphores: per buffer b, ready/free pairs for A, the accumulators, the
 * output tile and the column tile (B with its scales). */
enum {
  SEM_A_READY = 0,   /* + b */
  SEM_A_FREE = 2,    /* + b */
  SEM_ACC_READY = 4, /* + b */
  SEM_ACC_FREE = 6,  /* + b */
  SEM_OUT_READY = 8, /* + b */
  SEM_OUT_FREE = 10, /* + b */
  SEM_B_READY = 12,  /* + b: B tile and its scales loaded */
  SEM_B_FREE = 14,   /* + b: the MXU and the VPU are done with them */
};

/* Instructions are built in place, in the queues' rings in core RAM: the
 * core is slow at copying 64-byte structs and at writing them through
 * registers; a ring takes one register write per batch. */
static vtpu_insn rings[VTPU_QUEUES][64] __attribute__((aligned(64)));
static vtpu_cp_ring ring[VTPU_QUEUES];

static vtpu_insn* header(unsigned queue, uint8_t opcode, uint8_t wait, uint8_t signal) {
  vtpu_insn* i = vtpu_cp_ring_next(&ring[queue]);
  i->h.opcode = opcode;
  i->h.wait_sem = wait;
  i->h.signal_sem = signal;
  return i;
}

static void dma2d(uint64_t src, uint64_t dst, uint32_t row_bytes, uint32_t rows,
                  uint32_t src_stride, uint32_t dst_stride, uint8_t wait, uint8_t signal) {
  vtpu_insn* i = header(VTPU_QUEUE_DMA, VTPU_OP_DMA, wait, signal);
  i->dma.copy.src = src;
  i->dma.copy.dst = dst;
  i->dma.copy.size[0] = row_bytes;
  i->dma.copy.size[1] = rows;
  i->dma.copy.size[2] = i->dma.copy.size[3] = 1;
  i->dma.copy.src_stride[0] = src_stride;
  i->dma.copy.dst_stride[0] = dst_stride;
}

static void doorbell(void) {
  for (unsigned q = 0; q < VTPU_QUEUES; ++q) vtpu_cp_ring_publish(&ring[q]);
  vtpu_cp_doorbell();
}

static uint32_t min_u32(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}
static uint32_t align64(uint32_t v) {
  return (v + 63u) & ~63u;
}

int vtpu_matmul_int8(const vtpu_chip* chip, const vtpu_matmul_int8_args* x) {
  const uint32_t nb = chip->double_buffering ? 2 : 1;
  vtpu_matmul_tiles tiles;
  if (vtpu_matmul_tiling(chip, x->m, x->k, x->n, nb, &tiles) != 0) return -1;
  const uint32_t tm = tiles.tm, tn = tiles.tn, k = x->k;

  /* VMEM: per buffer a B tile with its scales, an A tile and an output tile;
   * AMEM: an accumulator tile per buffer. */
  uint32_t bbuf[2], sbuf[2], abuf[2], obuf[2], acc[2];
  uint32_t at = VTPU_VMEM_BASE;
  for (uint32_t b = 0; b < nb; ++b) {
    bbuf[b] = at;
    at += align64(k * tn);
    sbuf[b] = at;
    at += align64(4 * tn);
    abuf[b] = at;
    at += align64(tm * k);
    obuf[b] = at;
    at += align64(tm * tn);
    acc[b] = VTPU_AMEM_BASE + b * align64(4 * tm * tn);
  }

  for (unsigned s = 0; s < VTPU_SEMAPHORES; ++s) vtpu_cp_set_semaphore(s, 0);
  for (uint32_t b = 0; b < nb; ++b) {
    vtpu_cp_set_semaphore(SEM_A_FREE + b, 1);
    vtpu_cp_set_semaphore(SEM_ACC_FREE + b, 1);
    vtpu_cp_set_semaphore(SEM_OUT_FREE + b, 1);
    vtpu_cp_set_semaphore(SEM_B_FREE + b, 1);
  }

  const uint32_t m_tiles = (x->m + tm - 1) / tm, n_tiles = (x->n + tn - 1) / tn;
  const uint32_t steps = m_tiles * n_tiles;
  for (unsigned q = 0; q < VTPU_QUEUES; ++q)
    vtpu_cp_ring_init(&ring[q], q, rings[q], sizeof rings[q] / sizeof rings[q][0]);
  vtpu_insn* insn;
  for (uint32_t i = 0; i <= steps; ++i) {
    /* Prefetch step i's A (and, at a new column tile, its B and scales). */
    if (i < steps) {
      const uint32_t j = i / m_tiles, t = i % m_tiles, b = i % nb;
      const uint32_t rows = min_u32(tm, x->m - t * tm), cols = min_u32(tn, x->n - j * tn);
      if (t == 0) {
        const uint32_t cb = j % nb;
        dma2d(x->scales + 4ull * j * tn, sbuf[cb], 4 * cols, 1, 0, 0, SEM_B_FREE + cb,
              VTPU_SEM_NONE);
        dma2d(x->b + (uint64_t)j * tn, bbuf[cb], cols, k, x->n, cols, VTPU_SEM_NONE,
              SEM_B_READY + cb);
      }
      dma2d(x->a + (uint64_t)t * tm * k, abuf[b], rows * k, 1, 0, 0, SEM_A_FREE + b,
            SEM_A_READY + b);
    }
    /* Compute and store step i - 1. */
    if (i > 0) {
      const uint32_t s = i - 1, j = s / m_tiles, t = s % m_tiles, b = s % nb, cb = j % nb;
      const uint32_t rows = min_u32(tm, x->m - t * tm), cols = min_u32(tn, x->n - j * tn);
      if (t == 0) header(VTPU_QUEUE_MXU, VTPU_OP_NOP, SEM_B_READY + cb, VTPU_SEM_NONE);
      header(VTPU_QUEUE_MXU, VTPU_OP_NOP, SEM_ACC_FREE + b, VTPU_SEM_NONE);
      insn = header(VTPU_QUEUE_MXU, VTPU_OP_MATMUL, SEM_A_READY + b, SEM_A_FREE + b);
      insn->matmul.precision = VTPU_TYPE_INT8;
      insn->matmul.m = rows;
      insn->matmul.k = k;
      insn->matmul.n = cols;
      insn->matmul.a_addr = abuf[b];
      insn->matmul.a_stride = k;
      insn->matmul.b_addr = bbuf[cb];
      insn->matmul.b_stride = cols;
      insn->matmul.c_addr = acc[b];
      insn->matmul.c_stride = 4 * cols;
      header(VTPU_QUEUE_MXU, VTPU_OP_NOP, VTPU_SEM_NONE, SEM_ACC_READY + b);

      header(VTPU_QUEUE_VPU, VTPU_OP_NOP, SEM_OUT_FREE + b, VTPU_SEM_NONE);
      insn = header(VTPU_QUEUE_VPU, VTPU_OP_VPU, SEM_ACC_READY + b, SEM_ACC_FREE + b);
      insn->vpu.op = VTPU_VPU_REQUANT;
      insn->vpu.a_type = VTPU_TYPE_INT32;
      insn->vpu.d_type = VTPU_TYPE_INT8;
      insn->vpu.rows = rows;
      insn->vpu.cols = cols;
      insn->vpu.a_addr = acc[b];
      insn->vpu.a_stride = 4 * cols;
      insn->vpu.d_addr = obuf[b];
      insn->vpu.d_stride = cols;
      insn->vpu.scale_addr = sbuf[cb];
      insn->vpu.zero_point = x->zero_point;
      header(VTPU_QUEUE_VPU, VTPU_OP_NOP, VTPU_SEM_NONE, SEM_OUT_READY + b);
      /* The column tile's buffer is free once its last tile is requantized. */
      if (t == m_tiles - 1) header(VTPU_QUEUE_VPU, VTPU_OP_NOP, VTPU_SEM_NONE, SEM_B_FREE + cb);

      dma2d(obuf[b], x->c + (uint64_t)t * tm * x->n + (uint64_t)j * tn, cols, rows, cols, x->n,
            SEM_OUT_READY + b, SEM_OUT_FREE + b);
    }
    doorbell();
  }
  insn = header(VTPU_QUEUE_DMA, VTPU_OP_FENCE, VTPU_SEM_NONE, VTPU_SEM_NONE);
  insn->h.flags = VTPU_INSN_IRQ;
  doorbell();
  vtpu_cp_error error;
  if (vtpu_cp_wait(&error) & VTPU_CP_STATUS_ERROR) return (int)error.cause;
  return 0;
}
