/* Physical memory protection (docs/core.md): NA4, TOR and NAPOT matching,
 * R/W/X for U mode, M mode passing unlocked entries, locked entries binding M
 * mode and ignoring writes, partial matches failing, mstatus.MPRV. Entry 15
 * (from TEST_BEGIN) lets U mode reach everything else. */
#include "asm_test.h"

  .option norvc  /* the handler skips a faulting instruction with mepc + 4 */

#define CAUSE_FETCH 1
#define CAUSE_LOAD 5
#define CAUSE_STORE 7
#define NA4 (2 << 3)
#define TOR (1 << 3)
#define R 1
#define W 2
#define X 4
#define L 0x80

/* Runs `code` in U mode, then returns to M mode (the handler ends U mode
 * on ecall). */
#define IN_USER_MODE(label, ...) \
  li s10, 0;                      \
  la s9, label##_back;            \
  li t0, 0x1800;                  \
  csrc mstatus, t0;               \
  la t0, label##_user;            \
  csrw mepc, t0;                  \
  mret;                           \
label##_user:                     \
  __VA_ARGS__;                    \
  ecall;                          \
label##_back:

TEST_BEGIN
  la t0, handler
  csrw mtvec, t0

  /* ---- entry 0: NA4 read-only word */
  la t0, secret
  srli t0, t0, 2
  csrw pmpaddr0, t0
  li t0, NA4 | R
  csrw pmpcfg0, t0
  IN_USER_MODE(u1, la a1, secret; lw a2, 0(a1))
  CHECK_EQ(1, s10, 0)                 /* nothing trapped */
  CHECK_EQ(2, a2, 0x5ec4e7)
  IN_USER_MODE(u2, la a1, secret; sw zero, 0(a1))
  CHECK_EQ(3, s10, CAUSE_STORE)
  la a1, secret
  CHECK_REG(4, s11, a1)
  lw a2, 0(a1)
  CHECK_EQ(5, a2, 0x5ec4e7)           /* the store did not happen */
  li a3, 0x11
  sw a3, 0(a1)                        /* M mode passes an unlocked entry */
  lw a2, 0(a1)
  CHECK_EQ(6, a2, 0x11)

  /* ---- MPRV: M-mode loads and stores with U's permissions */
  li t0, (1 << 17)                    /* MPRV = 1, MPP = U */
  csrs mstatus, t0
  li t0, 0x1800
  csrc mstatus, t0
  li s10, 0
  lw a2, 0(a1)
  CHECK_EQ(7, s10, 0)
  sw zero, 0(a1)
  CHECK_EQ(8, s10, CAUSE_STORE)
  li t0, (1 << 17)
  csrc mstatus, t0

  /* ---- entries 2..3: TOR [guarded, guarded + 8) with no permissions */
  la t0, guarded
  srli t0, t0, 2
  csrw pmpaddr2, t0
  addi t0, t0, 2
  csrw pmpaddr3, t0
  li t0, (TOR << 24)                  /* entry 3 = TOR, entry 2 off */
  csrw pmpcfg0, t0                    /* (entry 0 off again) */
  IN_USER_MODE(u3, la a1, guarded; lw a2, 4(a1))
  CHECK_EQ(9, s10, CAUSE_LOAD)
  la a1, guarded
  addi a1, a1, 4
  CHECK_REG(10, s11, a1)
  /* a word straddling the region's start matches partially: it fails */
  IN_USER_MODE(u4, la a1, guarded; lw a2, -2(a1))
  CHECK_EQ(11, s10, CAUSE_LOAD)
  /* the word just below the region is outside it */
  IN_USER_MODE(u5, la a1, guarded; lw a2, -4(a1))
  CHECK_EQ(12, s10, 0)

  /* ---- entry 5: NA4 over code without X: U-mode fetch faults */
  la t0, no_exec
  srli t0, t0, 2
  csrw pmpaddr5, t0
  li t0, ((NA4 | R) << 8)
  csrw pmpcfg1, t0
  IN_USER_MODE(u6, la a1, no_exec; jalr ra, a1)
  CHECK_EQ(13, s10, CAUSE_FETCH)
  la a1, no_exec
  CHECK_REG(14, s11, a1)

  /* ---- entry 4: locked read-only word binds M mode; writes are ignored */
  la t0, locked
  srli t0, t0, 2
  csrw pmpaddr4, t0
  li t0, ((NA4 | R) << 8) | (NA4 | R | L)
  csrw pmpcfg1, t0
  la a1, locked
  lw a2, 0(a1)
  CHECK_EQ(15, a2, 0x10c4ed)
  li s10, 0
  sw zero, 0(a1)
  CHECK_EQ(16, s10, CAUSE_STORE)
  csrw pmpcfg1, zero                  /* entry 4 keeps its value; entry 5 clears */
  csrr a2, pmpcfg1
  CHECK_EQ(17, a2, NA4 | R | L)
  csrw pmpaddr4, zero
  csrr a2, pmpaddr4
  srli t0, a1, 2
  CHECK_REG(18, a2, t0)
TEST_PASS

  .align 2
handler:                              /* records cause and mtval in s10, s11 */
  csrr t1, mcause
  li t0, 8
  beq t1, t0, handler_ecall           /* (the ecall that ends U mode is not recorded) */
  mv s10, t1
  csrr s11, mtval
  li t0, CAUSE_FETCH
  beq s10, t0, handler_fetch
  csrr t0, mepc
  addi t0, t0, 4
  csrw mepc, t0
  mret
handler_fetch:                        /* return to the caller of the bad jump */
  csrw mepc, ra
  mret
handler_ecall:                        /* leave U mode: continue at s9 in M mode */
  csrw mepc, s9
  li t0, 0x1800
  csrs mstatus, t0
  mret

  .align 3
no_exec:
  ret

  .data
  .align 4
secret: .word 0x5ec4e7, 0
  .align 4
  .word 0
guarded: .word 1, 2
  .word 0
  .align 4
locked: .word 0x10c4ed
