/* The firmware runtime (docs/runtime.md): reads the compiled model the host
 * placed in HBM (vtpu/model.h), runs its layers in order with the kernel
 * library, records each layer's cycles and accelerator counters in the
 * result area, and ends with the run's status as exit code. One binary
 * serves every configuration: the chip's parameters come from chip info.
 *
 * Layers are pipelined: the core emits layer i + 1 while the accelerator
 * runs layer i, then waits for layer i; the kernels' fences keep the
 * layers' work in order on the accelerator (docs/firmware.md). */
#include <stdio.h>

#include "vtpu/dma_driver.h"
#include "vtpu/fw.h"
#include "vtpu/kernels.h"
#include "vtpu/names.h"

static vtpu_model_header header __attribute__((aligned(64)));

/* Resident activations (docs/runtime.md): the model's tensor table, and the
 * activations kept in VMEM now, sorted by VMEM address. */
#define MAX_RESIDENT 64u
static vtpu_tensor tensors[VTPU_MODEL_MAX_TENSORS] VTPU_NOINIT;
static vtpu_resident resident[MAX_RESIDENT];
/* Held weights (docs/runtime.md): pieces of layers' constants the table
 * asks to copy into the top of VMEM ahead of their layer, in table order
 * from held_base up. `held_issue` walks the table for the pieces to copy
 * once a layer is released, `held_use` for the running layer's; each keeps
 * the VMEM address of its next piece. held_base 0: none (or they do not fit
 * this chip's VMEM beside the tile window, and load with their layers). */
static uint32_t held_base, held_issue, held_issue_at, held_use, held_use_at;
/* Layers come in, and their results go out, CHUNK at a time: one DMA each
 * way instead of one per layer (the core waits for each). */
#define CHUNK 64u
static vtpu_layer layers[CHUNK] VTPU_NOINIT;
static vtpu_layer_result records[CHUNK] VTPU_NOINIT;
static vtpu_run_result result __attribute__((aligned(64)));

static uint64_t mcycle(void) {
  uint32_t hi, lo;
  do {
    hi = csr_read(mcycleh);
    lo = csr_read(mcycle);
  } while (hi != csr_read(mcycleh));
  return ((uint64_t)hi << 32) | lo;
}

/* Host memory <-> core RAM through the DMA's registers (only while the
 * command processor is idle: no layer in flight). An aborted copy (a
 * transient fault, docs/faults.md) is tried again, up to COPY_RETRIES times:
 * the runtime's own copies (the model's tables in, the records and result
 * out) are no layer's to fail. */
#define COPY_RETRIES 3u
static void copy(uint64_t src, uint64_t dst, uint32_t bytes) {
  for (unsigned attempt = 0;; ++attempt) {
    vtpu_dma_desc d = vtpu_dma_linear(src, dst, bytes);
    vtpu_dma_start(&d);
    if (!(vtpu_dma_wait() & VTPU_DMA_STATUS_ERROR)) return;
    const uint32_t cause = vtpu_dma_cause();
    if (cause == VTPU_DMA_CAUSE_ABORTED && attempt < COPY_RETRIES) continue;
    printf("vtpu runtime: DMA of %lu bytes from 0x%llx to 0x%llx failed (cause %lu: %s)\n",
           (unsigned long)bytes, (unsigned long long)src, (unsigned long long)dst,
           (unsigned long)cause, vtpu_dma_cause_text(cause));
    vtpu_exit(VTPU_RUN_BAD_MODEL);
  }
}

static uint32_t tensor_entries(void) {
  return header.tensor_count < VTPU_MODEL_MAX_TENSORS ? header.tensor_count
                                                      : VTPU_MODEL_MAX_TENSORS;
}
static uint32_t align64(uint32_t bytes) {
  return (bytes + 63u) & ~63u;
}

/* Before layer `index`: activations whose last layer is behind it leave
 * VMEM, and those whose span starts here move in where they fit (first fit
 * above the tile window; one that does not fit stays in HBM for its whole
 * span). */
static void update_residents(vtpu_context* ctx, uint32_t index, uint32_t* next) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < ctx->resident_count; ++i)
    if (resident[i].last >= index) resident[kept++] = resident[i];
  ctx->resident_count = kept;
  const uint32_t count = tensor_entries();
  const uint32_t top = held_base ? held_base : ctx->chip.vmem_base + ctx->chip.vmem_size;
  for (; *next < count && tensors[*next].first <= index; ++*next) {
    const vtpu_tensor* t = &tensors[*next];
    if (t->flags || t->last < index || ctx->resident_count == MAX_RESIDENT) continue;
    const uint32_t need = align64(t->bytes);
    uint32_t at = ctx->tiles + ctx->tiles_size, slot = 0;
    for (; slot < ctx->resident_count; ++slot) {
      if (resident[slot].vmem >= at && resident[slot].vmem - at >= need) break;
      const uint32_t end = resident[slot].vmem + align64(resident[slot].bytes);
      if (end > at) at = end;
    }
    if (at > top || top - at < need) continue;
    for (uint32_t i = ctx->resident_count; i > slot; --i) resident[i] = resident[i - 1];
    resident[slot] = (vtpu_resident){t->offset, t->bytes, at, t->last};
    ++ctx->resident_count;
  }
}

/* Where the held pieces go: their bytes at the top of VMEM, when they fit
 * above the tile window. Refuses a table whose pieces are not as
 * vtpu/model.h has them. */
static void place_held(const vtpu_context* ctx) {
  uint64_t total = 0;
  const vtpu_tensor* before = 0;
  for (uint32_t i = 0; i < tensor_entries(); ++i) {
    const vtpu_tensor* t = &tensors[i];
    if (!t->flags) continue;
    const char* bad = vtpu_held_piece_problem(before, t, header.layer_count,
                                              header.scratch + header.scratch_size);
    if (bad) {
      printf("vtpu runtime: tensor table entry %lu: held piece %s\n", (unsigned long)i, bad);
      vtpu_exit(VTPU_RUN_BAD_MODEL);
    }
    total += align64(t->bytes);
    before = t;
  }
  const uint32_t top = ctx->chip.vmem_base + ctx->chip.vmem_size;
  if (total == 0 || total > top - (ctx->tiles + ctx->tiles_size)) return;
  held_base = held_issue_at = held_use_at = top - (uint32_t)total;
}

/* Once layer `index` is released: the pieces copied from its time on. */
static void issue_held(const vtpu_context* ctx, uint32_t index) {
  for (; held_issue < tensor_entries() && tensors[held_issue].first <= index; ++held_issue) {
    const vtpu_tensor* t = &tensors[held_issue];
    if (!t->flags) continue;
    vtpu_hold(ctx->hbm + t->offset, held_issue_at, t->bytes);
    held_issue_at += align64(t->bytes);
  }
}

/* Before layer `index`: its held pieces, which follow one another. */
static void use_held(uint32_t index) {
  vtpu_held* h = &vtpu_held_layer;
  h->size = h->waits = 0;
  for (; held_use < tensor_entries(); ++held_use) {
    const vtpu_tensor* t = &tensors[held_use];
    if (!t->flags) continue;
    if (t->last != index) break;
    if (h->waits++ == 0) h->lo = (uint32_t)t->offset, h->vmem = held_use_at;
    h->size = (uint32_t)(t->offset + t->bytes) - h->lo;
    held_use_at += align64(t->bytes);
  }
}

/* Records of layers [chunk, chunk + count) out to the result area. */
static void write_records(uint64_t results, uint32_t chunk, uint32_t count) {
  copy((uintptr_t)records, results + sizeof result + (uint64_t)chunk * sizeof(vtpu_layer_result),
       count * sizeof(vtpu_layer_result));
}

/* A trace marker (vtpu/soc_map.h): layer i starts (i), or ends (LAYER_END | i). */
static void marker(uint32_t value) {
  VTPU_MMIO32(vtpu_soc.sim_ctrl + VTPU_SIMCTRL_MARKER) = value;
}

/* The last layer boundary: the core cycle and the counters when the
 * accelerator was last seen to finish a layer (or the run started). */
static uint64_t boundary;
static uint64_t counters[VTPU_COUNTERS];

/* Waits for layer `index`, the oldest in flight, and records its cycles
 * (from the boundary before it) and counters in records[index - chunk];
 * the timeline's layer slices follow the same boundaries. Returns 0, or 1
 * after an accelerator error, reported against this layer in `result`. */
static int finish(vtpu_context* ctx, const vtpu_layer* layer, uint32_t index, uint32_t chunk) {
  const uint32_t status = vtpu_wait_layers(ctx, index + 1);
  const uint64_t now = mcycle();
  marker(VTPU_MARKER_LAYER_END | index);
  if (status == 0 && index + 1 < header.layer_count) marker(index + 1);
  vtpu_layer_result* record = &records[index - chunk];
  record->cycles = now - boundary;
  boundary = now;
  for (unsigned c = 0; c < VTPU_COUNTERS; ++c) {
    const uint64_t count = vtpu_cp_counter(c);
    record->counters[c] = count - counters[c];
    counters[c] = count;
  }
  if (status == 0) return 0;
  if (status == VTPU_CP_WATCHDOG_CAUSE) {
    result.status = VTPU_RUN_WATCHDOG;
    result.queue = ctx->error.queue;
    result.detail = vtpu_chip_info(VTPU_CHIPINFO_WATCHDOG_US);
    printf(
        "vtpu runtime: layer %lu (%s, node %lu): watchdog: no accelerator instruction "
        "finished in %lu us (busy queues 0x%lx)\n",
        (unsigned long)index, vtpu_layer_kind_name(layer->kind), (unsigned long)layer->node,
        (unsigned long)result.detail, (unsigned long)result.queue);
    return 1;
  }
  result.status = VTPU_RUN_ACCEL_ERROR;
  result.reason = status;
  result.queue = ctx->error.queue;
  result.opcode = ctx->error.opcode;
  result.address = ctx->error.address;
  result.detail = ctx->error.detail;
  printf(
      "vtpu runtime: layer %lu (%s, node %lu): accelerator error %lu (queue %lu, opcode "
      "0x%02lx, address 0x%08lx, detail %lu)\n",
      (unsigned long)index, vtpu_layer_kind_name(layer->kind), (unsigned long)layer->node,
      (unsigned long)status, (unsigned long)ctx->error.queue, (unsigned long)ctx->error.opcode,
      (unsigned long)ctx->error.address, (unsigned long)ctx->error.detail);
  return 1;
}

/* Finishes the layers from *oldest up to `end` (exclusive), oldest first;
 * *oldest is then the next to finish. Returns 0, or 1 after an accelerator
 * error (*oldest: the layer it is reported against). */
static int finish_until(vtpu_context* ctx, uint32_t* oldest, uint32_t end, uint32_t chunk) {
  for (; *oldest < end; ++*oldest)
    if (finish(ctx, &layers[*oldest - chunk], *oldest, chunk) != 0) return 1;
  return 0;
}

int main(void) {
  vtpu_dma_init();
  vtpu_cp_init();
  /* runtime.watchdog_us: a layer wait with no instruction finished that long ends the run */
  const uint32_t watchdog_us = vtpu_chip_info(VTPU_CHIPINFO_WATCHDOG_US);
  if (watchdog_us) {
    const uint64_t ticks = (uint64_t)watchdog_us * vtpu_chip_info(VTPU_CHIPINFO_TIMER_KHZ) / 1000;
    vtpu_cp_set_watchdog(ticks ? ticks : 1);
  }
  vtpu_context ctx = {0};
  vtpu_chip_read(&ctx.chip);
  ctx.hbm = ctx.chip.hbm_base;
  const uint64_t start = mcycle();

  copy(ctx.hbm + VTPU_MODEL_OFFSET, (uintptr_t)&header, sizeof header);
  if (header.magic != VTPU_MODEL_MAGIC || header.version != VTPU_MODEL_VERSION ||
      header.layer_size != sizeof(vtpu_layer)) {
    printf("vtpu runtime: no model at HBM offset 0 (magic 0x%08lx, version %lu, layer size %lu)\n",
           (unsigned long)header.magic, (unsigned long)header.version,
           (unsigned long)header.layer_size);
    return VTPU_RUN_BAD_MODEL;
  }
  ctx.scratch = ctx.hbm + header.scratch;
  ctx.scratch_size = header.scratch_size;
  /* VMEM: the kernels' tile window first, all of it without resident
   * activations; with them, vtpu_tile_window()'s, the rest for activations
   * and held weights. */
  ctx.tiles = ctx.chip.vmem_base;
  ctx.tiles_size = ctx.chip.vmem_size;
  ctx.resident = resident;
  uint32_t next_tensor = 0;
  if (ctx.chip.resident_activations && header.tensor_count > 0) {
    ctx.tiles_size = vtpu_tile_window(ctx.chip.vmem_size, ctx.chip.rows, ctx.chip.cols);
    copy(ctx.hbm + header.tensors, (uintptr_t)tensors, tensor_entries() * sizeof(vtpu_tensor));
    if (ctx.chip.held_weights) place_held(&ctx);
  }
  const uint64_t results = ctx.hbm + header.results;

  result.magic = VTPU_RESULT_MAGIC;
  result.status = VTPU_RUN_OK;
  vtpu_kernels_init();
  for (unsigned c = 0; c < VTPU_COUNTERS; ++c) counters[c] = vtpu_cp_counter(c);
  boundary = mcycle();
  if (header.layer_count > 0) marker(0);
  /* Layer i is emitted while the layers before run, then layer
   * i - VTPU_LAYERS_AHEAD finishes (`oldest`: the next layer to finish).
   * Layers come in, and results go out, a chunk at a time, with no layer in
   * flight. `reached`: the layer the run stopped at, or layer_count. */
  uint32_t chunk = 0, reached = header.layer_count, oldest = 0;
  for (uint32_t i = 0; i < header.layer_count; ++i) {
    if (i > 0 && i % CHUNK == 0) {
      if (finish_until(&ctx, &oldest, i, chunk) != 0) {
        reached = oldest;
        break;
      }
      write_records(results, chunk, CHUNK);
      chunk = i;
    }
    if (i == chunk) {
      const uint32_t n = header.layer_count - i < CHUNK ? header.layer_count - i : CHUNK;
      copy(ctx.hbm + header.layers + (uint64_t)i * sizeof(vtpu_layer), (uintptr_t)layers,
           n * sizeof(vtpu_layer));
    }
    const vtpu_layer* layer = &layers[i - chunk];
    if (ctx.tiles_size != ctx.chip.vmem_size) update_residents(&ctx, i, &next_tensor);
    if (held_base) use_held(i);
    vtpu_cp_set_tag(i);
    const int status = vtpu_run_layer(&ctx, layer);
    if (held_base && status == 0) issue_held(&ctx, i);
    if (status < 0) {
      /* The layers before it finish first (their records, their markers). */
      if (finish_until(&ctx, &oldest, i, chunk) != 0) {
        reached = oldest;
        break;
      }
      result.status = VTPU_RUN_BAD_LAYER;
      result.reason = (uint32_t)-status;
      printf("vtpu runtime: layer %lu (%s, node %lu): %s\n", (unsigned long)i,
             vtpu_layer_kind_name(layer->kind), (unsigned long)layer->node,
             vtpu_bad_layer_text(result.reason));
      records[i - chunk] = (vtpu_layer_result){0};
      marker(VTPU_MARKER_LAYER_END | i);
      reached = i;
      break;
    }
    if (i >= chunk + VTPU_LAYERS_AHEAD &&
        finish_until(&ctx, &oldest, i + 1 - VTPU_LAYERS_AHEAD, chunk) != 0) {
      reached = oldest;
      break;
    }
  }
  if (reached == header.layer_count && finish_until(&ctx, &oldest, header.layer_count, chunk) != 0)
    reached = oldest;
  const uint32_t recorded = (reached < header.layer_count ? reached + 1 : reached) - chunk;
  if (recorded > 0) write_records(results, chunk, recorded);
  result.layer = reached;
  result.cycles = mcycle() - start;
  copy((uintptr_t)&result, results, sizeof result);
  return (int)result.status;
}
