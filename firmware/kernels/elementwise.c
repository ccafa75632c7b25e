/* ELEMENTWISE, SOFTMAX and LAYERNORM (docs/firmware.md): rows x cols
 * streamed through VMEM in bands of rows. Every input is widened to fp32 in
 * VMEM (int8 by DEQUANT, bf16 by CONVERT), computed in fp32, and narrowed
 * into the output type by the last instruction (QUANT for int8), as
 * vtpu/model.h defines. An operand resident in VMEM (docs/runtime.md) is
 * read, or written, where it lies: no DMA for it. */
#include "queue.h"

typedef struct rows_job {
  const vtpu_layer* layer;
  uint32_t rows, cols, band;
  uint8_t in_type, out_type;
  uint32_t ein, eout;
  uint64_t a, b, out, gamma, beta;    /* bus addresses */
  uint32_t b_row_elems;               /* ELEMENTWISE: B's elements per row of A (cols, 1 or 0) */
  uint32_t b_fixed_elems;             /* ELEMENTWISE: B's elements per band otherwise (ROW: cols) */
  int a_direct, b_direct, out_direct; /* resident in VMEM: used in place */
  int one_pass; /* ELEMENTWISE: one VPU operation in the layer's type (int8: its
                 * parameters at par[0]) */
  /* Per buffer set: inputs as loaded, fp32 work areas, per-row statistics,
   * the output. */
  uint32_t in_a[2], in_b[2], wa[2], wb[2], stat1[2], stat2[2], par[2], out_buf[2];
} rows_job;

static uint32_t band_rows(const rows_job* j, uint32_t tile) {
  return kq_min(j->band, j->rows - tile * j->band);
}

/* Where a band's A, B and output are: in place when resident, else the
 * buffer set's copies. */
static uint32_t band_a(const rows_job* j, uint32_t tile, unsigned b) {
  return j->a_direct ? (uint32_t)(j->a + (uint64_t)tile * j->band * j->cols * j->ein) : j->in_a[b];
}
static uint32_t band_b(const rows_job* j, uint32_t tile, unsigned b) {
  if (!j->b_direct) return j->in_b[b];
  return (uint32_t)(j->b + (uint64_t)tile * j->band * j->b_row_elems * j->ein);
}
static uint32_t band_out(const rows_job* j, uint32_t tile, unsigned b) {
  if (!j->out_direct) return j->out_buf[b];
  return (uint32_t)(j->out + (uint64_t)tile * j->band * j->cols * j->eout);
}

/* Widens rows x cols of `type` at `from` into fp32 at `to` (nothing for fp32). */
static void widen(uint8_t type, uint32_t rows, uint32_t cols, uint32_t from, uint32_t to,
                  float scale, int32_t zero_point) {
  if (type == VTPU_TYPE_FP32) return;
  vtpu_insn_vpu* v = kq_vpu(type == VTPU_TYPE_INT8 ? VTPU_VPU_DEQUANT : VTPU_VPU_CONVERT, type,
                            VTPU_TYPE_FP32, rows, cols, from, to, NO_SEM, NO_SEM);
  v->scale = scale;
  v->zero_point = zero_point;
}

/* The work area of an input: the loaded data itself when it is fp32. */
static uint32_t work(uint8_t type, uint32_t loaded, uint32_t area) {
  return type == VTPU_TYPE_FP32 ? loaded : area;
}

/* The last step: `op` over the fp32 work area into the output; for an int8
 * output, op in place, then QUANT. Returns the op's instruction (for its B
 * operand or scalar). */
static vtpu_insn_vpu* narrow(const rows_job* j, uint8_t op, uint32_t rows, uint32_t from,
                             uint32_t out, float out_scale, int32_t out_zero_point) {
  const int to_int8 = j->out_type == VTPU_TYPE_INT8;
  vtpu_insn_vpu* v = kq_vpu(op, VTPU_TYPE_FP32, to_int8 ? VTPU_TYPE_FP32 : j->out_type, rows,
                            j->cols, from, to_int8 ? from : out, NO_SEM, NO_SEM);
  if (to_int8) {
    vtpu_insn_vpu* q = kq_vpu(VTPU_VPU_QUANT, VTPU_TYPE_FP32, VTPU_TYPE_INT8, rows, j->cols, from,
                              out, NO_SEM, NO_SEM);
    q->scale = out_scale;
    q->zero_point = out_zero_point;
  }
  return v;
}

static void load(void* ctx, uint32_t tile, unsigned b) {
  const rows_job* j = ctx;
  const uint32_t r0 = tile * j->band, rows = band_rows(j, tile);
  const uint32_t line = j->cols * j->ein;
  if (!j->a_direct)
    kq_dma2d(j->a + (uint64_t)r0 * line, j->in_a[b], rows * line, 1, 0, 0, NO_SEM, NO_SEM);
  if (j->b_row_elems > 0 && !j->b_direct)
    kq_dma2d(j->b + (uint64_t)r0 * j->b_row_elems * j->ein, j->in_b[b],
             rows * j->b_row_elems * j->ein, 1, 0, 0, NO_SEM, NO_SEM);
  if (j->b_fixed_elems > 0 && !j->b_direct)
    kq_dma2d(j->b, j->in_b[b], j->b_fixed_elems * j->ein, 1, 0, 0, NO_SEM, NO_SEM);
  if (j->gamma) {
    kq_dma2d(j->gamma, j->par[b], 4 * j->cols, 1, 0, 0, NO_SEM, NO_SEM);
    kq_dma2d(j->beta, j->par[b] + kq_align64(4 * j->cols), 4 * j->cols, 1, 0, 0, NO_SEM, NO_SEM);
  }
}

static void store(void* ctx, uint32_t tile, unsigned b) {
  const rows_job* j = ctx;
  if (j->out_direct) return;
  const uint32_t line = j->cols * j->eout;
  uint32_t from = j->out_buf[b];
  /* An fp32 identity result stays in the work area. */
  if (j->layer->kind == VTPU_LAYER_ELEMENTWISE && j->layer->op == VTPU_VPU_CONVERT &&
      j->out_type == VTPU_TYPE_FP32)
    from = work(j->in_type, j->in_a[b], j->wa[b]);
  kq_dma2d(from, j->out + (uint64_t)tile * j->band * line, band_rows(j, tile) * line, 1, 0, 0,
           NO_SEM, NO_SEM);
}

/* A fused ReLU (VTPU_LAYER_RELU, bf16 outputs) on the rounded result, in place. */
static void relu_in_place(const rows_job* j, uint32_t rows, uint32_t out) {
  if (j->layer->flags & VTPU_LAYER_RELU)
    kq_vpu(VTPU_VPU_RELU, VTPU_TYPE_BF16, VTPU_TYPE_BF16, rows, j->cols, out, out, NO_SEM, NO_SEM);
}

/* Every input widened to fp32, the operation, the result narrowed. */
static void compute_widened(const rows_job* j, uint32_t tile, unsigned b, uint32_t in_a,
                            uint32_t in_b, uint32_t out) {
  const vtpu_layer_elementwise* l = &j->layer->u.elementwise;
  const uint32_t rows = band_rows(j, tile);
  const uint32_t ta = work(j->in_type, in_a, j->wa[b]);
  const uint32_t tb = work(j->in_type, in_b, j->wb[b]);
  widen(j->in_type, rows, j->cols, in_a, ta, l->a_scale, l->a_zero_point);
  const uint32_t b_rows = l->b_mode == VTPU_BCAST_ROW ? 1 : rows;
  const uint32_t b_cols = l->b_mode == VTPU_BCAST_COL ? 1 : j->cols;
  if (j->b_row_elems + j->b_fixed_elems > 0)
    widen(j->in_type, b_rows, b_cols, in_b, tb, l->b_scale, l->b_zero_point);

  if (j->layer->op == VTPU_VPU_CONVERT) { /* the identity between types */
    if (j->out_type == VTPU_TYPE_INT8) {
      vtpu_insn_vpu* q = kq_vpu(VTPU_VPU_QUANT, VTPU_TYPE_FP32, VTPU_TYPE_INT8, rows, j->cols, ta,
                                out, NO_SEM, NO_SEM);
      q->scale = l->out_scale;
      q->zero_point = l->out_zero_point;
    } else if (j->out_type == VTPU_TYPE_BF16) {
      kq_vpu(VTPU_VPU_CONVERT, VTPU_TYPE_FP32, VTPU_TYPE_BF16, rows, j->cols, ta, out, NO_SEM,
             NO_SEM);
    }
    return;
  }
  vtpu_insn_vpu* v = narrow(j, j->layer->op, rows, ta, out, l->out_scale, l->out_zero_point);
  if (j->layer->op < VTPU_VPU_RELU) { /* binary */
    v->b_mode = l->b_mode;
    v->b_addr = tb;
    v->b_stride = l->b_mode == VTPU_BCAST_COL ? 4 : 4 * j->cols;
    v->scale = l->b_scalar;
  }
}

static void compute_elementwise(void* ctx, uint32_t tile, unsigned b) {
  const rows_job* j = ctx;
  const vtpu_layer_elementwise* l = &j->layer->u.elementwise;
  const uint32_t rows = band_rows(j, tile);
  const uint32_t in_a = band_a(j, tile, b), in_b = band_b(j, tile, b);
  const uint32_t out = band_out(j, tile, b);
  if (j->one_pass) { /* int8: dequantize, the operation, quantize; bf16: widen, op, round */
    const uint8_t t = j->in_type;
    vtpu_insn_vpu* v = kq_vpu(j->layer->op, t, t, rows, j->cols, in_a, out, NO_SEM, NO_SEM);
    if (j->layer->op <= VTPU_VPU_MIN) {
      v->b_mode = l->b_mode;
      v->b_addr = in_b;
      v->b_stride = l->b_mode == VTPU_BCAST_COL ? j->ein : j->cols * j->ein;
      v->scale = l->b_scalar;
    }
    if (t == VTPU_TYPE_INT8) v->scale_addr = j->par[0];
  } else {
    compute_widened(j, tile, b, in_a, in_b, out);
  }
  relu_in_place(j, rows, out);
}

/* A rows x 1 column of per-row values: `op` of A (rows x cols) along its rows. */
static void reduce(uint8_t op, uint32_t rows, uint32_t cols, uint32_t from, uint32_t to) {
  vtpu_insn_vpu* v =
      kq_vpu(op, VTPU_TYPE_FP32, VTPU_TYPE_FP32, rows, cols, from, to, NO_SEM, NO_SEM);
  v->d_stride = 4;
}

/* D = A op B' with B' a per-row column (COL), a row (ROW) or a scalar. */
static vtpu_insn_vpu* binary(uint8_t op, uint8_t mode, uint32_t rows, uint32_t cols, uint32_t a,
                             uint32_t b, uint32_t d) {
  vtpu_insn_vpu* v = kq_vpu(op, VTPU_TYPE_FP32, VTPU_TYPE_FP32, rows, cols, a, d, NO_SEM, NO_SEM);
  v->b_mode = mode;
  v->b_addr = b;
  v->b_stride = mode == VTPU_BCAST_COL ? 4 : 4 * cols;
  return v;
}

static void compute_softmax(void* ctx, uint32_t tile, unsigned b) {
  const rows_job* j = ctx;
  const vtpu_layer_rowwise* l = &j->layer->u.rowwise;
  const uint32_t rows = band_rows(j, tile), cols = j->cols;
  const uint32_t in = band_a(j, tile, b);
  const uint32_t t = work(j->in_type, in, j->wa[b]), m = j->stat1[b], s = j->stat2[b];
  widen(j->in_type, rows, cols, in, t, l->in_scale, l->in_zero_point);
  reduce(VTPU_VPU_REDUCE_MAX, rows, cols, t, m);
  binary(VTPU_VPU_SUB, VTPU_BCAST_COL, rows, cols, t, m, t);
  kq_vpu(VTPU_VPU_EXP, VTPU_TYPE_FP32, VTPU_TYPE_FP32, rows, cols, t, t, NO_SEM, NO_SEM);
  reduce(VTPU_VPU_REDUCE_SUM, rows, cols, t, s);
  kq_vpu(VTPU_VPU_RECIP, VTPU_TYPE_FP32, VTPU_TYPE_FP32, rows, 1, s, s, NO_SEM, NO_SEM);
  vtpu_insn_vpu* v =
      narrow(j, VTPU_VPU_MUL, rows, t, band_out(j, tile, b), l->out_scale, l->out_zero_point);
  v->b_mode = VTPU_BCAST_COL;
  v->b_addr = s;
  v->b_stride = 4;
}

static void compute_layernorm(void* ctx, uint32_t tile, unsigned b) {
  const rows_job* j = ctx;
  const vtpu_layer_rowwise* l = &j->layer->u.rowwise;
  const uint32_t rows = band_rows(j, tile), cols = j->cols;
  const uint32_t in = band_a(j, tile, b);
  const uint32_t t = work(j->in_type, in, j->wa[b]), sq = j->wb[b];
  const uint32_t mean = j->stat1[b], var = j->stat2[b];
  const float inv_cols = 1.0f / (float)cols;
  widen(j->in_type, rows, cols, in, t, l->in_scale, l->in_zero_point);
  reduce(VTPU_VPU_REDUCE_SUM, rows, cols, t, mean);
  binary(VTPU_VPU_MUL, VTPU_BCAST_SCALAR, rows, 1, mean, 0, mean)->scale = inv_cols;
  binary(VTPU_VPU_SUB, VTPU_BCAST_COL, rows, cols, t, mean, t);
  binary(VTPU_VPU_MUL, VTPU_BCAST_NONE, rows, cols, t, t, sq);
  reduce(VTPU_VPU_REDUCE_SUM, rows, cols, sq, var);
  binary(VTPU_VPU_MUL, VTPU_BCAST_SCALAR, rows, 1, var, 0, var)->scale = inv_cols;
  binary(VTPU_VPU_ADD, VTPU_BCAST_SCALAR, rows, 1, var, 0, var)->scale = l->epsilon;
  kq_vpu(VTPU_VPU_RSQRT, VTPU_TYPE_FP32, VTPU_TYPE_FP32, rows, 1, var, var, NO_SEM, NO_SEM);
  binary(VTPU_VPU_MUL, VTPU_BCAST_COL, rows, cols, t, var, t);
  binary(VTPU_VPU_MUL, VTPU_BCAST_ROW, rows, cols, t, j->par[b], t);
  vtpu_insn_vpu* v =
      narrow(j, VTPU_VPU_ADD, rows, t, band_out(j, tile, b), l->out_scale, l->out_zero_point);
  v->b_mode = VTPU_BCAST_ROW;
  v->b_addr = j->par[b] + kq_align64(4 * cols);
}

static int valid_type(uint8_t type) {
  return type == VTPU_TYPE_INT8 || type == VTPU_TYPE_BF16 || type == VTPU_TYPE_FP32;
}

/* Lays out the buffer sets for the largest band that fits (at least four
 * bands with two sets when there are enough rows); 0 if not even a row does. */
static int plan(const vtpu_context* ctx, rows_job* j, uint32_t a_bytes_per_row,
                uint32_t b_bytes_per_row, uint32_t b_fixed, uint32_t work_per_row, uint32_t stats,
                uint32_t params) {
  const unsigned nb = kq_buffer_sets(ctx, j->layer);
  const uint32_t per_set = ctx->tiles_size / nb;
  const uint32_t most = nb > 1 ? (j->rows + 3) / 4 : j->rows;
  const uint32_t out_per_row = j->cols * j->eout;
  uint32_t band = 0;
  uint64_t set_bytes = 0;
  for (uint32_t r = 1; r <= most; ++r) {
    const uint64_t need = (uint64_t)kq_align64(r * a_bytes_per_row) +
                          kq_align64(r * b_bytes_per_row + b_fixed) +
                          2ull * kq_align64(r * work_per_row) + 2ull * kq_align64(r * stats) +
                          kq_align64(params) + kq_align64(r * out_per_row);
    if (need > per_set) break;
    band = r;
    set_bytes = need;
  }
  if (band == 0) return 0;
  j->band = band;
  /* The sets side by side from this layer's end of the window: its
   * footprint, which the next layer's weights may load beside. */
  const uint32_t used = nb * (uint32_t)set_bytes;
  const uint32_t base = kq_parity == 0 ? ctx->tiles : ctx->tiles + ctx->tiles_size - used;
  kq_footprint_clear();
  kq_footprint_add(base, base + used);
  for (unsigned b = 0; b < nb; ++b) {
    uint32_t at = base + b * (uint32_t)set_bytes;
    j->in_a[b] = at, at += kq_align64(band * a_bytes_per_row);
    j->in_b[b] = at, at += kq_align64(band * b_bytes_per_row + b_fixed);
    j->wa[b] = at, at += kq_align64(band * work_per_row);
    j->wb[b] = at, at += kq_align64(band * work_per_row);
    j->stat1[b] = at, at += kq_align64(band * stats);
    j->stat2[b] = at, at += kq_align64(band * stats);
    j->par[b] = at, at += kq_align64(params);
    j->out_buf[b] = at;
  }
  return 1;
}

static rows_job job(const vtpu_context* ctx, const vtpu_layer* layer, uint32_t rows, uint32_t cols,
                    uint8_t in_type, uint8_t out_type, uint64_t in, uint64_t out) {
  rows_job j = {0};
  j.layer = layer;
  j.rows = rows;
  j.cols = cols;
  j.in_type = in_type;
  j.out_type = out_type;
  j.ein = vtpu_type_size(in_type);
  j.eout = vtpu_type_size(out_type);
  j.a = vtpu_address(ctx, in);
  j.out = vtpu_address(ctx, out);
  /* In place when resident; not an fp32 input, which the kernels compute on
   * where it lies, nor an fp32 output, which the host reads. */
  j.a_direct = in_type != VTPU_TYPE_FP32 && kq_in_vmem(ctx, j.a);
  j.out_direct = out_type != VTPU_TYPE_FP32 && kq_in_vmem(ctx, j.out);
  return j;
}

int vtpu_kernel_elementwise(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_layer_elementwise* l = &layer->u.elementwise;
  const uint8_t op = layer->op;
  const int binary_op = op <= VTPU_VPU_MIN;
  const int unary_op = op >= VTPU_VPU_UNARY_FIRST && op <= VTPU_VPU_UNARY_LAST;
  if (!(binary_op || unary_op || op == VTPU_VPU_CONVERT) || !valid_type(l->in_type) ||
      !valid_type(l->out_type) || l->b_mode > VTPU_BCAST_SCALAR)
    return -(int)VTPU_BAD_KIND;
  if (l->rows == 0 || l->cols == 0) return -(int)VTPU_BAD_SHAPE;
  rows_job j = job(ctx, layer, l->rows, l->cols, l->in_type, l->out_type, l->a, l->out);
  j.b = vtpu_address(ctx, l->b);
  j.b_direct = binary_op && l->b_mode != VTPU_BCAST_SCALAR && kq_in_vmem(ctx, j.b);
  if (binary_op && l->b_mode == VTPU_BCAST_NONE) j.b_row_elems = l->cols;
  if (binary_op && l->b_mode == VTPU_BCAST_COL) j.b_row_elems = 1;
  if (binary_op && l->b_mode == VTPU_BCAST_ROW) j.b_fixed_elems = l->cols;
  /* One type in and out: one VPU instruction in that type per band, no fp32
   * work areas (int8: the int8 form of a binary operation; bf16: binary and
   * unary operations, computed in fp32 and rounded once, as the widening
   * passes would). */
  const int int8_binary =
      binary_op && l->in_type == VTPU_TYPE_INT8 && l->out_type == VTPU_TYPE_INT8;
  j.one_pass = int8_binary || ((binary_op || unary_op) && l->in_type == VTPU_TYPE_BF16 &&
                               l->out_type == VTPU_TYPE_BF16);
  if ((layer->flags & VTPU_LAYER_RELU) && l->out_type != VTPU_TYPE_BF16)
    return -(int)VTPU_BAD_KIND; /* a fused ReLU is bf16's */
  const uint32_t b_fixed = j.b_fixed_elems * (j.one_pass ? j.ein : 4);
  if (!plan(ctx, &j, j.cols * j.ein, j.b_row_elems * j.ein, b_fixed, j.one_pass ? 0 : 4 * j.cols, 0,
            int8_binary ? sizeof(vtpu_vpu_qparams) : 0))
    return -(int)VTPU_BAD_FIT;
  kq_begin();
  if (int8_binary) {
    /* One copy per parity: the layer before may still be reading its own. */
    static vtpu_vpu_qparams qs[KQ_SLOTS] __attribute__((aligned(64)));
    vtpu_vpu_qparams* q = &qs[kq_slot];
    *q = (vtpu_vpu_qparams){l->a_scale,      l->a_zero_point, l->b_scale,
                            l->b_zero_point, l->out_scale,    l->out_zero_point};
    kq_dma2d((uintptr_t)q, j.par[0], sizeof *q, 1, 0, 0, NO_SEM, NO_SEM);
  }
  kq_pipeline((j.rows + j.band - 1) / j.band, kq_buffer_sets(ctx, layer), load, compute_elementwise,
              store, &j);
  return kq_end();
}

int vtpu_kernel_rowwise(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_layer_rowwise* l = &layer->u.rowwise;
  if (!valid_type(l->in_type) || !valid_type(l->out_type)) return -(int)VTPU_BAD_KIND;
  if (l->rows == 0 || l->cols == 0) return -(int)VTPU_BAD_SHAPE;
  rows_job j = job(ctx, layer, l->rows, l->cols, l->in_type, l->out_type, l->in, l->out);
  const int norm = layer->kind == VTPU_LAYER_LAYERNORM;
  if (norm) {
    j.gamma = ctx->hbm + l->gamma;
    j.beta = ctx->hbm + l->beta;
  }
  const uint32_t params = norm ? 2 * kq_align64(4 * j.cols) : 0;
  if (!plan(ctx, &j, j.cols * j.ein, 0, 0, 4 * j.cols, 4, params)) return -(int)VTPU_BAD_FIT;
  kq_begin();
  kq_pipeline((j.rows + j.band - 1) / j.band, kq_buffer_sets(ctx, layer), load,
              norm ? compute_layernorm : compute_softmax, store, &j);
  return kq_end();
}
