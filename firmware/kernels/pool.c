/* POOL (docs/firmware.md): the input, padded (into VMEM below the tiles
 * when it is in VMEM and fits there, kq_padded_in_vmem()) when the layer has
 * padding, streams through VMEM in bands of output rows (each band's input
 * rows, overlapping by the window's height); the VPU pools a band at a time.
 * A padded input in HBM, or one that does not fit there, is padded band by
 * band as it is loaded (its border filled, its rows copied in), not copied
 * whole first. An
 * input or output in VMEM (padded there, or resident) is read or written in
 * place. When even one output row's window of every channel does not fit (a
 * global pool of a large image), the channels go in groups: DMA gathers a
 * group's channels of each pixel and scatters its results back. A padded
 * input in VMEM with its output there too (resident activations) is not
 * copied at all: the VPU pools each image's interior where it lies, and only
 * the border's windows are padded, in small strips (in_place_regions()). */
#include "queue.h"

/* Output pixels [oy0, oy1) x [ox0, ox1) of an image. */
typedef struct pool_region {
  uint32_t oy0, oy1, ox0, ox1;
} pool_region;

typedef struct pool_job {
  const vtpu_layer* layer;
  uint64_t src, dst;           /* bus addresses: (padded) input, output */
  uint32_t hp, wp, oh, ow;     /* padded input and output sizes */
  uint32_t band, bands;        /* output rows per tile, tiles per image */
  uint32_t group, groups;      /* channels per tile, tiles per band */
  uint32_t src_line, dst_line; /* bytes per image line of the input and output */
  uint32_t in_line, out_line;  /* bytes per line of a tile (buffered or in place) */
  uint32_t in_buf[2], out_buf[2];
  int in_direct, out_direct; /* in VMEM: no DMA for them */
  int band_padding;          /* src is the unpadded input; each band is padded as it loads */
  uint32_t pattern;          /* the padding's fill pattern */
  /* In place: a padded input and the output in VMEM. Each image's interior
   * (the outputs whose windows lie inside it, region[0]) reads the input
   * where it lies; the border's outputs (the other regions) go through small
   * padded strips. A tile is one region of one image. */
  int in_place;
  uint32_t regions;
  pool_region region[5];
} pool_job;

/* A tile: `rows` output rows from `oy` of one image, `chans` channels from `ch`. */
typedef struct pool_tile {
  uint32_t image, oy, rows, ch, chans;
} pool_tile;

static pool_tile tile_of(const pool_job* j, uint32_t tile) {
  const uint32_t band = tile / j->groups, g = tile % j->groups;
  pool_tile t;
  t.image = band / j->bands;
  t.oy = (band % j->bands) * j->band;
  t.rows = kq_min(j->band, j->oh - t.oy);
  t.ch = g * j->group;
  t.chans = kq_min(j->group, j->layer->u.pool.c - t.ch);
  return t;
}

static uint32_t esize(const pool_job* j) {
  return vtpu_type_size(j->layer->dtype);
}

/* A tile's first input and output element in the layer's tensors. */
static uint64_t tile_in(const pool_job* j, const pool_tile* t) {
  return j->src +
         ((uint64_t)t->image * j->hp + (uint64_t)t->oy * j->layer->u.pool.sy) * j->src_line +
         (uint64_t)t->ch * esize(j);
}
static uint64_t tile_out(const pool_job* j, const pool_tile* t) {
  return j->dst + ((uint64_t)t->image * j->oh + t->oy) * j->dst_line + (uint64_t)t->ch * esize(j);
}

static uint32_t in_rows(const pool_job* j, uint32_t out_rows) {
  return (out_rows - 1) * j->layer->u.pool.sy + j->layer->u.pool.kh;
}

/* A band's padded input rows into `buf` (band padding, all channels): the
 * rows and columns of the border filled, the image's rows copied into the
 * interior. */
static void pad_band(const pool_job* j, const pool_tile* t, uint32_t buf) {
  const vtpu_layer_pool* l = &j->layer->u.pool;
  const uint32_t pixel = l->c * esize(j), line = j->in_line, row = l->w * pixel;
  const uint32_t rows = in_rows(j, t->rows), y0 = t->oy * l->sy, y1 = y0 + rows;
  /* The band's rows on the image, [lo, hi) in padded coordinates. */
  const uint32_t lo = y0 > l->pad_top ? y0 : l->pad_top;
  const uint32_t hi = y1 < l->pad_top + l->h ? y1 : l->pad_top + l->h;
  if (hi <= lo) {
    kq_fill(buf, rows * line, j->pattern);
    return;
  }
  kq_fill(buf, (lo - y0) * line, j->pattern);
  kq_fill(buf + (hi - y0) * line, (y1 - hi) * line, j->pattern);
  const uint32_t at = buf + (lo - y0) * line;
  kq_fill_rows(at, l->pad_left * pixel, hi - lo, line, j->pattern);
  kq_fill_rows(at + (l->pad_left + l->w) * pixel, l->pad_right * pixel, hi - lo, line, j->pattern);
  const uint64_t image = j->src + (uint64_t)t->image * l->h * row;
  kq_dma2d(image + (uint64_t)(lo - l->pad_top) * row, at + l->pad_left * pixel, row, hi - lo, row,
           line, NO_SEM, NO_SEM);
}

/* A region's window of the padded image: rows [y0, y1), columns [x0, x1). */
typedef struct pool_window {
  uint32_t y0, y1, x0, x1;
} pool_window;

static pool_window window_of(const pool_job* j, const pool_region* g) {
  const vtpu_layer_pool* l = &j->layer->u.pool;
  return (pool_window){g->oy0 * l->sy, (g->oy1 - 1) * l->sy + l->kh, g->ox0 * l->sx,
                       (g->ox1 - 1) * l->sx + l->kw};
}

static uint32_t strip_bytes(const pool_job* j, const pool_region* g) {
  const pool_window w = window_of(j, g);
  return (w.y1 - w.y0) * (w.x1 - w.x0) * j->layer->u.pool.c * esize(j);
}

/* In place: a border region's window of image `image` into `buf`, its
 * lines packed: filled with the padding, then the image's part copied in. */
static void pad_strip(const pool_job* j, uint32_t image, const pool_region* g, uint32_t buf) {
  const vtpu_layer_pool* l = &j->layer->u.pool;
  const uint32_t pixel = l->c * esize(j), row = l->w * pixel;
  const pool_window w = window_of(j, g);
  const uint32_t line = (w.x1 - w.x0) * pixel;
  kq_fill(buf, (w.y1 - w.y0) * line, j->pattern);
  const uint32_t y0 = w.y0 > l->pad_top ? w.y0 : l->pad_top;
  const uint32_t y1 = kq_min(w.y1, l->pad_top + l->h);
  const uint32_t x0 = w.x0 > l->pad_left ? w.x0 : l->pad_left;
  const uint32_t x1 = kq_min(w.x1, l->pad_left + l->w);
  if (y1 > y0 && x1 > x0)
    kq_dma2d(j->src + ((uint64_t)image * l->h + y0 - l->pad_top) * row + (x0 - l->pad_left) * pixel,
             buf + (y0 - w.y0) * line + (x0 - w.x0) * pixel, (x1 - x0) * pixel, y1 - y0, row, line,
             NO_SEM, NO_SEM);
}

/* In place: the VPU's pool of one region. */
static void pool_region_of(const pool_job* j, uint32_t tile, unsigned b) {
  const vtpu_layer_pool* l = &j->layer->u.pool;
  const uint32_t image = tile / j->regions, r = tile % j->regions;
  const pool_region* g = &j->region[r];
  const uint32_t pixel = l->c * esize(j), row = l->w * pixel;
  const pool_window w = window_of(j, g);
  const uint32_t a = r == 0
                         ? (uint32_t)(j->src + ((uint64_t)image * l->h + w.y0 - l->pad_top) * row +
                                      (w.x0 - l->pad_left) * pixel)
                         : j->in_buf[b];
  const uint32_t d =
      (uint32_t)(j->dst + ((uint64_t)image * j->oh + g->oy0) * j->dst_line + g->ox0 * pixel);
  vtpu_insn_vpu* v = kq_vpu(j->layer->op, j->layer->dtype, j->layer->dtype, w.y1 - w.y0,
                            w.x1 - w.x0, a, d, NO_SEM, NO_SEM);
  v->a_stride = r == 0 ? row : (w.x1 - w.x0) * pixel;
  v->d_stride = j->dst_line;
  v->channels = l->c;
  v->pool = VTPU_VPU_POOL(l->kh, l->kw, l->sy, l->sx);
}

static void load(void* ctx, uint32_t tile, unsigned b) {
  const pool_job* j = ctx;
  if (j->in_place) {
    if (tile % j->regions != 0)
      pad_strip(j, tile / j->regions, &j->region[tile % j->regions], j->in_buf[b]);
    return;
  }
  if (j->in_direct) return;
  const pool_tile t = tile_of(j, tile);
  if (j->band_padding) {
    pad_band(j, &t, j->in_buf[b]);
    return;
  }
  const uint32_t rows = in_rows(j, t.rows), e = esize(j);
  if (j->groups == 1) {
    kq_dma2d(tile_in(j, &t), j->in_buf[b], rows * j->in_line, 1, 0, 0, NO_SEM, NO_SEM);
    return;
  }
  vtpu_dma_desc* d = kq_dma(tile_in(j, &t), j->in_buf[b], NO_SEM, NO_SEM);
  d->size[0] = t.chans * e, d->size[1] = j->wp, d->size[2] = rows;
  d->src_stride[0] = j->layer->u.pool.c * e, d->src_stride[1] = j->src_line;
  d->dst_stride[0] = t.chans * e, d->dst_stride[1] = j->in_line;
}

static void compute(void* ctx, uint32_t tile, unsigned b) {
  const pool_job* j = ctx;
  if (j->in_place) {
    pool_region_of(j, tile, b);
    return;
  }
  const vtpu_layer_pool* l = &j->layer->u.pool;
  const pool_tile t = tile_of(j, tile);
  const uint32_t rows = in_rows(j, t.rows);
  vtpu_insn_vpu* v =
      kq_vpu(j->layer->op, j->layer->dtype, j->layer->dtype, rows, j->wp,
             j->in_direct ? (uint32_t)tile_in(j, &t) : j->in_buf[b],
             j->out_direct ? (uint32_t)tile_out(j, &t) : j->out_buf[b], NO_SEM, NO_SEM);
  v->a_stride = j->in_line;
  v->d_stride = j->out_line;
  v->channels = t.chans;
  v->pool = VTPU_VPU_POOL(l->kh, l->kw, l->sy, l->sx);
  /* The band's share of the uncounted padding (rows: the top band's and the
   * bottom band's; columns: every band's). */
  const uint32_t y0 = t.oy * l->sy;
  const uint32_t counted_end = j->hp - l->uncounted_bottom;
  const uint32_t top = l->uncounted_top > y0 ? l->uncounted_top - y0 : 0;
  const uint32_t bottom = y0 + rows > counted_end ? y0 + rows - counted_end : 0;
  v->uncounted = VTPU_VPU_EDGES(kq_min(top, rows), l->uncounted_left, kq_min(bottom, rows),
                                l->uncounted_right);
}

static void store(void* ctx, uint32_t tile, unsigned b) {
  const pool_job* j = ctx;
  if (j->in_place || j->out_direct) return;
  const pool_tile t = tile_of(j, tile);
  const uint32_t e = esize(j);
  if (j->groups == 1) {
    kq_dma2d(j->out_buf[b], tile_out(j, &t), t.rows * j->out_line, 1, 0, 0, NO_SEM, NO_SEM);
    return;
  }
  vtpu_dma_desc* d = kq_dma(j->out_buf[b], tile_out(j, &t), NO_SEM, NO_SEM);
  d->size[0] = t.chans * e, d->size[1] = j->ow, d->size[2] = t.rows;
  d->src_stride[0] = t.chans * e, d->src_stride[1] = j->out_line;
  d->dst_stride[0] = j->layer->u.pool.c * e, d->dst_stride[1] = j->dst_line;
}

/* The most output rows per tile (up to `most`) whose input and output lines
 * of `group` channels fit `per_set` bytes; 0 if not one. */
static uint32_t band_for(const pool_job* j, uint32_t group, uint32_t most, uint32_t per_set) {
  const uint32_t e = esize(j), in_line = j->wp * group * e, out_line = j->ow * group * e;
  uint32_t band = 0;
  while (band < most) {
    const uint32_t r = band + 1;
    if (kq_align64(in_rows(j, r) * in_line) + kq_align64(r * out_line) > per_set) break;
    band = r;
  }
  return band;
}

/* Sets `j` up in place (pool_job) when its input and output lie in VMEM, the
 * image has an interior and each border region's strip fits a buffer set
 * of the tile window; else returns 0. */
static int in_place_regions(pool_job* j, const vtpu_context* ctx, unsigned nb) {
  const vtpu_layer_pool* l = &j->layer->u.pool;
  j->src = vtpu_address(ctx, l->in);
  j->dst = vtpu_address(ctx, l->out);
  if (!kq_in_vmem(ctx, j->src) || !kq_in_vmem(ctx, j->dst)) return 0;
  /* The interior: outputs [top, bottom) x [left, right), whose windows lie
   * inside the image. */
  const uint32_t top = kq_min((l->pad_top + l->sy - 1) / l->sy, j->oh);
  const uint32_t left = kq_min((l->pad_left + l->sx - 1) / l->sx, j->ow);
  const uint32_t bottom =
      l->pad_top + l->h >= l->kh ? kq_min((l->pad_top + l->h - l->kh) / l->sy + 1, j->oh) : 0;
  const uint32_t right =
      l->pad_left + l->w >= l->kw ? kq_min((l->pad_left + l->w - l->kw) / l->sx + 1, j->ow) : 0;
  if (top >= bottom || left >= right) return 0;
  const pool_region all[5] = {{top, bottom, left, right},
                              {0, top, 0, j->ow},
                              {bottom, j->oh, 0, j->ow},
                              {top, bottom, 0, left},
                              {top, bottom, right, j->ow}};
  const uint32_t per_set = (ctx->tiles_size / nb) & ~63u;
  j->regions = 0;
  for (unsigned r = 0; r < 5; ++r) {
    if (all[r].oy0 == all[r].oy1 || all[r].ox0 == all[r].ox1) continue;
    if (r > 0 && strip_bytes(j, &all[r]) > per_set) return 0;
    j->region[j->regions++] = all[r];
  }
  for (unsigned b = 0; b < nb; ++b) j->in_buf[b] = ctx->tiles + b * per_set;
  j->dst_line = j->ow * l->c * esize(j);
  j->in_place = 1;
  return 1;
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
  j.src_line = j.wp * l->c * e;
  j.dst_line = j.ow * l->c * e;

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
  j.pattern = padding.pattern;
  const unsigned nb = kq_buffer_sets(ctx, layer);
  if (padded && !uncounted && in_place_regions(&j, ctx, nb)) {
    kq_begin();
    kq_pipeline(l->n * j.regions, nb, load, compute, store, &j);
    return kq_end();
  }
  vtpu_context tiles = *ctx; /* less the padded input when it goes into VMEM */
  /* A padded input in HBM, or one that would not fit VMEM, is padded band
   * by band (with every channel in a band; else through scratch, below): a
   * band's load overlaps the pooling of the band before, where a whole
   * padded copy came first (ResNet-50's max pool on edge with a 256 x 256
   * array, whose tiles leave its input in HBM: 84 k -> 61 k cycles). */
  j.band_padding =
      padded && (!kq_padded_in_vmem(ctx, &padding) || !kq_in_vmem(ctx, vtpu_address(ctx, l->in)));
  uint64_t pad_at = padded && !j.band_padding ? kq_padded_area(&tiles, &padding) : 0;
  if (padded && !j.band_padding && pad_at == 0) return -(int)VTPU_BAD_SCRATCH;
  const uint32_t window = tiles.tiles, window_size = tiles.tiles_size;

  /* The largest band whose input and output fit a buffer set; with two sets,
   * at least four bands per image when the image allows. All channels when
   * one output row of them fits, else the most channels that do. */
  const uint32_t per_set = (window_size / nb) & ~63u;
  const uint32_t most = nb > 1 ? (j.oh + 3) / 4 : j.oh;
  j.group = l->c;
  j.band = band_for(&j, j.group, most, per_set);
  if (j.band == 0) {
    const uint32_t per_channel = (in_rows(&j, 1) * j.wp + j.ow) * e;
    j.group = per_set > 128 ? kq_min(l->c, (per_set - 128) / per_channel) : 0;
    while (j.group > 0 && (j.band = band_for(&j, j.group, most, per_set)) == 0) --j.group;
  }
  if (j.band == 0) return -(int)VTPU_BAD_FIT;
  j.bands = (j.oh + j.band - 1) / j.band;
  j.groups = (l->c + j.group - 1) / j.group;
  if (j.band_padding && j.groups > 1) { /* channels in groups: the whole input through scratch */
    j.band_padding = 0;
    pad_at = kq_padded_area(&tiles, &padding);
    if (pad_at == 0) return -(int)VTPU_BAD_SCRATCH;
  }
  j.in_line = j.wp * j.group * e;
  j.out_line = j.ow * j.group * e;
  for (unsigned b = 0; b < nb; ++b) {
    j.in_buf[b] = window + b * per_set;
    j.out_buf[b] = j.in_buf[b] + kq_align64(in_rows(&j, j.band) * j.in_line);
  }

  const int copied = padded && !j.band_padding;
  j.src = copied ? pad_at : vtpu_address(ctx, l->in);
  j.dst = vtpu_address(ctx, l->out);
  /* In place only with every channel: a group's are not contiguous. */
  j.in_direct = j.groups == 1 && !j.band_padding && kq_in_vmem(ctx, j.src);
  j.out_direct = j.groups == 1 && kq_in_vmem(ctx, j.dst);
  kq_begin();
  if (copied) kq_pad_images(vtpu_address(ctx, l->in), pad_at, &padding);
  kq_pipeline(l->n * j.bands * j.groups, nb, load, compute, store, &j);
  return kq_end();
}
