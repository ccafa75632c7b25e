/* Sleeps with no interrupt enabled: nothing can ever wake the core. */
    .section .text.init, "ax"
    .globl _start
_start:
    wfi
    j _start
