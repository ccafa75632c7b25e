// Cycles each operation takes on the control core (a simple in-order
// pipeline, riscv-vp style), before memory latency from the interconnect is
// added (data accesses: the DMI grant's latency). docs/core.md lists the table; change it here and
// there together.
#pragma once

#include <array>
#include <cstdint>

#include "models/core/decoder.h"

namespace vtpu::core {

struct CostTable {
  std::array<uint8_t, static_cast<size_t>(Op::kCount)> cycles{};
  uint8_t taken_branch_penalty = 2;  // added when a branch is taken

  static constexpr CostTable standard() {
    CostTable t{};
    for (auto& c : t.cycles) c = 1;  // ALU, LUI/AUIPC, not-taken branches, loads, stores
    auto set = [&t](Op op, uint8_t c) { t.cycles[static_cast<size_t>(op)] = c; };
    set(Op::kJal, 2);
    set(Op::kJalr, 3);
    for (Op op : {Op::kMul, Op::kMulh, Op::kMulhsu, Op::kMulhu}) set(op, 3);
    for (Op op : {Op::kDiv, Op::kDivu, Op::kRem, Op::kRemu}) set(op, 34);
    for (Op op : {Op::kCsrrw, Op::kCsrrs, Op::kCsrrc, Op::kCsrrwi, Op::kCsrrsi, Op::kCsrrci})
      set(op, 2);
    for (Op op : {Op::kLrW, Op::kScW}) set(op, 2);
    for (Op op : {Op::kAmoswapW, Op::kAmoaddW, Op::kAmoxorW, Op::kAmoandW, Op::kAmoorW,
                  Op::kAmominW, Op::kAmomaxW, Op::kAmominuW, Op::kAmomaxuW})
      set(op, 4);
    set(Op::kFenceI, 5);
    set(Op::kMret, 3);
    set(Op::kEcall, 3);
    set(Op::kEbreak, 3);
    return t;
  }
};

}  // namespace vtpu::core
