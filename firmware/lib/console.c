/* picolibc's stdio on the UART, and exit through the sim-control block. */
#include <stdio.h>

#include "vtpu/fw.h"

static int uart_putc(char c, FILE* file) {
  (void)file;
  VTPU_MMIO32(vtpu_soc.uart + VTPU_UART_TXDATA) = (uint8_t)c;
  return (uint8_t)c;
}

static FILE console = FDEV_SETUP_STREAM(uart_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE* const stdin = &console;
FILE* const stdout = &console;
FILE* const stderr = &console;

void vtpu_exit(int code) {
  VTPU_MMIO32(vtpu_soc.sim_ctrl + VTPU_SIMCTRL_EXIT) = (uint32_t)code;
  for (;;) {
  }
}

void _exit(int code) {
  vtpu_exit(code);
}
