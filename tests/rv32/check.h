/* Checks for the project's own RV32 C test programs. A failed CHECK prints
 * the file, line and expression over the UART and exits with code 1. */
#ifndef VTPU_CHECK_H
#define VTPU_CHECK_H

#include <stdio.h>

#include "vtpu/fw.h"

#define CHECK(cond)                                          \
  do {                                                       \
    if (!(cond)) {                                           \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      vtpu_exit(1);                                          \
    }                                                        \
  } while (0)

#define CHECK_EQ(a, b)                                                                       \
  do {                                                                                       \
    unsigned long a_ = (unsigned long)(a), b_ = (unsigned long)(b);                          \
    if (a_ != b_) {                                                                          \
      printf("FAIL %s:%d: %s == %s (0x%lx != 0x%lx)\n", __FILE__, __LINE__, #a, #b, a_, b_); \
      vtpu_exit(1);                                                                          \
    }                                                                                        \
  } while (0)

#endif
