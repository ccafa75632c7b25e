/*
 * Macros for the project's own RV32 assembly test programs (bare: no libc).
 * A program starts with TEST_BEGIN, runs checks, ends with TEST_PASS.
 * A failing check ends the run through sim-control with exit code = the
 * check's number (1..250), so the failing check is known from the status.
 * The checks use t5, t6 and a0 (on failure) and the local label 1, so a test
 * keeps no values in t5/t6 and uses no label 1 of its own.
 */
#ifndef VTPU_ASM_TEST_H
#define VTPU_ASM_TEST_H

#include "vtpu/soc_map.h"

/* Assembly, which clang-format would rewrite. */
// clang-format off

/* PMP entry 15 (the lowest priority) grants U mode everything, as the
 * riscv-tests environment does: with PMP implemented, U-mode accesses that
 * match no entry fail. Tests of PMP itself use entries 0..14. */
#define PMP_ALLOW_ALL           \
  li t0, -1;                    \
  csrw pmpaddr15, t0;           \
  li t0, 0x1f000000;            \
  csrw pmpcfg3, t0;

#define TEST_BEGIN          \
  .section .text.init, "ax"; \
  .globl _start;            \
  _start:                   \
  .option push;             \
  .option norelax;          \
  la gp, __global_pointer$; \
  .option pop;              \
  la sp, __stack_top;       \
  PMP_ALLOW_ALL

/* Ends the run with exit code `code` (a register). */
#define EXIT_WITH(reg)              \
  li t6, VTPU_SIMCTRL_BASE;         \
  sw reg, VTPU_SIMCTRL_EXIT(t6);    \
  9999: j 9999b;

#define TEST_PASS   \
  li a0, 0;         \
  EXIT_WITH(a0)

/* Fails with code `n` unless register `reg` equals the constant `value`. */
#define CHECK_EQ(n, reg, value) \
  li t5, value;                 \
  beq reg, t5, 1f;              \
  li a0, n;                     \
  EXIT_WITH(a0)                 \
  1:

/* Fails with code `n` unless register `reg` equals register `expected`
 * (neither may be t5 or t6). */
#define CHECK_REG(n, reg, expected) \
  beq reg, expected, 1f;            \
  li a0, n;                         \
  EXIT_WITH(a0)                     \
  1:

/* Fails with code `n` unconditionally. */
#define FAIL(n)  \
  li a0, n;      \
  EXIT_WITH(a0)

/* Checks (numbers n, n + 1, n + 2) that the recorded trap had cause `cause`,
 * mepc = label `at` and mtval = `tval` (s2/s3/s4, as recorded below). */
#define CHECK_TRAP(n, cause, at, tval) \
  CHECK_EQ(n, s2, cause)               \
  la a0, at;                           \
  CHECK_REG(n + 1, s3, a0)             \
  CHECK_EQ(n + 2, s4, tval)

/* A trap handler that records mcause/mepc/mtval in s2/s3/s4 and resumes at
 * the address in s5. Place it after TEST_PASS; point mtvec at trap_handler. */
#define RECORDING_TRAP_HANDLER \
  .align 2;                    \
  trap_handler:                \
  csrr s2, mcause;             \
  csrr s3, mepc;               \
  csrr s4, mtval;              \
  csrw mepc, s5;               \
  mret;

// clang-format on

#endif
