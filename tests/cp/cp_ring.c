/* Instruction rings: entries written in place in core RAM, released by the
 * doorbell together with the other queues' (a VPU NOP waits on what a DMA
 * NOP signals, released in the same doorbell); a ring filled past what it
 * holds, which releases itself as it goes; then the ring's errors: a size
 * that is not a power of two, a ring outside memory, a tail further ahead than
 * the ring holds. Each stops the processor with its cause. */
#include <stdio.h>

#include "../rv32/check.h"
#include "vtpu/cp_driver.h"

#define CP(off) VTPU_MMIO32(vtpu_soc.cp + (off))

static vtpu_insn dma_ring[8] __attribute__((aligned(64)));
static vtpu_insn vpu_ring[8] __attribute__((aligned(64)));

static vtpu_insn* nop(vtpu_cp_ring* r, uint8_t wait, uint8_t signal) {
  vtpu_insn* i = vtpu_cp_ring_next(r);
  i->h.opcode = VTPU_OP_NOP;
  i->h.wait_sem = wait;
  i->h.signal_sem = signal;
  return i;
}

static void expect_error(uint32_t cause, uint32_t queue, uint32_t address) {
  vtpu_cp_error e;
  CHECK_EQ(vtpu_cp_wait(&e), VTPU_CP_STATUS_ERROR);
  CHECK_EQ(e.cause, cause);
  CHECK_EQ(e.queue, queue);
  CHECK_EQ(e.address, address);
}

int main(void) {
  vtpu_cp_init();
  vtpu_cp_ring dma, vpu;
  vtpu_cp_ring_init(&dma, VTPU_QUEUE_DMA, dma_ring, 8);
  vtpu_cp_ring_init(&vpu, VTPU_QUEUE_VPU, vpu_ring, 8);
  /* 12 rounds through 8-entry rings: the waiter is published first. */
  for (int round = 0; round < 12; ++round) {
    nop(&vpu, 3, 4);
    nop(&dma, VTPU_SEM_NONE, 3);
    vtpu_cp_ring_publish(&vpu);
    vtpu_cp_ring_publish(&dma);
    vtpu_cp_doorbell();
  }
  vtpu_insn* fence = nop(&vpu, VTPU_SEM_NONE, VTPU_SEM_NONE);
  fence->h.opcode = VTPU_OP_FENCE;
  fence->h.flags = VTPU_INSN_IRQ;
  vtpu_cp_ring_publish(&vpu);
  vtpu_cp_doorbell();
  CHECK_EQ(vtpu_cp_wait(0), VTPU_CP_STATUS_DONE);
  CHECK_EQ(CP(VTPU_CP_SEM(4)), 12);
  CHECK_EQ(CP(VTPU_CP_SEM(3)), 0);
  CHECK_EQ(CP(VTPU_CP_QUEUE(VTPU_QUEUE_VPU) + VTPU_CP_RING_HEAD), 13);
  CHECK_EQ(CP(VTPU_CP_QUEUE(VTPU_QUEUE_DMA) + VTPU_CP_RING_HEAD), 12);
  CHECK_EQ(vtpu_cp_counter(VTPU_CNT_INSNS), 25);

  /* Twenty NOPs into the 8-entry VPU ring, never published by us: the ring
   * releases itself (its full hook publishes and rings) whenever 7 wait
   * unreleased, lap after lap, and loses none of them. */
  for (int i = 0; i < 20; ++i) nop(&vpu, VTPU_SEM_NONE, 5);
  nop(&vpu, VTPU_SEM_NONE, VTPU_SEM_NONE)->h.flags = VTPU_INSN_IRQ;
  vtpu_cp_ring_publish(&vpu);
  vtpu_cp_doorbell();
  CHECK_EQ(vtpu_cp_wait(0), VTPU_CP_STATUS_DONE);
  CHECK_EQ(CP(VTPU_CP_SEM(5)), 20);
  CHECK_EQ(CP(VTPU_CP_QUEUE(VTPU_QUEUE_VPU) + VTPU_CP_RING_HEAD), 13 + 21);
  CHECK_EQ(vtpu_cp_ring_tail(&vpu), 13 + 21);

  /* A ring of 6 entries. */
  CP(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_RING_BASE) = (uint32_t)(uintptr_t)dma_ring;
  CP(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_RING_SIZE) = 6;
  CP(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_RING_TAIL) = 1;
  vtpu_cp_doorbell();
  expect_error(VTPU_ERR_SHAPE, VTPU_QUEUE_MXU, 6);
  /* A ring where there is no memory. */
  CP(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_RING_BASE) = 0x40000000u;
  CP(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_RING_SIZE) = 4;
  vtpu_cp_doorbell();
  expect_error(VTPU_ERR_ADDRESS, VTPU_QUEUE_MXU, 0x40000000u);
  /* More entries than the ring holds. */
  CP(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_RING_BASE) = (uint32_t)(uintptr_t)dma_ring;
  CP(VTPU_CP_QUEUE(VTPU_QUEUE_MXU) + VTPU_CP_RING_TAIL) = 9;
  vtpu_cp_doorbell();
  expect_error(VTPU_ERR_OVERFLOW, VTPU_QUEUE_MXU, 9);
  printf("PASS cp_ring\n");
  return 0;
}
