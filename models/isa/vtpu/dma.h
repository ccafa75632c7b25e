/*
 * vtpu DMA engine: the descriptor and the register block (docs/dma.md).
 *
 * One definition shared by the firmware (C, RV32) and the model (C++). The
 * descriptor is written word by word into the DESC registers, in the order of
 * the struct below, FLAGS beside it; START runs it. The same descriptor is
 * the body of the DMA queue's instruction (vtpu/isa.h).
 *
 * A copy has up to four dimensions: size[0] contiguous bytes form a row;
 * size[1..3] count the rows, planes and blocks (at least 1 each), and
 * src_stride[i] / dst_stride[i] are the byte distances between consecutive
 * items of dimension i + 1. Any of core RAM, VMEM, AMEM and HBM may be source
 * or destination; each side's whole footprint must lie in one memory, or the
 * descriptor fails before a byte moves.
 */
#ifndef VTPU_DMA_H
#define VTPU_DMA_H

#include <stdint.h>

typedef struct vtpu_dma_desc {
  uint64_t src;           /* byte address of the first source byte */
  uint64_t dst;           /* byte address of the first destination byte */
  uint32_t size[4];       /* bytes per row; rows; planes; blocks */
  uint32_t src_stride[3]; /* bytes between rows, planes, blocks */
  uint32_t dst_stride[3];
} vtpu_dma_desc; /* 56 bytes: 14 words on RV32 and on the host */

#define VTPU_DMA_DESC_WORDS (sizeof(vtpu_dma_desc) / 4u)
#define VTPU_DMA_FLAG_IRQ 0x1u /* raise VTPU_IRQ_DMA_DONE when the copy completes */

/* Registers (offsets from VTPU_DMA_BASE). */
#define VTPU_DMA_DESC 0x00u        /* VTPU_DMA_DESC_WORDS words: the descriptor */
#define VTPU_DMA_FLAGS 0x38u       /* VTPU_DMA_FLAG_* for the next START */
#define VTPU_DMA_START 0x40u       /* write 1: run the descriptor */
#define VTPU_DMA_STATUS 0x44u      /* VTPU_DMA_STATUS_*; write 1s to clear DONE/ERROR */
#define VTPU_DMA_CAUSE 0x48u       /* VTPU_DMA_CAUSE_* of the last error */
#define VTPU_DMA_ERR_ADDR_LO 0x4cu /* the offending address of the last error */
#define VTPU_DMA_ERR_ADDR_HI 0x50u
#define VTPU_DMA_BYTES_LO 0x54u /* bytes copied, all descriptors (64-bit counter) */
#define VTPU_DMA_BYTES_HI 0x58u
#define VTPU_DMA_BUSY_LO 0x5cu /* cycles with a descriptor running (64-bit counter) */
#define VTPU_DMA_BUSY_HI 0x60u

#define VTPU_DMA_STATUS_BUSY 0x1u
#define VTPU_DMA_STATUS_DONE 0x2u
#define VTPU_DMA_STATUS_ERROR 0x4u

#define VTPU_DMA_CAUSE_NONE 0u
#define VTPU_DMA_CAUSE_SRC_RANGE 1u    /* source footprint not inside one memory */
#define VTPU_DMA_CAUSE_DST_RANGE 2u    /* destination footprint not inside one memory */
#define VTPU_DMA_CAUSE_ZERO_SIZE 3u    /* a size[] of zero */
#define VTPU_DMA_CAUSE_BUSY 4u         /* START while a descriptor runs */
#define VTPU_DMA_CAUSE_BUS_ERROR 5u    /* a memory answered with an error */
#define VTPU_DMA_CAUSE_MEMORY_ERROR 6u /* a DRAM read had an uncorrectable (ECC) error */
#define VTPU_DMA_CAUSE_ABORTED 7u      /* the engine aborted the copy (faults.dma_abort_per_copy) */

#endif /* VTPU_DMA_H */
