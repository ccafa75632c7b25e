/* Every kind of AXI4 burst through the bridge, from a Verilated master
 * (tests/axi/axi_probe.sv): INCR, WRAP and FIXED; full-width, narrow and
 * unaligned beats; sparse strobes; up to 32 beats. Each burst is written
 * into core RAM and read back, and checked against the AXI specification's
 * own pseudo-code for the beats' addresses and byte lanes (IHI 0022, A3.4.2),
 * written out here independently of the bridge's code. */
#include <stdio.h>
#include <string.h>

#include "axi_test.h"

#define ID 0x41584950u
#define CMD 0x04u
#define STATUS 0x08u
#define ADDR_LO 0x0cu
#define ADDR_HI 0x10u
#define LEN 0x14u
#define SIZE 0x18u
#define BURST 0x1cu
#define BEATS 0x20u
#define STRB(n) (0x80u + (n))
#define BUF(n) (0x100u + 8u * (n))
#define FIXED 0u
#define INCR 1u
#define WRAP 2u
#define BUS 8u

static uint32_t base;
#define REG(off) VTPU_MMIO32(base + (off))

static uint8_t mem[8192] __attribute__((aligned(4096)));
static uint8_t want[8192];

struct beat {
  uint32_t address, lower, upper; /* the beat's address and byte lanes */
};

/* A3.4.2's pseudo-code: the address and byte lanes of each beat. */
static void beats_of(uint32_t start, uint32_t n, uint32_t size, uint32_t burst, struct beat* out) {
  uint32_t addr = start;
  const uint32_t aligned_start = start / size * size;
  int aligned = aligned_start == start;
  const uint32_t dtsize = size * n;
  const uint32_t lower_wrap = start / dtsize * dtsize, upper_wrap = lower_wrap + dtsize;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t line = addr / BUS * BUS;
    out[i].address = addr;
    out[i].lower = addr - line;
    out[i].upper = aligned ? out[i].lower + size - 1 : aligned_start - line + size - 1;
    if (burst == FIXED) continue;
    if (aligned) {
      addr += size;
      if (burst == WRAP && addr >= upper_wrap) addr = lower_wrap;
    } else {
      addr = aligned_start + size;
      aligned = 1;
    }
  }
}

static void wait_idle(void) {
  while (REG(STATUS) & 1u) {
  }
}

static void set_burst(uint32_t address, uint32_t n, uint32_t size, uint32_t burst) {
  REG(ADDR_LO) = address;
  REG(ADDR_HI) = 0;
  REG(LEN) = n - 1;
  REG(SIZE) = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
  REG(BURST) = burst;
}

static uint8_t pattern(uint32_t i, uint32_t seed) {
  return (uint8_t)(i * 37u + seed * 101u + (i >> 8) + 1u);
}

static int cases;

/* One burst written and read back: `mask` leaves lanes out of every beat's
 * strobes (the lanes outside a beat's are never set). */
static void check(uint32_t offset, uint32_t n, uint32_t size, uint32_t burst, uint8_t mask) {
  struct beat beats[32];
  const uint32_t address = (uint32_t)(uintptr_t)mem + offset;
  beats_of(address, n, size, burst, beats);
  for (uint32_t i = 0; i < sizeof mem; ++i) mem[i] = want[i] = pattern(i, (uint32_t)cases);

  /* the write: beat i carries bytes 0xc0 + i, 0x10 + lane ... */
  uint32_t strobes[8] = {0};
  for (uint32_t i = 0; i < n; ++i) {
    uint8_t strobe = 0;
    for (uint32_t lane = beats[i].lower; lane <= beats[i].upper; ++lane) strobe |= 1u << lane;
    strobe &= (uint8_t)(i % 2 ? mask >> 1 | mask << 7 : mask);
    strobes[i / 4] |= (uint32_t)strobe << (8 * (i % 4));
    const uint32_t lo = 0x01010101u * (0x10u + i), hi = 0x01010101u * (0x80u + i);
    REG(BUF(i)) = lo ^ 0x03020100u;
    REG(BUF(i) + 4) = hi ^ 0x07060504u;
    const uint32_t line = beats[i].address / BUS * BUS;
    for (uint32_t lane = 0; lane < BUS; ++lane)
      if (strobe & (1u << lane))
        want[line + lane - (uint32_t)(uintptr_t)mem] =
            (uint8_t)((lane < 4 ? lo >> (8 * lane) : hi >> (8 * (lane - 4))) ^ lane);
  }
  for (uint32_t w = 0; w < 8; ++w) REG(STRB(4 * w)) = strobes[w];
  set_burst(address, n, size, burst);
  REG(CMD) = 2;
  wait_idle();
  CHECK_EQ(REG(STATUS), 0);
  for (uint32_t i = 0; i < sizeof mem; ++i)
    if (mem[i] != want[i]) {
      printf("FAIL case %d (write): byte +0x%lx is 0x%02x, want 0x%02x\n", cases, (unsigned long)i,
             mem[i], want[i]);
      vtpu_exit(1);
    }

  /* the read: each beat's lanes hold the bytes at its addresses */
  for (uint32_t i = 0; i < n; ++i) REG(BUF(i)) = REG(BUF(i) + 4) = 0xeeeeeeeeu;
  REG(CMD) = 1;
  wait_idle();
  CHECK_EQ(REG(STATUS), 8); /* OKAY, RLAST on the last beat */
  CHECK_EQ(REG(BEATS), n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t line = beats[i].address / BUS * BUS;
    const uint32_t lo = REG(BUF(i)), hi = REG(BUF(i) + 4);
    for (uint32_t lane = beats[i].lower; lane <= beats[i].upper; ++lane) {
      const uint8_t got = (uint8_t)(lane < 4 ? lo >> (8 * lane) : hi >> (8 * (lane - 4)));
      if (got != mem[line + lane - (uint32_t)(uintptr_t)mem]) {
        printf("FAIL case %d (read): beat %lu lane %lu is 0x%02x, want 0x%02x\n", cases,
               (unsigned long)i, (unsigned long)lane, got,
               mem[line + lane - (uint32_t)(uintptr_t)mem]);
        vtpu_exit(1);
      }
    }
  }
  ++cases;
}

int main(void) {
  struct axi_block block = axi_find(ID);
  CHECK(block.base != 0);
  base = block.base;
  check(0x000, 4, 8, INCR, 0xff);   /* full width */
  check(0x104, 5, 4, INCR, 0xff);   /* narrow: lanes 4-7, 0-3, ... */
  check(0x203, 9, 1, INCR, 0xff);   /* bytes from an odd address */
  check(0x305, 3, 8, INCR, 0xff);   /* unaligned: the first beat is short */
  check(0x40b, 4, 4, INCR, 0xff);   /* narrow and unaligned */
  check(0x508, 4, 4, WRAP, 0xff);   /* wraps at 16 bytes */
  check(0x618, 8, 8, WRAP, 0xff);   /* wraps at 64 bytes */
  check(0x706, 4, 2, WRAP, 0xff);   /* half-words, wraps at 8 */
  check(0x804, 3, 4, FIXED, 0xff);  /* one address, three beats */
  check(0x901, 16, 1, FIXED, 0xff); /* one byte, sixteen times */
  check(0xa00, 2, 8, INCR, 0x5a);   /* sparse strobes */
  check(0xb00, 32, 8, INCR, 0xff);  /* 32 beats */
  check(0xc03, 9, 8, INCR, 0x3c);   /* unaligned, sparse */
  printf("PASS axi_probe: %d bursts written and read back\n", cases);
  return 0;
}
