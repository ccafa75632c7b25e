/* Linked at 0x40000000, where the SoC has no memory. */
    .text
    .globl _start
_start:
    j _start
