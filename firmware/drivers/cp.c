#include "vtpu/cp_driver.h"
#include "vtpu/fw.h"

#define CP(off) VTPU_MMIO32(vtpu_soc.cp + (off))
#define PLIC(off) VTPU_MMIO32(vtpu_soc.plic + (off))

void vtpu_cp_init(void) {
  PLIC(VTPU_PLIC_PRIORITY(VTPU_IRQ_CP_DONE)) = 1;
  PLIC(VTPU_PLIC_PRIORITY(VTPU_IRQ_CP_ERROR)) = 1;
  PLIC(VTPU_PLIC_ENABLE) |= (1u << VTPU_IRQ_CP_DONE) | (1u << VTPU_IRQ_CP_ERROR);
  csr_set(mie, MIE_MEIE);
}

void vtpu_cp_push(unsigned queue, const vtpu_insn* insn) {
  for (unsigned w = 0; w < VTPU_INSN_WORDS; ++w)
    CP(VTPU_CP_QUEUE(queue) + VTPU_CP_INSN + 4 * w) = insn->words[w];
  CP(VTPU_CP_QUEUE(queue) + VTPU_CP_PUSH) = 1;
}

void vtpu_cp_doorbell(void) {
  CP(VTPU_CP_DOORBELL) = 1;
}

/* Clears STATUS's done and error bits in `status` and the PLIC's sources. */
static void acknowledge(uint32_t status) {
  CP(VTPU_CP_STATUS) = status & (VTPU_CP_STATUS_DONE | VTPU_CP_STATUS_ERROR);
  vtpu_plic_acknowledge();
}

static void read_error(vtpu_cp_error* error) {
  if (!error) return;
  error->cause = CP(VTPU_CP_ERR_CAUSE);
  error->queue = CP(VTPU_CP_ERR_QUEUE);
  error->opcode = CP(VTPU_CP_ERR_OPCODE);
  error->address = CP(VTPU_CP_ERR_ADDR);
  error->detail = CP(VTPU_CP_ERR_DETAIL);
}

uint32_t vtpu_cp_wait(vtpu_cp_error* error) {
  const uint32_t ended = VTPU_CP_STATUS_DONE | VTPU_CP_STATUS_ERROR;
  uint32_t status;
  while (!((status = CP(VTPU_CP_STATUS)) & ended)) __asm__ volatile("wfi");
  if (status & VTPU_CP_STATUS_ERROR) read_error(error);
  acknowledge(status);
  return status;
}

static uint64_t watchdog_ticks; /* 0: off */

void vtpu_cp_set_watchdog(uint64_t ticks) {
  watchdog_ticks = ticks;
  if (ticks) csr_set(mie, MIE_MTIE);
}

/* The watchdog of one wait: the instructions completed when it last saw
 * progress, and when it gives up unless more have completed by then. */
typedef struct watchdog {
  uint32_t completed;
  uint64_t deadline;
} watchdog;

static void watchdog_arm(watchdog* w) {
  w->completed = CP(VTPU_CP_COMPLETED);
  w->deadline = vtpu_mtime() + watchdog_ticks;
  vtpu_set_timer(w->deadline);
}

/* 1 when no instruction completed for the watchdog's time (else re-armed
 * from the last completion it saw). */
static int watchdog_expired(watchdog* w) {
  if (vtpu_mtime() < w->deadline) return 0;
  if (CP(VTPU_CP_COMPLETED) == w->completed) return 1;
  watchdog_arm(w);
  return 0;
}

static uint32_t wait_semaphore(unsigned s, uint32_t count, vtpu_cp_error* error, watchdog* w) {
  for (;;) {
    const uint32_t status = CP(VTPU_CP_STATUS);
    /* The awaited work is done: an error after it is the next wait's. */
    if (CP(VTPU_CP_SEM(s)) >= count) return 0;
    if (status & VTPU_CP_STATUS_ERROR) {
      read_error(error);
      acknowledge(status);
      return status;
    }
    /* Done is acknowledged before the count is read again: a signal after
     * that read raises the line again, and the wfi returns. */
    if (status & VTPU_CP_STATUS_DONE) {
      acknowledge(status);
      if (CP(VTPU_CP_SEM(s)) >= count) return 0;
    }
    if (w && watchdog_expired(w)) {
      if (error) {
        *error = (vtpu_cp_error){0};
        error->cause = VTPU_CP_WATCHDOG_CAUSE;
        error->queue = status & ((1u << VTPU_QUEUES) - 1u);
      }
      return VTPU_CP_WAIT_WATCHDOG;
    }
    __asm__ volatile("wfi");
  }
}

uint32_t vtpu_cp_wait_semaphore(unsigned s, uint32_t count, vtpu_cp_error* error) {
  if (!watchdog_ticks) return wait_semaphore(s, count, error, 0);
  watchdog w;
  watchdog_arm(&w);
  const uint32_t status = wait_semaphore(s, count, error, &w);
  vtpu_set_timer(~(uint64_t)0);
  return status;
}

/* Where the fast path stops: the end of the entries, or the slot that
 * would leave size - 1 unreleased, whichever comes first (at most size - 1,
 * so that next == published says that nothing was filled since, never that
 * a whole lap was). */
static void set_stop(vtpu_cp_ring* ring) {
  const uint32_t room = ring->released + ring->size - 1 - ring->lap; /* of this lap */
  ring->stop = ring->entries + (room < ring->size ? room : ring->size);
}

void vtpu_cp_ring_init(vtpu_cp_ring* ring, unsigned queue, vtpu_insn* entries, uint32_t size) {
  ring->queue = queue;
  ring->entries = entries;
  ring->size = size;
  ring->full = vtpu_cp_ring_release;
  ring->released = CP(VTPU_CP_QUEUE(queue) + VTPU_CP_RING_HEAD);
  ring->lap = ring->released & ~(size - 1);
  ring->next = ring->published = entries + (ring->released & (size - 1));
  set_stop(ring);
  CP(VTPU_CP_QUEUE(queue) + VTPU_CP_RING_BASE) = (uint32_t)(uintptr_t)entries;
  CP(VTPU_CP_QUEUE(queue) + VTPU_CP_RING_SIZE) = size;
}

/* The stop is worked out here only: a release leaves it where it was (short
 * of where it may be), and the fast path comes here when it gets there. */
void vtpu_cp_ring_turn(vtpu_cp_ring* ring) {
  for (;;) {
    set_stop(ring);
    if (ring->next != ring->stop) return;
    if (vtpu_cp_ring_tail(ring) - ring->released == ring->size - 1) {
      ring->full(ring); /* releases this ring (and maybe others) */
      continue;
    }
    ring->lap += ring->size; /* at the end of the entries, with room: the next lap */
    ring->next = ring->entries;
  }
}

void vtpu_cp_ring_release(vtpu_cp_ring* ring) {
  vtpu_cp_ring_publish(ring);
  vtpu_cp_doorbell();
}

void vtpu_cp_ring_publish(vtpu_cp_ring* ring) {
  if (ring->next == ring->published) return;
  const uint32_t tail = vtpu_cp_ring_tail(ring);
  CP(VTPU_CP_QUEUE(ring->queue) + VTPU_CP_RING_TAIL) = tail;
  ring->released = tail;
  ring->published = ring->next;
}

uint64_t vtpu_cp_counter(unsigned c) {
  uint32_t hi, lo;
  do {
    hi = CP(VTPU_CP_COUNTER_HI(c));
    lo = CP(VTPU_CP_COUNTER_LO(c));
  } while (hi != CP(VTPU_CP_COUNTER_HI(c)));
  return ((uint64_t)hi << 32) | lo;
}
