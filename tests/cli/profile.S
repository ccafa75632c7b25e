/* For --profile (check_profile.py): `inner` runs 100 times, each time
 * li, ten addi + bnez (nine taken), ret: 22 instructions and, by the core's
 * cost table (docs/core.md), 1 + 9 x (1 + 3) + (1 + 1) + 3 = 42 cycles. */
    .section .text.init, "ax"
    .globl _start
_start:
    li s0, 100
1:  jal ra, inner
    addi s0, s0, -1
    bnez s0, 1b
    li a0, 1            /* exit code 0 through HTIF's tohost */
    la t0, tohost
    sw a0, 0(t0)
2:  j 2b

    .type inner, @function
inner:
    li t1, 10
3:  addi t1, t1, -1
    bnez t1, 3b
    ret
    .size inner, . - inner

    .section .tohost, "aw"
    .align 3
    .globl tohost
tohost:
    .dword 0
