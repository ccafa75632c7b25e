/* What the workload needs from its machine (target_vtpu.c, target_qemu.c). */
#ifndef VTPU_BENCH_H
#define VTPU_BENCH_H
void bench_putc(char c);
void bench_exit(int code) __attribute__((noreturn));
#endif
