// The matrix unit: an R x C systolic array, weight-stationary (B, the weights,
// held in the array; A streamed) or output-stationary (C held in the array).
//
// Functional model: C = (C +) A * B for one MATMUL instruction, int8 x int8 ->
// int32 (exact) or bf16 x bf16 -> fp32 in the order docs/numerics.md fixes:
// weight-stationary sums k ascending within each K-tile of R rows, then adds
// the tiles into C one by one; output-stationary sums k ascending over all of
// K, then adds into C. The fast path keeps that order for every element and
// vectorises across the N outputs of a row.
//
// Timing model (docs/mxu.md), beside it: the array's cycles for the
// instruction's folds, in `stall-free` mode exactly SCALE-Sim v2's formula,
// in `overlapped` mode with the next fold's weight load hidden behind the
// current fold; and the bytes the instruction moves through the VMEM/AMEM
// ports, which the command processor books on the memories' port models.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/common/unit_memory.h"
#include "models/isa/vtpu/isa.h"

namespace vtpu::mxu {

enum class Dataflow { kWeightStationary, kOutputStationary };
enum class TimingMode { kStallFree, kOverlapped };

struct ArrayConfig {
  unsigned rows = 32, cols = 32;  // R, C
  Dataflow dataflow = Dataflow::kWeightStationary;
  TimingMode timing = TimingMode::kOverlapped;
  // mxu.dataflow auto: the array runs both dataflows, each MATMUL naming its
  // own or asking the array to pick (`dataflow` is then ws, what
  // VTPU_DATAFLOW_CONFIG asks for).
  bool both_dataflows = false;
  // All VMEM ports' bytes per cycle (0: unlimited) and how many ports, which
  // the pick weighs.
  uint64_t vmem_port_bytes = 0;
  unsigned vmem_ports = 1;
  // The other units' share of those ports' time lately, in thousandths,
  // which the pick weighs too (the command processor measures it).
  uint32_t port_busy_permille = 0;
  // int4 x int8 products per PE per cycle (mxu.int4_macs_per_pe).
  unsigned int4_macs_per_pe = 2;
};

// Parses "ws"/"os" and "stall-free"/"overlapped"; throws vtpu::Error.
Dataflow parse_dataflow(const std::string& text);
TimingMode parse_timing(const std::string& text);
// mxu.dataflow (ws, os or auto) and mxu.timing into `array`; throws vtpu::Error.
void set_mode(ArrayConfig& array, const std::string& dataflow, const std::string& timing);
// The array as it runs `insn` (its dataflow field; VTPU_DATAFLOW_AUTO picks
// by the timing formula), or nothing when the array does not run that
// dataflow (VTPU_ERR_DATAFLOW).
std::optional<ArrayConfig> for_instruction(const ArrayConfig& array, const vtpu_insn_matmul& insn);

// Cycles of the array for an M x K x N product (docs/mxu.md, "Timing").
uint64_t array_cycles(uint32_t m, uint32_t k, uint32_t n, const ArrayConfig& array);
// Cycles of the array for an instruction: a 2:4 sparse one takes those of a
// dense M x K_s x N product (docs/mxu.md, "2:4 sparsity"), an int4-weight one
// those of M x ceil(K / int4_macs_per_pe) x N ("int4 weights").
uint64_t instruction_cycles(const vtpu_insn_matmul& insn, const ArrayConfig& array);
// The rows of weights in B: K, or K_s when 2:4 sparse.
uint32_t weight_rows(const vtpu_insn_matmul& insn);
// The rows of K the array's timing sees: weight_rows(), or ceil(K / P) for
// int4 weights at P products per PE per cycle.
uint32_t timed_rows(const vtpu_insn_matmul& insn, const ArrayConfig& array);
// Bytes of one row of B: N elements, or ceil(N / 2) for int4 weights.
uint64_t b_row_bytes(const vtpu_insn_matmul& insn);
// Bytes of a 2:4 sparse instruction's positions (meta_addr): ceil(K/4) rows
// of ceil(N/2) bytes, meta_stride apart; 0 when dense.
uint64_t meta_bytes(const vtpu_insn_matmul& insn);

struct Traffic {
  uint64_t a_bytes = 0, b_bytes = 0;             // read from VMEM
  uint64_t c_read_bytes = 0, c_write_bytes = 0;  // AMEM
};
Traffic traffic(const vtpu_insn_matmul& insn, const ArrayConfig& array);

using Memory = UnitMemory;
using Fault = UnitFault;

// Checks an instruction against the unit and the memories: A and B in `vmem`,
// C in `amem`. Nothing is computed when it fails.
Fault check(const vtpu_insn_matmul& insn, const Memory& vmem, const Memory& amem);

// The pieces of A's rows (a_segments, 1 when 0).
uint32_t a_segments(const vtpu_insn_matmul& insn);
// Where row q of A starts, from a_addr: in lines of a_line_rows rows when
// that is set, else q a_stride.
uint64_t a_row_offset(const vtpu_insn_matmul& insn, uint32_t q);
// The largest a_row_offset() of the instruction's m rows.
uint64_t a_last_row_offset(const vtpu_insn_matmul& insn);
// What the array's feeder hands the array for an instruction whose A rows
// come in pieces or lines (docs/mxu.md, "A in place"): the same product
// with A's rows laid end to end in `bytes`, beside copies of B and its positions;
// `insn` addresses them in `vmem`, which spans `bytes`. The array (the TLM
// model, the RTL tile, a recording) then sees one-piece rows.
struct Fed {
  vtpu_insn_matmul insn{};
  std::vector<uint8_t> bytes;
  Memory vmem;
};
// Fills `fed` and returns true for an instruction with pieces or more than
// one line (after check()); returns false, leaving `fed` alone, otherwise.
bool feed(const vtpu_insn_matmul& insn, const Memory& vmem, Fed& fed);
// Computes it (after check()). Returns the multiply-accumulates the array
// does (M x K_s x N when 2:4 sparse).
uint64_t execute(const vtpu_insn_matmul& insn, const Memory& vmem, const Memory& amem,
                 const ArrayConfig& array);

// The MXU's own kernels for the int8 product C = A B (+ C), s8 x s8 -> s32
// with wrap-around sums, for hosts where oneDNN's is not exact (execute()
// picks): `portable` false takes the best this host runs (AVX2 where it has
// it), true the plain C++ one. Any strides (rows of A may overlap); C's
// rows `c_stride` bytes apart, 32-bit elements at any alignment. Public so
// that tests check both on every host.
void matmul_int8_own(const uint8_t* a, size_t a_stride, const uint8_t* b, size_t b_stride,
                     uint8_t* c, size_t c_stride, uint32_t m, uint32_t k, uint32_t n,
                     bool accumulate, bool portable = false);

// The MXU's bf16 kernels: C = A B (+ C) of `x` (operands at host addresses
// a, b, c with x's strides), each element's fp32 sum in the dataflow's order
// (k ascending within K-tiles of `k_tile` rows, the tiles added into C in
// turn); `portable` as above.
void matmul_bf16_own(const vtpu_insn_matmul& x, const uint8_t* a, const uint8_t* b, uint8_t* c,
                     uint32_t k_tile, bool portable = false);

// The first element where two dense C's of n 32-bit columns (as read back, or
// recorded) differ: for lockstep's and replay's messages. Empty when equal.
// int32 elements (an int8 MATMUL's) compare bit for bit; fp32 ones (bf16's)
// too, except that any NaN equals any NaN: docs/numerics.md leaves a NaN's
// payload to the host, and storing C as bf16 drops it. The values are printed
// as numbers (fp32 also as bits, e.g. "1.5 (0x3fc00000)").
struct Difference {
  uint32_t row = 0, col = 0;
  std::string want, got;
};
std::optional<Difference> first_difference(const std::vector<uint8_t>& want,
                                           const std::vector<uint8_t>& got, uint32_t n,
                                           bool fp32 = false);

// A register-transfer model of a weight-stationary array behind
// `mxu.backend: rtl | lockstep` (rtl/mxu_tile/, docs/cosim.md).
class RtlArray {
 public:
  virtual ~RtlArray() = default;
  virtual unsigned rows() const = 0;
  virtual unsigned cols() const = 0;
  // Whether it computes bf16 MATMULs too (a tile with a `bf16` pin).
  virtual bool runs_bf16() const = 0;
  // Whether it computes 2:4 sparse int8 MATMULs too (a tile with a `sparse`
  // pin, and an even number of rows: a fold's kept rows are whole groups).
  virtual bool runs_sparse() const { return false; }
  // Runs an instruction that check() accepted (int8, or bf16 if runs_bf16()),
  // leaving C as execute() would; returns the array's clock cycles, from its
  // first weight beat to its last result beat. `start_ps`: the platform's
  // time then (for waveforms).
  virtual uint64_t execute(const vtpu_insn_matmul& insn, const Memory& vmem, const Memory& amem,
                           uint64_t start_ps = 0) = 0;
};

}  // namespace vtpu::mxu
