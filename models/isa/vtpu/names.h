/*
 * vtpu: the text of every code the chip and the runtime report (layer kinds,
 * refusals, accelerator error causes, DMA causes, queues).
 *
 * The one wording shared by the firmware (printed on the UART) and the host
 * (vtpu's error lines, reports, tools): a code's meaning is written once,
 * beside the header that defines it. Plain C, static inline: firmware keeps
 * only what it calls.
 */
#ifndef VTPU_NAMES_H
#define VTPU_NAMES_H

#include <stdint.h>

#include "dma.h"   /* VTPU_DMA_CAUSE_* */
#include "isa.h"   /* VTPU_QUEUE_*, VTPU_ERR_* */
#include "model.h" /* VTPU_LAYER_*, VTPU_BAD_* */

/* vtpu_layer.kind */
static inline const char* vtpu_layer_kind_name(uint32_t kind) {
  switch (kind) {
    case VTPU_LAYER_MATMUL: return "matmul";
    case VTPU_LAYER_CONV2D: return "conv2d";
    case VTPU_LAYER_POOL: return "pool";
    case VTPU_LAYER_ELEMENTWISE: return "elementwise";
    case VTPU_LAYER_SOFTMAX: return "softmax";
    case VTPU_LAYER_LAYERNORM: return "layernorm";
    case VTPU_LAYER_COPY: return "copy";
    case VTPU_LAYER_FILL: return "fill";
    default: return "unknown kind";
  }
}

/* vtpu_run_result.reason of a layer the firmware refused (VTPU_BAD_*) */
static inline const char* vtpu_bad_layer_text(uint32_t reason) {
  switch (reason) {
    case VTPU_BAD_KIND: return "unknown kind, op, element type, weights format or dataflow";
    case VTPU_BAD_SHAPE: return "a zero or inconsistent dimension";
    case VTPU_BAD_FIT: return "no tiling fits the chip's VMEM and AMEM";
    case VTPU_BAD_SCRATCH: return "needs more scratch than the model provides";
    case VTPU_BAD_OPERAND: return "an operand lies outside the model image";
    default: return "invalid layer";
  }
}

/* The command processor's VTPU_CP_ERR_CAUSE (VTPU_ERR_*) */
static inline const char* vtpu_accel_error_text(uint32_t cause) {
  switch (cause) {
    case VTPU_ERR_OPCODE: return "bad opcode";
    case VTPU_ERR_ADDRESS: return "operand outside its memory";
    case VTPU_ERR_SHAPE: return "bad shape";
    case VTPU_ERR_TYPE: return "unsupported element type";
    case VTPU_ERR_SEMAPHORE: return "bad semaphore";
    case VTPU_ERR_DEADLOCK: return "deadlock";
    case VTPU_ERR_DMA: return "DMA refused the copy";
    case VTPU_ERR_OVERFLOW: return "queue overflow";
    case VTPU_ERR_DATAFLOW: return "dataflow not supported by the array";
    default: return "unknown cause";
  }
}

/* The DMA engine's VTPU_DMA_CAUSE (VTPU_DMA_CAUSE_*) */
static inline const char* vtpu_dma_cause_text(uint32_t cause) {
  switch (cause) {
    case VTPU_DMA_CAUSE_SRC_RANGE: return "source outside memory";
    case VTPU_DMA_CAUSE_DST_RANGE: return "destination outside memory";
    case VTPU_DMA_CAUSE_ZERO_SIZE: return "zero size";
    case VTPU_DMA_CAUSE_BUSY: return "engine busy";
    case VTPU_DMA_CAUSE_BUS_ERROR: return "bus error";
    case VTPU_DMA_CAUSE_MEMORY_ERROR: return "uncorrectable memory error";
    case VTPU_DMA_CAUSE_ABORTED: return "copy aborted";
    default: return "unknown DMA cause";
  }
}

/* VTPU_OP_* */
static inline const char* vtpu_opcode_name(uint32_t opcode) {
  switch (opcode) {
    case VTPU_OP_NOP: return "NOP";
    case VTPU_OP_FENCE: return "FENCE";
    case VTPU_OP_DMA: return "DMA";
    case VTPU_OP_MATMUL: return "MATMUL";
    case VTPU_OP_VPU: return "VPU";
    default: return "?";
  }
}

/* VTPU_QUEUE_* */
static inline const char* vtpu_queue_name(uint32_t queue) {
  switch (queue) {
    case VTPU_QUEUE_DMA: return "DMA";
    case VTPU_QUEUE_MXU: return "MXU";
    case VTPU_QUEUE_VPU: return "VPU";
    case VTPU_QUEUE_DMA1: return "DMA1";
    default: return "?";
  }
}

#endif /* VTPU_NAMES_H */
