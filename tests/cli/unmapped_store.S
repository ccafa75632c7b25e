/* A store to an address no block decodes, with no trap handler. */
    .section .text.init, "ax"
    .globl _start
_start:
    li t0, 0x40000000
    sw zero, 0(t0)
