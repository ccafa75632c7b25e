/*
 * vtpu compiled model: the layer table the firmware runtime executes, and the
 * result area it fills (docs/runtime.md).
 *
 * The one definition shared by the firmware (C, RV32), the host's reference
 * and the compiler (C++). The host writes a model image into HBM, starting
 * with a vtpu_model_header at HBM offset 0; every address in it is an offset
 * from the HBM's base (the firmware adds chip info's HBM base), so an image
 * does not depend on the address map. Tensors are dense, row-major, little-
 * endian; images are NHWC. Layers run in table order, one at a time.
 *
 * Numerics per layer kind are fixed below to the instruction; the host's
 * reference (sw/runtime/reference.cpp) computes the same, bit for bit.
 */
#ifndef VTPU_MODEL_H
#define VTPU_MODEL_H

#include <stdint.h>

#include "dma.h" /* vtpu/dma.h, beside this file */
#include "isa.h" /* VTPU_DATAFLOW_* */

#define VTPU_MODEL_MAGIC 0x4c444f4du /* "MODL" */
#define VTPU_MODEL_VERSION 3u        /* 3: the tensor table's flags (held weights) */
#define VTPU_MODEL_OFFSET 0u         /* HBM offset of the header */

typedef struct vtpu_model_header {
  uint32_t magic;       /* VTPU_MODEL_MAGIC */
  uint32_t version;     /* VTPU_MODEL_VERSION */
  uint32_t layer_count; /* layers in the table */
  uint32_t layer_size;  /* sizeof(vtpu_layer), checked by the firmware */
  uint64_t layers;      /* HBM offset of layer 0 (8-byte aligned); layers follow one another */
  uint64_t results;     /* HBM offset of the result area (64-byte aligned) */
  uint64_t scratch;     /* HBM offset of space kernels may use (padded images) */
  uint64_t scratch_size;
  uint64_t tensors;      /* HBM offset of tensor_count vtpu_tensor (8-byte aligned) */
  uint32_t tensor_count; /* its entries: activations the runtime may keep in VMEM, held pieces */
  uint32_t reserved;
} vtpu_model_header; /* 64 bytes */

/* The bytes of double-buffered array-sized tiles of a deep K on an R x C
 * array: 32 R C (what the window below is sized for, and what the kernels
 * leave the tiles of it). */
static inline uint64_t vtpu_array_tiles_bytes(uint32_t rows, uint32_t cols) {
  return 32ull * rows * cols;
}
/* The VMEM window the kernels stage tiles in when the runtime keeps
 * activations in VMEM (docs/runtime.md): from VMEM's base, half of it, at
 * most 6 MiB, or, for an array whose tiles need more
 * (vtpu_array_tiles_bytes()), up to seven eighths. The rest holds resident
 * activations and, at its top, held weights. */
static inline uint32_t vtpu_tile_window(uint32_t vmem_size, uint32_t rows, uint32_t cols) {
  const uint32_t half = (vmem_size / 2) & ~127u, most = (vmem_size / 8 * 7) & ~127u;
  const uint64_t array = vtpu_array_tiles_bytes(rows, cols);
  uint32_t size = half < (6u << 20) ? half : (6u << 20);
  if (array > size) size = array < most ? (uint32_t)array : most;
  return size;
}

/*
 * An activation: a tensor that layers write and read but the host neither
 * writes nor reads (not a graph input, output or constant). It is live from
 * layer `first` (its first writer) to layer `last` (its last reader); over
 * that span the runtime may keep it in VMEM instead of HBM (docs/runtime.md,
 * "Resident activations"): every layer operand that falls inside
 * [offset, offset + bytes) then addresses the VMEM copy. The table is sorted
 * by `first`.
 *
 * Or a held piece (flags VTPU_TENSOR_HELD; docs/runtime.md, "Held weights"):
 * bytes [offset, offset + bytes) of a layer's constants (its weights, bias
 * and scales, which lie together), which the runtime copies through DMA1
 * into the top of VMEM once layer `first` is released, for layer `last`, so
 * that they load while earlier layers run. A layer's pieces follow one
 * another in the table, and in VMEM in table order; each is a multiple of
 * 64 bytes but the layer's last.
 */
#define VTPU_MODEL_MAX_TENSORS 4096u /* entries the runtime reads; later ones stay in HBM */
#define VTPU_TENSOR_HELD 0x1u
typedef struct vtpu_tensor {
  uint64_t offset; /* HBM offset */
  uint32_t bytes;
  uint32_t first, last; /* layer indices */
  uint32_t flags;       /* VTPU_TENSOR_*; 0: an activation */
} vtpu_tensor;          /* 24 bytes */

/* Why the table's entry `t` (flags set), after the held piece `before`
 * before it (0: none), breaks the rules above for a model of `layers`
 * layers in an image of `image` bytes, or 0. The firmware and the host
 * both check (docs/runtime.md). */
static inline const char* vtpu_held_piece_problem(const vtpu_tensor* before, const vtpu_tensor* t,
                                                  uint32_t layers, uint64_t image) {
  const int same = before && before->last == t->last;
  if (t->flags != VTPU_TENSOR_HELD) return "has unknown flags";
  if (t->bytes == 0) return "has no bytes";
  if (t->offset > image || t->bytes > image - t->offset) return "lies outside the model image";
  if (t->first >= t->last) return "is not copied before its layer";
  if (t->last >= layers) return "is for no layer of the model";
  if (before && (t->last < before->last || t->first < before->first))
    return "is out of its layer's order";
  if (same && before->bytes % 64u != 0) return "follows a piece of no whole 64 bytes";
  if (same && t->offset != before->offset + before->bytes)
    return "does not follow its layer's piece before it";
  return 0;
}

/* ---- layer kinds --------------------------------------------------------- */
#define VTPU_LAYER_MATMUL 1u      /* vtpu_layer_matmul: gemm, fully connected, batched matmul */
#define VTPU_LAYER_CONV2D 2u      /* vtpu_layer_conv2d */
#define VTPU_LAYER_POOL 3u        /* vtpu_layer_pool: max, average, global average */
#define VTPU_LAYER_ELEMENTWISE 4u /* vtpu_layer_elementwise: binary, activations, (de/re)quant */
#define VTPU_LAYER_SOFTMAX 5u     /* vtpu_layer_rowwise */
#define VTPU_LAYER_LAYERNORM 6u   /* vtpu_layer_rowwise */
#define VTPU_LAYER_COPY 7u        /* vtpu_layer_copy: concat, transpose, slice, reshape */
#define VTPU_LAYER_FILL 8u        /* vtpu_layer_fill */

/* vtpu_layer.flags */
#define VTPU_LAYER_RELU 0x1u    /* MATMUL, CONV2D, bf16 ELEMENTWISE: ReLU fused into the output */
#define VTPU_LAYER_TRANS_A 0x2u /* MATMUL: A is stored k x m */
#define VTPU_LAYER_TRANS_B 0x4u /* MATMUL: B is stored n x k */
#define VTPU_LAYER_BIAS 0x8u    /* MATMUL, CONV2D: add `bias` */
/* MATMUL: B, bias and scales are constants of the model, which no layer
 * writes, so they may load before the layer starts (CONV2D's always are). */
#define VTPU_LAYER_CONST_B 0x10u
/* MATMUL, CONV2D: a residual Add fused into the epilogue. The output, as
 * the layer makes it without this flag, is then added to `residual` (a
 * tensor of the output's shape, type and layout; batch product i reads it at
 * residual + i * c_batch_stride) as an ELEMENTWISE ADD with B = residual
 * computes it: int8 by the quantized form with the vtpu_vpu_qparams
 * (vtpu/isa.h, 24 bytes) at `residual_params` (A's scale and zero point are
 * the product's, D's the sum's); bf16 in fp32, rounded to bf16. */
#define VTPU_LAYER_RESIDUAL 0x20u
/* With VTPU_LAYER_RESIDUAL, bf16: ReLU of the rounded sum. */
#define VTPU_LAYER_RESIDUAL_RELU 0x40u
/* MATMUL, CONV2D, POOL, ELEMENTWISE, SOFTMAX, LAYERNORM: tiled with one
 * buffer set even with runtime.double_buffering on (the compiler's choice for
 * the layer, `--tune`: where fewer, larger tiles outrun the overlap of loads
 * and stores with compute). */
#define VTPU_LAYER_ONE_BUFFER 0x80u
/* Whether a layer of `kind` is tiled in buffer sets (VTPU_LAYER_ONE_BUFFER
 * applies to it). */
static inline int vtpu_layer_buffered(uint8_t kind) {
  return kind == VTPU_LAYER_MATMUL || kind == VTPU_LAYER_CONV2D || kind == VTPU_LAYER_POOL ||
         kind == VTPU_LAYER_ELEMENTWISE || kind == VTPU_LAYER_SOFTMAX ||
         kind == VTPU_LAYER_LAYERNORM;
}

/* MATMUL (with VTPU_LAYER_CONST_B, not VTPU_LAYER_TRANS_B, batch 1 or b_batch_stride 0) and
 * CONV2D, int8 only: how the weights (B; a convolution's per group) are stored.
 * The layer computes what it would with the dense int8 weights these stand for.
 *   DENSE      k x n int8, row-major.
 *   SPARSE_2_4 2:4 structured sparsity (docs/mxu.md "2:4 sparsity"): per weights
 *              matrix, K_s = 2 ceil(k/4) rows of n int8, rows 2g and 2g + 1 group g's
 *              two kept weights of each column; at `meta`, ceil(k/4) rows of
 *              ceil(n/2) bytes, a nibble per column (column j in byte j/2, the
 *              low nibble for even j): bits 1:0 the first kept weight's row in
 *              its group of four, bits 3:2 the second's. A convolution's groups
 *              follow one another in both.
 *   INT4       k rows of ceil(n/2) bytes, signed int4 nibbles (column j in byte
 *              j/2, the low nibble for even j); groups one after another.
 */
#define VTPU_WEIGHTS_DENSE 0u
#define VTPU_WEIGHTS_SPARSE_2_4 1u
#define VTPU_WEIGHTS_INT4 2u

/* A k x n weights matrix stored as `format`: its stored rows, the bytes of
 * one row of int8 or int4 weights (dense: n elements), and a 2:4 matrix's
 * groups of four rows (its positions: groups x ceil(n / 2) bytes). 32-bit,
 * as the firmware computes (no sum that could wrap); vtpu/operands.h checks
 * wider fields first. */
static inline uint32_t vtpu_weights_groups(uint32_t k) {
  return k / 4 + (k % 4 != 0);
}
static inline uint32_t vtpu_weights_rows(uint32_t format, uint32_t k) {
  return format == VTPU_WEIGHTS_SPARSE_2_4 ? 2 * vtpu_weights_groups(k) : k;
}
static inline uint32_t vtpu_weights_row_bytes(uint32_t format, uint32_t n) {
  return format == VTPU_WEIGHTS_INT4 ? n / 2 + n % 2 : n;
}

/* MATMUL and CONV2D `dataflow`: the dataflow the compiler chose for the
 * layer's MATMULs on an array that runs both (`--tune`, docs/compiler.md),
 * VTPU_DATAFLOW_WS or _OS; 0 (VTPU_DATAFLOW_CONFIG): none, the array picks
 * per instruction. The firmware names it only where chip info says the array
 * runs both (VTPU_CHIPINFO_MXU_DATAFLOW), so the program runs on any chip.
 * int8 layers only (exact in either order); a bf16 layer's sums follow the
 * array's own choice (docs/mxu.md), so it names none. Without a branch: the
 * firmware takes as long to check a named layer as an unnamed one. */
static inline int vtpu_layer_dataflow_ok(uint8_t dtype, uint8_t dataflow) {
  /* bit d: dataflow d is allowed (CONFIG always; WS and OS for int8) */
  const uint32_t allowed =
      (1u << VTPU_DATAFLOW_CONFIG) | (((1u << VTPU_DATAFLOW_WS) | (1u << VTPU_DATAFLOW_OS)) &
                                      (0u - (uint32_t)(dtype == VTPU_TYPE_INT8)));
  return (int)((allowed >> (dataflow & 7u)) & (uint32_t)((dataflow >> 3) == 0) & 1u);
}

/*
 * MATMUL: for each of `batch` products, C[m x n] = A[m x k] * B[k x n] (+ bias[n]).
 *   int8: A, B int8; bias int32; the int32 sum, plus bias, (ReLU: max with 0), then
 *         C = requantize_int8(sum, scales[col], zero_point) (docs/numerics.md). A's zero
 *         point is folded into the bias by the compiler: bias' = bias - za * colsum(B).
 *   bf16: A, B bf16; bias fp32; the MXU's fp32 sum in its order (docs/numerics.md),
 *         plus bias[col] (one fp32 addition), (ReLU), then C = bf16 (round to
 *         nearest even).
 * Operand i of the batch starts at a + i * a_batch_stride (likewise b and c; a
 * stride of 0 shares one operand, e.g. weights; C's results must not overlap,
 * so with batch > 1 c_batch_stride is at least m * n elements).
 */
typedef struct vtpu_layer_matmul {
  uint64_t a, b, c;
  uint64_t bias;   /* n elements (VTPU_LAYER_BIAS) */
  uint64_t scales; /* int8: n fp32 requantization scales */
  uint32_t m, k, n, batch;
  uint32_t a_batch_stride, b_batch_stride, c_batch_stride; /* bytes */
  int32_t zero_point;                                      /* int8: C's zero point */
  uint64_t residual, residual_params;                      /* VTPU_LAYER_RESIDUAL */
  uint64_t meta;          /* VTPU_WEIGHTS_SPARSE_2_4: the kept weights' positions */
  uint8_t weights_format; /* VTPU_WEIGHTS_* */
  uint8_t dataflow;       /* VTPU_DATAFLOW_WS, _OS or 0 (CONFIG): below */
  uint8_t reserved[6];
} vtpu_layer_matmul;

/*
 * CONV2D: out[n][oy][ox][co] over an NHWC input and weights stored per group g
 * as a (kh * kw * cin/groups) x (cout/groups) matrix, rows in (ky, kx, ci)
 * order, groups one after another. The input is padded with pad_value (int8:
 * its low byte, the input's zero point; bf16: its low 16 bits, 0 for zero
 * padding); then each group is the MATMUL of
 * its im2col rows (one per output pixel, oy-major) by its weight matrix, with
 * bias, ReLU, scales and zero point as for MATMUL (bias and scales per output
 * channel), and a fused residual (VTPU_LAYER_RESIDUAL) over the whole output.
 * Output size: oh = (h + pad_top + pad_bottom - dil_y * (kh - 1) - 1) / sy + 1,
 * likewise ow.
 */
typedef struct vtpu_layer_conv2d {
  uint64_t in, weights, out, bias, scales;
  uint32_t n, h, w, cin, cout, groups;
  uint16_t kh, kw, sy, sx, dil_y, dil_x;
  uint16_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t pad_value;      /* int8 only */
  int32_t zero_point;     /* int8: output zero point */
  uint8_t weights_format; /* VTPU_WEIGHTS_* */
  uint8_t dataflow;       /* VTPU_DATAFLOW_WS, _OS or 0 (CONFIG): as MATMUL's */
  uint8_t reserved[2];
  uint64_t residual, residual_params; /* VTPU_LAYER_RESIDUAL */
  uint64_t meta;                      /* VTPU_WEIGHTS_SPARSE_2_4: the kept weights' positions */
} vtpu_layer_conv2d;

/*
 * POOL (op VTPU_VPU_MAXPOOL or VTPU_VPU_AVGPOOL): NHWC in and out, the
 * window kh x kw, strides sy, sx, over the input padded with the type's lowest
 * value for max (int8 -128, bf16 -inf) and with pad_value for average (int8
 * its low byte, bf16 its low 16 bits). An average divides by the taps it
 * counts: all kh * kw, less those in the outermost uncounted_* rows and
 * columns of the padding (each at most its pad_*), which it skips: ONNX's
 * count_include_pad = 0 leaves every pad uncounted, ceil mode's extra bottom
 * and right padding is never counted. Every window must count a tap. Global
 * average pooling is kh = h, kw = w. Window and strides are at most 255 (the
 * VPU's fields). Numerics are the VPU's (docs/vpu.md); int8 input and output
 * share scale and zero point.
 */
typedef struct vtpu_layer_pool {
  uint64_t in, out;
  uint32_t n, h, w, c;
  uint16_t kh, kw, sy, sx;
  uint16_t pad_top, pad_left, pad_bottom, pad_right;
  int32_t pad_value; /* average: int8 the zero point, bf16 0 */
  uint16_t uncounted_top, uncounted_left, uncounted_bottom, uncounted_right; /* average */
} vtpu_layer_pool;

/*
 * ELEMENTWISE (op: a VPU binary op ADD/SUB/MUL/MAX/MIN, an activation
 * RELU..RECIP, or VTPU_VPU_CONVERT for the identity): rows x cols elements.
 * Each input element x is first widened to fp32 (int8: dequantize_int8(x,
 * scale, zero point) of its operand; bf16/fp32: exact), then y = f(x) or
 * f(a, b) in fp32 as the VPU computes it, then y is stored as out_type (int8:
 * quantize_int8(y, out_scale, out_zero_point); bf16: round to nearest even).
 * B lines up with A by b_mode (VTPU_BCAST_*; SCALAR: b_scalar). So quantize,
 * dequantize, requantize and casts are the identity between types.
 * When in_type and out_type are both bf16 the VPU works on bf16 directly;
 * the result is the same. With VTPU_LAYER_RELU (bf16 output only) each
 * stored y is then max(y, 0) (a residual Add's ReLU).
 */
typedef struct vtpu_layer_elementwise {
  uint64_t a, b, out;
  uint32_t rows, cols;
  uint8_t in_type, out_type; /* VTPU_TYPE_INT8, BF16 or FP32 (A and B share in_type) */
  uint8_t b_mode, reserved;
  float a_scale, b_scale, out_scale; /* int8 operands */
  int32_t a_zero_point, b_zero_point, out_zero_point;
  float b_scalar; /* VTPU_BCAST_SCALAR */
} vtpu_layer_elementwise;

/*
 * SOFTMAX and LAYERNORM along each row of rows x cols; x widened to fp32 as
 * for ELEMENTWISE, the result stored as out_type likewise. In fp32, in this
 * order (sum and max are the VPU's REDUCE, left to right):
 *   SOFTMAX:   m = max(x); e = exp(x - m); s = sum(e); y = e * (1 / s).
 *   LAYERNORM: mean = sum(x) * (1 / cols); d = x - mean; v = sum(d * d) * (1 / cols);
 *              r = rsqrt(v + epsilon); y = (d * r) * gamma[c] + beta[c]
 *              (gamma, beta: cols fp32; 1 / cols rounded to fp32 once).
 */
typedef struct vtpu_layer_rowwise {
  uint64_t in, out, gamma, beta;
  uint32_t rows, cols;
  uint8_t in_type, out_type, reserved[2];
  float in_scale, out_scale;
  int32_t in_zero_point, out_zero_point;
  float epsilon;
} vtpu_layer_rowwise;

/* COPY: a DMA descriptor between HBM offsets (vtpu/dma.h: up to four
 * dimensions, any strides): concat is one COPY per input, a transpose
 * moves elements with strides, a slice copies a window. */
typedef struct vtpu_layer_copy {
  vtpu_dma_desc desc; /* src and dst are HBM offsets */
} vtpu_layer_copy;

/* FILL: `bytes` bytes at dst with the 32-bit little-endian `pattern`
 * repeated (a padded tensor's border, a zero tensor). */
typedef struct vtpu_layer_fill {
  uint64_t dst;
  uint32_t bytes, pattern;
} vtpu_layer_fill;

typedef struct vtpu_layer {
  uint8_t kind;  /* VTPU_LAYER_* */
  uint8_t dtype; /* VTPU_TYPE_INT8 or VTPU_TYPE_BF16: MATMUL, CONV2D and POOL's precision */
  uint8_t op;    /* POOL, ELEMENTWISE: VTPU_VPU_* */
  uint8_t flags; /* VTPU_LAYER_* flags */
  uint32_t node; /* the compiler's node index, for messages */
  union {
    vtpu_layer_matmul matmul;
    vtpu_layer_conv2d conv2d;
    vtpu_layer_pool pool;
    vtpu_layer_elementwise elementwise;
    vtpu_layer_rowwise rowwise;
    vtpu_layer_copy copy;
    vtpu_layer_fill fill;
    uint32_t words[30];
  } u;
} vtpu_layer; /* 128 bytes */

/* The runtime writes sim-control's MARKER register with the layer's index
 * when a layer starts and with VTPU_MARKER_LAYER_END | index when it ends
 * (timelines, docs/observability.md). */
#define VTPU_MARKER_LAYER_END 0x80000000u

/* ---- the result area (written by the firmware, read by the host) -------- */
#define VTPU_RESULT_MAGIC 0x544c5352u /* "RSLT" */

/* vtpu_run_result.status; also the firmware's exit code. */
#define VTPU_RUN_OK 0u
#define VTPU_RUN_BAD_MODEL 1u   /* header: magic, version or layer size wrong */
#define VTPU_RUN_BAD_LAYER 2u   /* a layer's kind or fields invalid, or it does not fit the chip */
#define VTPU_RUN_ACCEL_ERROR 3u /* the accelerator stopped on an error (VTPU_CP_ERR_*) */
/* The runtime's watchdog (runtime.watchdog_us) ended a wait in which no
 * accelerator instruction finished: queue holds the queues with unfinished
 * work (bit q: queue q, VTPU_CP_STATUS_BUSY), detail the watchdog's us. */
#define VTPU_RUN_WATCHDOG 4u

typedef struct vtpu_run_result {
  uint32_t magic;  /* VTPU_RESULT_MAGIC */
  uint32_t status; /* VTPU_RUN_* */
  uint32_t layer;  /* on error: the failing layer's index; else layer_count */
  uint32_t reason; /* BAD_LAYER: VTPU_BAD_*; ACCEL_ERROR: VTPU_ERR_* */
  uint32_t queue, opcode, address, detail; /* ACCEL_ERROR: VTPU_CP_ERR_* registers */
  uint64_t cycles;                         /* mcycle over the whole run */
  uint32_t reserved[6];
} vtpu_run_result; /* 64 bytes, followed by layer_count vtpu_layer_result */

/* vtpu_run_result.reason for VTPU_RUN_BAD_LAYER */
#define VTPU_BAD_KIND 1u    /* unknown kind, op, dtype, weights format or dataflow */
#define VTPU_BAD_SHAPE 2u   /* a zero or inconsistent dimension */
#define VTPU_BAD_FIT 3u     /* no tiling fits VMEM/AMEM */
#define VTPU_BAD_SCRATCH 4u /* needs more scratch than the header gives */
#define VTPU_BAD_OPERAND 5u /* an operand lies outside the model image (vtpu/operands.h) */

typedef struct vtpu_layer_result {
  uint64_t cycles;       /* mcycle at the layer's end minus at its start */
  uint64_t counters[11]; /* the VTPU_CNT_* counters' increments (vtpu/isa.h) */
  uint64_t reserved[4];
} vtpu_layer_result; /* 128 bytes */

#ifdef __cplusplus
#define VTPU_MODEL_ASSERT static_assert
#else
#define VTPU_MODEL_ASSERT _Static_assert
#endif
VTPU_MODEL_ASSERT(sizeof(vtpu_model_header) == 64, "the header is 64 bytes");
VTPU_MODEL_ASSERT(sizeof(vtpu_layer) == 128, "a layer is 128 bytes");
VTPU_MODEL_ASSERT(sizeof(vtpu_tensor) == 24, "a tensor entry is 24 bytes");
VTPU_MODEL_ASSERT(sizeof(vtpu_run_result) == 64, "the result header is 64 bytes");
VTPU_MODEL_ASSERT(sizeof(vtpu_layer_result) == 128, "a layer's result is 128 bytes");
#undef VTPU_MODEL_ASSERT

#endif /* VTPU_MODEL_H */
