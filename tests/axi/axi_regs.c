/* The AXI4-Lite example block (rtl/examples/axi_regs) behind the bridge:
 * word, half-word and byte reads and writes (strobes), its register file,
 * its write counter, an access the block answers with SLVERR (a load and a
 * store access fault), and its timer's interrupt through the PLIC, no sooner
 * than the cycles it was set to. */
#include <stdio.h>

#include "axi_test.h"

#define ID 0x41584952u
#define SCRATCH 0x04u
#define WRITES 0x08u
#define TIMER 0x0cu
#define IRQ_STATUS 0x10u
#define IRQ_ENABLE 0x14u
#define REGS 0x20u

static uint32_t base;
#define REG(off) VTPU_MMIO32(base + (off))

static volatile uint32_t interrupts, irq_source, irq_status, irq_cycle;
static volatile uint32_t faults, fault_cause, fault_address;

void vtpu_external_interrupt(uint32_t source, struct vtpu_trap_frame* frame) {
  (void)frame;
  irq_cycle = cycles_now();
  irq_source = source;
  irq_status = REG(IRQ_STATUS);
  REG(IRQ_STATUS) = 1; /* clear: the line drops before the claim completes */
  ++interrupts;
}

/* Access faults (SLVERR): noted, and the access skipped. */
void vtpu_exception(struct vtpu_trap_frame* frame) {
  ++faults;
  fault_cause = frame->mcause;
  fault_address = frame->mtval;
  frame->mepc += insn_length(frame->mepc);
}

int main(void) {
  struct axi_block block = axi_find(ID);
  CHECK(block.base != 0);
  CHECK(block.irq >= VTPU_IRQ_EXTERNAL_FIRST && block.irq <= VTPU_IRQ_EXTERNAL_LAST);
  base = block.base;
  const uint32_t writes = REG(WRITES);

  /* words, halves and bytes: the strobes pick the lanes */
  REG(SCRATCH) = 0x12345678u;
  CHECK_EQ(REG(SCRATCH), 0x12345678u);
  MMIO8(base + SCRATCH + 1) = 0xab;
  CHECK_EQ(REG(SCRATCH), 0x1234ab78u);
  MMIO16(base + SCRATCH + 2) = 0xcdef;
  CHECK_EQ(REG(SCRATCH), 0xcdefab78u);
  CHECK_EQ(MMIO8(base + SCRATCH + 3), 0xcd);
  CHECK_EQ(MMIO16(base + SCRATCH), 0xab78);

  /* what one access costs the core (mcycle around it; includes reading mcycle) */
  uint32_t t0 = cycles_now();
  (void)REG(SCRATCH);
  const uint32_t read_cycles = cycles_now() - t0;
  t0 = cycles_now();
  REG(SCRATCH) = 0xcdefab78u;
  const uint32_t write_cycles = cycles_now() - t0;
  t0 = cycles_now();
  (void)VTPU_MMIO32(vtpu_soc.sim_ctrl + VTPU_SIMCTRL_ID); /* a TLM register block, for scale */
  const uint32_t tlm_read_cycles = cycles_now() - t0;

  /* the register file */
  for (uint32_t i = 0; i < 8; ++i) REG(REGS + 4 * i) = 0x9e3779b9u * (i + 1);
  for (uint32_t i = 0; i < 8; ++i) CHECK_EQ(REG(REGS + 4 * i), 0x9e3779b9u * (i + 1));
  CHECK_EQ(REG(WRITES) - writes, 4 + 8);

  /* an offset the block does not decode answers SLVERR: access faults */
  volatile uint32_t sink = REG(0x18);
  (void)sink;
  CHECK_EQ(faults, 1);
  CHECK_EQ(fault_cause, 5); /* load access fault */
  CHECK_EQ(fault_address, base + 0x18);
  REG(0x40) = 1;
  CHECK_EQ(faults, 2);
  CHECK_EQ(fault_cause, 7); /* store/AMO access fault */
  CHECK_EQ(fault_address, base + 0x40);

  /* the timer, polled: it counts down to 0 and sets IRQ_STATUS */
  REG(TIMER) = 200;
  uint32_t left = REG(TIMER);
  CHECK(left > 0 && left < 200);
  while (REG(TIMER) != 0) {
  }
  CHECK_EQ(REG(IRQ_STATUS), 1);
  CHECK_EQ(interrupts, 0); /* IRQ_ENABLE is off */
  REG(IRQ_STATUS) = 1;
  CHECK_EQ(REG(IRQ_STATUS), 0);

  /* the timer's interrupt: not before its 1000 cycles */
  axi_enable_irq(block.irq);
  REG(IRQ_ENABLE) = 1;
  const uint32_t start = cycles_now();
  REG(TIMER) = 1000;
  for (int i = 0; interrupts == 0 && i < 100; ++i) __asm__ volatile("wfi");
  CHECK_EQ(interrupts, 1);
  CHECK_EQ(irq_source, block.irq);
  CHECK_EQ(irq_status, 1);
  CHECK(irq_cycle - start >= 1000);
  CHECK(irq_cycle - start < 1400);
  CHECK_EQ(REG(IRQ_STATUS), 0);
  CHECK_EQ(PLIC(VTPU_PLIC_PENDING) & (1u << block.irq), 0);
  printf(
      "PASS axi_regs: read %lu cycles (sim-control's: %lu), write %lu cycles, interrupt after "
      "%lu cycles\n",
      (unsigned long)read_cycles, (unsigned long)tlm_read_cycles, (unsigned long)write_cycles,
      (unsigned long)(irq_cycle - start));
  return 0;
}
