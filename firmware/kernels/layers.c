/* One entry per layer kind (vtpu/model.h), and the data-movement kinds. */
#include <stdio.h>

#include "queue.h"
#include "vtpu/operands.h"

int vtpu_kernel_matmul(vtpu_context* ctx, const vtpu_layer* layer);
int vtpu_kernel_conv2d(vtpu_context* ctx, const vtpu_layer* layer);
int vtpu_kernel_pool(vtpu_context* ctx, const vtpu_layer* layer);
int vtpu_kernel_elementwise(vtpu_context* ctx, const vtpu_layer* layer);
int vtpu_kernel_rowwise(vtpu_context* ctx, const vtpu_layer* layer);

/* COPY: the layer's descriptor, moved from HBM offsets to bus addresses. */
static int copy(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_dma_desc* d = &layer->u.copy.desc;
  for (unsigned i = 0; i < 4; ++i)
    if (d->size[i] == 0) return -(int)VTPU_BAD_SHAPE;
  kq_begin();
  vtpu_dma_desc* insn = kq_dma(0, 0, NO_SEM, NO_SEM);
  *insn = *d;
  insn->src = vtpu_address(ctx, d->src);
  insn->dst = vtpu_address(ctx, d->dst);
  return kq_end();
}

static int fill(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_layer_fill* f = &layer->u.fill;
  if (f->bytes == 0) return -(int)VTPU_BAD_SHAPE;
  kq_begin();
  kq_fill(vtpu_address(ctx, f->dst), f->bytes, f->pattern);
  return kq_end();
}

/* Every operand inside the model image (header to the end of scratch):
 * a corrupt table is refused before anything of the layer is issued, not run
 * over other memory (docs/runtime.md, "Errors"). */
static int operands_inside(const vtpu_context* ctx, const vtpu_layer* layer) {
  vtpu_operand_span span;
  const uint64_t image = ctx->scratch - ctx->hbm + ctx->scratch_size;
  if (!vtpu_layer_outside(layer, image, &span)) return 1;
  printf("vtpu runtime: %s: %llu bytes at offset 0x%llx are outside the model image (%llu bytes)\n",
         span.field, (unsigned long long)span.bytes, (unsigned long long)span.offset,
         (unsigned long long)image);
  return 0;
}

int vtpu_run_layer(vtpu_context* ctx, const vtpu_layer* layer) {
  if (!operands_inside(ctx, layer)) return -(int)VTPU_BAD_OPERAND;
  kq_layer_start();
  /* Its held weights' pieces: the MXU takes their counts before the layer's
   * fence (they were released with earlier layers, so nothing of this one
   * holds them up). */
  for (uint32_t i = 0; i < vtpu_held_layer.waits; ++i) kq_nop(VTPU_QUEUE_MXU, KQ_SEM_HELD, NO_SEM);
  switch (layer->kind) {
    case VTPU_LAYER_MATMUL: return vtpu_kernel_matmul(ctx, layer);
    case VTPU_LAYER_CONV2D: return vtpu_kernel_conv2d(ctx, layer);
    case VTPU_LAYER_POOL: return vtpu_kernel_pool(ctx, layer);
    case VTPU_LAYER_ELEMENTWISE: return vtpu_kernel_elementwise(ctx, layer);
    case VTPU_LAYER_SOFTMAX:
    case VTPU_LAYER_LAYERNORM: return vtpu_kernel_rowwise(ctx, layer);
    case VTPU_LAYER_COPY: return copy(ctx, layer);
    case VTPU_LAYER_FILL: return fill(ctx, layer);
    default: return -(int)VTPU_BAD_KIND;
  }
}
