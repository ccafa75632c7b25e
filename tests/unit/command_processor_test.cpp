// The command processor with real units: a DMA from HBM into VMEM and MXU
// matmuls ordered by semaphores (the DMA of tile i+1 overlaps the MXU on
// tile i), a fence, the completion interrupt, counters, a wait nothing can
// satisfy (reported, no hang), and every kind of bad instruction: error cause,
// error interrupt, and the queues flushed (docs/isa.md).
#include "models/command_processor/command_processor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "models/hbm/hbm.h"
#include "models/interconnect/router.h"
#include "models/isa/vtpu/soc_map.h"
#include "models/mxu/reference.h"
#include "models/vpu/numerics.h"
#include "models/vpu/vpu.h"
#include "platform/memspec.h"
#include "rtl/mxu_tile/transactor.h"
#include "tests/unit/cp_chip.h"

namespace vtpu::cp {
namespace {

vtpu_insn header(uint8_t opcode, uint8_t wait = VTPU_SEM_NONE, uint8_t signal = VTPU_SEM_NONE,
                 uint8_t flags = 0) {
  vtpu_insn i{};
  i.h = vtpu_insn_header{opcode, wait, signal, flags};
  return i;
}

vtpu_insn dma_copy(uint64_t src, uint64_t dst, uint32_t bytes, uint8_t wait, uint8_t signal) {
  vtpu_insn i = header(VTPU_OP_DMA, wait, signal);
  i.dma.copy.src = src;
  i.dma.copy.dst = dst;
  i.dma.copy.size[0] = bytes;
  i.dma.copy.size[1] = i.dma.copy.size[2] = i.dma.copy.size[3] = 1;
  return i;
}

// A (m x k int8) at a, B (k x n) at b, C at c.
vtpu_insn matmul(uint32_t a, uint32_t b, uint32_t c, uint32_t m, uint32_t k, uint32_t n,
                 uint8_t wait = VTPU_SEM_NONE, uint8_t signal = VTPU_SEM_NONE) {
  vtpu_insn i = header(VTPU_OP_MATMUL, wait, signal);
  i.matmul.precision = VTPU_TYPE_INT8;
  i.matmul.m = m, i.matmul.k = k, i.matmul.n = n;
  i.matmul.a_addr = a, i.matmul.a_stride = k;
  i.matmul.b_addr = b, i.matmul.b_stride = n;
  i.matmul.c_addr = c, i.matmul.c_stride = n * 4;
  return i;
}

// REQUANT of the m x n int32 matrix at c into int8 at d (per-column scales at
// `scales`), after semaphore 0, raising the completion interrupt.
vtpu_insn requantize(uint32_t c, uint32_t d, uint32_t m, uint32_t n, uint32_t scales) {
  vtpu_insn r = header(VTPU_OP_VPU, 0, VTPU_SEM_NONE, VTPU_INSN_IRQ);
  r.vpu.op = VTPU_VPU_REQUANT;
  r.vpu.a_type = VTPU_TYPE_INT32;
  r.vpu.d_type = VTPU_TYPE_INT8;
  r.vpu.rows = m, r.vpu.cols = n;
  r.vpu.a_addr = c, r.vpu.a_stride = n * 4;
  r.vpu.d_addr = d, r.vpu.d_stride = n;
  r.vpu.scale_addr = scales;
  return r;
}

void put(hbm::Hbm& hbm, uint64_t offset, const std::vector<uint8_t>& bytes) {
  tlm::tlm_generic_payload t;
  t.set_command(tlm::TLM_WRITE_COMMAND);
  t.set_address(offset);
  t.set_data_ptr(const_cast<uint8_t*>(bytes.data()));
  t.set_data_length(static_cast<unsigned>(bytes.size()));
  ASSERT_EQ(hbm.socket.get_base_export()->transport_dbg(t), bytes.size());
}

bool overlap(const Executed& a, const Executed& b) {
  return a.start < b.end && b.start < a.end;
}

// Ping-pong: DMA tile 0 -> buf0 (signal 0), DMA tile 1 -> buf1 (signal 1),
// MXU on buf0 (wait 0), MXU on buf1 (wait 1, interrupt). The second DMA runs
// while the MXU computes tile 0; results equal the reference.
TEST(CommandProcessor, SemaphoresOverlapDmaWithCompute) {
  Chip chip;
  const uint32_t m = 64, k = 64, n = 64;
  std::vector<uint8_t> tiles(2 * m * k);
  for (size_t i = 0; i < tiles.size(); ++i) tiles[i] = static_cast<uint8_t>(i * 37 + (i >> 7));
  put(chip.hbm, 0, tiles);
  for (uint32_t i = 0; i < k * n; ++i) chip.vmem.data()[0x10000 + i] = static_cast<uint8_t>(i * 11);
  const uint32_t buf0 = kVmem, buf1 = kVmem + 0x4000, b = kVmem + 0x10000;
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(kHbm, buf0, m * k, VTPU_SEM_NONE, 0));
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(kHbm + m * k, buf1, m * k, VTPU_SEM_NONE, 1));
  chip.cp.push(VTPU_QUEUE_MXU, matmul(buf0, b, kAmem, m, k, n, 0, VTPU_SEM_NONE));
  vtpu_insn last = matmul(buf1, b, kAmem + 0x10000, m, k, n, 1, VTPU_SEM_NONE);
  last.h.flags = VTPU_INSN_IRQ;
  chip.cp.push(VTPU_QUEUE_MXU, last);
  chip.cp.release();
  sc_core::sc_start();

  ASSERT_FALSE(chip.cp.has_error()) << chip.cp.error().cause;
  EXPECT_TRUE(chip.cp.idle());
  EXPECT_TRUE(chip.done.read());
  const std::vector<Executed>& run = chip.cp.executed();
  ASSERT_EQ(run.size(), 4u);
  const Executed *dma1 = nullptr, *mxu0 = nullptr, *dma0 = nullptr, *mxu1 = nullptr;
  for (const Executed& e : run) {
    if (e.queue == VTPU_QUEUE_DMA) (dma0 ? dma1 : dma0) = &e;
    if (e.queue == VTPU_QUEUE_MXU) (mxu0 ? mxu1 : mxu0) = &e;
  }
  ASSERT_TRUE(dma0 && dma1 && mxu0 && mxu1);
  EXPECT_GE(mxu0->start, dma0->end) << "the MXU waited for its tile";
  EXPECT_GE(mxu1->start, dma1->end);
  EXPECT_TRUE(overlap(*dma1, *mxu0)) << "DMA of tile 1 overlaps compute on tile 0";
  const sc_time serial = (dma0->end - dma0->start) + (dma1->end - dma1->start) +
                         (mxu0->end - mxu0->start) + (mxu1->end - mxu1->start);
  EXPECT_LT(mxu1->end - dma0->start, serial);
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_MACS), 2ull * m * k * n);
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_DMA_BYTES), 2ull * m * k);
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_INSNS), 4u);
  EXPECT_GT(chip.cp.counter(VTPU_CNT_MXU_BUSY), 2 * 64u);

  // C for tile 1 against the reference on the same operands.
  const mxu::Memory vmem{kVmem, chip.vmem.size(), chip.vmem.data()};
  const mxu::Memory amem{kAmem, chip.amem.size(), chip.amem.data()};
  std::vector<uint8_t> want;
  mxu::reference_matmul(last.matmul, vmem, amem, mxu::ArrayConfig{}, want);
  EXPECT_EQ(std::memcmp(chip.amem.data() + 0x10000, want.data(), want.size()), 0);
  EXPECT_EQ(std::memcmp(chip.vmem.data() + 0x4000, tiles.data() + m * k, m * k), 0);
}

// MXU then VPU, as a quantized layer: int8 matmul into AMEM (signal 0), then
// the VPU requantizes the int32 accumulators to int8 with a scale per column
// (wait 0); each output equals requantize_int8 of the reference accumulator.
// The two DMA queues run their copies at once, on the engine's two channels:
// each lands its bytes; a semaphore orders them where asked; they share the
// engine's port, so two copies at once take about as long as the two one
// after the other; DMA_BUSY counts the cycles either queue was busy.
TEST(CommandProcessor, TwoDmaQueuesRunAtOnce) {
  Chip chip;
  const uint32_t bytes = 32 << 10, src0 = kVmem, src1 = kVmem + bytes;
  for (uint32_t i = 0; i < 2 * bytes; ++i) chip.vmem.data()[i] = static_cast<uint8_t>(i * 13 + 5);
  const uint8_t* vmem = chip.vmem.data();

  // One copy alone.
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(src0, kVmem + 0x20000, bytes, VTPU_SEM_NONE, 0));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_FALSE(chip.cp.has_error()) << chip.cp.error().cause;
  ASSERT_EQ(chip.cp.executed().size(), 1u);
  const sc_time alone = chip.cp.executed()[0].end - chip.cp.executed()[0].start;
  const uint64_t busy_alone = chip.cp.counter(VTPU_CNT_DMA_BUSY);

  // Two at once, and a third on the second queue that waits for the first
  // queue's copy (semaphore 0: the first copy's signal was taken above).
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(src0, kVmem + 0x30000, bytes, VTPU_SEM_NONE, 1));
  chip.cp.push(VTPU_QUEUE_DMA1, dma_copy(src1, kVmem + 0x40000, bytes, 0, VTPU_SEM_NONE));
  chip.cp.push(VTPU_QUEUE_DMA1, dma_copy(kVmem + 0x30000, kVmem + 0x60000, 256, 1, VTPU_SEM_NONE));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_FALSE(chip.cp.has_error()) << chip.cp.error().cause;
  const std::vector<Executed>& run = chip.cp.executed();
  ASSERT_EQ(run.size(), 4u);
  const Executed& first = run[1].queue == VTPU_QUEUE_DMA ? run[1] : run[2];
  const Executed& second = run[1].queue == VTPU_QUEUE_DMA1 ? run[1] : run[2];
  const Executed& third = run[3];
  ASSERT_EQ(third.queue, VTPU_QUEUE_DMA1);
  EXPECT_TRUE(overlap(first, second)) << "the queues run at once";
  EXPECT_GE(third.start, first.end) << "the semaphore orders the queues";
  const sc_time both = std::max(first.end, second.end) - std::min(first.start, second.start);
  EXPECT_GE(both, alone * 1.9) << "one port: not twice the bandwidth";
  EXPECT_LE(both, alone * 2.1);
  EXPECT_EQ(std::memcmp(vmem + 0x20000, vmem + src0 - kVmem, bytes), 0);
  EXPECT_EQ(std::memcmp(vmem + 0x30000, vmem + src0 - kVmem, bytes), 0);
  EXPECT_EQ(std::memcmp(vmem + 0x40000, vmem + src1 - kVmem, bytes), 0);
  EXPECT_EQ(std::memcmp(vmem + 0x60000, vmem + src0 - kVmem, 256), 0);
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_DMA_BYTES), 3ull * bytes + 256);
  // Busy while either ran: the overlap counted once.
  const uint64_t busy = chip.cp.counter(VTPU_CNT_DMA_BUSY) - busy_alone;
  const auto cycles = [&](sc_time t) { return static_cast<uint64_t>(t / chip.cycle); };
  EXPECT_EQ(busy, cycles(third.end - std::min(first.start, second.start)));
  EXPECT_LT(busy, cycles((first.end - first.start) + (second.end - second.start) +
                         (third.end - third.start)));
}

TEST(CommandProcessor, MatmulThenRequantize) {
  Chip chip;
  const uint32_t m = 23, k = 37, n = 19;
  for (uint32_t i = 0; i < m * k + k * n; ++i)
    chip.vmem.data()[i] = static_cast<uint8_t>(i * 73 + (i >> 5));
  std::vector<float> scales(n);
  for (uint32_t j = 0; j < n; ++j) scales[j] = 0.001f * (j + 1) + 0.0003f;
  std::memcpy(chip.vmem.data() + 0x8000, scales.data(), 4 * n);
  const uint32_t a = kVmem, b = kVmem + m * k, c = kAmem + 0x100, d = kVmem + 0x9000;
  chip.cp.push(VTPU_QUEUE_MXU, matmul(a, b, c, m, k, n, VTPU_SEM_NONE, 0));
  vtpu_insn r = requantize(c, d, m, n, kVmem + 0x8000);
  r.vpu.zero_point = -3;
  chip.cp.push(VTPU_QUEUE_VPU, r);
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_FALSE(chip.cp.has_error()) << chip.cp.error().cause << " " << chip.cp.error().address;
  EXPECT_TRUE(chip.done.read());
  const std::vector<Executed>& run = chip.cp.executed();
  ASSERT_EQ(run.size(), 2u);
  EXPECT_GE(run[1].start, run[0].end) << "the VPU waited for the MXU";
  for (uint32_t i = 0; i < m; ++i)
    for (uint32_t j = 0; j < n; ++j) {
      int32_t acc = 0;
      for (uint32_t kk = 0; kk < k; ++kk)
        acc += int32_t{static_cast<int8_t>(chip.vmem.data()[i * k + kk])} *
               int32_t{static_cast<int8_t>(chip.vmem.data()[m * k + kk * n + j])};
      const int8_t want = numerics::requantize_int8(acc, scales[j], -3);
      ASSERT_EQ(static_cast<int8_t>(chip.vmem.data()[0x9000 + i * n + j]), want) << i << "," << j;
    }
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_VPU_ELEMS), uint64_t{m} * n);
  EXPECT_GT(chip.cp.counter(VTPU_CNT_VPU_BUSY), 0u);
}

// Slow units (faults.*_slowdown, docs/faults.md): after its decode cycle a
// MATMUL takes mxu_slowdown times its array's cycles and a VPU instruction
// vpu_slowdown times its lanes' cycles (both above their ports' time here);
// a DMA takes dma_slowdown times what it takes at full speed.
TEST(CommandProcessor, SlowUnitsTakeTheirFactorLonger) {
  Chip chip([](CpOptions& o) {
    o.mxu_slowdown = 3;
    o.vpu_slowdown = 2.5;
    o.dma_slowdown = 4;
  });
  const uint32_t m = 40, k = 33, n = 21;
  const uint32_t a = kVmem, b = kVmem + m * k, c = kAmem, d = kVmem + 0x9000;
  put(chip.hbm, 0, std::vector<uint8_t>(4096, 7));
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(kHbm, kVmem + 0x10000, 4096, VTPU_SEM_NONE, 1));
  chip.cp.push(VTPU_QUEUE_MXU, matmul(a, b, c, m, k, n, 1, 0));
  const vtpu_insn r = requantize(c, d, m, n, kVmem + 0x8000);  // scales' values do not matter
  chip.cp.push(VTPU_QUEUE_VPU, r);
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_FALSE(chip.cp.has_error()) << chip.cp.error().cause;
  const std::vector<Executed>& run = chip.cp.executed();
  ASSERT_EQ(run.size(), 3u);
  const sc_core::sc_time decode = chip.cycle;
  EXPECT_EQ(run[1].end - run[1].start,
            decode + chip.cycle * (3.0 * chip.cp.last_matmul_array_cycles()));
  EXPECT_EQ(run[2].end - run[2].start,
            decode + chip.cycle * (2.5 * vpu::cycles(r.vpu, CpOptions{}.vpu_lanes)));
  // 4096 bytes over a 64-byte-per-cycle link take at least 64 cycles; slowed, 4 x that.
  EXPECT_GE(run[0].end - run[0].start, decode + chip.cycle * (4.0 * 64));
}

// A fence completes after everything released before it, in every queue.
TEST(CommandProcessor, FenceWaitsForEarlierWork) {
  Chip chip;
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(kHbm, kVmem, 64 * 1024, VTPU_SEM_NONE, VTPU_SEM_NONE));
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 200, 64, 64));
  chip.cp.push(VTPU_QUEUE_VPU, header(VTPU_OP_FENCE, VTPU_SEM_NONE, VTPU_SEM_NONE, VTPU_INSN_IRQ));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_FALSE(chip.cp.has_error());
  const std::vector<Executed>& run = chip.cp.executed();
  ASSERT_EQ(run.size(), 3u);
  EXPECT_EQ(run.back().opcode, VTPU_OP_FENCE);
  EXPECT_GE(run.back().start, run[0].end);
  EXPECT_GE(run.back().start, run[1].end);
  EXPECT_TRUE(chip.done.read());
}

// A FENCE flagged VTPU_INSN_FENCE_SKIP(q) does not wait for queue q's work
// released before it (the layers' fences and the held weights' copies in
// DMA1, docs/runtime.md); one without the flag waits for everything.
TEST(CommandProcessor, FenceSkipsTheQueuesItsFlagsName) {
  Chip chip;
  chip.cp.push(VTPU_QUEUE_DMA1, dma_copy(kHbm, kVmem, 256 * 1024, VTPU_SEM_NONE, VTPU_SEM_NONE));
  chip.cp.push(VTPU_QUEUE_DMA,
               dma_copy(kHbm, kVmem + 0x80000, 4 * 1024, VTPU_SEM_NONE, VTPU_SEM_NONE));
  chip.cp.push(VTPU_QUEUE_VPU, header(VTPU_OP_FENCE, VTPU_SEM_NONE, VTPU_SEM_NONE,
                                      VTPU_INSN_FENCE_SKIP(VTPU_QUEUE_DMA1)));
  chip.cp.push(VTPU_QUEUE_MXU, header(VTPU_OP_FENCE));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_FALSE(chip.cp.has_error()) << chip.cp.error().cause;
  const std::vector<Executed>& run = chip.cp.executed();
  ASSERT_EQ(run.size(), 4u);
  const auto of = [&](unsigned queue) {
    for (const Executed& e : run)
      if (e.queue == queue) return e;
    ADD_FAILURE() << "queue " << queue << " ran nothing";
    return Executed{};
  };
  const Executed copy1 = of(VTPU_QUEUE_DMA1), copy0 = of(VTPU_QUEUE_DMA);
  const Executed skipping = of(VTPU_QUEUE_VPU), full = of(VTPU_QUEUE_MXU);
  EXPECT_GE(skipping.start, copy0.end) << "it waits for the other queues";
  EXPECT_LT(skipping.end, copy1.end) << "not for DMA1";
  EXPECT_GE(full.start, copy1.end) << "an unflagged fence waits for DMA1 too";
}

// Waits nothing released can satisfy: reported as a deadlock, not a hang.
TEST(CommandProcessor, UnsatisfiableWaitIsAnError) {
  Chip chip;
  // Released together, the signaller after the waiter: fine.
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 8, 8, 8, 2, VTPU_SEM_NONE));
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(kHbm, kVmem, 64, VTPU_SEM_NONE, 2));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_FALSE(chip.cp.has_error());
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_INSNS), 2u);

  // Nothing signals semaphore 5.
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 8, 8, 8, 5, VTPU_SEM_NONE));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_TRUE(chip.cp.has_error());
  EXPECT_EQ(chip.cp.error().cause, VTPU_ERR_DEADLOCK);
  EXPECT_EQ(chip.cp.error().queue, VTPU_QUEUE_MXU);
  EXPECT_EQ(chip.cp.error().address, 5u);
  EXPECT_TRUE(chip.error.read());
  EXPECT_TRUE(chip.cp.idle()) << "queues flushed";

  // A wait takes the count: one signal satisfies one wait, not two.
  chip.cp.clear_error();
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(kHbm, kVmem, 64, VTPU_SEM_NONE, 4));
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 8, 8, 8, 4, VTPU_SEM_NONE));
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 8, 8, 8, 4, VTPU_SEM_NONE));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_TRUE(chip.cp.has_error());
  EXPECT_EQ(chip.cp.error().cause, VTPU_ERR_DEADLOCK);
  EXPECT_EQ(chip.cp.error().address, 4u);
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_INSNS), 4u);

  // A cycle: each queue waits for what the other signals after its wait.
  chip.cp.clear_error();
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 8, 8, 8, 6, 7));
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(kHbm, kVmem, 64, 7, 6));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_TRUE(chip.cp.has_error());
  EXPECT_EQ(chip.cp.error().cause, VTPU_ERR_DEADLOCK);
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_INSNS), 4u);
}

// Each bad instruction: its cause (and address), the error interrupt, the
// instruction behind it never runs; clearing the error lets work continue.
TEST(CommandProcessor, BadInstructionsStopWithACause) {
  Chip chip;
  struct Case {
    const char* what;
    unsigned queue;
    vtpu_insn insn;
    uint32_t cause;
    uint64_t address;
    uint32_t detail;
  };
  vtpu_insn unknown = header(0x7f);
  vtpu_insn outside = matmul(kVmem + (1 << 20) - 16, kVmem, kAmem, 8, 8, 8);
  vtpu_insn zero = matmul(kVmem, kVmem, kAmem, 0, 8, 8);
  vtpu_insn fp32 = matmul(kVmem, kVmem, kAmem, 8, 8, 8);
  fp32.matmul.precision = VTPU_TYPE_FP32;
  vtpu_insn c_outside = matmul(kVmem, kVmem, kAmem + (1 << 18) - 64, 8, 8, 8);
  vtpu_insn os_on_ws = matmul(kVmem, kVmem, kAmem, 8, 8, 8);  // the chip's array is ws only
  os_on_ws.matmul.dataflow = VTPU_DATAFLOW_OS;
  vtpu_insn no_dataflow = os_on_ws;
  no_dataflow.matmul.dataflow = 9;
  vtpu_insn vpu_type = header(VTPU_OP_VPU);  // REQUANT from fp32: not a combination it takes
  vpu_type.vpu.op = VTPU_VPU_REQUANT;
  vpu_type.vpu.a_type = VTPU_TYPE_FP32;
  vpu_type.vpu.d_type = VTPU_TYPE_INT8;
  vpu_type.vpu.rows = vpu_type.vpu.cols = 4;
  vpu_type.vpu.a_addr = kVmem, vpu_type.vpu.a_stride = 16;
  vpu_type.vpu.d_addr = kVmem + 64, vpu_type.vpu.d_stride = 4;
  vtpu_insn vpu_outside = vpu_type;  // D past the end of AMEM
  vpu_outside.vpu.op = VTPU_VPU_RELU;
  vpu_outside.vpu.d_type = VTPU_TYPE_FP32;
  vpu_outside.vpu.d_addr = kAmem + (1 << 18) - 32, vpu_outside.vpu.d_stride = 16;
  const Case cases[] = {
      {"unknown opcode", VTPU_QUEUE_VPU, unknown, VTPU_ERR_OPCODE, 0x7f, 0},
      {"MATMUL on the DMA queue", VTPU_QUEUE_DMA, matmul(kVmem, kVmem, kAmem, 8, 8, 8),
       VTPU_ERR_OPCODE, VTPU_OP_MATMUL, 0},
      {"MATMUL on the second DMA queue", VTPU_QUEUE_DMA1, matmul(kVmem, kVmem, kAmem, 8, 8, 8),
       VTPU_ERR_OPCODE, VTPU_OP_MATMUL, 0},
      {"A outside VMEM", VTPU_QUEUE_MXU, outside, VTPU_ERR_ADDRESS, kVmem + (1 << 20) - 16, 0},
      {"C outside AMEM", VTPU_QUEUE_MXU, c_outside, VTPU_ERR_ADDRESS, kAmem + (1 << 18) - 64, 0},
      {"zero rows", VTPU_QUEUE_MXU, zero, VTPU_ERR_SHAPE, 0, 0},
      {"fp32 precision", VTPU_QUEUE_MXU, fp32, VTPU_ERR_TYPE, VTPU_TYPE_FP32, 0},
      {"output-stationary on a ws array", VTPU_QUEUE_MXU, os_on_ws, VTPU_ERR_DATAFLOW,
       VTPU_DATAFLOW_OS, 0},
      {"dataflow 9", VTPU_QUEUE_MXU, no_dataflow, VTPU_ERR_DATAFLOW, 9, 0},
      {"semaphore 36", VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 8, 8, 8, VTPU_SEMAPHORES + 4),
       VTPU_ERR_SEMAPHORE, VTPU_SEMAPHORES + 4, 0},
      {"signal semaphore 32", VTPU_QUEUE_MXU,
       matmul(kVmem, kVmem, kAmem, 8, 8, 8, VTPU_SEM_NONE, VTPU_SEMAPHORES), VTPU_ERR_SEMAPHORE,
       VTPU_SEMAPHORES, 0},
      {"VPU type combination", VTPU_QUEUE_VPU, vpu_type, VTPU_ERR_TYPE, VTPU_TYPE_FP32, 0},
      {"VPU result outside AMEM", VTPU_QUEUE_VPU, vpu_outside, VTPU_ERR_ADDRESS,
       kAmem + (1 << 18) - 32, 0},
      {"DMA beyond HBM", VTPU_QUEUE_DMA,
       dma_copy(kHbm + (512u << 20) - 8, kVmem, 64, VTPU_SEM_NONE, VTPU_SEM_NONE), VTPU_ERR_DMA,
       kHbm + (512u << 20) - 8, VTPU_DMA_CAUSE_SRC_RANGE},
      {"DMA1 beyond VMEM", VTPU_QUEUE_DMA1,
       dma_copy(kHbm, kVmem + (1 << 20) - 8, 64, VTPU_SEM_NONE, VTPU_SEM_NONE), VTPU_ERR_DMA,
       kVmem + (1 << 20) - 8, VTPU_DMA_CAUSE_DST_RANGE},
  };
  uint64_t done = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    chip.cp.push(c.queue, c.insn);
    chip.cp.push(c.queue, header(VTPU_OP_NOP, VTPU_SEM_NONE, 3));  // must not run
    chip.cp.release();
    sc_core::sc_start();
    ASSERT_TRUE(chip.cp.has_error());
    EXPECT_EQ(chip.cp.error().cause, c.cause);
    EXPECT_EQ(chip.cp.error().queue, c.queue);
    EXPECT_EQ(chip.cp.error().address, c.address);
    EXPECT_EQ(chip.cp.error().detail, c.detail);
    EXPECT_TRUE(chip.error.read());
    EXPECT_EQ(chip.cp.counter(VTPU_CNT_INSNS), done);
    EXPECT_TRUE(chip.cp.idle());
    chip.cp.clear_error();
    sc_core::sc_start(sc_time(10, SC_NS));
    EXPECT_FALSE(chip.error.read());
  }
  // A full queue.
  for (unsigned i = 0; i <= VTPU_QUEUE_DEPTH; ++i)
    chip.cp.push(VTPU_QUEUE_MXU, header(VTPU_OP_NOP));
  ASSERT_TRUE(chip.cp.has_error());
  EXPECT_EQ(chip.cp.error().cause, VTPU_ERR_OVERFLOW);
  chip.cp.clear_error();
  // And the processor still works.
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 8, 8, 8));
  chip.cp.release();
  sc_core::sc_start();
  EXPECT_FALSE(chip.cp.has_error());
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_INSNS), done + 1);

  // A bad instruction is refused before its wait: it takes no count, so the
  // semaphore's one count still lets the next good instruction run.
  chip.cp.push(VTPU_QUEUE_DMA, dma_copy(kHbm, kVmem, 64, VTPU_SEM_NONE, 9));
  chip.cp.release();
  sc_core::sc_start();
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 0, 8, 8, 9, VTPU_SEM_NONE));
  chip.cp.release();
  sc_core::sc_start();
  ASSERT_TRUE(chip.cp.has_error());
  EXPECT_EQ(chip.cp.error().cause, VTPU_ERR_SHAPE);
  chip.cp.clear_error();
  chip.cp.push(VTPU_QUEUE_MXU, matmul(kVmem, kVmem, kAmem, 8, 8, 8, 9, VTPU_SEM_NONE));
  chip.cp.release();
  sc_core::sc_start();
  EXPECT_FALSE(chip.cp.has_error()) << chip.cp.error().cause;
  EXPECT_EQ(chip.cp.counter(VTPU_CNT_INSNS), done + 3);
}

// mxu.backend lockstep (docs/cosim.md) with the 16x16 RTL tile: a MATMUL
// passes with C equal to the reference and the tile's cycles equal to the
// overlapped formula, 16 + 5*23 + 23 + 16 + 16 + 2 = 188 for 23x37x19 (F = 3*2);
// and a tile that reports one cycle more is stopped with both counts.
class LateTile : public mxu::RtlArray {
 public:
  explicit LateTile(std::unique_ptr<mxu::RtlArray> tile) : tile_(std::move(tile)) {}
  unsigned rows() const override { return tile_->rows(); }
  unsigned cols() const override { return tile_->cols(); }
  bool runs_bf16() const override { return tile_->runs_bf16(); }
  uint64_t execute(const vtpu_insn_matmul& x, const mxu::Memory& v, const mxu::Memory& a,
                   uint64_t start_ps) override {
    return tile_->execute(x, v, a, start_ps) + 1;
  }

 private:
  std::unique_ptr<mxu::RtlArray> tile_;
};

void run_lockstep(bool late, std::string& stopped, uint64_t& cycles, bool& exact) {
  rtl::TileOptions tile_options;
  tile_options.rows = tile_options.cols = 16;
  std::unique_ptr<mxu::RtlArray> tile = rtl::make_tile(tile_options);
  if (late) tile = std::make_unique<LateTile>(std::move(tile));
  std::unique_ptr<mxu::MatmulEngine> engine;
  Chip chip([&](CpOptions& o) {
    engine = mxu::lockstep_engine(o.array, *tile, [&stopped](const std::string& why) {
      stopped = why;
      sc_core::sc_stop();
    });
    o.engine = engine.get();
  });
  const uint32_t m = 23, k = 37, n = 19;
  for (uint32_t i = 0; i < m * k + k * n; ++i)
    chip.vmem.data()[i] = static_cast<uint8_t>(i * 73 + (i >> 5));
  const vtpu_insn x = matmul(kVmem, kVmem + m * k, kAmem, m, k, n);
  std::vector<uint8_t> expected;
  mxu::reference_matmul(x.matmul, mxu::Memory{kVmem, chip.vmem.size(), chip.vmem.data()},
                        mxu::Memory{kAmem, chip.amem.size(), chip.amem.data()},
                        chip.cp_options(nullptr).array, expected);
  chip.cp.push(VTPU_QUEUE_MXU, x);
  chip.cp.release();
  sc_core::sc_start();
  cycles = chip.cp.last_matmul_array_cycles();
  exact = std::equal(expected.begin(), expected.end(), chip.amem.data());
}

TEST(CommandProcessor, LockstepChecksTheTilesResultAndCycles) {
  std::string stopped;
  uint64_t cycles = 0;
  bool exact = false;
  run_lockstep(false, stopped, cycles, exact);
  EXPECT_EQ(stopped, "");
  EXPECT_EQ(cycles, 188u);
  EXPECT_TRUE(exact);
}

TEST(CommandProcessor, LockstepStopsAtACycleMismatch) {
  std::string stopped;
  uint64_t cycles = 0;
  bool exact = false;
  run_lockstep(true, stopped, cycles, exact);
  EXPECT_EQ(stopped,
            "mxu lockstep: MATMUL #0 (int8 23x37x19, C =): cycles expected 188 (tlm overlapped), "
            "got 189 (rtl)");
}

}  // namespace
}  // namespace vtpu::cp
