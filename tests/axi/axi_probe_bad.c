/* A burst AXI4 forbids stops the run (exit 6) with one line naming the block:
 * an INCR burst across a 4 KiB boundary, or (BAD_WLAST) WLAST on the second
 * of three beats. */
#include "axi_test.h"

#define REG(off) VTPU_MMIO32(block.base + (off))

static uint8_t mem[8192] __attribute__((aligned(4096)));

int main(void) {
  struct axi_block block = axi_find(0x41584950u);
  CHECK(block.base != 0);
  REG(0x0c) = (uint32_t)(uintptr_t)mem + 0xff8; /* ADDR_LO */
  REG(0x10) = 0;
  REG(0x14) = 2; /* three beats */
  REG(0x18) = 3; /* of 8 bytes */
  REG(0x1c) = 1; /* INCR */
#ifdef BAD_WLAST
  REG(0x0c) = (uint32_t)(uintptr_t)mem; /* within 4 KiB: only WLAST is wrong */
  REG(0x04) = 2 | 4;
#else
  REG(0x04) = 2;
#endif
  while (VTPU_MMIO32(block.base + 0x08) & 1u) {
  }
  return 0; /* not reached: the run stops */
}
