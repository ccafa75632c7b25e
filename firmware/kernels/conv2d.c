/* CONV2D as matmuls with implicit im2col (docs/firmware.md): the batch is
 * part of M (one row of A per output pixel of every image), so each group's
 * weights stream once per layer whatever the batch; each tile of A is
 * gathered by DMA straight from the NHWC images into VMEM (no im2col matrix
 * is written anywhere). A padded input is first copied once into scratch
 * with its border (FILL with the pad value, then the images into the
 * interior); the gathers read that (an unpadded input whose windows overlap
 * is copied likewise, without the border). A 1 x 1, stride-1, unpadded,
 * ungrouped convolution is a matmul on the input itself. */
#include "queue.h"

int vtpu_kernel_conv2d(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_layer_conv2d* l = &layer->u.conv2d;
  if (layer->dtype != VTPU_TYPE_INT8 && layer->dtype != VTPU_TYPE_BF16) return -(int)VTPU_BAD_KIND;
  if (l->n == 0 || l->h == 0 || l->w == 0 || l->cin == 0 || l->cout == 0 || l->groups == 0 ||
      l->kh == 0 || l->kw == 0 || l->sy == 0 || l->sx == 0 || l->dil_y == 0 || l->dil_x == 0 ||
      l->cin % l->groups != 0 || l->cout % l->groups != 0)
    return -(int)VTPU_BAD_SHAPE;
  if (!kq_weights_format_ok(layer->dtype, l->weights_format) ||
      !vtpu_layer_dataflow_ok(layer->dtype, l->dataflow))
    return -(int)VTPU_BAD_KIND;
  const uint32_t e = vtpu_type_size(layer->dtype);
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
  const uint64_t m = (uint64_t)l->n * oh * ow;
  if (m > 0xffffffffu) return -(int)VTPU_BAD_SHAPE;

  const uint32_t pixel = l->cin * e, line = wp * pixel; /* bytes in the padded image */
  const uint64_t image_bytes = (uint64_t)hp * line;
  if (image_bytes > 0xffffffffu) return -(int)VTPU_BAD_SCRATCH;
  const kq_padding padding = {
      l->n, l->h, l->w, pixel, hp, wp, l->pad_top, l->pad_left, kq_pattern(e, l->pad_value)};
  kq_footprint_clear(); /* what the padding and the products lay out */
  /* The padded images, when they go into VMEM, take their part of the
   * tile window for this layer (given back at its end; a copy of the
   * context cost the core 200 cycles a layer). */
  const uint32_t tiles = ctx->tiles, tiles_size = ctx->tiles_size;
  uint64_t src = vtpu_address(ctx, l->in);
  /* An unpadded input outside VMEM whose windows overlap (kh kw > sy sx:
   * each byte is gathered more than once) is copied into VMEM first when it
   * fits there (kq_padded_in_vmem()): the gathers then read VMEM, not DRAM. */
  const int staged = !padded && !direct && !kq_in_vmem(ctx, src) &&
                     (uint32_t)l->kh * l->kw > (uint32_t)l->sy * l->sx &&
                     kq_padded_in_vmem(ctx, &padding);
  const uint64_t pad_at = padded || staged ? kq_padded_area(ctx, &padding) : 0;
  if (padded && pad_at == 0) return -(int)VTPU_BAD_SCRATCH;

  kq_begin();
  /* Ungrouped, the product pads all images but the first (with A in
   * place, each before its own MATMULs). */
  const uint64_t unpadded = src;
  if (padded || staged) {
    if (l->groups > 1) {
      kq_pad_images(src, pad_at, &padding);
    } else {
      kq_pad_border(pad_at, &padding, 0);
      kq_pad_rows(src, pad_at, &padding, 0, 0, l->h);
    }
    src = pad_at;
  }
  kq_window window;
  window.image_bytes = (uint32_t)image_bytes;
  window.line = line;
  window.pixel = pixel;
  window.group_bytes = cg * e;
  window.oh = oh, window.ow = ow;
  window.kh = l->kh, window.kw = l->kw, window.sy = l->sy, window.sx = l->sx;
  window.dil_y = l->dil_y, window.dil_x = l->dil_x;

  kq_matmul job = {0};
  job.m = (uint32_t)m;
  job.k = k;
  job.n = og;
  const uint8_t format = l->weights_format;
  job.weights_format = format;
  job.dataflow = kq_dataflow(ctx, l->dataflow);
  job.ldb = vtpu_weights_row_bytes(format, og) * e;
  /* One group's stored weights and positions (vtpu/model.h). */
  const uint64_t group_weights = (uint64_t)vtpu_weights_rows(format, k) * job.ldb;
  const uint64_t group_meta =
      format == VTPU_WEIGHTS_SPARSE_2_4 ? vtpu_weights_groups(k) * ((og + 1) / 2) : 0;
  job.ldc = l->cout * e;
  job.dtype = layer->dtype;
  job.relu = (layer->flags & VTPU_LAYER_RELU) != 0;
  job.buffer_sets = kq_buffer_sets(ctx, layer);
  job.zero_point = l->zero_point;
  job.single = l->groups == 1;
  job.b_constant = 1; /* a convolution's weights */
  job.residual_params = ctx->hbm + l->residual_params;
  job.residual_relu = (layer->flags & VTPU_LAYER_RESIDUAL_RELU) != 0;
  if ((padded || staged) && l->groups == 1) {
    job.padding = &padding;
    job.pad_src = unpadded;
    job.padded = 1; /* image 0, above */
  }
  for (uint32_t g = 0; g < l->groups; ++g) {
    if (direct) {
      job.a = src;
      job.lda = pixel;
    } else {
      window.origin = src + (uint64_t)g * cg * e;
      job.window = &window;
    }
    job.b = vtpu_constant(ctx, l->weights + g * group_weights);
    job.meta = ctx->hbm + l->meta + g * group_meta;
    job.c = vtpu_address(ctx, l->out) + (uint64_t)g * og * e;
    job.bias = (layer->flags & VTPU_LAYER_BIAS) ? vtpu_constant(ctx, l->bias + 4ull * g * og) : 0;
    job.scales = vtpu_constant(ctx, l->scales + 4ull * g * og);
    if (layer->flags & VTPU_LAYER_RESIDUAL)
      job.residual = vtpu_address(ctx, l->residual) + (uint64_t)g * og * e;
    const int status = kq_matmul_emit(ctx, &job);
    if (status != 0) {
      ctx->tiles = tiles, ctx->tiles_size = tiles_size;
      return status;
    }
  }
  ctx->tiles = tiles, ctx->tiles_size = tiles_size;
  return kq_end();
}
