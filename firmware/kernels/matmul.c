/* Matmul: the MXU pipeline shared by MATMUL and CONV2D (docs/firmware.md).
 *
 * C is computed in output tiles (tm x tn), column tile j outer, row tile t
 * inner; each output tile takes nk steps, one per chunk of K (nk = 1 unless
 * a column tile of the whole K does not fit VMEM). Software-pipelined (loads
 * one step ahead of compute, stores one step behind), per step s of output
 * tile o:
 *   DMA1  B(j, kc), scales(j), bias(j) -> bbuf   wait bfree, signal bready
 *         (with nk = 1 once per column tile, kept for all its row tiles)
 *   DMA   A(t, kc) -> abuf[s % NB]               wait afree, signal aready
 *         (rows of a matrix, or gathered from an image: implicit im2col)
 *   MXU   acc[o % NB] (+)= abuf * bbuf            wait aready (and accfree, bready)
 *   DMA   R(o) -> rbuf[o % NB]                   wait rfree, signal rready
 *         (a fused residual's tile, when it is not resident; with the last chunk's A)
 *   VPU   out[o % NB] = epilogue(acc)             after the last chunk
 *   DMA   out -> C in HBM                        wait outready, signal outfree
 * The epilogue adds the bias, applies ReLU and requantizes (int8) or rounds
 * to bf16, then adds a fused residual (VPU ADD in the layer's type, its
 * ReLU). The weights (B with its scales and bias) stream through the
 * second DMA queue, so that they never wait behind the A gathers and the
 * output stores of the first. With NB = 2 (runtime.double_buffering) the
 * DMA of step s + 1, and of the next column's B, runs while the MXU works on
 * step s; with
 * NB = 1 every stage waits for the one before. Resident operands skip their
 * DMA, and a convolution whose padded input is in VMEM reads A in place
 * (below) instead of gathered A tiles. */
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
  /* The column tile's pair for layers of parity 1: a layer's weights may
   * load while the layer before still runs, so the two take turns. */
  SEM_B_READY_ODD = 16,
  SEM_B_FREE_ODD = 18,
  /* + b: a residual's tile loaded beside the output's (above 22: the
   * kernels' shared ones). */
  SEM_R_READY = 23,
  SEM_R_FREE = 25,
};

/* A transposed operand moves element by element: dst[r][c] = src[c][r]. */
static void load_transposed(unsigned queue, uint64_t src, uint32_t ld, uint32_t dst, uint32_t rows,
                            uint32_t cols, uint32_t e, uint8_t signal) {
  vtpu_dma_desc* d = kq_dma_on(queue, src, dst, NO_SEM, signal);
  d->size[0] = e;
  d->size[1] = cols; /* along a destination row: down a source column */
  d->src_stride[0] = ld;
  d->dst_stride[0] = e;
  d->size[2] = rows;
  d->src_stride[1] = e;
  d->dst_stride[1] = cols * e;
}

/* Rows [row, row + rows) of the window's A, kernel rows [ky, ky + nky), into
 * dst (rows of nky kw taps). A run of output pixels in one output row is one
 * copy; whole output rows of one image fold into it when a kernel row's taps
 * are contiguous (one group, no horizontal dilation). */
static void gather(const kq_window* w, uint32_t row, uint32_t rows, uint32_t ky, uint32_t nky,
                   uint32_t dst) {
  const uint32_t taps_contiguous = w->dil_x == 1 && w->group_bytes == w->pixel;
  const uint32_t a_row = nky * w->kw * w->group_bytes, per_image = w->oh * w->ow;
  const uint64_t origin = w->origin + (uint64_t)ky * w->dil_y * w->line;
  /* The first row's pixel by division; then stepped (divisions cost the core 34 cycles). */
  uint32_t image = row / per_image, oy = row % per_image / w->ow, ox = row % w->ow;
  for (uint32_t p = row, end = row + rows; p < end;) {
    uint32_t run = kq_min(w->ow - ox, end - p), lines = 1;
    if (taps_contiguous && ox == 0 && run == w->ow) lines = kq_min((end - p) / w->ow, w->oh - oy);
    const uint64_t src = origin + (uint64_t)image * w->image_bytes +
                         (uint64_t)oy * w->sy * w->line + (uint64_t)ox * w->sx * w->pixel;
    vtpu_dma_desc* d = kq_dma(src, dst + (p - row) * a_row, NO_SEM, NO_SEM);
    if (taps_contiguous) {
      d->size[0] = w->kw * w->pixel;
      d->size[1] = nky, d->src_stride[0] = w->dil_y * w->line, d->dst_stride[0] = w->kw * w->pixel;
      d->size[2] = run, d->src_stride[1] = w->sx * w->pixel, d->dst_stride[1] = a_row;
      d->size[3] = lines, d->src_stride[2] = w->sy * w->line, d->dst_stride[2] = w->ow * a_row;
    } else {
      d->size[0] = w->group_bytes;
      d->size[1] = w->kw, d->src_stride[0] = w->dil_x * w->pixel, d->dst_stride[0] = w->group_bytes;
      d->size[2] = nky, d->src_stride[1] = w->dil_y * w->line;
      d->dst_stride[1] = w->kw * w->group_bytes;
      d->size[3] = run, d->src_stride[2] = w->sx * w->pixel, d->dst_stride[2] = a_row;
    }
    p += run * lines;
    ox += run;
    if (ox == w->ow) ox = 0, oy += lines;
    if (oy == w->oh) oy = 0, ++image;
  }
}

/* Rows [k0, k0 + kn) of B's columns [col, col + cols), as stored (x->ldb
 * apart; 2:4 sparse: the kept weights' rows, then their positions' rows
 * into `meta`), into bbuf; `ready` signalled when all is in. k0 is a
 * multiple of 4 and col even when the format needs it (the tiling's). */
static inline void load_b(const kq_matmul* x, uint32_t e, uint32_t k0, uint32_t kn, uint32_t col,
                          uint32_t cols, uint32_t bbuf, uint32_t meta, uint8_t ready) {
  const uint32_t f = x->weights_format;
  if (f == VTPU_WEIGHTS_DENSE) {
    kq_dma2d_on(VTPU_QUEUE_DMA1, x->b + (uint64_t)k0 * x->ldb + (uint64_t)col * e, bbuf, cols * e,
                kn, x->ldb, cols * e, NO_SEM, ready);
    return;
  }
  const uint32_t row = vtpu_weights_row_bytes(f, cols) * e;
  const int sparse = f == VTPU_WEIGHTS_SPARSE_2_4;
  kq_dma2d_on(
      VTPU_QUEUE_DMA1,
      x->b + (uint64_t)vtpu_weights_rows(f, k0) * x->ldb + vtpu_weights_row_bytes(f, col) * e, bbuf,
      row, vtpu_weights_rows(f, kn), x->ldb, row, NO_SEM, sparse ? NO_SEM : ready);
  if (sparse) { /* ceil(kn / 4) rows of a nibble per column */
    const uint32_t meta_row = vtpu_weights_row_bytes(VTPU_WEIGHTS_INT4, cols);
    const uint32_t stored_row = vtpu_weights_row_bytes(VTPU_WEIGHTS_INT4, x->n);
    kq_dma2d_on(VTPU_QUEUE_DMA1, x->meta + (uint64_t)(k0 / 4) * stored_row + col / 2, meta,
                meta_row, vtpu_weights_groups(kn), stored_row, meta_row, NO_SEM, ready);
  }
}

/* A MATMUL's weight fields for rows [k0, ...) of the B tile at bbuf (its
 * positions at meta): precision (int4 weights: VTPU_TYPE_INT4), sparsity,
 * B's address and stride; e: the layer's element bytes. A dense tile's rows
 * lie `held` bytes apart when that is not 0 (B read in place: held
 * weights), else packed. */
static inline void weights_fields(vtpu_insn_matmul* mm, const kq_matmul* x, uint32_t e, uint32_t k0,
                                  uint32_t cols, uint32_t bbuf, uint32_t meta, uint32_t held) {
  const uint32_t f = x->weights_format;
  if (f == VTPU_WEIGHTS_DENSE) { /* the common case first: the core emits many */
    mm->precision = x->dtype;
    mm->b_stride = held ? held : cols * e;
    mm->b_addr = bbuf + k0 * mm->b_stride;
    return;
  }
  mm->precision = f == VTPU_WEIGHTS_INT4 ? VTPU_TYPE_INT4 : x->dtype;
  mm->b_stride = vtpu_weights_row_bytes(f, cols) * e;
  mm->b_addr = bbuf + vtpu_weights_rows(f, k0) * mm->b_stride;
  if (f == VTPU_WEIGHTS_SPARSE_2_4) {
    mm->sparsity = VTPU_SPARSITY_2_4;
    mm->meta_stride = vtpu_weights_row_bytes(VTPU_WEIGHTS_INT4, cols);
    mm->meta_addr = meta + k0 / 4 * mm->meta_stride;
  }
}

/* The smallest multiple of `unit` that is also one of `q`, or k when that
 * is k or more (a chunk of K is then the whole K). */
static uint32_t common_unit(uint32_t unit, uint32_t q, uint32_t k) {
  uint32_t lcm = unit;
  while (lcm % q != 0 && lcm < k) lcm += unit;
  return lcm < k ? lcm : k;
}

/* A in place at batch N whose images are shorter than the array: how many
 * whole images a band takes (1: one), each fold then streaming their rows
 * at once instead of max(rows, R) per image. The images lie image_bytes
 * apart, which must be whole lines of A (sy image lines each): a band of g
 * images is ((g - 1) lp + oh) lines of ow rows, lp = image_bytes / (sy line),
 * the lp - oh lines between images computed and never stored. Fills `tiles`
 * and `lines` (lp) when more than one. Not inlined: the pipeline's body
 * stays small. */
static __attribute__((noinline)) uint32_t image_group(const vtpu_chip* window, const kq_matmul* x,
                                                      uint32_t e, uint32_t nb, uint32_t out_tiles,
                                                      vtpu_matmul_tiles* tiles, uint32_t* lines) {
  const kq_window* w = x->window;
  const uint32_t line = w->sy * w->line, images = x->m / (w->oh * w->ow);
  if (w->image_bytes % line != 0) return 1;
  const uint32_t lp = w->image_bytes / line;
  vtpu_matmul_tiles t;
  if (vtpu_matmul_tiling(window, images * lp * w->ow, x->k, x->n, e, x->weights_format, nb,
                         out_tiles, x->k, &t) != 0 ||
      t.tk != x->k)
    return 1;
  uint32_t g = images;
  while (g > 1 && ((g - 1) * lp + w->oh) * w->ow > t.tm) --g;
  if (g < 2) return 1;
  *tiles = t;
  tiles->tm = ((g - 1) * lp + w->oh) * w->ow;
  *lines = lp;
  return g;
}

/* A fused int8 residual Add (VTPU_LAYER_RESIDUAL): its tile's first row,
 * the bytes between its rows and the VMEM address of its parameters. */
typedef struct kq_residual {
  uint32_t at, pitch, params;
} kq_residual;

/* The int8 epilogue of `rows` x `cols` accumulators into `out`: bias, ReLU
 * and requantization in one pass, and with `r` the residual's Add in the same
 * pass (REQUANT_ADD). */
static inline __attribute__((always_inline)) vtpu_insn_vpu* requant(
    const kq_matmul* x, const kq_residual* r, uint32_t rows, uint32_t cols, uint32_t acc,
    uint32_t out, uint32_t bias, uint32_t scales, uint8_t done) {
  const uint8_t op = r ? (x->relu ? VTPU_VPU_REQUANT_RELU_ADD : VTPU_VPU_REQUANT_ADD)
                       : (x->relu ? VTPU_VPU_REQUANT_RELU : VTPU_VPU_REQUANT);
  vtpu_insn_vpu* v =
      kq_vpu(op, VTPU_TYPE_INT32, VTPU_TYPE_INT8, rows, cols, acc, out, NO_SEM, done);
  if (x->bias) v->b_mode = VTPU_BCAST_ROW, v->b_addr = bias;
  v->scale_addr = scales;
  v->zero_point = x->zero_point;
  if (r) v->r_addr = r->at, v->r_stride = r->pitch, v->r_params = r->params;
  return v;
}

/* The epilogue of a band of `images` whole images (image_group()), each
 * `pixels` rows of C, their accumulators `image_acc` bytes per column apart
 * from `acc`: the bias over all of them (bf16), then a REQUANT (int8; with
 * a residual `r`, REQUANT_ADD of its matching rows) or a RELU/CONVERT (bf16)
 * per image into consecutive rows of `out`; the last signals `done`. Not
 * inlined: a batch-1 step never calls it. */
static __attribute__((noinline)) void epilogue_images(const kq_matmul* x, uint32_t images,
                                                      uint32_t pixels, uint32_t acc,
                                                      uint32_t image_acc, uint32_t cols,
                                                      uint32_t out, uint32_t out_pitch,
                                                      uint32_t bias, uint32_t scales, uint8_t done,
                                                      const kq_residual* r) {
  const uint8_t acc_type = x->dtype == VTPU_TYPE_INT8 ? VTPU_TYPE_INT32 : VTPU_TYPE_FP32;
  vtpu_insn_vpu* v;
  if (x->bias && x->dtype != VTPU_TYPE_INT8) {
    v = kq_vpu(VTPU_VPU_ADD, acc_type, acc_type, (images - 1) * (image_acc / 4) + pixels, cols, acc,
               acc, NO_SEM, NO_SEM);
    v->b_mode = VTPU_BCAST_ROW;
    v->b_addr = bias;
  }
  for (uint32_t g = 0; g < images; ++g) {
    const uint32_t from = acc + g * image_acc * cols, to = out + g * pixels * out_pitch;
    const uint8_t signal = g + 1 == images ? done : NO_SEM;
    if (x->dtype == VTPU_TYPE_INT8) {
      v = requant(x, r, pixels, cols, from, to, bias, scales, signal);
      if (r) v->r_addr += g * pixels * r->pitch;
    } else {
      v = kq_vpu(x->relu ? VTPU_VPU_RELU : VTPU_VPU_CONVERT, acc_type, x->dtype, pixels, cols, from,
                 to, NO_SEM, signal);
    }
    v->d_stride = out_pitch;
  }
}

/* Image `image` of x's window padded into place (kq_matmul.padding). Not
 * inlined: the pipeline's loop keeps its registers for its steps. */
static __attribute__((noinline)) void pad_image(const kq_matmul* x, uint32_t image) {
  kq_pad_border(x->window->origin, x->padding, image);
  kq_pad_rows(x->pad_src, x->window->origin, x->padding, image, 0, x->padding->h);
}

/* The MXU waits for the `count` images a band reads (pad_image()). Not
 * inlined either: in the loop it cost every step about six core
 * instructions. */
static __attribute__((noinline)) void wait_images(uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) kq_nop(VTPU_QUEUE_MXU, KQ_SEM_PREPARED, NO_SEM);
}

/* The product, with B held (read in place) or loaded: a copy of this body
 * for each, so that the loaded one, which runs on every chip, pays nothing
 * for the other (the core's work per step sets the pace on fast chips). */
static inline __attribute__((always_inline)) int emit(const vtpu_context* ctx, const kq_matmul* x,
                                                      const int b_held) {
  const vtpu_chip* chip = &ctx->chip;
  /* 1 or 2; a buffer's index is then a mask (`& last_b`): GCC kept `% nb` a
   * division (34 core cycles, four a step). */
  const uint32_t nb = x->buffer_sets > 1 ? 2 : 1, last_b = nb - 1;
  const uint32_t e = vtpu_type_size(x->dtype);
  const uint8_t acc_type = x->dtype == VTPU_TYPE_INT8 ? VTPU_TYPE_INT32 : VTPU_TYPE_FP32;
  /* An image's K splits between kernel rows only. A bf16 K splits at
   * multiples of the array's rows too: the array sums K-tiles of R rows in
   * order (docs/numerics.md), so a chunk that ends inside a tile would
   * round differently from the layer's contract. */
  const uint32_t row_k = x->window ? x->window->kw * x->window->group_bytes / e : 1;
  uint32_t k_unit = row_k;
  if (x->dtype == VTPU_TYPE_BF16 && x->window) k_unit = common_unit(k_unit, chip->rows, x->k);
  /* 2:4 sparse weights: a chunk holds whole groups of four rows of K. */
  const uint32_t format = x->weights_format;
  const int sparse = format == VTPU_WEIGHTS_SPARSE_2_4;
  if (sparse) k_unit = common_unit(k_unit > 1 ? k_unit : kq_min(x->k, chip->rows), 4, x->k);
  vtpu_chip window = *chip; /* tiles live in the context's VMEM window */
  window.vmem_size = ctx->tiles_size;
  /* The layer's only product, with small constants: its scales and bias for
   * every column load once, ahead of the first weights, in the weights'
   * part of the window (below). Loaded per column tile, each waited behind the array's VMEM
   * traffic of the tile before (the ports are reserved per instruction) and
   * held up the next tile's weights. */
  const uint32_t constants_bytes = kq_align64(4 * x->n);
  /* A fused residual: read in place when resident, else loaded a tile at
   * a time beside the output tile; int8 with its parameters. */
  const int r_direct = x->residual && kq_in_vmem(ctx, x->residual);
  const uint32_t out_tiles = x->residual && !r_direct ? 2 : 1;
  const uint32_t params_bytes = x->residual && x->dtype == VTPU_TYPE_INT8 ? 64 : 0;
  const uint32_t held = b_held ? x->ldb : 0;
  const int constants_once = !b_held && x->single && 16ull * constants_bytes <= ctx->tiles_size;
  uint32_t all_scales = 0, all_bias = 0;
  if (constants_once) window.vmem_size -= 2 * constants_bytes;
  window.vmem_size -= params_bytes;
  /* A in place (an ungrouped convolution, undilated along x, whose padded
   * input lies in VMEM): no gather at all, the same products as gathered
   * rows. The array's feeder reads the image where it lies: row q of a band
   * is its output pixel (q / ow, q % ow), in lines of ow rows (a_line_rows)
   * sy image lines apart, sx pixels apart within a line; its K comes in kh
   * pieces (a_segments) dil_y lines apart, one per kernel row, each the kw
   * taps' kw x cin contiguous bytes from the pixel, in the weights' (kx, ci)
   * order. Rows overlap where the stride is below the kernel. */
  const kq_window* w = x->window;
  int in_place = w && w->dil_x == 1 && w->group_bytes == w->pixel && kq_in_vmem(ctx, w->origin);
  vtpu_matmul_tiles tiles;
  uint32_t band = 0, bands = 0; /* in place: output rows per row tile, row tiles per image */
  uint32_t group = 1, lp = 0;   /* in place: images per band (image_group()), lines between */
  if (in_place) {
    /* The tiling keeps four row tiles to overlap loads with compute; a
     * batch's images count among them, so that several images let a band
     * grow to a whole image (each MATMUL pays the array's fill and drain,
     * 2R + C cycles, whatever its rows). */
    const uint32_t pixels = w->oh * w->ow;
    const uint32_t batch = x->m > pixels ? kq_min(x->m / pixels, 4) : 1;
    in_place = vtpu_matmul_tiling(&window, pixels * batch, x->k, x->n, e, format, nb, out_tiles,
                                  x->k, &tiles) == 0 &&
               tiles.tk == x->k && tiles.tm >= w->ow;
    if (in_place) {
      band = kq_min(tiles.tm / w->ow, w->oh);
      tiles.tm = band * w->ow;
      bands = (w->oh + band - 1) / band;
      if (bands == 1 && x->m > pixels && pixels < chip->rows)
        group = image_group(&window, x, e, nb, out_tiles, &tiles, &lp);
    }
  }
  if (!in_place &&
      vtpu_matmul_tiling(&window, x->m, x->k, x->n, e, format, nb, out_tiles, k_unit, &tiles) != 0)
    return -(int)VTPU_BAD_FIT;
  const uint32_t tm = tiles.tm, tn = tiles.tn, tk = tiles.tk;
  const uint32_t images = in_place ? x->m / (w->oh * w->ow) : 1;

  /* VMEM, from this layer's end of the window (kq_parity): the weights'
   * part (the constants loaded once, a residual's parameters, then per
   * buffer a B tile with its scales and bias), then per buffer an A tile,
   * an output tile and a loaded residual's tile; AMEM: an accumulator
   * tile per buffer. The weights' part nearest the end lets the next
   * layer's weights (at the other end) load while this one runs. */
  /* A B tile as stored: rows of row_bytes, then (2:4) its positions. */
  const uint32_t b_tile = vtpu_matmul_b_tile_bytes(format, tk, tn, e);
  const uint32_t b_meta =
      kq_align64(vtpu_weights_rows(format, tk) * vtpu_weights_row_bytes(format, tn) * e);
  const uint32_t b_part = (constants_once ? 2 * constants_bytes : 0) + params_bytes +
                          (b_held ? 0 : nb * (b_tile + 2 * kq_align64(4 * tn)));
  const uint32_t used =
      b_part + nb * (kq_align64(tm * tk * e) + out_tiles * kq_align64(tm * tn * e));
  const uint32_t top = ctx->tiles + ctx->tiles_size;
  const uint32_t low = kq_parity == 0 ? ctx->tiles : top - used;
  const kq_span weights = {kq_parity == 0 ? low : top - b_part,
                           kq_parity == 0 ? low + b_part : top};
  kq_footprint_add(low, low + used);
  uint32_t bbuf[2], mbuf[2], sbuf[2], biasbuf[2], abuf[2], obuf[2], rbuf[2], acc[2];
  uint32_t wat = weights.lo, at = kq_parity == 0 ? weights.hi : low;
  if (constants_once) {
    all_scales = wat;
    all_bias = wat + constants_bytes;
    wat += 2 * constants_bytes;
  }
  const uint32_t params = wat;
  wat += params_bytes;
  for (uint32_t b = 0; b < nb; ++b) {
    bbuf[b] = wat;
    mbuf[b] = wat + b_meta;
    sbuf[b] = wat + b_tile;
    biasbuf[b] = sbuf[b] + kq_align64(4 * tn);
    if (!b_held) wat = biasbuf[b] + kq_align64(4 * tn);
    abuf[b] = at;
    at += kq_align64(tm * tk * e);
    obuf[b] = at;
    at += kq_align64(tm * tn * e);
    rbuf[b] = at;
    at += (out_tiles - 1) * kq_align64(tm * tn * e);
    acc[b] = chip->amem_base + b * kq_align64(4 * tm * tn);
  }
  const uint8_t b_ready = kq_parity ? SEM_B_READY_ODD : SEM_B_READY;
  const uint8_t b_free = kq_parity ? SEM_B_FREE_ODD : SEM_B_FREE;

  /* Bytes per column between two images' accumulators in a band (lp lines of ow). */
  const uint32_t image_acc = group > 1 ? lp * w->ow * 4 : 0;
  const uint32_t m_tiles = in_place ? (images + group - 1) / group * bands : (x->m + tm - 1) / tm;
  const uint32_t n_tiles = (x->n + tn - 1) / tn;
  const uint32_t nk = (x->k + tk - 1) / tk;
  /* A resident in VMEM (docs/runtime.md) feeds the MXU where it lies, and a
   * resident C takes the epilogue's results in place: no DMA for either. */
  const int a_direct = in_place || (!x->window && !x->trans_a && kq_in_vmem(ctx, x->a));
  const int c_direct = kq_in_vmem(ctx, x->c);
  /* A in place reads what the DMA queue was just given to write
   * (a padded input): the MXU must not start before it, and the weights'
   * own ready signal no longer says so, as they come through the second DMA
   * queue. (Any other A read in place is an earlier layer's output.) The
   * images still to pad (kq_matmul.padding) go in order into the DMA queue,
   * ahead of the gathers; with A in place a signal follows each image,
   * and each image's first band waits for it: a batch's first image is
   * computed while the others are copied. (Copied band by band, the rows
   * cost the core more instructions than they saved at batch 1, where its
   * emission sets the pace.) */
  for (uint32_t i = x->padded; x->padding && i < x->padding->n; ++i) {
    if (in_place && i > 0) kq_nop(VTPU_QUEUE_DMA, NO_SEM, KQ_SEM_PREPARED); /* image i - 1's in */
    pad_image(x, i);
  }
  if (in_place && x->padding) kq_nop(VTPU_QUEUE_DMA, NO_SEM, KQ_SEM_PREPARED);
  if (in_place && !x->padding) {
    kq_nop(VTPU_QUEUE_DMA, NO_SEM, KQ_SEM_PREPARED);
    kq_nop(VTPU_QUEUE_MXU, KQ_SEM_PREPARED, NO_SEM);
  }
  /* One row tile and the whole K: A is loaded once and serves every column. */
  const int a_once = !a_direct && m_tiles == 1 && nk == 1;
  const uint32_t steps = m_tiles * n_tiles * nk;
  /* Step s: output tile o = s / nk (column j = o / m_tiles, row tile
   * t = o % m_tiles), K chunk kc = s % nk; the B buffer is the column's with
   * one chunk, the step's with several. Each of the loop's three walks over
   * the steps (loads, compute, stores) keeps its place in a cursor instead
   * of dividing it out (a division costs the core 34 cycles; they were a
   * seventh of its time at batch 1 on tpuv3-like). */
  /* In place: row tile t is output rows [y0, y0 + rb) of images
   * [image, image + gi), row tile tb of image ti; pix0 is a row tile's first
   * output pixel, rows its output pixels. */
  typedef struct {
    uint32_t s, o, kc, j, t, tb, ti;
  } cursor;
  cursor load_at = {0}, compute_at = {0}, store_at = {0};
#define ADVANCE(c)                            \
  do {                                        \
    ++(c).s;                                  \
    if (++(c).kc == nk) {                     \
      (c).kc = 0, ++(c).o;                    \
      if (++(c).t == m_tiles) {               \
        (c).t = (c).tb = (c).ti = 0, ++(c).j; \
      } else if (++(c).tb == bands) {         \
        (c).tb = 0, ++(c).ti;                 \
      }                                       \
    }                                         \
  } while (0)
#define STEP(c)                                                                                    \
  const uint32_t o = (c).o, kc = (c).kc, j = (c).j, t = (c).t;                                     \
  const uint32_t image = group > 1 ? t * group : (c).ti;                                           \
  const uint32_t y0 = in_place ? (c).tb * band : 0;                                                \
  const uint32_t gi = group > 1 ? kq_min(group, images - image) : 1;                               \
  const uint32_t rb = in_place ? kq_min(band, w->oh - y0) : 0;                                     \
  const uint32_t pix0 = in_place ? (image * w->oh + y0) * w->ow : t * tm;                          \
  const uint32_t rows = in_place ? (group > 1 ? gi * rb : rb) * w->ow : kq_min(tm, x->m - t * tm); \
  const uint32_t cols = kq_min(tn, x->n - j * tn);                                                 \
  const uint32_t k0 = kc * tk, kn = kq_min(tk, x->k - k0);                                         \
  const uint32_t cb = (nk == 1 ? j : (c).s) & last_b, new_b = nk > 1 || t == 0;                    \
  (void)rows, (void)cols, (void)kn, (void)new_b, (void)cb, (void)rb, (void)image, (void)pix0,      \
      (void)gi
  /* Iteration i: step i's loads, step i - NB's store, step i - 1's compute.
   * With two buffers each load goes into the DMA queue before the store of
   * the step before it, so that it does not wait behind a store that waits
   * for the VPU; with one, the store must go first (the load's buffer is
   * free only once that store's step has moved on). */
  for (uint32_t i = 0; i < steps + nb; ++i) {
    if (i < steps) {
      STEP(load_at);
      ADVANCE(load_at);
      const uint32_t b = i & last_b;
      /* The weights' queue: B, scales and bias, in order (B's ready
       * signal covers the constants loaded before it). */
      const unsigned wq = VTPU_QUEUE_DMA1;
      if (i == 0) kq_weights_start(weights, x->b_constant);
      /* (Held: the MXU's first product waits for them, in B's stead.) */
      if (i == 0 && params_bytes)
        kq_dma2d_on(wq, x->residual_params, params, sizeof(vtpu_vpu_qparams), 1, 0, 0, NO_SEM,
                    b_held ? b_ready : NO_SEM);
      if (i == 0 && constants_once) {
        if (x->dtype == VTPU_TYPE_INT8)
          kq_dma2d_on(wq, x->scales, all_scales, 4 * x->n, 1, 0, 0, NO_SEM, NO_SEM);
        if (x->bias) kq_dma2d_on(wq, x->bias, all_bias, 4 * x->n, 1, 0, 0, NO_SEM, NO_SEM);
      }
      if (new_b && !b_held) {
        kq_nop(wq, b_free + cb, NO_SEM);
        if (x->dtype == VTPU_TYPE_INT8 && !constants_once)
          kq_dma2d_on(wq, x->scales + 4ull * j * tn, sbuf[cb], 4 * cols, 1, 0, 0, NO_SEM, NO_SEM);
        if (x->bias && !constants_once)
          kq_dma2d_on(wq, x->bias + 4ull * j * tn, biasbuf[cb], 4 * cols, 1, 0, 0, NO_SEM, NO_SEM);
        if (x->trans_b)
          load_transposed(wq, x->b + (uint64_t)j * tn * x->ldb + (uint64_t)k0 * e, x->ldb, bbuf[cb],
                          kn, cols, e, b_ready + cb);
        else
          load_b(x, e, k0, kn, j * tn, cols, bbuf[cb], mbuf[cb], b_ready + cb);
      }
      if (!a_direct && (!a_once || i == 0)) kq_nop(VTPU_QUEUE_DMA, SEM_A_FREE + b, NO_SEM);
      if (a_direct || (a_once && i > 0)) {
        /* read in place by the MXU */
      } else if (x->window) {
        gather(x->window, t * tm, rows, k0 / row_k, kn / row_k, abuf[b]);
        kq_nop(VTPU_QUEUE_DMA, NO_SEM, SEM_A_READY + b);
      } else if (x->trans_a) {
        load_transposed(VTPU_QUEUE_DMA, x->a + (uint64_t)k0 * x->lda + (uint64_t)t * tm * e, x->lda,
                        abuf[b], rows, kn, e, SEM_A_READY + b);
      } else {
        kq_dma2d(x->a + (uint64_t)t * tm * x->lda + (uint64_t)k0 * e, abuf[b], kn * e, rows, x->lda,
                 kn * e, NO_SEM, SEM_A_READY + b);
      }
      if (out_tiles > 1 && kc == nk - 1) /* the residual's tile, laid out as C's */
        kq_dma2d(x->residual + (uint64_t)pix0 * x->ldc + (uint64_t)j * tn * e, rbuf[o & last_b],
                 cols * e, rows, x->ldc, cols * e, SEM_R_FREE + (o & last_b),
                 SEM_R_READY + (o & last_b));
    }
    if (i >= nb && !c_direct) {
      STEP(store_at);
      ADVANCE(store_at);
      const uint32_t ob = o & last_b;
      if (kc == nk - 1)
        kq_dma2d(obuf[ob], x->c + (uint64_t)pix0 * x->ldc + (uint64_t)j * tn * e, cols * e, rows,
                 cols * e, x->ldc, SEM_OUT_READY + ob, SEM_OUT_FREE + ob);
    }
    if (i >= 1 && i <= steps) {
      STEP(compute_at);
      ADVANCE(compute_at);
      const uint32_t b = (i - 1) & last_b, ob = o & last_b, last = kc == nk - 1;
      if (new_b) {
        if (!b_held)
          kq_nop(VTPU_QUEUE_MXU, b_ready + cb, NO_SEM);
        else /* B's tile where it lies; its first waits for the params in B's stead */
          bbuf[cb] = (uint32_t)(x->b + (uint64_t)k0 * x->ldb + (uint64_t)j * tn * e);
      }
      if (b_held && i == 1 && params_bytes) kq_nop(VTPU_QUEUE_MXU, b_ready, NO_SEM);
      if (kc == 0) kq_nop(VTPU_QUEUE_MXU, SEM_ACC_FREE + ob, NO_SEM);
      const uint32_t s = i - 1, ab = a_once ? 0 : b;
      const uint8_t a_wait = a_direct || (a_once && s > 0) ? NO_SEM : SEM_A_READY + ab;
      const uint8_t a_free = a_direct || (a_once && s + 1 < steps) ? NO_SEM : SEM_A_FREE + ab;
      if (in_place && x->padding && j == 0 && y0 == 0) wait_images(gi);
      vtpu_insn_matmul* mm = &kq_insn(VTPU_QUEUE_MXU, VTPU_OP_MATMUL, a_wait, a_free)->matmul;
      weights_fields(mm, x, e, 0, cols, bbuf[cb], mbuf[cb], held);
      mm->accumulate = kc > 0;
      mm->dataflow = x->dataflow; /* the compiler's or the array's choice (docs/mxu.md) */
      mm->k = kn;
      mm->n = cols;
      mm->c_addr = acc[ob];
      mm->c_stride = 4 * cols;
      mm->m = rows;
      if (in_place) { /* an output row per line of A, a kernel row per piece */
        if (gi > 1) mm->m = ((gi - 1) * lp + rb) * w->ow; /* the lines between images too */
        mm->a_addr = (uint32_t)(w->origin + (uint64_t)image * w->image_bytes +
                                (uint64_t)y0 * w->sy * w->line);
        mm->a_stride = w->sx * w->pixel;
        mm->a_line_rows = (uint16_t)w->ow;
        mm->a_line_stride = w->sy * w->line;
        mm->a_segments = (uint16_t)w->kh;
        mm->a_segment_stride = w->dil_y * w->line;
      } else {
        mm->a_addr =
            a_direct ? (uint32_t)(x->a + (uint64_t)t * tm * x->lda + (uint64_t)k0 * e) : abuf[ab];
        mm->a_stride = a_direct ? x->lda : kn * e;
      }
      /* A chunk's B buffer is the MXU's alone until the last chunk, whose
       * scales and bias the epilogue reads. */
      if (nk > 1 && !last && !b_held) kq_nop(VTPU_QUEUE_MXU, NO_SEM, b_free + cb);
      if (last) {
        kq_nop(VTPU_QUEUE_MXU, NO_SEM, SEM_ACC_READY + ob);

        /* Epilogue, in place in the accumulators, then into the output tile
         * (or straight into a resident C). */
        const uint32_t out =
            c_direct ? (uint32_t)(x->c + (uint64_t)pix0 * x->ldc + (uint64_t)j * tn * e) : obuf[ob];
        const uint32_t out_pitch = c_direct ? x->ldc : cols * e;
        if (!c_direct) kq_nop(VTPU_QUEUE_VPU, SEM_OUT_FREE + ob, NO_SEM);
        kq_nop(VTPU_QUEUE_VPU, SEM_ACC_READY + ob, NO_SEM);
        vtpu_insn_vpu* v;
        const uint32_t bias = b_held           ? (uint32_t)x->bias + 4 * j * tn
                              : constants_once ? all_bias + 4 * j * tn
                                               : biasbuf[cb];
        const uint32_t scales = b_held           ? (uint32_t)x->scales + 4 * j * tn
                                : constants_once ? all_scales + 4 * j * tn
                                                 : sbuf[cb];
        /* int8: bias, ReLU, requantization and a fused residual's Add in
         * one pass (REQUANT_RELU or REQUANT with a bias row, _ADD with the
         * residual); bf16: the bias first, the residual after. */
        const int loaded = out_tiles > 1; /* the residual's tile in rbuf, else read in place */
        kq_residual fused;
        const kq_residual* r = 0;
        if (x->residual) {
          fused.at = loaded
                         ? rbuf[ob]
                         : (uint32_t)(x->residual + (uint64_t)pix0 * x->ldc + (uint64_t)j * tn * e);
          fused.pitch = loaded ? cols * e : x->ldc;
          fused.params = params;
          if (x->dtype == VTPU_TYPE_INT8) r = &fused;
          if (r && loaded) kq_nop(VTPU_QUEUE_VPU, SEM_R_READY + ob, NO_SEM);
        }
        if (gi > 1) {
          epilogue_images(x, gi, rb * w->ow, acc[ob], image_acc, cols, out, out_pitch, bias, scales,
                          SEM_ACC_FREE + ob, r);
        } else {
          if (x->bias && x->dtype != VTPU_TYPE_INT8) {
            v = kq_vpu(VTPU_VPU_ADD, acc_type, acc_type, rows, cols, acc[ob], acc[ob], NO_SEM,
                       NO_SEM);
            v->b_mode = VTPU_BCAST_ROW;
            v->b_addr = bias;
          }
          if (x->dtype == VTPU_TYPE_INT8) {
            v = requant(x, r, rows, cols, acc[ob], out, bias, scales, SEM_ACC_FREE + ob);
          } else {
            v = kq_vpu(x->relu ? VTPU_VPU_RELU : VTPU_VPU_CONVERT, acc_type, x->dtype, rows, cols,
                       acc[ob], out, NO_SEM, SEM_ACC_FREE + ob);
          }
          v->d_stride = out_pitch;
        }
        if (r && loaded) kq_nop(VTPU_QUEUE_VPU, NO_SEM, SEM_R_FREE + ob);
        if (x->residual && !r) { /* bf16: out += the residual's tile */
          v = kq_vpu(VTPU_VPU_ADD, x->dtype, x->dtype, rows, cols, out, out,
                     loaded ? SEM_R_READY + ob : NO_SEM, loaded ? SEM_R_FREE + ob : NO_SEM);
          v->a_stride = v->d_stride = out_pitch;
          v->b_addr = fused.at;
          v->b_stride = fused.pitch;
          if (x->residual_relu) {
            v = kq_vpu(VTPU_VPU_RELU, x->dtype, x->dtype, rows, cols, out, out, NO_SEM, NO_SEM);
            v->a_stride = v->d_stride = out_pitch;
          }
        }
        if (!c_direct) kq_nop(VTPU_QUEUE_VPU, NO_SEM, SEM_OUT_READY + ob);
        /* The column tile's buffer is free once its last tile is through. */
        if (!b_held && (nk > 1 || t == m_tiles - 1)) kq_nop(VTPU_QUEUE_VPU, NO_SEM, b_free + cb);
      }
    }
    kq_doorbell();
  }
#undef STEP
#undef ADVANCE
  return 0;
}

int kq_matmul_emit(const vtpu_context* ctx, const kq_matmul* x) {
  /* Held weights (docs/runtime.md): dense B, its bias and scales copied into
   * VMEM ahead of the layer; the MXU reads B in place (its rows ldb apart)
   * and the epilogue the constants, so the layer loads no weights at all.
   * (The MXU took the copies' counts before the layer began.) */
  const int b_held = vtpu_held_layer.size && x->b_constant &&
                     x->weights_format == VTPU_WEIGHTS_DENSE && !x->trans_b &&
                     kq_in_vmem(ctx, x->b) && (!x->bias || kq_in_vmem(ctx, x->bias)) &&
                     (x->dtype != VTPU_TYPE_INT8 || kq_in_vmem(ctx, x->scales));
  return b_held ? emit(ctx, x, 1) : emit(ctx, x, 0);
}

/* MATMUL layer: one product per batch element, chained. */
int vtpu_kernel_matmul(vtpu_context* ctx, const vtpu_layer* layer) {
  const vtpu_layer_matmul* l = &layer->u.matmul;
  if (layer->dtype != VTPU_TYPE_INT8 && layer->dtype != VTPU_TYPE_BF16) return -(int)VTPU_BAD_KIND;
  if (l->m == 0 || l->k == 0 || l->n == 0 || l->batch == 0) return -(int)VTPU_BAD_SHAPE;
  const uint32_t e = vtpu_type_size(layer->dtype);
  /* The batch's results must not overlap (model.h). */
  if (l->batch > 1 && (uint64_t)l->c_batch_stride < (uint64_t)l->m * l->n * e)
    return -(int)VTPU_BAD_SHAPE;
  kq_matmul job = {0};
  job.m = l->m;
  job.k = l->k;
  job.n = l->n;
  job.trans_a = (layer->flags & VTPU_LAYER_TRANS_A) != 0;
  job.trans_b = (layer->flags & VTPU_LAYER_TRANS_B) != 0;
  job.weights_format = l->weights_format;
  job.dataflow = kq_dataflow(ctx, l->dataflow);
  if (!kq_weights_format_ok(layer->dtype, job.weights_format) ||
      !vtpu_layer_dataflow_ok(layer->dtype, l->dataflow) ||
      (job.weights_format != VTPU_WEIGHTS_DENSE && job.trans_b) ||
      (job.weights_format == VTPU_WEIGHTS_SPARSE_2_4 && l->batch > 1 && l->b_batch_stride != 0))
    return -(int)VTPU_BAD_KIND;
  job.meta = ctx->hbm + l->meta;
  job.lda = (job.trans_a ? l->m : l->k) * e;
  job.ldb = job.trans_b ? l->k * e : vtpu_weights_row_bytes(job.weights_format, l->n) * e;
  job.ldc = l->n * e;
  job.dtype = layer->dtype;
  job.relu = (layer->flags & VTPU_LAYER_RELU) != 0;
  job.buffer_sets = kq_buffer_sets(ctx, layer);
  job.zero_point = l->zero_point;
  job.bias = (layer->flags & VTPU_LAYER_BIAS) ? vtpu_constant(ctx, l->bias) : 0;
  job.scales = vtpu_constant(ctx, l->scales);
  job.b_constant = (layer->flags & VTPU_LAYER_CONST_B) != 0;
  const int residual = (layer->flags & VTPU_LAYER_RESIDUAL) != 0;
  job.residual_params = ctx->hbm + l->residual_params;
  job.residual_relu = (layer->flags & VTPU_LAYER_RESIDUAL_RELU) != 0;
  kq_footprint_clear();
  kq_begin();
  /* Shared weights over a batch of dense products: the batch is part of M,
   * so B streams once. */
  if (l->batch > 1 && l->b_batch_stride == 0 && !job.trans_a &&
      l->a_batch_stride == l->m * job.lda && l->c_batch_stride == l->m * job.ldc &&
      (uint64_t)l->m * l->batch <= 0xffffffffu) {
    job.m = l->m * l->batch;
    job.a = vtpu_address(ctx, l->a);
    job.b = job.b_constant ? vtpu_constant(ctx, l->b) : vtpu_address(ctx, l->b);
    job.c = vtpu_address(ctx, l->c);
    job.residual = residual ? vtpu_address(ctx, l->residual) : 0;
    job.single = 1;
    const int status = kq_matmul_emit(ctx, &job);
    return status != 0 ? status : kq_end();
  }
  job.single = l->batch == 1;
  for (uint32_t i = 0; i < l->batch; ++i) {
    job.a = vtpu_address(ctx, l->a + (uint64_t)i * l->a_batch_stride);
    const uint64_t b = l->b + (uint64_t)i * l->b_batch_stride;
    job.b = job.b_constant ? vtpu_constant(ctx, b) : vtpu_address(ctx, b);
    job.c = vtpu_address(ctx, l->c + (uint64_t)i * l->c_batch_stride);
    job.residual = residual ? vtpu_address(ctx, l->residual + (uint64_t)i * l->c_batch_stride) : 0;
    const int status = kq_matmul_emit(ctx, &job);
    if (status != 0) return status;
  }
  return kq_end();
}
