/* The firmware runtime (docs/runtime.md): reads the compiled model the host
 * placed in HBM (vtpu/model.h), runs its layers in order with the kernel
 * library, records each layer's cycles and accelerator counters in the
 * result area, and ends with the run's status as exit code. One binary
 * serves every configuration: the chip's parameters come from chip info. */
#include <stdio.h>

#include "vtpu/dma_driver.h"
#include "vtpu/fw.h"
#include "vtpu/kernels.h"

/* Buffers written before they are read: left out of start-up's zeroing. */
#define NOINIT __attribute__((section(".noinit"), aligned(64)))

static vtpu_model_header header __attribute__((aligned(64)));

/* Resident activations (docs/runtime.md): the model's tensor table, and the
 * activations kept in VMEM now, sorted by VMEM address. */
#define MAX_RESIDENT 64u
#define MAX_TILE_WINDOW (6u << 20) /* VMEM kept for the kernels' tiles */
static vtpu_tensor tensors[VTPU_MODEL_MAX_TENSORS] NOINIT;
static vtpu_resident resident[MAX_RESIDENT];
/* Layers come in, and their results go out, CHUNK at a time: one DMA each
 * way instead of one per layer (the core waits for each). */
#define CHUNK 64u
static vtpu_layer layers[CHUNK] NOINIT;
static vtpu_layer_result records[CHUNK] NOINIT;
static vtpu_run_result result __attribute__((aligned(64)));

static uint64_t mcycle(void) {
  uint32_t hi, lo;
  do {
    hi = csr_read(mcycleh);
    lo = csr_read(mcycle);
  } while (hi != csr_read(mcycleh));
  return ((uint64_t)hi << 32) | lo;
}

/* Host memory <-> core RAM through the DMA's registers (the command
 * processor is idle between layers). */
static void copy(uint64_t src, uint64_t dst, uint32_t bytes) {
  vtpu_dma_desc d = vtpu_dma_linear(src, dst, bytes);
  vtpu_dma_start(&d);
  if (vtpu_dma_wait() & VTPU_DMA_STATUS_ERROR) {
    printf("vtpu runtime: DMA of %lu bytes from 0x%llx to 0x%llx failed (cause %lu)\n",
           (unsigned long)bytes, (unsigned long long)src, (unsigned long long)dst,
           (unsigned long)vtpu_dma_cause());
    vtpu_exit(VTPU_RUN_BAD_MODEL);
  }
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
  const uint32_t count =
      header.tensor_count < VTPU_MODEL_MAX_TENSORS ? header.tensor_count : VTPU_MODEL_MAX_TENSORS;
  const uint32_t top = ctx->chip.vmem_base + ctx->chip.vmem_size;
  for (; *next < count && tensors[*next].first <= index; ++*next) {
    const vtpu_tensor* t = &tensors[*next];
    if (t->last < index || ctx->resident_count == MAX_RESIDENT) continue;
    const uint32_t need = (t->bytes + 63u) & ~63u;
    uint32_t at = ctx->tiles + ctx->tiles_size, slot = 0;
    for (; slot < ctx->resident_count; ++slot) {
      if (resident[slot].vmem >= at && resident[slot].vmem - at >= need) break;
      const uint32_t end = resident[slot].vmem + ((resident[slot].bytes + 63u) & ~63u);
      if (end > at) at = end;
    }
    if (at > top || top - at < need) continue;
    for (uint32_t i = ctx->resident_count; i > slot; --i) resident[i] = resident[i - 1];
    resident[slot] = (vtpu_resident){t->offset, t->bytes, at, t->last};
    ++ctx->resident_count;
  }
}

static const char* kind_name(uint8_t kind) {
  static const char* const names[] = {"?",       "matmul",    "conv2d", "pool", "elementwise",
                                      "softmax", "layernorm", "copy",   "fill"};
  return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

static const char* bad_name(uint32_t reason) {
  static const char* const names[] = {"?", "unknown kind, op or type", "bad shape",
                                      "does not fit VMEM/AMEM", "needs more scratch"};
  return reason < sizeof names / sizeof names[0] ? names[reason] : "?";
}

int main(void) {
  vtpu_dma_init();
  vtpu_cp_init();
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
  /* VMEM: the kernels' tile window first; with resident activations, half
   * of VMEM (at most MAX_TILE_WINDOW), or, for an array whose tiles need
   * more (32 R C bytes: double-buffered array-sized tiles of a deep K), up
   * to seven eighths; the rest for activations. */
  ctx.tiles = ctx.chip.vmem_base;
  ctx.tiles_size = ctx.chip.vmem_size;
  ctx.resident = resident;
  uint32_t next_tensor = 0;
  if (ctx.chip.resident_activations && header.tensor_count > 0) {
    const uint32_t half = (ctx.chip.vmem_size / 2) & ~127u;
    const uint32_t most = (ctx.chip.vmem_size / 8 * 7) & ~127u;
    const uint64_t array = 32ull * ctx.chip.rows * ctx.chip.cols;
    uint32_t size = half < MAX_TILE_WINDOW ? half : MAX_TILE_WINDOW;
    if (array > size) size = array < most ? (uint32_t)array : most;
    ctx.tiles_size = size;
    const uint32_t count =
        header.tensor_count < VTPU_MODEL_MAX_TENSORS ? header.tensor_count : VTPU_MODEL_MAX_TENSORS;
    copy(ctx.hbm + header.tensors, (uintptr_t)tensors, count * sizeof(vtpu_tensor));
  }
  const uint64_t results = ctx.hbm + header.results;

  result.magic = VTPU_RESULT_MAGIC;
  result.status = VTPU_RUN_OK;
  uint64_t counters[VTPU_COUNTERS]; /* at the last layer boundary */
  for (unsigned c = 0; c < VTPU_COUNTERS; ++c) counters[c] = vtpu_cp_counter(c);
  uint32_t i = 0, chunk = 0; /* the chunk's first layer */
  for (; i < header.layer_count; ++i) {
    const uint32_t slot = i - chunk;
    if (i == chunk) {
      const uint32_t n = header.layer_count - i < CHUNK ? header.layer_count - i : CHUNK;
      copy(ctx.hbm + header.layers + (uint64_t)i * sizeof(vtpu_layer), (uintptr_t)layers,
           n * sizeof(vtpu_layer));
    }
    const vtpu_layer* layer = &layers[slot];
    vtpu_layer_result* record = &records[slot];
    if (ctx.tiles_size != ctx.chip.vmem_size) update_residents(&ctx, i, &next_tensor);
    VTPU_MMIO32(VTPU_SIMCTRL_BASE + VTPU_SIMCTRL_MARKER) = i;
    const uint64_t t0 = mcycle();
    const int status = vtpu_run_layer(&ctx, layer);
    record->cycles = mcycle() - t0;
    VTPU_MMIO32(VTPU_SIMCTRL_BASE + VTPU_SIMCTRL_MARKER) = VTPU_MARKER_LAYER_END | i;
    for (unsigned c = 0; c < VTPU_COUNTERS; ++c) {
      const uint64_t now = vtpu_cp_counter(c);
      record->counters[c] = now - counters[c];
      counters[c] = now;
    }
    /* Results out when the chunk is full, the model ends or the run stops. */
    if (slot + 1 == CHUNK || i + 1 == header.layer_count || status != 0) {
      copy((uintptr_t)records,
           results + sizeof result + (uint64_t)chunk * sizeof(vtpu_layer_result),
           (slot + 1) * sizeof(vtpu_layer_result));
      chunk = i + 1;
    }
    if (status < 0) {
      result.status = VTPU_RUN_BAD_LAYER;
      result.reason = (uint32_t)-status;
      printf("vtpu runtime: layer %lu (%s, node %lu): %s\n", (unsigned long)i,
             kind_name(layer->kind), (unsigned long)layer->node, bad_name(result.reason));
      break;
    }
    if (status > 0) {
      result.status = VTPU_RUN_ACCEL_ERROR;
      result.reason = (uint32_t)status;
      result.queue = ctx.error.queue;
      result.opcode = ctx.error.opcode;
      result.address = ctx.error.address;
      result.detail = ctx.error.detail;
      printf(
          "vtpu runtime: layer %lu (%s, node %lu): accelerator error %lu (queue %lu, opcode "
          "0x%02lx, address 0x%08lx, detail %lu)\n",
          (unsigned long)i, kind_name(layer->kind), (unsigned long)layer->node,
          (unsigned long)status, (unsigned long)ctx.error.queue, (unsigned long)ctx.error.opcode,
          (unsigned long)ctx.error.address, (unsigned long)ctx.error.detail);
      break;
    }
  }
  result.layer = i;
  result.cycles = mcycle() - start;
  copy((uintptr_t)&result, results, sizeof result);
  return (int)result.status;
}
