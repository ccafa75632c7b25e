#include <stdint.h>

#include "bench.h"
#include "vtpu/soc_map.h"

#define MMIO32(address) (*(volatile uint32_t*)(uintptr_t)(address))

/* The console and sim-control, found through chip info (docs/memory-map.md, "Boot"). */
static uint32_t uart, sim_ctrl;

void bench_boot(uint32_t chip_info) {
  uart = MMIO32(chip_info + VTPU_CHIPINFO_UART_BASE);
  sim_ctrl = MMIO32(chip_info + VTPU_CHIPINFO_SIMCTRL_BASE);
}

void bench_putc(char c) {
  MMIO32(uart + VTPU_UART_TXDATA) = (uint8_t)c;
}

void bench_exit(int code) {
  MMIO32(sim_ctrl + VTPU_SIMCTRL_EXIT) = (uint32_t)code;
  for (;;) {
  }
}
