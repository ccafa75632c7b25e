/*
 * Macros for the project's own RV32 assembly test programs (bare: no libc).
 * A program starts with TEST_BEGIN, runs checks, ends with TEST_PASS.
 * A failing check ends the run through sim-control with exit code = the
 * check's number (1..250), so the failing check is known from the status.
 */
#ifndef VTPU_ASM_TEST_H
#define VTPU_ASM_TEST_H

#include "vtpu/soc_map.h"

#define TEST_BEGIN          \
  .section .text.init, "ax"; \
  .globl _start;            \
  _start:                   \
  .option push;             \
  .option norelax;          \
  la gp, __global_pointer$; \
  .option pop;              \
  la sp, __stack_top;

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

#endif
