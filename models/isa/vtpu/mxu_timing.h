/*
 * The MXU's timing for one MATMUL (docs/mxu.md, "Timing"): the array's cycles
 * and the operand bytes it reads through VMEM's ports, for either dataflow.
 * The model (models/mxu) times every instruction with it and, on an array
 * that runs both dataflows (`mxu.dataflow: auto`), picks one per instruction
 * by it. Plain C beside the ISA, so that firmware and tools can plan with
 * the same formula.
 */
#ifndef VTPU_MXU_TIMING_H
#define VTPU_MXU_TIMING_H

#include <stdint.h>

/* ceil(size / tile), in one division; sizes
 * stay below 2^31. */
static inline uint32_t vtpu_mxu_folds(uint32_t size, uint32_t tile) {
  return (size + tile - 1) / tile;
}

static inline uint64_t vtpu_mxu_max(uint64_t a, uint64_t b) {
  return a > b ? a : b;
}

/* An m x k x n product on an R x C array: how many R-row folds its m and k
 * take and how many C-column folds its n. */
typedef struct vtpu_mxu_shape {
  uint32_t m, k, n;
  uint32_t m_folds, k_folds, n_folds;
} vtpu_mxu_shape;

static inline vtpu_mxu_shape vtpu_mxu_shape_of(uint32_t m, uint32_t k, uint32_t n, uint32_t rows,
                                               uint32_t cols) {
  const vtpu_mxu_shape s = {
      m, k, n, vtpu_mxu_folds(m, rows), vtpu_mxu_folds(k, rows), vtpu_mxu_folds(n, cols)};
  return s;
}

/* 2:4 structured sparsity (docs/mxu.md, "2:4 sparsity"): B holds the two
 * weights kept of each group of four along K, so the array holds and streams
 * K_s = 2 ceil(k / 4) rows of weights; its cycles are those of a dense
 * m x K_s x n product. */
static inline uint32_t vtpu_mxu_sparse_k(uint32_t k) {
  return 2 * vtpu_mxu_folds(k, 4);
}

/* int4 weights (docs/mxu.md, "int4 weights"): each PE does `macs_per_pe`
 * int4 x int8 products per cycle, so a PE row covers that many rows of K and
 * the array's cycles are those of a dense m x ceil(k / macs_per_pe) x n
 * product. */
static inline uint32_t vtpu_mxu_int4_k(uint32_t k, uint32_t macs_per_pe) {
  return vtpu_mxu_folds(k, macs_per_pe);
}

/* Cycles of the array. Weight-stationary: k_folds x n_folds folds, each
 * loading R rows of weights and streaming m rows of A; output-stationary:
 * m_folds x n_folds folds, each streaming k. Stall-free is SCALE-Sim v2's
 * formula; overlapped loads the next fold's weights (ws) or drains the last
 * fold's outputs (os) behind the current one. */
static inline uint64_t vtpu_mxu_cycles(const vtpu_mxu_shape* s, uint32_t rows, uint32_t cols,
                                       int os, int stall_free) {
  const uint64_t r = rows, c = cols, m = s->m, k = s->k;
  if (!os) {
    const uint64_t folds = (uint64_t)s->k_folds * s->n_folds;
    if (stall_free) return folds * (2 * r + c + m - 2) - 1;
    return r + (folds - 1) * vtpu_mxu_max(m, r) + m + r + c + 2;
  }
  const uint64_t folds = (uint64_t)s->m_folds * s->n_folds;
  if (stall_free) return folds * (k + r + c - 2) - 1;
  return folds * vtpu_mxu_max(k, r) + r + c - 2 - 1;
}

/* Bytes of A the array reads from VMEM: A once per column fold, either way. */
static inline uint64_t vtpu_mxu_a_bytes(const vtpu_mxu_shape* s, uint32_t element) {
  return (uint64_t)s->m * s->k * element * s->n_folds;
}

/* Bytes of B: each weight once (ws), or once per row fold (os). */
static inline uint64_t vtpu_mxu_b_bytes(const vtpu_mxu_shape* s, uint32_t element, int os) {
  return (uint64_t)s->k * s->n * element * (os ? s->m_folds : 1u);
}

/* One instruction on otherwise idle VMEM ports (`ports` ports, `port_bytes`
 * bytes per cycle over all; 0, unlimited), as the model books its A and B
 * (docs/mxu.md, "Timing"): its `bytes`; its `cycles`, the array's if the
 * ports carry the bytes in that time, else the time all ports but one take
 * to read them; and `held`, the cycles the bytes hold every port, so that the
 * other units find none free (the last port's time when they take all; none
 * when they leave one). */
typedef struct vtpu_mxu_port_use {
  uint64_t bytes, cycles, held;
} vtpu_mxu_port_use;

static inline vtpu_mxu_port_use vtpu_mxu_on_ports(const vtpu_mxu_shape* s, uint32_t element,
                                                  uint32_t rows, uint32_t cols, int os,
                                                  int stall_free, uint64_t port_bytes,
                                                  uint32_t ports) {
  vtpu_mxu_port_use u;
  u.bytes = vtpu_mxu_a_bytes(s, element) + vtpu_mxu_b_bytes(s, element, os);
  u.cycles = vtpu_mxu_cycles(s, rows, cols, os, stall_free);
  u.held = 0;
  const uint64_t per_port = ports ? port_bytes / ports : 0;
  if (per_port == 0) return u;
  const uint64_t full = per_port * u.cycles;
  const uint64_t needed = (u.bytes + full - 1) / full;
  if (needed == ports) u.held = (u.bytes - (ports - 1) * full + per_port - 1) / per_port;
  if (needed > ports) {
    const uint64_t usable = ports > 1 ? per_port * (ports - 1) : per_port;
    u.cycles = (u.bytes + usable - 1) / usable;
  }
  return u;
}

/* Whether an array that runs both dataflows takes output-stationary for
 * this instruction (docs/mxu.md, "auto"): the lesser cost, each dataflow's
 * cycles on idle ports, plus the cycles it holds every port (the DMA and the
 * VPU wait them whole), plus its port time for A and B weighed by the share
 * of the ports' time those units took lately (`busy_permille`, 0 to 1000):
 * what they would wait for. Ties stay weight-stationary. bf16 goes
 * output-stationary only where K fits the array's rows, where the two
 * dataflows sum in the same order, so results never depend on the choice. */
static inline int vtpu_mxu_auto_os(const vtpu_mxu_shape* s, uint32_t element, uint32_t rows,
                                   uint32_t cols, int stall_free, uint64_t port_bytes,
                                   uint32_t ports, uint32_t busy_permille) {
  if (element == 2 && s->k > rows) return 0;
  uint64_t cost[2];
  for (int os = 0; os < 2; ++os) {
    const vtpu_mxu_port_use u =
        vtpu_mxu_on_ports(s, element, rows, cols, os, stall_free, port_bytes, ports);
    /* In thousandths of a cycle (the bytes over the ports' width before
     * adding: scaled by the width, long instructions on wide ports could pass 2^64). */
    cost[os] = (u.cycles + u.held) * 1000 + (port_bytes ? u.bytes * busy_permille / port_bytes : 0);
  }
  return cost[1] < cost[0];
}

#endif /* VTPU_MXU_TIMING_H */
