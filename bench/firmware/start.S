/* Bare start for the ISS workload: stack, main(), exit with its result. */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$   /* the linker relaxes other `la`s against gp */
    .option pop
    la sp, __stack_top
    call main
    call bench_exit
1:  j 1b
