/* What the workload needs from its machine (target_vtpu.c, target_qemu.c). */
#ifndef VTPU_BENCH_H
#define VTPU_BENCH_H
#include <stdint.h>
/* At reset, with the boot argument (vtpu: chip info's address; qemu: the
 * device tree's). */
void bench_boot(uint32_t boot_argument);
void bench_putc(char c);
void bench_exit(int code) __attribute__((noreturn));
#endif
