/* Bare start for the ISS workload: stack, bench_boot(a1) (what the machine
 * hands over at reset), main(), exit with its result. */
    .section .text.init, "ax"
    .globl _start
_start:
    mv s0, a1
    .option push
    .option norelax
    la gp, __global_pointer$   /* the linker relaxes other `la`s against gp */
    .option pop
    la sp, __stack_top
    mv a0, s0
    call bench_boot
    call main
    call bench_exit
1:  j 1b
