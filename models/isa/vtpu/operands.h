/* The HBM bytes a layer's operands span, from its fields alone
 * (docs/runtime.md, "Errors"). The firmware refuses a layer with an operand
 * outside the model image (VTPU_BAD_OPERAND) before it issues anything; the
 * host's reference (sw/runtime/reference.cpp) checks the same extents with
 * its own code, and kernels.operand_spans holds the two to each other on
 * random layers of every kind. C and C++; any field values are safe (no
 * division by 0, no overflow: sizes saturate). */
#ifndef VTPU_OPERANDS_H
#define VTPU_OPERANDS_H

#include <stdint.h>

#include "isa.h"   /* vtpu_type_size, VTPU_BCAST_*, VTPU_VPU_*, vtpu_vpu_qparams */
#include "model.h" /* vtpu_layer */

typedef struct vtpu_operand_span {
  uint64_t offset, bytes;
  const char* field; /* "matmul.a", as the host's messages name it */
  uint32_t at;       /* where the offset field lies in vtpu_layer (bytes) */
} vtpu_operand_span;

#define VTPU_MAX_OPERAND_SPANS 8u

/* Saturating: a span that would wrap lies outside any image. No division
 * (a 64-bit one is a library call of a hundred cycles on the RV32 core). */
static inline uint64_t vtpu_span_mul(uint64_t a, uint64_t b) {
  if (((a | b) >> 32) == 0) return (uint64_t)(uint32_t)a * (uint32_t)b; /* mul, mulhu */
  uint64_t product;
  return __builtin_mul_overflow(a, b, &product) ? UINT64_MAX : product;
}
static inline uint64_t vtpu_span_add(uint64_t a, uint64_t b) {
  uint64_t sum;
  return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

/* Output rows or columns of a window over a padded axis; 0 when the window
 * does not fit or a field is 0 (the kernels refuse those). */
static inline uint64_t vtpu_window_out(uint64_t in, uint64_t before, uint64_t after,
                                       uint64_t window, uint64_t dilation, uint64_t stride) {
  if (window == 0 || dilation == 0 || stride == 0) return 0;
  const uint64_t padded = in + before + after, span = dilation * (window - 1) + 1;
  if (padded < span) return 0;
  const uint64_t step = padded - span; /* a 32-bit division on the RV32 core when it fits */
  return 1 + (step <= 0xffffffffu && stride <= 0xffffffffu ? (uint32_t)step / (uint32_t)stride
                                                           : step / stride);
}

/* Weights stored as `format` (vtpu/model.h): `groups` matrices of k x n
 * `size`-byte elements (int4: nibbles), and a 2:4 matrix's positions. */
static inline uint64_t vtpu_weights_span(uint32_t format, uint64_t groups, uint64_t k, uint64_t n,
                                         uint64_t size) {
  if ((k | n) >> 32) return UINT64_MAX; /* the helpers are 32-bit */
  const uint64_t one = vtpu_span_mul(vtpu_weights_rows(format, (uint32_t)k),
                                     vtpu_weights_row_bytes(format, (uint32_t)n));
  return vtpu_span_mul(vtpu_span_mul(one, size), groups);
}
static inline uint64_t vtpu_weights_meta_span(uint64_t groups, uint64_t k, uint64_t n) {
  if ((k | n) >> 32) return UINT64_MAX;
  return vtpu_span_mul(vtpu_span_mul(vtpu_weights_groups((uint32_t)k),
                                     vtpu_weights_row_bytes(VTPU_WEIGHTS_INT4, (uint32_t)n)),
                       groups);
}

/* The layer's operands (vtpu_layer_spans) or the first one outside an image
 * of `image` bytes (vtpu_layer_outside): one walk over the fields for both,
 * so the firmware's check and the test's list cannot differ. `stop`: keep
 * only the first span outside the image, in s[0], and return 1 (0 when all
 * are inside); else keep every span and return how many. */
static inline uint32_t vtpu_layer_walk(const vtpu_layer* l, vtpu_operand_span* s, uint64_t image,
                                       int stop) {
  uint32_t n = 0;
  const uint64_t size = vtpu_type_size(l->dtype);
  const int residual = (l->flags & VTPU_LAYER_RESIDUAL) != 0;
  const int int8 = l->dtype == VTPU_TYPE_INT8;
#define VTPU_SPAN(member, count, name)                                   \
  do {                                                                   \
    const uint64_t at_ = (member), bytes_ = (count);                     \
    const int outside_ = bytes_ > image || at_ > image - bytes_;         \
    if (!stop || outside_) {                                             \
      vtpu_operand_span* span_ = &s[stop ? 0 : n];                       \
      span_->offset = at_, span_->bytes = bytes_, span_->field = (name); \
      span_->at = (uint32_t)((const char*)&(member) - (const char*)l);   \
      if (stop) return 1;                                                \
      ++n;                                                               \
    }                                                                    \
  } while (0)
  switch (l->kind) {
    case VTPU_LAYER_MATMUL: {
      const vtpu_layer_matmul* x = &l->u.matmul;
      if (x->batch == 0) return 0;
      const uint64_t more = x->batch - 1;
      const uint64_t a = vtpu_span_mul(vtpu_span_mul(x->m, x->k), size);
      const uint64_t b = vtpu_weights_span(x->weights_format, 1, x->k, x->n, size);
      const uint64_t c = vtpu_span_mul(vtpu_span_mul(x->m, x->n), size);
      const uint64_t c_all = vtpu_span_add(vtpu_span_mul(more, x->c_batch_stride), c);
      VTPU_SPAN(x->a, vtpu_span_add(vtpu_span_mul(more, x->a_batch_stride), a), "matmul.a");
      VTPU_SPAN(x->b, vtpu_span_add(vtpu_span_mul(more, x->b_batch_stride), b), "matmul.b");
      VTPU_SPAN(x->c, c_all, "matmul.c");
      if (l->flags & VTPU_LAYER_BIAS) VTPU_SPAN(x->bias, vtpu_span_mul(x->n, 4), "matmul.bias");
      if (int8) VTPU_SPAN(x->scales, vtpu_span_mul(x->n, 4), "matmul.scales");
      if (residual) VTPU_SPAN(x->residual, c_all, "matmul.residual");
      if (residual && int8)
        VTPU_SPAN(x->residual_params, sizeof(vtpu_vpu_qparams), "matmul.residual_params");
      if (x->weights_format == VTPU_WEIGHTS_SPARSE_2_4)
        VTPU_SPAN(x->meta, vtpu_weights_meta_span(1, x->k, x->n), "matmul.meta");
      break;
    }
    case VTPU_LAYER_CONV2D: {
      const vtpu_layer_conv2d* x = &l->u.conv2d;
      const uint64_t oh = vtpu_window_out(x->h, x->pad_top, x->pad_bottom, x->kh, x->dil_y, x->sy);
      const uint64_t ow = vtpu_window_out(x->w, x->pad_left, x->pad_right, x->kw, x->dil_x, x->sx);
      if (x->groups == 0 || x->cin % x->groups != 0 || x->cout % x->groups != 0) return 0;
      const uint64_t k = vtpu_span_mul((uint64_t)x->kh * x->kw, x->cin / x->groups);
      const uint64_t out =
          vtpu_span_mul(vtpu_span_mul(vtpu_span_mul(x->n, vtpu_span_mul(oh, ow)), x->cout), size);
      VTPU_SPAN(
          x->in,
          vtpu_span_mul(vtpu_span_mul(vtpu_span_mul(x->n, x->h), (uint64_t)x->w * x->cin), size),
          "conv2d.in");
      const uint64_t og = x->cout / x->groups;
      VTPU_SPAN(x->weights, vtpu_weights_span(x->weights_format, x->groups, k, og, size),
                "conv2d.weights");
      VTPU_SPAN(x->out, out, "conv2d.out");
      if (l->flags & VTPU_LAYER_BIAS) VTPU_SPAN(x->bias, vtpu_span_mul(x->cout, 4), "conv2d.bias");
      if (int8) VTPU_SPAN(x->scales, vtpu_span_mul(x->cout, 4), "conv2d.scales");
      if (residual) VTPU_SPAN(x->residual, out, "conv2d.residual");
      if (residual && int8)
        VTPU_SPAN(x->residual_params, sizeof(vtpu_vpu_qparams), "conv2d.residual_params");
      if (x->weights_format == VTPU_WEIGHTS_SPARSE_2_4)
        VTPU_SPAN(x->meta, vtpu_weights_meta_span(x->groups, k, og), "conv2d.meta");
      break;
    }
    case VTPU_LAYER_POOL: {
      const vtpu_layer_pool* x = &l->u.pool;
      const uint64_t oh = vtpu_window_out(x->h, x->pad_top, x->pad_bottom, x->kh, 1, x->sy);
      const uint64_t ow = vtpu_window_out(x->w, x->pad_left, x->pad_right, x->kw, 1, x->sx);
      VTPU_SPAN(
          x->in,
          vtpu_span_mul(vtpu_span_mul(vtpu_span_mul(x->n, x->h), (uint64_t)x->w * x->c), size),
          "pool.in");
      VTPU_SPAN(
          x->out,
          vtpu_span_mul(vtpu_span_mul(vtpu_span_mul(x->n, oh), vtpu_span_mul(ow, x->c)), size),
          "pool.out");
      break;
    }
    case VTPU_LAYER_ELEMENTWISE: {
      const vtpu_layer_elementwise* x = &l->u.elementwise;
      const uint64_t count = (uint64_t)x->rows * x->cols;
      const uint64_t in = vtpu_type_size(x->in_type);
      VTPU_SPAN(x->a, vtpu_span_mul(count, in), "elementwise.a");
      if (l->op <= VTPU_VPU_MIN && x->b_mode < VTPU_BCAST_SCALAR) {
        const uint64_t b = x->b_mode == VTPU_BCAST_NONE  ? count
                           : x->b_mode == VTPU_BCAST_ROW ? x->cols
                                                         : x->rows;
        VTPU_SPAN(x->b, vtpu_span_mul(b, in), "elementwise.b");
      }
      VTPU_SPAN(x->out, vtpu_span_mul(count, vtpu_type_size(x->out_type)), "elementwise.out");
      break;
    }
    case VTPU_LAYER_SOFTMAX:
    case VTPU_LAYER_LAYERNORM: {
      const vtpu_layer_rowwise* x = &l->u.rowwise;
      const uint64_t count = (uint64_t)x->rows * x->cols;
      VTPU_SPAN(x->in, vtpu_span_mul(count, vtpu_type_size(x->in_type)), "rowwise.in");
      VTPU_SPAN(x->out, vtpu_span_mul(count, vtpu_type_size(x->out_type)), "rowwise.out");
      if (l->kind == VTPU_LAYER_LAYERNORM) {
        VTPU_SPAN(x->gamma, (uint64_t)x->cols * 4, "rowwise.gamma");
        VTPU_SPAN(x->beta, (uint64_t)x->cols * 4, "rowwise.beta");
      }
      break;
    }
    case VTPU_LAYER_COPY: {
      const vtpu_dma_desc* x = &l->u.copy.desc;
      if (!x->size[1] || !x->size[2] || !x->size[3]) return 0;
      uint64_t src = x->size[0], dst = x->size[0];
      for (unsigned i = 0; i < 3; ++i) {
        src = vtpu_span_add(src, vtpu_span_mul(x->size[i + 1] - 1, x->src_stride[i]));
        dst = vtpu_span_add(dst, vtpu_span_mul(x->size[i + 1] - 1, x->dst_stride[i]));
      }
      VTPU_SPAN(x->src, src, "copy.src");
      VTPU_SPAN(x->dst, dst, "copy.dst");
      break;
    }
    case VTPU_LAYER_FILL: VTPU_SPAN(l->u.fill.dst, l->u.fill.bytes, "fill.dst"); break;
    default: break;
  }
#undef VTPU_SPAN
  return stop ? 0 : n;
}

/* Fills `s` (VTPU_MAX_OPERAND_SPANS entries) with the layer's operands;
 * returns how many. A field the kernels refuse anyway (a zero size, an
 * unknown kind) gives no span for what depends on it. */
static inline uint32_t vtpu_layer_spans(const vtpu_layer* l, vtpu_operand_span* s) {
  return vtpu_layer_walk(l, s, UINT64_MAX, 0);
}

/* The first operand of the layer that is not inside an image of `image_bytes`
 * bytes (HBM offsets 0 to image_bytes), kept in *span; 0 when all are. */
static inline const vtpu_operand_span* vtpu_layer_outside(const vtpu_layer* l, uint64_t image_bytes,
                                                          vtpu_operand_span* span) {
  return vtpu_layer_walk(l, span, image_bytes, 1) ? span : 0;
}

#endif /* VTPU_OPERANDS_H */
