#include "vtpu/dma_driver.h"
#include "vtpu/fw.h"

#define DMA(off) VTPU_MMIO32(vtpu_soc.dma + (off))
#define PLIC(off) VTPU_MMIO32(vtpu_soc.plic + (off))

void vtpu_dma_init(void) {
  PLIC(VTPU_PLIC_PRIORITY(VTPU_IRQ_DMA_DONE)) = 1;
  PLIC(VTPU_PLIC_PRIORITY(VTPU_IRQ_DMA_ERROR)) = 1;
  PLIC(VTPU_PLIC_ENABLE) |= (1u << VTPU_IRQ_DMA_DONE) | (1u << VTPU_IRQ_DMA_ERROR);
  csr_set(mie, MIE_MEIE);
}

void vtpu_dma_start(const vtpu_dma_desc* d) {
  const uint32_t* words = (const uint32_t*)d;
  for (unsigned i = 0; i < VTPU_DMA_DESC_WORDS; ++i) DMA(VTPU_DMA_DESC + 4 * i) = words[i];
  DMA(VTPU_DMA_FLAGS) = VTPU_DMA_FLAG_IRQ;
  DMA(VTPU_DMA_START) = 1;
}

uint32_t vtpu_dma_wait(void) {
  uint32_t status;
  while ((status = DMA(VTPU_DMA_STATUS)) & VTPU_DMA_STATUS_BUSY) __asm__ volatile("wfi");
  DMA(VTPU_DMA_STATUS) = VTPU_DMA_STATUS_DONE | VTPU_DMA_STATUS_ERROR;
  vtpu_plic_acknowledge();
  return status;
}

uint32_t vtpu_dma_cause(void) {
  return DMA(VTPU_DMA_CAUSE);
}

uint64_t vtpu_dma_error_address(void) {
  return ((uint64_t)DMA(VTPU_DMA_ERR_ADDR_HI) << 32) | DMA(VTPU_DMA_ERR_ADDR_LO);
}

vtpu_dma_desc vtpu_dma_linear(uint64_t src, uint64_t dst, uint32_t bytes) {
  vtpu_dma_desc d = {0};
  d.src = src;
  d.dst = dst;
  d.size[0] = bytes;
  d.size[1] = d.size[2] = d.size[3] = 1;
  return d;
}
