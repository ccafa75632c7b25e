/*
 * What every kernel shares (docs/firmware.md, "Kernels"): instructions built
 * in place in the queues' rings, DMA and VPU instruction helpers, the
 * streaming tile pipeline, and how a layer ends (a fence, then sleep until
 * its interrupt). Internal to the kernel library.
 */
#ifndef VTPU_KERNELS_QUEUE_H
#define VTPU_KERNELS_QUEUE_H

#include <stdint.h>

#include "vtpu/cp_driver.h"
#include "vtpu/kernels.h"
#include "vtpu/soc_map.h"

#define NO_SEM VTPU_SEM_NONE

/* The buffer sets a layer's tiles are laid out in: two (loads and stores
 * overlap compute) with runtime.double_buffering, unless the compiler chose
 * one for the layer (VTPU_LAYER_ONE_BUFFER, vtpu/model.h). Without a branch
 * (`&`, not `&&`): one set from the flag or from the chip then takes the
 * core the same instructions, so the two runs are the same (--tune's
 * candidates against runs with the chip's switch off, check_tune.py). */
static inline unsigned kq_buffer_sets(const vtpu_context* ctx, const vtpu_layer* layer) {
  return 1u + ((ctx->chip.double_buffering != 0) & ((layer->flags & VTPU_LAYER_ONE_BUFFER) == 0));
}

/* Layers are pipelined (docs/firmware.md, "Layer pipelining"): a kernel
 * emits its layer and returns without waiting; the layer's instructions
 * start behind a fence in the DMA, MXU and VPU queues, so they begin when
 * the layer before is done, and it ends with a fence that counts
 * KQ_SEM_LAYERS up and wakes the core. The weights' queue (DMA1) may start
 * earlier (weight prefetch, kq_weights_start()). Semaphores are set once, by
 * vtpu_kernels_init(), and every kernel leaves them as it found them: the
 * free-buffer ones (KQ_FREE_SEMAPHORES) at one, KQ_SEM_WEIGHTS_GO counting
 * layers done, the others at zero. */
#define KQ_SEM_LAYERS (VTPU_SEMAPHORES - 1u) /* layers done since vtpu_kernels_init() */
/* The DMA queue's copies queued so far (a padded input, or its next image)
 * are done: the matmul pipeline's MXU waits for it before it reads an image
 * in place. */
#define KQ_SEM_PREPARED 20u
/* One count per layer done, plus two: a layer's weights may start loading
 * once the layer two before it is done (its first DMA1 instruction takes a
 * count). */
#define KQ_SEM_WEIGHTS_GO 21u
/* One count per layer done, plus one: weights that may not load beside the
 * layer before wait for its end (a fence would also wait for their own
 * layer's first copies). */
#define KQ_SEM_LAYER_DONE 22u
/* One count per held piece copied (vtpu_hold()); the layer it is for takes
 * its pieces' counts in the MXU queue before its first product. */
#define KQ_SEM_HELD 27u
#define KQ_FREE_SEMAPHORES 0x60cccccu /* 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 25, 26 */
/* Starts a layer's instruction stream: a fence at the head of the DMA, MXU
 * and VPU queues. */
void kq_begin(void);
/* Ends it: the counting fence, released. Returns 0. */
int kq_end(void);
/* Which of two alternating copies of per-layer data in core RAM (FILL
 * blocks, parameters) and which end of the tile window (0: the bottom, 1:
 * the top) this layer uses: the layer before may still be reading the
 * other. vtpu_run_layer() flips it before each layer. */
extern unsigned kq_parity;
/* Which copy of per-layer data in core RAM a DMA reads (the FILL block, the
 * int8 elementwise parameters) this layer uses: up to VTPU_LAYERS_AHEAD
 * layers released before it may still be reading theirs. */
#define KQ_SLOTS (VTPU_LAYERS_AHEAD + 1u)
extern unsigned kq_slot;

/* What of the tile window a layer uses, [lo, hi) in bus addresses: its
 * footprint, which the next layer's prefetched weights must not touch. A
 * layer starts with all of VMEM (kq_layer_start()); the matmul kernels
 * narrow it to what they lay out (kq_footprint_clear(), kq_footprint_add()). */
typedef struct kq_span {
  uint32_t lo, hi;
} kq_span;
extern kq_span kq_footprint[2]; /* by parity */
void kq_layer_start(void);
static inline void kq_footprint_clear(void) {
  kq_footprint[kq_parity] = (kq_span){0xffffffffu, 0};
}
static inline void kq_footprint_add(uint32_t lo, uint32_t hi) {
  kq_span* s = &kq_footprint[kq_parity];
  if (lo < s->lo) s->lo = lo;
  if (hi > s->hi) s->hi = hi;
}
/* Before a layer's first weights in DMA1: they may load while the layer
 * before runs when they are constants (`constant`; an activation is written
 * by the layers before), `weights` (their VMEM) lies outside that layer's
 * footprint and every later weight load of this layer goes there too; else
 * they wait for its end. Either way behind the layer two before. */
void kq_weights_start(kq_span weights, int constant);
/* The builders are inline: building instructions is the core's main work
 * for the accelerator, and calls with their register spills cost a third of
 * it. */
extern vtpu_cp_ring kq_rings[VTPU_QUEUES];

/* The next instruction of `queue`, zeroed, with its header filled in. */
static inline vtpu_insn* kq_insn(unsigned queue, uint8_t opcode, uint8_t wait, uint8_t signal) {
  vtpu_insn* i = vtpu_cp_ring_next(&kq_rings[queue]);
  i->h.opcode = opcode;
  i->h.wait_sem = wait;
  i->h.signal_sem = signal;
  return i;
}

/* An instruction with no body (NOP, FENCE): its header word only (the
 * command processor reads nothing else of it), one store instead of
 * seventeen. */
static inline void kq_bare(unsigned queue, uint8_t opcode, uint8_t wait, uint8_t signal,
                           uint8_t flags) {
  vtpu_cp_ring_slot(&kq_rings[queue])->h = (vtpu_insn_header){opcode, wait, signal, flags};
}

static inline void kq_nop(unsigned queue, uint8_t wait, uint8_t signal) {
  kq_bare(queue, VTPU_OP_NOP, wait, signal, 0);
}

/* A DMA instruction in `queue` (VTPU_QUEUE_DMA, or VTPU_QUEUE_DMA1 for the
 * weights' stream); the descriptor's sizes are 1 and strides 0 until set. */
static inline vtpu_dma_desc* kq_dma_on(unsigned queue, uint64_t src, uint64_t dst, uint8_t wait,
                                       uint8_t signal) {
  vtpu_dma_desc* d = &kq_insn(queue, VTPU_OP_DMA, wait, signal)->dma.copy;
  d->src = src;
  d->dst = dst;
  d->size[0] = d->size[1] = d->size[2] = d->size[3] = 1;
  return d;
}
static inline vtpu_dma_desc* kq_dma(uint64_t src, uint64_t dst, uint8_t wait, uint8_t signal) {
  return kq_dma_on(VTPU_QUEUE_DMA, src, dst, wait, signal);
}

/* `rows` rows of `row_bytes`, the given strides apart. */
static inline void kq_dma2d_on(unsigned queue, uint64_t src, uint64_t dst, uint32_t row_bytes,
                               uint32_t rows, uint32_t src_stride, uint32_t dst_stride,
                               uint8_t wait, uint8_t signal) {
  vtpu_dma_desc* d = kq_dma_on(queue, src, dst, wait, signal);
  d->size[0] = row_bytes;
  d->size[1] = rows;
  d->src_stride[0] = src_stride;
  d->dst_stride[0] = dst_stride;
}
static inline void kq_dma2d(uint64_t src, uint64_t dst, uint32_t row_bytes, uint32_t rows,
                            uint32_t src_stride, uint32_t dst_stride, uint8_t wait,
                            uint8_t signal) {
  kq_dma2d_on(VTPU_QUEUE_DMA, src, dst, row_bytes, rows, src_stride, dst_stride, wait, signal);
}

/* A VPU instruction over rows x cols, A and D dense (strides from the types). */
static inline vtpu_insn_vpu* kq_vpu(uint8_t op, uint8_t a_type, uint8_t d_type, uint32_t rows,
                                    uint32_t cols, uint32_t a, uint32_t d, uint8_t wait,
                                    uint8_t signal) {
  vtpu_insn_vpu* v = &kq_insn(VTPU_QUEUE_VPU, VTPU_OP_VPU, wait, signal)->vpu;
  v->op = op;
  v->a_type = a_type;
  v->d_type = d_type;
  v->rows = rows;
  v->cols = cols;
  v->a_addr = a;
  v->a_stride = cols * vtpu_type_size(a_type);
  v->d_addr = d;
  v->d_stride = cols * vtpu_type_size(d_type);
  v->uncounted = 0; /* the ring slot may hold an AVGPOOL's */
  return v;
}

/* Publishes every ring and rings the doorbell. */
void kq_doorbell(void);
/* Fills `bytes` at `dst` with the 32-bit `pattern`, through the DMA queue
 * (one pattern per layer). */
void kq_fill(uint64_t dst, uint32_t bytes, uint32_t pattern);
/* `rows` rows of `row_bytes` at `dst`, `stride` apart, filled likewise (the
 * same one pattern per layer): one 2-D copy when a row fits the pattern's
 * block, else one fill per row. */
void kq_fill_rows(uint64_t dst, uint32_t row_bytes, uint32_t rows, uint32_t stride,
                  uint32_t pattern);

/* A layer's padded input (CONV2D, POOL): n NHWC images of h x w pixels of
 * `pixel` bytes, each placed at row `top`, column `left` of an hp x wp
 * image whose border holds `pattern`. */
typedef struct kq_padding {
  uint32_t n, h, w, pixel, hp, wp, top, left, pattern;
} kq_padding;
/* Where the padded images go: in VMEM at the start of ctx's tile window,
 * which then shrinks by them, when they fit it (kq_padded_in_vmem(): the
 * units then read them on chip); else in the model's scratch. Returns the
 * bus address, or 0 when they fit neither. */
uint64_t kq_padded_area(vtpu_context* ctx, const kq_padding* p);
/* Whether kq_padded_area() would put them in VMEM: when they leave the
 * tiles vtpu_array_tiles_bytes() of the window (what vtpu_tile_window()
 * sizes it for), or take at most half of it. */
int kq_padded_in_vmem(const vtpu_context* ctx, const kq_padding* p);
/* Pads the images at `src` into `dst`: fills of each image's border (none
 * without one), one 3-D copy. */
void kq_pad_images(uint64_t src, uint64_t dst, const kq_padding* p);
/* The same in parts: image `image`'s border at `dst`, and its rows
 * [r0, r1) (of the unpadded image) from `src` into their place. */
void kq_pad_border(uint64_t dst, const kq_padding* p, uint32_t image);
void kq_pad_rows(uint64_t src, uint64_t dst, const kq_padding* p, uint32_t image, uint32_t r0,
                 uint32_t r1);

/* Whether a bus address lies in VMEM (a resident activation). */
static inline int kq_in_vmem(const vtpu_context* ctx, uint64_t address) {
  return address >= ctx->chip.vmem_base &&
         address - ctx->chip.vmem_base < (uint64_t)ctx->chip.vmem_size;
}
static inline uint32_t kq_min(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}
/* A pad value of an e-byte type repeated over 32 bits (a FILL pattern). */
static inline uint32_t kq_pattern(uint32_t e, int32_t value) {
  return e == 1 ? 0x01010101u * (uint8_t)value : 0x00010001u * (uint16_t)value;
}
static inline uint32_t kq_align64(uint32_t v) {
  return (v + 63u) & ~63u;
}

/*
 * The streaming pipeline of the VPU-only kernels: `tiles` tiles, each loaded
 * into VMEM by load(), computed on the VPU by compute(), stored by store(),
 * through `buffers` (1 or 2) buffer sets. With two, tile i + 1's load and
 * tile i - 1's store overlap tile i's compute; semaphores 0..7 order them.
 * Each callback emits its instructions with no waits of its own (the
 * pipeline brackets them).
 */
typedef void (*kq_stage)(void* ctx, uint32_t tile, unsigned buffer);
void kq_pipeline(uint32_t tiles, unsigned buffers, kq_stage load, kq_stage compute, kq_stage store,
                 void* ctx);

/* A convolution's input read in place (implicit im2col): the rows of A are
 * output pixels (image-major, then oy, ox), each the window of kh x kw taps
 * of `group_bytes` bytes (a group's channels) at the pixel's origin in the
 * padded NHWC images; row r of A starts (ky, kx, ci)-ordered, as the weights'
 * rows. The DMA gathers each tile straight into VMEM. */
typedef struct kq_window {
  uint64_t origin;      /* bus address of image 0's padded (0, 0), at the group's first channel */
  uint32_t image_bytes; /* between padded images */
  uint32_t line, pixel; /* bytes between padded rows and between pixels */
  uint32_t group_bytes; /* bytes of a tap: the group's channels */
  uint32_t oh, ow;
  uint32_t kh, kw, sy, sx, dil_y, dil_x;
} kq_window;

/* The matmul pipeline (matmul.c), also conv2d's: C = epilogue(A * B). */
typedef struct kq_matmul {
  uint64_t a, b, c, bias, scales; /* bus addresses; bias 0: none */
  uint32_t m, k, n;
  uint32_t lda, ldb, ldc; /* bytes between rows as stored (A k x m when trans_a) */
  uint8_t dtype, relu, trans_a, trans_b;
  int32_t zero_point;
  const kq_window* window; /* A gathered from an image (a unused), or 0 */
  uint8_t single;          /* the layer's only product: its constants may load once */
  uint8_t b_constant;      /* B, bias and scales: constants no layer writes (prefetchable) */
  /* A residual Add fused into the epilogue (VTPU_LAYER_RESIDUAL): bus
   * addresses of the residual (laid out as C, ldc apart) and of its int8
   * vtpu_vpu_qparams; residual 0: none. residual_relu: ReLU after it (bf16). */
  uint64_t residual, residual_params;
  uint8_t residual_relu;
  /* How B is stored (VTPU_WEIGHTS_*, vtpu/model.h; ldb is the bytes of
   * its stored rows) and, 2:4 sparse, the bus address of its positions,
   * ceil(n / 2) bytes per row. */
  uint8_t weights_format;
  uint64_t meta;
  uint8_t buffer_sets; /* 1 or 2: kq_buffer_sets() */
  uint8_t dataflow;    /* what each MATMUL names: kq_dataflow() */
  /* Images to pad into the window's origin (conv2d, ungrouped), from
   * pad_src; 0: there already. The caller queued the first `padded` of them
   * (the DMA starts on them while the core works out the tiling). The
   * pipeline queues the others before the first gather or, with shifted
   * feeds, each before its first band, whose MATMULs wait only for their
   * own image. */
  const kq_padding* padding;
  uint64_t pad_src;
  uint32_t padded;
} kq_matmul;
/* The dataflow a product layer's MATMULs name: the layer's (the compiler's
 * choice) on an array that runs both, else VTPU_DATAFLOW_AUTO, the array's
 * own choice (a fixed array runs its own). Without a branch, so that the core
 * takes the same time whatever the layer and the chip say (--tune compares
 * programs that differ in this field alone). */
static inline uint8_t kq_dataflow(const vtpu_context* ctx, uint8_t layer_dataflow) {
  const uint32_t named = (uint32_t)(ctx->chip.both_dataflows != 0) &
                         (uint32_t)(layer_dataflow != VTPU_DATAFLOW_CONFIG);
  return (uint8_t)(VTPU_DATAFLOW_AUTO ^ ((layer_dataflow ^ VTPU_DATAFLOW_AUTO) & (0u - named)));
}
/* Whether a product layer of `dtype` may store its weights as `format`
 * (vtpu/model.h: compressed formats are int8's). */
static inline int kq_weights_format_ok(uint8_t dtype, uint8_t format) {
  return format == VTPU_WEIGHTS_DENSE ||
         (dtype == VTPU_TYPE_INT8 &&
          (format == VTPU_WEIGHTS_SPARSE_2_4 || format == VTPU_WEIGHTS_INT4));
}
/* Emits the whole product; consecutive calls chain through the semaphores.
 * Returns 0 or -VTPU_BAD_FIT (then nothing was emitted). */
int kq_matmul_emit(const vtpu_context* ctx, const kq_matmul* job);

#endif /* VTPU_KERNELS_QUEUE_H */
