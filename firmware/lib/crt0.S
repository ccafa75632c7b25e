/* Reset entry: global pointer, stack, trap vector, .bss, the SoC's map from
 * chip info (its address comes in a1, vtpu/soc_map.h), then main(); its
 * return value becomes the exit code. */
    .section .text.init, "ax"
    .globl _start
_start:
    mv s0, a1
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top
    la t0, vtpu_trap_entry
    csrw mtvec, t0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  mv a0, s0
    call vtpu_soc_init
    li a0, 0
    li a1, 0
    call main
    call exit
3:  j 3b
