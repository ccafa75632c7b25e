/*
 * Driver for the DMA engine's register interface (vtpu/dma.h, docs/dma.md).
 * One copy at a time; the caller waits with vtpu_dma_wait(), which sleeps in
 * WFI until the engine's done or error interrupt.
 */
#ifndef VTPU_DMA_DRIVER_H
#define VTPU_DMA_DRIVER_H

#include <stdint.h>

#include "vtpu/dma.h"

/* Routes the DMA's two interrupt lines through the PLIC to this hart (mie.MEIE);
 * global interrupts (mstatus.MIE) are left as they are. */
void vtpu_dma_init(void);
/* Writes the descriptor and starts it with the done interrupt on. */
void vtpu_dma_start(const vtpu_dma_desc* d);
/* Sleeps until the engine is idle; returns STATUS (DONE or ERROR) and clears
 * it. With interrupts globally off, it also claims and completes the DMA's
 * PLIC sources (any other source claimed goes to vtpu_external_interrupt). */
uint32_t vtpu_dma_wait(void);
uint32_t vtpu_dma_cause(void);
uint64_t vtpu_dma_error_address(void);
/* A 1-D copy of `bytes` bytes. */
vtpu_dma_desc vtpu_dma_linear(uint64_t src, uint64_t dst, uint32_t bytes);

#endif /* VTPU_DMA_DRIVER_H */
