/*
 * Firmware support for the vtpu control core: CSR access, the trap frame,
 * interrupt hooks, the timer and exit. See docs/firmware.md.
 */
#ifndef VTPU_FW_H
#define VTPU_FW_H

#include <stdint.h>

#include "vtpu/soc.h"

#define csr_read(csr)                              \
  ({                                               \
    uint32_t v_;                                   \
    __asm__ volatile("csrr %0, " #csr : "=r"(v_)); \
    v_;                                            \
  })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"rK"(v))
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"rK"(v))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"rK"(v))

/* A buffer written before it is read: left out of start-up's zeroing of
 * .bss (seven core cycles a word; firmware/lib/link.ld). */
#define VTPU_NOINIT __attribute__((section(".noinit"), aligned(64)))

#define MSTATUS_MIE (1u << 3)
#define MIE_MSIE (1u << 3)
#define MIE_MTIE (1u << 7)
#define MIE_MEIE (1u << 11)
#define MCAUSE_INTERRUPT (1u << 31)

/* Registers saved by the trap entry; handlers may change them (and mepc). */
struct vtpu_trap_frame {
  uint32_t x[32];
  uint32_t mepc, mcause, mtval, pad;
};

/* Hooks with weak defaults; define them to handle the event.
 * The default exception handler prints the fault and exits with 128 + cause. */
void vtpu_timer_interrupt(struct vtpu_trap_frame* frame);
void vtpu_software_interrupt(struct vtpu_trap_frame* frame);
void vtpu_external_interrupt(uint32_t source, struct vtpu_trap_frame* frame);
void vtpu_exception(struct vtpu_trap_frame* frame);

/* For drivers that poll their device with interrupts globally off (then
 * the PLIC keeps a source pending until claimed, and a pending source keeps
 * wfi from sleeping): claims and completes each pending source once. The
 * DMA's and the command processor's sources are their drivers' own; any
 * other goes to vtpu_external_interrupt. A source whose line is still high
 * is pending again at once and is left for the next call. Does nothing with
 * interrupts on (the trap handler claims them). */
void vtpu_plic_acknowledge(void);

/* mtime in ticks and its frequency (docs/memory-map.md: CLINT). */
uint64_t vtpu_mtime(void);
void vtpu_set_timer(uint64_t deadline);

/* Ends the run through the sim-control block; the exit status is `code`. */
void vtpu_exit(int code) __attribute__((noreturn));

#endif /* VTPU_FW_H */
