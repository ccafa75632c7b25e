/*
 * Driver for the command processor (vtpu/isa.h, docs/isa.md): push
 * instructions to a queue, release them, and sleep until the completion
 * interrupt of an instruction flagged VTPU_INSN_IRQ, or an error.
 */
#ifndef VTPU_CP_DRIVER_H
#define VTPU_CP_DRIVER_H

#include <stdint.h>

#include "vtpu/isa.h"

/* Routes the command processor's done and error lines through the PLIC (mie.MEIE). */
void vtpu_cp_init(void);
/* Appends an instruction to `queue` (not yet released). */
void vtpu_cp_push(unsigned queue, const vtpu_insn* insn);
/* Releases everything pushed. */
void vtpu_cp_doorbell(void);
typedef struct vtpu_cp_error {
  uint32_t cause, queue, opcode, address, detail; /* VTPU_CP_ERR_* registers */
} vtpu_cp_error;

/* Sleeps until STATUS.done or STATUS.error; returns STATUS and clears both
 * (on an error, `error`, if not null, receives the error registers first).
 * With interrupts globally off it also claims and completes the PLIC sources. */
uint32_t vtpu_cp_wait(vtpu_cp_error* error);
/* Semaphore s's count (set it before releasing work that waits on it). */
void vtpu_cp_set_semaphore(unsigned s, uint32_t count);
uint64_t vtpu_cp_counter(unsigned counter);

#endif /* VTPU_CP_DRIVER_H */
