#include <stdint.h>

#include "bench.h"
#include "vtpu/soc_map.h"

void bench_putc(char c) {
  *(volatile uint32_t*)(VTPU_UART_BASE + VTPU_UART_TXDATA) = (uint8_t)c;
}

void bench_exit(int code) {
  *(volatile uint32_t*)(VTPU_SIMCTRL_BASE + VTPU_SIMCTRL_EXIT) = (uint32_t)code;
  for (;;) {
  }
}
