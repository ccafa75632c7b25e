/* The command processor driven by firmware through its registers, the way the
 * runtime will: DMA A and B from core RAM into VMEM, MATMUL into AMEM once
 * they are there (semaphore 0), DMA C back once the MXU is done (semaphore 1),
 * completion interrupt; C compared with a plain C matmul on the core, for
 * int8 and, with accumulation, a second product onto the first. Then a bad
 * instruction: the error interrupt, its cause and address, nothing after it runs. */
#include <stdio.h>
#include <string.h>

#include "../rv32/check.h"
#include "vtpu/cp_driver.h"

#define CP(off) VTPU_MMIO32(vtpu_soc.cp + (off))
#define M 19
#define K 45
#define N 27

static int8_t a[M * K], b[K * N];
static int32_t c[M * N], want[M * N];

static vtpu_insn dma(uint64_t src, uint64_t dst, uint32_t bytes, uint8_t wait, uint8_t signal,
                     uint8_t flags) {
  vtpu_insn i;
  memset(&i, 0, sizeof i);
  i.h.opcode = VTPU_OP_DMA;
  i.h.wait_sem = wait;
  i.h.signal_sem = signal;
  i.h.flags = flags;
  i.dma.copy.src = src;
  i.dma.copy.dst = dst;
  i.dma.copy.size[0] = bytes;
  i.dma.copy.size[1] = i.dma.copy.size[2] = i.dma.copy.size[3] = 1;
  return i;
}

static vtpu_insn matmul(uint32_t a_addr, uint32_t b_addr, uint32_t c_addr, uint8_t accumulate,
                        uint8_t wait, uint8_t signal) {
  vtpu_insn i;
  memset(&i, 0, sizeof i);
  i.h.opcode = VTPU_OP_MATMUL;
  i.h.wait_sem = wait;
  i.h.signal_sem = signal;
  i.matmul.precision = VTPU_TYPE_INT8;
  i.matmul.accumulate = accumulate;
  i.matmul.m = M;
  i.matmul.k = K;
  i.matmul.n = N;
  i.matmul.a_addr = a_addr;
  i.matmul.a_stride = K;
  i.matmul.b_addr = b_addr;
  i.matmul.b_stride = N;
  i.matmul.c_addr = c_addr;
  i.matmul.c_stride = N * 4;
  return i;
}

int main(void) {
  vtpu_cp_init();
  uint32_t seed = 7;
  for (int i = 0; i < M * K; ++i) a[i] = (int8_t)((seed = seed * 1103515245u + 12345u) >> 16);
  for (int i = 0; i < K * N; ++i) b[i] = (int8_t)((seed = seed * 1103515245u + 12345u) >> 16);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      int32_t s = 0;
      for (int k = 0; k < K; ++k) s += a[i * K + k] * b[k * N + j];
      want[i * N + j] = 2 * s; /* the same product twice, the second accumulated */
    }
  const uint32_t va = vtpu_soc.vmem, vb = vtpu_soc.vmem + 0x1000, vc = vtpu_soc.amem + 0x40;
  vtpu_insn i;
  i = dma((uintptr_t)a, va, sizeof a, VTPU_SEM_NONE, VTPU_SEM_NONE, 0);
  vtpu_cp_push(VTPU_QUEUE_DMA, &i);
  i = dma((uintptr_t)b, vb, sizeof b, VTPU_SEM_NONE, 0, 0);
  vtpu_cp_push(VTPU_QUEUE_DMA, &i);
  i = matmul(va, vb, vc, 0, 0, VTPU_SEM_NONE);
  vtpu_cp_push(VTPU_QUEUE_MXU, &i);
  i = matmul(va, vb, vc, 1, VTPU_SEM_NONE, 1);
  vtpu_cp_push(VTPU_QUEUE_MXU, &i);
  i = dma(vc, (uintptr_t)c, sizeof c, 1, VTPU_SEM_NONE, VTPU_INSN_IRQ);
  vtpu_cp_push(VTPU_QUEUE_DMA, &i);
  CHECK_EQ(CP(VTPU_CP_QUEUE(VTPU_QUEUE_DMA) + VTPU_CP_PENDING), 3);
  vtpu_cp_doorbell();
  CHECK_EQ(vtpu_cp_wait(0), VTPU_CP_STATUS_DONE);
  for (int k = 0; k < M * N; ++k)
    if (c[k] != want[k]) {
      printf("FAIL c[%d] = %ld, want %ld\n", k, (long)c[k], (long)want[k]);
      return 1;
    }
  CHECK_EQ(vtpu_cp_counter(VTPU_CNT_MACS), 2u * M * K * N);
  CHECK_EQ(vtpu_cp_counter(VTPU_CNT_INSNS), 5);
  CHECK_EQ(vtpu_cp_counter(VTPU_CNT_DMA_BYTES), sizeof a + sizeof b + sizeof c);
  CHECK(vtpu_cp_counter(VTPU_CNT_MXU_BUSY) > 0);

  /* A MATMUL whose A lies outside VMEM: error, cause, address; the DMA behind
   * it (waiting on its signal) never runs. */
  const uint32_t vmem_end =
      vtpu_soc.vmem + VTPU_MMIO32(vtpu_soc.chip_info + VTPU_CHIPINFO_VMEM_SIZE);
  i = matmul(vmem_end - 64, vb, vc, 0, VTPU_SEM_NONE, 2);
  vtpu_cp_push(VTPU_QUEUE_MXU, &i);
  i = dma(vc, (uintptr_t)c, 4, 2, VTPU_SEM_NONE, VTPU_INSN_IRQ);
  vtpu_cp_push(VTPU_QUEUE_DMA, &i);
  vtpu_cp_doorbell();
  vtpu_cp_error e;
  CHECK_EQ(vtpu_cp_wait(&e) & VTPU_CP_STATUS_ERROR, VTPU_CP_STATUS_ERROR);
  CHECK_EQ(e.cause, VTPU_ERR_ADDRESS);
  CHECK_EQ(e.queue, VTPU_QUEUE_MXU);
  CHECK_EQ(e.opcode, VTPU_OP_MATMUL);
  CHECK_EQ(e.address, vmem_end - 64);
  CHECK_EQ(CP(VTPU_CP_ERR_CAUSE), 0); /* cleared with STATUS.error */
  CHECK_EQ(CP(VTPU_CP_STATUS), 0);    /* queues flushed: the DMA never ran */
  CHECK_EQ(vtpu_cp_counter(VTPU_CNT_INSNS), 5);
  printf("PASS cp_matmul: %lu MACs\n", (unsigned long)vtpu_cp_counter(VTPU_CNT_MACS));
  return 0;
}
