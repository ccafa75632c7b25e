/* An illegal instruction with no trap handler installed (mtvec = 0). */
    .section .text.init, "ax"
    .globl _start
    .option norvc
_start:
    nop
    .word 0xffffffff
