// The vector unit (docs/vpu.md): what one vtpu_insn_vpu does to memory, and
// how many cycles it takes, as plain C++ without SystemC. The unit's wrapper
// resolves VMEM and AMEM to host memory, calls check() and, only if it
// passes, execute(); cycles() is the timing model, separate from the
// function so that timing can never change a result. Every rounding comes
// from numerics.h.
#pragma once

#include <cstdint>
#include <vector>

#include "models/common/unit_memory.h"
#include "models/isa/vtpu/isa.h"

namespace vtpu::vpu {

// A memory the VPU can address (VMEM, AMEM): `size` bytes at bus address
// `base`, held at `data`.
using Memory = UnitMemory;

// Why an instruction must not run: cause is VTPU_ERR_*, address what
// VTPU_CP_ERR_ADDR reports (docs/vpu.md, "Faults").
using Fault = UnitFault;

// The first problem with `insn`: an unknown operation, an unsupported type
// combination, a bad shape, or an operand footprint (A, B, the scale array,
// REQUANT_ADD's R and its parameters, D, in that order) not inside one of
// `memories`. Reads and writes nothing.
Fault check(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories);

// Runs `insn`, which check() has passed, on `memories`.
void execute(const vtpu_insn_vpu& insn, const std::vector<Memory>& memories);

// One row of the timing table (docs/vpu.md, "Timing").
struct OpTiming {
  uint32_t pipeline_latency;          // cycles from the first issue to the last result
  uint32_t cycles_per_element_group;  // issue cost of one group of `lanes` elements
};

// The timing row of a VPU operation; {0, 0} for an unknown one.
OpTiming op_timing(uint8_t op);

// A short lower-case name ("add", "gelu_erf", "maxpool", ...) for traces;
// nullptr for an unknown operation.
const char* op_name(uint8_t op);

// The elements the timing model counts: outputs for elementwise operations,
// inputs read for reductions, window reads (outputs x window) for pooling.
uint64_t work_elements(const vtpu_insn_vpu& insn);

// Whether the operation reads a residual R (REQUANT_ADD, REQUANT_RELU_ADD).
bool reads_residual(uint8_t op);

// Elements written to D (for VTPU_CNT_VPU_ELEMS).
uint64_t output_elements(const vtpu_insn_vpu& insn);

// pipeline_latency + ceil(work_elements / lanes) * cycles_per_element_group,
// for an instruction check() has passed (0 for an unknown operation). lanes 0
// counts as 1.
uint64_t cycles(const vtpu_insn_vpu& insn, unsigned lanes);

// The pooling window packed in vtpu_insn_vpu::pool.
struct PoolWindow {
  uint32_t height, width, stride_y, stride_x;
};

inline PoolWindow pool_window(uint32_t pool) {
  return {pool & 0xffu, (pool >> 8) & 0xffu, (pool >> 16) & 0xffu, pool >> 24};
}

// AVGPOOL's uncounted edges, packed in vtpu_insn_vpu::uncounted.
struct Edges {
  uint32_t top, left, bottom, right;
};

inline Edges edges(uint32_t packed) {
  return {packed & 0xffu, (packed >> 8) & 0xffu, (packed >> 16) & 0xffu, packed >> 24};
}

}  // namespace vtpu::vpu
