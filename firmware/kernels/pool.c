/* POOL (docs/firmware.md): the input, padded (into VMEM below the tiles
 * when it fits in half of their window, else into scratch) when the layer
 * has padding, streams through VMEM in bands of output rows (each band's
 * input rows, overlapping by the window's height); the VPU pools a band at a
 * time. An input or output in VMEM (padded there, or resident) is read or
 * written in place. */
#include "queue.h"

typedef struct pool_job {
  const vtpu_layer* layer;
  uint64_t src, dst;          /* bus addresses: (padded) input, output */
  uint32_t hp, wp, oh, ow;    /* padded input and output sizes */
  uint32_t band, bands;       /* output rows per tile, tiles per image */
  uint32_t in_line, out_line; /* bytes per image line */
  uint32_t in_buf[2], out_buf[2];
  int in_direct, out_direct; /* in VMEM: no DMA for them */
} pool_job;

/* A band's first input row and first output row, in place or buffered. */
static uint64_t band_in(const pool_job* j, uint32_t tile) {
  const uint32_t n = tile / j->bands, oy = (tile % j->bands) * j->band;
  return j->src + ((uint64_t)n * j->hp + (uint64_t)oy * j->layer->u.pool.sy) * j->in_line;
}
static uint64_t band_out(const pool_job* j, uint32_t tile) {
  const uint32_t n = tile / j->bands, oy = (tile % j->bands) * j->band;
  return j->dst + ((uint64_t)n * j->oh + oy) * j->out_line;
}

static uint32_t band_rows(const pool_job* j, uint32_t tile) {
  return kq_min(j->band, j->oh - (tile % j->bands) * j->band);
}

static uint32_t in_rows(const pool_job* j, uint32_t out_rows) {
  return (out_rows - 1) * j->layer->u.pool.sy + j->layer->u.pool.kh;
}

static void load(void* ctx, uint32_t tile, unsigned b) {
  const pool_job* j = ctx;
  if (j->in_direct) return;
  kq_dma2d(band_in(j, tile), j->in_buf[b], in_rows(j, band_rows(j, tile)) * j->in_line, 1, 0, 0,
           NO_SEM, NO_SEM);
}

static void compute(void* ctx, uint32_t tile, unsigned b) {
  const pool_job* j = ctx;
  const vtpu_layer_pool* l = &j->layer->u.pool;
  vtpu_insn_vpu* v =
      kq_vpu(j->layer->op, j->layer->dtype, j->layer->dtype, in_rows(j, band_rows(j, tile)), j->wp,
             j->in_direct ? (uint32_t)band_in(j, tile) : j->in_buf[b],
             j->out_direct ? (uint32_t)band_out(j, tile) : j->out_buf[b], NO_SEM, NO_SEM);
  v->a_stride = j->in_line;
  v->d_stride = j->out_line;
  v->channels = l->c;
  v->pool = VTPU_VPU_POOL(l->kh, l->kw, l->sy, l->sx);
  /* The band's share of the uncounted padding (rows: the top band's and the
   * bottom band's; columns: every band's). */
  const uint32_t y0 = (tile % j->bands) * j->band * l->sy, rows = in_rows(j, band_rows(j, tile));
  const uint32_t counted_end = j->hp - l->uncounted_bottom;
  const uint32_t top = l->uncounted_top > y0 ? l->uncounted_top - y0 : 0;
  const uint32_t bottom = y0 + rows > counted_end ? y0 + rows - counted_end : 0;
  v->uncounted = VTPU_VPU_EDGES(kq_min(top, rows), l->uncounted_left, kq_min(bottom, rows),
                                l->uncounted_right);
}

static void store(void* ctx, uint32_t tile, unsigned b) {
  const pool_job* j = ctx;
  if (j->out_direct) return;
  kq_dma2d(j->out_buf[b], band_out(j, tile), band_rows(j, tile) * j->out_line, 1, 0, 0, NO_SEM,
           NO_SEM);
}

int vtpu_kernel_pool(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_layer_pool* l = &layer->u.pool;
  if ((layer->dtype != VTPU_TYPE_INT8 && layer->dtype != VTPU_TYPE_BF16) ||
      (layer->op != VTPU_VPU_MAXPOOL && layer->op != VTPU_VPU_AVGPOOL))
    return -(int)VTPU_BAD_KIND;
  pool_job j = {0};
  j.layer = layer;
  j.hp = l->h + l->pad_top + l->pad_bottom;
  j.wp = l->w + l->pad_left + l->pad_right;
  if (l->n == 0 || l->h == 0 || l->w == 0 || l->c == 0 || l->kh == 0 || l->kw == 0 || l->sy == 0 ||
      l->sx == 0 || l->kh > j.hp || l->kw > j.wp || l->kh > 255 || l->kw > 255 || l->sy > 255 ||
      l->sx > 255)
    return -(int)VTPU_BAD_SHAPE;
  const uint32_t e = vtpu_type_size(layer->dtype);
  j.oh = (j.hp - l->kh) / l->sy + 1;
  j.ow = (j.wp - l->kw) / l->sx + 1;
  /* Uncounted padding: average only, inside the padding, at most 255 lines
   * (the VPU's field), every window keeping a tap. */
  const int uncounted =
      l->uncounted_top || l->uncounted_left || l->uncounted_bottom || l->uncounted_right;
  if (uncounted &&
      (layer->op != VTPU_VPU_AVGPOOL || l->uncounted_top > l->pad_top ||
       l->uncounted_left > l->pad_left || l->uncounted_bottom > l->pad_bottom ||
       l->uncounted_right > l->pad_right || l->uncounted_bottom > 255 || l->uncounted_right > 255 ||
       l->uncounted_top >= l->kh || l->uncounted_left >= l->kw ||
       (j.oh - 1) * l->sy >= j.hp - l->uncounted_bottom ||
       (j.ow - 1) * l->sx >= j.wp - l->uncounted_right))
    return -(int)VTPU_BAD_SHAPE;
  j.in_line = j.wp * l->c * e;
  j.out_line = j.ow * l->c * e;

  /* Max pools pad with the type's lowest value, average pools with pad_value. */
  const int padded = j.hp != l->h || j.wp != l->w;
  const kq_padding padding = {
      l->n,
      l->h,
      l->w,
      l->c * e,
      j.hp,
      j.wp,
      l->pad_top,
      l->pad_left,
      kq_pattern(e, layer->op == VTPU_VPU_MAXPOOL ? (e == 1 ? 0x80 : 0xff80) : l->pad_value)};
  vtpu_context tiles = *ctx; /* less the padded input when it goes into VMEM */
  const uint64_t pad_at = padded ? kq_padded_area(&tiles, &padding) : 0;
  if (padded && pad_at == 0) return -(int)VTPU_BAD_SCRATCH;
  const uint32_t window = tiles.tiles, window_size = tiles.tiles_size;

  /* The largest band whose input and output fit a buffer set; with two sets,
   * at least four bands per image when the image allows. */
  const unsigned nb = ctx->chip.double_buffering ? 2 : 1;
  const uint32_t per_set = (window_size / nb) & ~63u;
  uint32_t most = nb > 1 ? (j.oh + 3) / 4 : j.oh;
  for (j.band = 0; j.band < most; ++j.band) {
    const uint32_t r = j.band + 1;
    if (kq_align64(in_rows(&j, r) * j.in_line) + kq_align64(r * j.out_line) > per_set) break;
  }
  if (j.band == 0) return -(int)VTPU_BAD_FIT;
  j.bands = (j.oh + j.band - 1) / j.band;
  for (unsigned b = 0; b < nb; ++b) {
    j.in_buf[b] = window + b * per_set;
    j.out_buf[b] = j.in_buf[b] + kq_align64(in_rows(&j, j.band) * j.in_line);
  }

  j.src = padded ? pad_at : vtpu_address(ctx, l->in);
  j.dst = vtpu_address(ctx, l->out);
  j.in_direct = kq_in_vmem(ctx, j.src);
  j.out_direct = kq_in_vmem(ctx, j.dst);
  kq_begin();
  if (padded) kq_pad_images(vtpu_address(ctx, l->in), pad_at, &padding);
  kq_pipeline(l->n * j.bands, nb, load, compute, store, &j);
  return kq_end();
}
