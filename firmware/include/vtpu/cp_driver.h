/*
 * Driver for the command processor (vtpu/isa.h, docs/isa.md): push
 * instructions to a queue, release them, and sleep until the completion
 * interrupt of an instruction flagged VTPU_INSN_IRQ, or an error.
 */
#ifndef VTPU_CP_DRIVER_H
#define VTPU_CP_DRIVER_H

#include <stdint.h>

#include "vtpu/isa.h"
#include "vtpu/soc.h"

/* Routes the command processor's done and error lines through the PLIC (mie.MEIE). */
void vtpu_cp_init(void);
/* Appends an instruction to `queue` (not yet released). */
void vtpu_cp_push(unsigned queue, const vtpu_insn* insn);
/* Releases everything pushed or published. */
void vtpu_cp_doorbell(void);
typedef struct vtpu_cp_error {
  uint32_t cause, queue, opcode, address, detail; /* VTPU_CP_ERR_* registers */
} vtpu_cp_error;

/* Sleeps until STATUS.done or STATUS.error; returns STATUS and clears both
 * (on an error, `error`, if not null, receives the error registers first).
 * With interrupts globally off it also claims and completes the PLIC sources. */
uint32_t vtpu_cp_wait(vtpu_cp_error* error);
/* Sleeps until semaphore s counts at least `count` (an instruction that
 * signals it carries VTPU_INSN_IRQ, to wake the core) or the processor stops
 * on an error. Returns 0, or STATUS with the error (registers in `error`).
 * With a watchdog set, a wait in which no instruction completes for its
 * time returns VTPU_CP_WAIT_WATCHDOG instead: `error` then has cause
 * VTPU_CP_WATCHDOG_CAUSE, queue the STATUS busy bits, detail 0. */
uint32_t vtpu_cp_wait_semaphore(unsigned s, uint32_t count, vtpu_cp_error* error);
/* The watchdog of the waits above, in CLINT timer ticks (0: off, the
 * default). It arms mtimecmp while a wait sleeps (mie.MTIE; the timer's
 * interrupt is not taken with interrupts globally off, it wakes the wfi)
 * and disarms it when the wait returns. */
void vtpu_cp_set_watchdog(uint64_t ticks);
#define VTPU_CP_WAIT_WATCHDOG 0x80000000u /* returned by a wait the watchdog ended */
#define VTPU_CP_WATCHDOG_CAUSE 0xffu      /* error.cause then: not a VTPU_ERR_* */
/* A queue fed from a ring of instructions in core RAM: fill slots in place
 * (no copying through registers), publish each ring's tail (one register
 * write), then vtpu_cp_doorbell() releases every queue's new work at once. */
typedef struct vtpu_cp_ring {
  unsigned queue;
  vtpu_insn* entries; /* 64-byte aligned */
  uint32_t size;      /* a power of two */
  uint32_t released;  /* slots released so far */
  /* The next slot to fill; where the fast path of vtpu_cp_ring_slot() stops (the end of the
   * entries, or the slot past which more than size - 1 would wait unreleased, as of the last
   * vtpu_cp_ring_turn()); and the next slot when the ring was last released. Slots filled so
   * far: lap + (next - entries). As pointers, taking a slot is two loads and a store, and a
   * publish with nothing new two loads: the fields are read again after every instruction the
   * core writes (its byte stores may alias them), and the counts and the index mask cost the
   * core as much as an instruction's header. */
  vtpu_insn *next, *stop, *published;
  uint32_t lap; /* slots filled before entries[0] in the current lap */
  /* What a full ring does before its next slot is taken (the slow path of
   * vtpu_cp_ring_slot()): vtpu_cp_ring_release() from vtpu_cp_ring_init().
   * A user of several rings may release them all instead: a wait released
   * alone must not lack its signaller, built before it in another ring. */
  void (*full)(struct vtpu_cp_ring* ring);
} vtpu_cp_ring;

void vtpu_cp_ring_init(vtpu_cp_ring* ring, unsigned queue, vtpu_insn* entries, uint32_t size);
/* Publishes a full ring and rings the doorbell. */
void vtpu_cp_ring_release(vtpu_cp_ring* ring);
/* The next slot, as it was. A full ring (size - 1 slots unreleased) goes
 * through ring->full first (by default published and released), so a ring
 * must hold at least one batch (a wait and its signaller) in size - 1. */
void vtpu_cp_ring_turn(vtpu_cp_ring* ring); /* the slow path: release or wrap */
static inline vtpu_insn* vtpu_cp_ring_slot(vtpu_cp_ring* ring) {
  if (ring->next == ring->stop) vtpu_cp_ring_turn(ring);
  return ring->next++;
}
/* Slots filled so far. */
static inline uint32_t vtpu_cp_ring_tail(const vtpu_cp_ring* ring) {
  return ring->lap + (uint32_t)(ring->next - ring->entries);
}
/* The next slot, zeroed. Inline: building instructions is the core's main
 * work on the accelerator's behalf. */
static inline vtpu_insn* vtpu_cp_ring_next(vtpu_cp_ring* ring) {
  vtpu_insn* slot = vtpu_cp_ring_slot(ring);
  /* Sixteen stores, unrolled: a loop around them cost twice as much. */
  uint32_t* w = slot->words;
  w[0] = 0, w[1] = 0, w[2] = 0, w[3] = 0, w[4] = 0, w[5] = 0, w[6] = 0, w[7] = 0;
  w[8] = 0, w[9] = 0, w[10] = 0, w[11] = 0, w[12] = 0, w[13] = 0, w[14] = 0, w[15] = 0;
  return slot;
}
/* Writes the ring's tail; the next vtpu_cp_doorbell() releases the entries. */
void vtpu_cp_ring_publish(vtpu_cp_ring* ring);

/* Semaphore s's count (set it before releasing work that waits on it). */
/* Inline: a kernel sets a dozen or more of them per layer. */
static inline void vtpu_cp_set_semaphore(unsigned s, uint32_t count) {
  *(volatile uint32_t*)(uintptr_t)(vtpu_soc.cp + VTPU_CP_SEM(s)) = count;
}
/* Instructions released from now on carry `tag` into the trace. */
static inline void vtpu_cp_set_tag(uint32_t tag) {
  *(volatile uint32_t*)(uintptr_t)(vtpu_soc.cp + VTPU_CP_TAG) = tag;
}
uint64_t vtpu_cp_counter(unsigned counter);

#endif /* VTPU_CP_DRIVER_H */
