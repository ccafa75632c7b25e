/* CONV2D as matmuls (docs/firmware.md): per image, the input is padded into
 * scratch (FILL with the pad value, then the image into the interior), each
 * group's im2col rows are gathered by DMA into scratch, and the matmul
 * pipeline multiplies them by the group's weights into the group's output
 * channels. Everything goes through the DMA queue in order, so the next
 * image's padding waits for this one's loads, while the MXU and VPU of one
 * group overlap the gathering of the next. A 1 x 1, stride-1, unpadded,
 * ungrouped convolution is a matmul on the input itself. */
#include "queue.h"

int vtpu_kernel_conv2d(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_layer_conv2d* l = &layer->u.conv2d;
  if (layer->dtype != VTPU_TYPE_INT8 && layer->dtype != VTPU_TYPE_BF16) return -(int)VTPU_BAD_KIND;
  if (l->n == 0 || l->h == 0 || l->w == 0 || l->cin == 0 || l->cout == 0 || l->groups == 0 ||
      l->kh == 0 || l->kw == 0 || l->sy == 0 || l->sx == 0 || l->dil_y == 0 || l->dil_x == 0 ||
      l->cin % l->groups != 0 || l->cout % l->groups != 0)
    return -(int)VTPU_BAD_SHAPE;
  const uint32_t e = kq_type_bytes(layer->dtype);
  const uint32_t hp = l->h + l->pad_top + l->pad_bottom, wp = l->w + l->pad_left + l->pad_right;
  const uint32_t span_y = (uint32_t)l->dil_y * (l->kh - 1u) + 1u;
  const uint32_t span_x = (uint32_t)l->dil_x * (l->kw - 1u) + 1u;
  if (span_y > hp || span_x > wp) return -(int)VTPU_BAD_SHAPE;
  const uint32_t oh = (hp - span_y) / l->sy + 1, ow = (wp - span_x) / l->sx + 1;
  const uint32_t cg = l->cin / l->groups, og = l->cout / l->groups;
  const uint32_t k = (uint32_t)l->kh * l->kw * cg;
  const int padded = hp != l->h || wp != l->w;
  const int direct =
      !padded && l->kh == 1 && l->kw == 1 && l->sy == 1 && l->sx == 1 && l->groups == 1;

  /* Scratch: the padded image, then one group's im2col matrix. */
  const uint64_t pad_bytes = padded ? (uint64_t)hp * wp * l->cin * e : 0;
  const uint64_t cols_bytes = direct ? 0 : (uint64_t)oh * ow * k * e;
  if (kq_align64(pad_bytes) + cols_bytes > ctx->scratch_size) return -(int)VTPU_BAD_SCRATCH;
  const uint64_t padded_at = ctx->scratch, cols_at = ctx->scratch + kq_align64(pad_bytes);
  const uint32_t pattern =
      e == 1 ? 0x01010101u * (uint8_t)l->pad_value : 0x00010001u * (uint16_t)l->pad_value;
  const uint32_t pixel = l->cin * e, line = wp * pixel; /* bytes in the padded image */

  kq_begin();
  kq_matmul_reset();
  kq_matmul job = {0};
  job.m = oh * ow;
  job.k = k;
  job.n = og;
  job.lda = k * e;
  job.ldb = og * e;
  job.ldc = l->cout * e;
  job.dtype = layer->dtype;
  job.relu = (layer->flags & VTPU_LAYER_RELU) != 0;
  job.zero_point = l->zero_point;
  for (uint32_t n = 0; n < l->n; ++n) {
    const uint64_t image = ctx->hbm + l->in + (uint64_t)n * l->h * l->w * pixel;
    uint64_t src = image;
    if (padded) {
      kq_fill(padded_at, (uint32_t)pad_bytes, pattern);
      kq_dma2d(image, padded_at + (uint64_t)l->pad_top * line + (uint64_t)l->pad_left * pixel,
               l->w * pixel, l->h, l->w * pixel, line, NO_SEM, NO_SEM);
      src = padded_at;
    }
    for (uint32_t g = 0; g < l->groups; ++g) {
      const uint64_t base = src + (uint64_t)g * cg * e;
      if (direct) {
        job.a = base;
        job.lda = pixel;
      } else if (l->groups == 1 && l->dil_x == 1) {
        /* One copy: a row of kw pixels is contiguous. */
        vtpu_dma_desc* d = kq_dma(base, cols_at, NO_SEM, NO_SEM);
        d->size[0] = l->kw * pixel;
        d->size[1] = l->kh, d->src_stride[0] = l->dil_y * line, d->dst_stride[0] = l->kw * pixel;
        d->size[2] = ow, d->src_stride[1] = l->sx * pixel, d->dst_stride[1] = k * e;
        d->size[3] = oh, d->src_stride[2] = l->sy * line, d->dst_stride[2] = ow * k * e;
        job.a = cols_at;
      } else {
        for (uint32_t oy = 0; oy < oh; ++oy) {
          vtpu_dma_desc* d = kq_dma(base + (uint64_t)oy * l->sy * line,
                                    cols_at + (uint64_t)oy * ow * k * e, NO_SEM, NO_SEM);
          d->size[0] = cg * e;
          d->size[1] = l->kw, d->src_stride[0] = l->dil_x * pixel, d->dst_stride[0] = cg * e;
          d->size[2] = l->kh, d->src_stride[1] = l->dil_y * line, d->dst_stride[1] = l->kw * cg * e;
          d->size[3] = ow, d->src_stride[2] = l->sx * pixel, d->dst_stride[2] = k * e;
        }
        job.a = cols_at;
      }
      job.b = ctx->hbm + l->weights + (uint64_t)g * k * og * e;
      job.c = ctx->hbm + l->out + ((uint64_t)n * oh * ow * l->cout + (uint64_t)g * og) * e;
      job.bias = (layer->flags & VTPU_LAYER_BIAS) ? ctx->hbm + l->bias + 4ull * g * og : 0;
      job.scales = ctx->hbm + l->scales + 4ull * g * og;
      const int status = kq_matmul_emit(ctx, &job);
      if (status != 0) return status;
    }
  }
  return kq_finish(ctx);
}
