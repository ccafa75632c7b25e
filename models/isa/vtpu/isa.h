/*
 * vtpu accelerator ISA: the instructions of the command processor's queues,
 * its registers, error causes and counters (docs/isa.md).
 *
 * The one definition shared by the firmware (C, RV32) and the models (C++).
 * Every instruction is 64 bytes (16 words): a header, then an opcode's body.
 * Firmware writes the 16 words into a queue's INSN window and writes PUSH;
 * pushed instructions run once DOORBELL is written (released). Each queue runs
 * its instructions in order; queues run in parallel and order each other with
 * semaphores: an instruction may wait on one (take one count before it
 * starts) and signal one (add one count when it completes).
 */
#ifndef VTPU_ISA_H
#define VTPU_ISA_H

#include <stdint.h>

#include "dma.h" /* vtpu/dma.h, beside this file */

#define VTPU_INSN_BYTES 64u
#define VTPU_INSN_WORDS 16u
#define VTPU_SEMAPHORES 32u
#define VTPU_SEM_NONE 0xffu
#define VTPU_QUEUE_DEPTH 64u /* released + pushed instructions per queue */

/* Queues: one per unit, and a second DMA queue (the DMA engine's channel 1;
 * VTPU_QUEUE_DMA drives channel 0), so that one stream of copies (weights)
 * need not wait behind another. */
#define VTPU_QUEUE_DMA 0u
#define VTPU_QUEUE_MXU 1u
#define VTPU_QUEUE_VPU 2u
#define VTPU_QUEUE_DMA1 3u
#define VTPU_QUEUES 4u

typedef struct vtpu_insn_header {
  uint8_t opcode;     /* VTPU_OP_* */
  uint8_t wait_sem;   /* take one count of this semaphore before starting (VTPU_SEM_NONE: none) */
  uint8_t signal_sem; /* give one count when done (VTPU_SEM_NONE: none) */
  uint8_t flags;      /* VTPU_INSN_* */
} vtpu_insn_header;

#define VTPU_INSN_IRQ 0x1u /* raise the completion interrupt when this instruction is done */
/* A FENCE that does not wait for queue q's instructions (q < VTPU_QUEUES): a
 * layer's fences leave out DMA1, whose copies order themselves with
 * semaphores, so that copies released ahead of later layers (held weights,
 * docs/runtime.md) hold none of them up. */
#define VTPU_INSN_FENCE_SKIP(q) (0x10u << (q))

/* Opcodes. NOP and FENCE go to any queue; the others to their unit's queue. */
#define VTPU_OP_NOP 0x00u /* only waits and signals */
#define VTPU_OP_FENCE \
  0x01u /* done when every instruction released before it, in every queue, is done */
#define VTPU_OP_DMA 0x10u    /* DMA queue: vtpu_insn_dma */
#define VTPU_OP_MATMUL 0x20u /* MXU queue: vtpu_insn_matmul */
#define VTPU_OP_VPU 0x30u    /* VPU queue: vtpu_insn_vpu */

/* Element types. */
#define VTPU_TYPE_INT8 0u
#define VTPU_TYPE_INT32 1u
#define VTPU_TYPE_BF16 2u
#define VTPU_TYPE_FP32 3u
/* A MATMUL precision only: int8 activations (A) times signed int4 weights
 * (B, two per byte along N, the low nibble the even column), int32 sums
 * (docs/mxu.md, "int4 weights"). */
#define VTPU_TYPE_INT4 4u

/* Bytes per element of a VTPU_TYPE_*: INT8 1, BF16 2, INT32 and FP32 4.
 * Callers check the type first (an unknown one also gives 4). A conditional,
 * not a table: the firmware asks on its hot path, often with a type the
 * compiler knows. */
static inline uint32_t vtpu_type_size(uint32_t type) {
  return type == VTPU_TYPE_INT8 ? 1u : type == VTPU_TYPE_BF16 ? 2u : 4u;
}

/* Bytes per element of a MATMUL's A (activations) for its `precision`: int4
 * weights (VTPU_TYPE_INT4) come with int8 activations. */
static inline uint32_t vtpu_matmul_a_size(uint32_t precision) {
  return vtpu_type_size(precision == VTPU_TYPE_INT4 ? VTPU_TYPE_INT8 : precision);
}

typedef struct vtpu_insn_dma {
  vtpu_insn_header h;
  uint32_t reserved;
  vtpu_dma_desc copy; /* as for the DMA's registers (docs/dma.md) */
} vtpu_insn_dma;

/* MATMUL dataflows (docs/mxu.md): the array's configured one (`mxu.dataflow`
 * ws or os; ws on an `auto` array); one named, which an `auto` array runs
 * and a fixed one only when it is its own; or AUTO: an `auto` array picks
 * the faster for this instruction by its timing formula, a fixed one runs
 * its own. */
#define VTPU_DATAFLOW_CONFIG 0u
#define VTPU_DATAFLOW_WS 1u
#define VTPU_DATAFLOW_OS 2u
#define VTPU_DATAFLOW_AUTO 3u

/* MATMUL sparsity (docs/mxu.md, "2:4 sparsity"). */
#define VTPU_SPARSITY_DENSE 0u
#define VTPU_SPARSITY_2_4 1u /* B holds 2 of every 4 weights along K, with indices */

/* C[m x n] = (C +) A[m x k] * B[k x n]. A and B are in VMEM, row-major, of
 * `precision` (VTPU_TYPE_INT8 or VTPU_TYPE_BF16); C is in AMEM, 32-bit
 * (int32 for int8, fp32 for bf16). B is the weights (held in the array in ws;
 * in os C is). With VTPU_SPARSITY_2_4 (int8 only), B is 2 ceil(k / 4) rows
 * of stored weights and meta_addr the positions they stand at in their group
 * of four rows of K: ceil(k / 4) rows of ceil(n / 2) bytes, a nibble per
 * column (docs/mxu.md). */
typedef struct vtpu_insn_matmul {
  vtpu_insn_header h;
  uint8_t precision;  /* VTPU_TYPE_INT8, VTPU_TYPE_BF16 or VTPU_TYPE_INT4 (w4a8) */
  uint8_t accumulate; /* 1: C += A * B; 0: C = A * B */
  uint8_t dataflow;   /* VTPU_DATAFLOW_* */
  uint8_t sparsity;   /* VTPU_SPARSITY_* */
  uint32_t m, k, n;
  uint32_t a_addr, a_stride; /* address of A[0][0]; bytes between rows */
  uint32_t b_addr, b_stride;
  uint32_t c_addr, c_stride;
  uint32_t meta_addr, meta_stride; /* VTPU_SPARSITY_2_4: B's positions, in VMEM */
  /* A read where it lies in an image (the array's feeder does the
   * addressing). A row in pieces (a_segments 0 or 1: one piece): a row of A
   * is a_segments runs of k / a_segments elements, a_segment_stride bytes
   * apart, read one after another (a convolution's kernel rows). Rows in
   * lines (a_line_rows 0: one line of all m rows): row q starts at
   * a_addr + (q / a_line_rows) a_line_stride + (q % a_line_rows) a_stride
   * (output rows of a convolution, a line of ow pixels each). */
  uint16_t a_segments, a_line_rows;
  uint32_t a_segment_stride, a_line_stride;
} vtpu_insn_matmul;

/* Vector unit operations (docs/vpu.md). A is rows x cols; D likewise unless
 * the operation says otherwise. */
#define VTPU_VPU_ADD 0x00u /* D = A + B (B per b_mode) */
#define VTPU_VPU_SUB 0x01u
#define VTPU_VPU_MUL 0x02u
#define VTPU_VPU_MAX 0x03u
#define VTPU_VPU_MIN 0x04u
#define VTPU_VPU_RELU 0x10u /* unary: D = f(A) */
#define VTPU_VPU_RELU6 0x11u
#define VTPU_VPU_GELU_ERF 0x12u
#define VTPU_VPU_GELU_TANH 0x13u
#define VTPU_VPU_SIGMOID 0x14u
#define VTPU_VPU_TANH 0x15u
#define VTPU_VPU_EXP 0x16u
#define VTPU_VPU_RSQRT 0x17u
#define VTPU_VPU_RECIP 0x18u
#define VTPU_VPU_HARDSIGMOID 0x19u         /* max(0, min(1, x * (1/6) + 0.5)) */
#define VTPU_VPU_HARDSWISH 0x1au           /* x * HARDSIGMOID(x) */
#define VTPU_VPU_SILU 0x1bu                /* x * SIGMOID(x) */
#define VTPU_VPU_MISH 0x1cu                /* x * tanh(softplus(x)) */
#define VTPU_VPU_UNARY_FIRST VTPU_VPU_RELU /* the activations: RELU..MISH */
#define VTPU_VPU_UNARY_LAST VTPU_VPU_MISH
/* int32 -> int8: saturate(rne(A * scale[col]) + zero_point); with b_mode
 * VTPU_BCAST_ROW, A + B[col] (int32, wrapping) in A's stead: a bias. */
#define VTPU_VPU_REQUANT 0x20u
#define VTPU_VPU_QUANT 0x21u   /* fp32/bf16 -> int8: saturate(rne(A / scale[col]) + zero_point) */
#define VTPU_VPU_DEQUANT 0x22u /* int8 -> fp32/bf16: (A - zero_point) * scale */
#define VTPU_VPU_CONVERT 0x23u /* between fp32, bf16 (RNE), int32 -> fp32 */
/* REQUANT of max(A (+ B[col]), 0): a matmul's epilogue, bias and ReLU, in
 * one pass. */
#define VTPU_VPU_REQUANT_RELU 0x24u
/* REQUANT (REQUANT_RELU) of A (+ B[col]), then the int8 ADD of that and R
 * (rows x cols int8 at r_addr, rows r_stride apart) with the
 * vtpu_vpu_qparams at r_params: a matmul's epilogue with a residual Add, in
 * one pass, each result exactly the two instructions' (docs/vpu.md). */
#define VTPU_VPU_REQUANT_ADD 0x25u
#define VTPU_VPU_REQUANT_RELU_ADD 0x26u
#define VTPU_VPU_MAXPOOL 0x30u /* A: rows x cols x channels (HWC) -> pooled */
#define VTPU_VPU_AVGPOOL 0x31u
#define VTPU_VPU_REDUCE_SUM 0x40u /* along cols: D is rows x 1 */
#define VTPU_VPU_REDUCE_MAX 0x41u

/* ADD..MIN on int8 (a_type = d_type = VTPU_TYPE_INT8): A and B are
 * dequantized each with its own scale and zero point, the operation runs in
 * fp32, and the result is quantized into D, all in one pass; scale_addr
 * points at these parameters (docs/vpu.md). B under VTPU_BCAST_SCALAR is
 * `scale`, already real. */
typedef struct vtpu_vpu_qparams {
  float a_scale;
  int32_t a_zero_point;
  float b_scale;
  int32_t b_zero_point;
  float d_scale;
  int32_t d_zero_point;
} vtpu_vpu_qparams;

/* The pooling window and strides, packed into vtpu_insn_vpu.pool (8 bits each). */
#define VTPU_VPU_POOL(kh, kw, sy, sx) \
  ((uint32_t)(kh) | (uint32_t)(kw) << 8 | (uint32_t)(sy) << 16 | (uint32_t)(sx) << 24)

/* AVGPOOL: rows at A's top and bottom, columns at its left and right, that
 * the average skips (neither summed nor counted), packed into
 * vtpu_insn_vpu.uncounted (8 bits each); 0 counts every tap. */
#define VTPU_VPU_EDGES(top, left, bottom, right) \
  ((uint32_t)(top) | (uint32_t)(left) << 8 | (uint32_t)(bottom) << 16 | (uint32_t)(right) << 24)

/* How B lines up with A in binary operations. */
#define VTPU_BCAST_NONE 0u   /* B is rows x cols */
#define VTPU_BCAST_ROW 1u    /* B is 1 x cols: the same row for every row */
#define VTPU_BCAST_COL 2u    /* B is rows x 1: one value per row */
#define VTPU_BCAST_SCALAR 3u /* B is `scale` (float types) or `zero_point` (int32) */

typedef struct vtpu_insn_vpu {
  vtpu_insn_header h;
  uint8_t op;     /* VTPU_VPU_* */
  uint8_t a_type; /* VTPU_TYPE_* of A (and B) */
  uint8_t d_type; /* VTPU_TYPE_* of D */
  uint8_t b_mode; /* VTPU_BCAST_* */
  uint32_t rows, cols;
  uint32_t a_addr, a_stride; /* VMEM or AMEM address of the first element; bytes between rows */
  uint32_t b_addr, b_stride;
  uint32_t d_addr, d_stride;
  uint32_t scale_addr; /* (RE/DE)QUANT: fp32 scale per column (0: `scale` for all) */
  float scale;         /* quantization scale, or the scalar operand */
  int32_t zero_point;
  /* Pooling's fields, or REQUANT_ADD's residual R in the same words. */
  union {
    uint32_t pool;   /* VTPU_VPU_POOL(kh, kw, sy, sx) */
    uint32_t r_addr; /* REQUANT_ADD: R's first element */
  };
  union {
    uint32_t channels; /* pooling: channels per pixel */
    uint32_t r_stride; /* REQUANT_ADD: bytes between R's rows */
  };
  union {
    uint32_t uncounted; /* AVGPOOL: VTPU_VPU_EDGES of A that are padding the average skips */
    uint32_t r_params;  /* REQUANT_ADD: address of the ADD's vtpu_vpu_qparams */
  };
} vtpu_insn_vpu;

typedef union vtpu_insn {
  vtpu_insn_header h;
  vtpu_insn_dma dma;
  vtpu_insn_matmul matmul;
  vtpu_insn_vpu vpu;
  uint32_t words[VTPU_INSN_WORDS];
} vtpu_insn;

/* ---- command processor registers (offsets from VTPU_CP_BASE) ----------- */
#define VTPU_CP_QUEUE(q) (0x100u * (q)) /* queue q's block */
#define VTPU_CP_INSN 0x00u              /* + queue block: 16 words of the next instruction */
#define VTPU_CP_PUSH 0x40u              /* + queue block: write: append it (not yet released) */
#define VTPU_CP_PENDING 0x44u           /* + queue block: instructions not yet done */
/* A queue may also be fed from a ring of instructions in core RAM or VMEM: the
 * firmware writes entries there and the new tail index; DOORBELL then takes in
 * every entry up to it, in every queue at once, with the pushed ones. */
#define VTPU_CP_RING_BASE 0x48u /* + queue block: bus address of entry 0 (64-byte aligned) */
#define VTPU_CP_RING_SIZE 0x4cu /* + queue block: entries, a power of two (0: no ring) */
#define VTPU_CP_RING_TAIL \
  0x50u /* + queue block: W: entries up to this index (mod 2^32) are written */
#define VTPU_CP_RING_HEAD 0x54u   /* + queue block: R: entries taken in so far */
#define VTPU_CP_DOORBELL 0x400u   /* write: release every pushed instruction */
#define VTPU_CP_STATUS 0x404u     /* VTPU_CP_STATUS_*; write 1s to clear DONE/ERROR */
#define VTPU_CP_ERR_CAUSE 0x408u  /* VTPU_ERR_* */
#define VTPU_CP_ERR_QUEUE 0x40cu  /* the queue of the failing instruction */
#define VTPU_CP_ERR_OPCODE 0x410u /* its opcode */
#define VTPU_CP_ERR_ADDR 0x414u   /* the offending address or value */
#define VTPU_CP_ERR_DETAIL 0x418u /* unit detail: the DMA's VTPU_DMA_CAUSE_* */
#define VTPU_CP_COMPLETED 0x41cu  /* instructions completed since reset (low 32 bits) */
#define VTPU_CP_TAG 0x420u        /* RW: carried into the trace by instructions released after */
#define VTPU_CP_SEM(s) (0x500u + 4u * (s))        /* RW: semaphore s's count */
#define VTPU_CP_COUNTER_LO(c) (0x600u + 8u * (c)) /* 64-bit performance counters */
#define VTPU_CP_COUNTER_HI(c) (0x604u + 8u * (c))

#define VTPU_CP_STATUS_BUSY(q) (1u << (q)) /* queue q has instructions not yet done */
#define VTPU_CP_STATUS_DONE 0x100u         /* an instruction with VTPU_INSN_IRQ completed */
#define VTPU_CP_STATUS_ERROR 0x200u        /* stopped on an error (queues flushed) */

/* Performance counters. */
#define VTPU_CNT_DMA_BUSY 0u /* cycles either DMA queue had an instruction running */
#define VTPU_CNT_MXU_BUSY 1u
#define VTPU_CNT_VPU_BUSY 2u
#define VTPU_CNT_MACS 3u       /* multiply-accumulates done by the MXU */
#define VTPU_CNT_DMA_BYTES 4u  /* bytes moved by DMA instructions */
#define VTPU_CNT_VPU_ELEMS 5u  /* elements produced by the VPU */
#define VTPU_CNT_INSNS 6u      /* instructions completed */
#define VTPU_CNT_HBM_READ 7u   /* bytes DMA instructions read from HBM */
#define VTPU_CNT_HBM_WRITE 8u  /* bytes DMA instructions wrote to HBM */
#define VTPU_CNT_MATMUL_WS 9u  /* MATMULs run weight-stationary */
#define VTPU_CNT_MATMUL_OS 10u /* MATMULs run output-stationary */
#define VTPU_COUNTERS 11u

/* Error causes (VTPU_CP_ERR_CAUSE). */
#define VTPU_ERR_NONE 0u
#define VTPU_ERR_OPCODE 1u /* unknown opcode, or not for this queue */
#define VTPU_ERR_ADDRESS \
  2u                      /* an operand outside its memory or misaligned (ERR_ADDR: its address) */
#define VTPU_ERR_SHAPE 3u /* a zero dimension, or one the unit cannot take */
#define VTPU_ERR_TYPE 4u  /* an element type or precision combination not supported */
#define VTPU_ERR_SEMAPHORE 5u /* a semaphore index >= VTPU_SEMAPHORES */
#define VTPU_ERR_DEADLOCK \
  6u                    /* a wait that nothing released can satisfy (ERR_ADDR: the semaphore) */
#define VTPU_ERR_DMA 7u /* the DMA refused the copy (ERR_ADDR: its address; DMA cause in bits) */
#define VTPU_ERR_OVERFLOW 8u /* PUSH to a full queue */
#define VTPU_ERR_DATAFLOW 9u /* a MATMUL dataflow the array does not run (ERR_ADDR: it) */

#endif /* VTPU_ISA_H */
