#include "models/core/decoder.h"

namespace vtpu::core {
namespace {

uint32_t bit(uint32_t v, int n) {
  return (v >> n) & 1u;
}
uint32_t field(uint32_t v, int hi, int lo) {
  return (v >> lo) & ((1u << (hi - lo + 1)) - 1u);
}
int32_t sign_extend(uint32_t v, int bits) {
  uint32_t m = 1u << (bits - 1);
  return static_cast<int32_t>((v ^ m) - m);
}

Insn make(Op op, unsigned rd, unsigned rs1, unsigned rs2, int32_t imm, uint8_t length = 4) {
  Insn i;
  i.op = op;
  i.rd = static_cast<uint8_t>(rd);
  i.rs1 = static_cast<uint8_t>(rs1);
  i.rs2 = static_cast<uint8_t>(rs2);
  i.imm = imm;
  i.length = length;
  return i;
}

Insn illegal(uint32_t bits, uint8_t length) {
  return make(Op::kIllegal, 0, 0, 0, static_cast<int32_t>(bits), length);
}

Insn decode32(uint32_t b) {
  const unsigned rd = field(b, 11, 7), rs1 = field(b, 19, 15), rs2 = field(b, 24, 20);
  const unsigned f3 = field(b, 14, 12), f7 = field(b, 31, 25);
  const int32_t imm_i = static_cast<int32_t>(b) >> 20;
  const int32_t imm_s =
      (static_cast<int32_t>(b & 0xfe000000u) >> 20) | static_cast<int32_t>(field(b, 11, 7));
  const int32_t imm_b =
      (static_cast<int32_t>(b & 0x80000000u) >> 19) |
      static_cast<int32_t>((bit(b, 7) << 11) | (field(b, 30, 25) << 5) | (field(b, 11, 8) << 1));
  const int32_t imm_u = static_cast<int32_t>(b & 0xfffff000u);
  const int32_t imm_j =
      (static_cast<int32_t>(b & 0x80000000u) >> 11) |
      static_cast<int32_t>((b & 0xff000u) | (bit(b, 20) << 11) | (field(b, 30, 21) << 1));
  switch (b & 0x7f) {
    case 0x37: return make(Op::kLui, rd, 0, 0, imm_u);
    case 0x17: return make(Op::kAuipc, rd, 0, 0, imm_u);
    case 0x6f: return make(Op::kJal, rd, 0, 0, imm_j);
    case 0x67:
      if (f3 != 0) break;
      return make(Op::kJalr, rd, rs1, 0, imm_i);
    case 0x63: {
      static constexpr Op kBranch[8] = {Op::kBeq, Op::kBne, Op::kIllegal, Op::kIllegal,
                                        Op::kBlt, Op::kBge, Op::kBltu,    Op::kBgeu};
      if (kBranch[f3] == Op::kIllegal) break;
      return make(kBranch[f3], 0, rs1, rs2, imm_b);
    }
    case 0x03: {
      static constexpr Op kLoad[8] = {Op::kLb,  Op::kLh,  Op::kLw,      Op::kIllegal,
                                      Op::kLbu, Op::kLhu, Op::kIllegal, Op::kIllegal};
      if (kLoad[f3] == Op::kIllegal) break;
      return make(kLoad[f3], rd, rs1, 0, imm_i);
    }
    case 0x23: {
      static constexpr Op kStore[4] = {Op::kSb, Op::kSh, Op::kSw, Op::kIllegal};
      if (f3 > 2) break;
      return make(kStore[f3], 0, rs1, rs2, imm_s);
    }
    case 0x13:
      switch (f3) {
        case 0: return make(Op::kAddi, rd, rs1, 0, imm_i);
        case 2: return make(Op::kSlti, rd, rs1, 0, imm_i);
        case 3: return make(Op::kSltiu, rd, rs1, 0, imm_i);
        case 4: return make(Op::kXori, rd, rs1, 0, imm_i);
        case 6: return make(Op::kOri, rd, rs1, 0, imm_i);
        case 7: return make(Op::kAndi, rd, rs1, 0, imm_i);
        case 1:
          if (f7 != 0) break;
          return make(Op::kSlli, rd, rs1, 0, static_cast<int32_t>(rs2));
        case 5:
          if (f7 == 0) return make(Op::kSrli, rd, rs1, 0, static_cast<int32_t>(rs2));
          if (f7 == 0x20) return make(Op::kSrai, rd, rs1, 0, static_cast<int32_t>(rs2));
          break;
      }
      break;
    case 0x33:
      if (f7 == 0) {
        static constexpr Op kOp[8] = {Op::kAdd, Op::kSll, Op::kSlt, Op::kSltu,
                                      Op::kXor, Op::kSrl, Op::kOr,  Op::kAnd};
        return make(kOp[f3], rd, rs1, rs2, 0);
      }
      if (f7 == 1) {
        static constexpr Op kMulDiv[8] = {Op::kMul, Op::kMulh, Op::kMulhsu, Op::kMulhu,
                                          Op::kDiv, Op::kDivu, Op::kRem,    Op::kRemu};
        return make(kMulDiv[f3], rd, rs1, rs2, 0);
      }
      if (f7 == 0x20 && f3 == 0) return make(Op::kSub, rd, rs1, rs2, 0);
      if (f7 == 0x20 && f3 == 5) return make(Op::kSra, rd, rs1, rs2, 0);
      break;
    case 0x0f:
      if (f3 == 0) return make(Op::kFence, 0, 0, 0, 0);
      if (f3 == 1) return make(Op::kFenceI, 0, 0, 0, 0);
      break;
    case 0x73: {
      const int32_t csr = static_cast<int32_t>(field(b, 31, 20));
      switch (f3) {
        case 0:
          if (b == 0x00000073u) return make(Op::kEcall, 0, 0, 0, 0);
          if (b == 0x00100073u) return make(Op::kEbreak, 0, 0, 0, 0);
          if (b == 0x30200073u) return make(Op::kMret, 0, 0, 0, 0);
          if (b == 0x10500073u) return make(Op::kWfi, 0, 0, 0, 0);
          break;
        case 1: return make(Op::kCsrrw, rd, rs1, 0, csr);
        case 2: return make(Op::kCsrrs, rd, rs1, 0, csr);
        case 3: return make(Op::kCsrrc, rd, rs1, 0, csr);
        case 5: return make(Op::kCsrrwi, rd, rs1, 0, csr);
        case 6: return make(Op::kCsrrsi, rd, rs1, 0, csr);
        case 7: return make(Op::kCsrrci, rd, rs1, 0, csr);
      }
      break;
    }
    case 0x2f: {
      if (f3 != 2) break;
      switch (field(b, 31, 27)) {
        case 0x02:
          if (rs2 != 0) break;
          return make(Op::kLrW, rd, rs1, 0, 0);
        case 0x03: return make(Op::kScW, rd, rs1, rs2, 0);
        case 0x01: return make(Op::kAmoswapW, rd, rs1, rs2, 0);
        case 0x00: return make(Op::kAmoaddW, rd, rs1, rs2, 0);
        case 0x04: return make(Op::kAmoxorW, rd, rs1, rs2, 0);
        case 0x0c: return make(Op::kAmoandW, rd, rs1, rs2, 0);
        case 0x08: return make(Op::kAmoorW, rd, rs1, rs2, 0);
        case 0x10: return make(Op::kAmominW, rd, rs1, rs2, 0);
        case 0x14: return make(Op::kAmomaxW, rd, rs1, rs2, 0);
        case 0x18: return make(Op::kAmominuW, rd, rs1, rs2, 0);
        case 0x1c: return make(Op::kAmomaxuW, rd, rs1, rs2, 0);
      }
      break;
    }
  }
  return illegal(b, 4);
}

// Offset of C.J / C.JAL.
int32_t cj_offset(uint32_t b) {
  uint32_t v = (bit(b, 12) << 11) | (bit(b, 11) << 4) | (field(b, 10, 9) << 8) | (bit(b, 8) << 10) |
               (bit(b, 7) << 6) | (bit(b, 6) << 7) | (field(b, 5, 3) << 1) | (bit(b, 2) << 5);
  return sign_extend(v, 12);
}

// Offset of C.BEQZ / C.BNEZ.
int32_t cb_offset(uint32_t b) {
  uint32_t v = (bit(b, 12) << 8) | (field(b, 11, 10) << 3) | (field(b, 6, 5) << 6) |
               (field(b, 4, 3) << 1) | (bit(b, 2) << 5);
  return sign_extend(v, 9);
}

Insn decode16(uint32_t b) {
  b &= 0xffffu;
  const unsigned f3 = field(b, 15, 13);
  const unsigned rd = field(b, 11, 7), rs2 = field(b, 6, 2);
  const unsigned rdp = 8 + field(b, 4, 2), rs1p = 8 + field(b, 9, 7);
  const int32_t imm6 = sign_extend((bit(b, 12) << 5) | field(b, 6, 2), 6);
  const uint32_t lw_offset = (field(b, 12, 10) << 3) | (bit(b, 6) << 2) | (bit(b, 5) << 6);
  auto c = [](Op op, unsigned d, unsigned s1, unsigned s2, int32_t imm) {
    return make(op, d, s1, s2, imm, 2);
  };
  switch (b & 3) {
    case 0:
      switch (f3) {
        case 0: {  // C.ADDI4SPN
          uint32_t imm = (field(b, 12, 11) << 4) | (field(b, 10, 7) << 6) | (bit(b, 6) << 2) |
                         (bit(b, 5) << 3);
          if (imm == 0) break;
          return c(Op::kAddi, rdp, 2, 0, static_cast<int32_t>(imm));
        }
        case 2: return c(Op::kLw, rdp, rs1p, 0, static_cast<int32_t>(lw_offset));
        case 6: return c(Op::kSw, 0, rs1p, rdp, static_cast<int32_t>(lw_offset));
      }
      break;
    case 1:
      switch (f3) {
        case 0: return c(Op::kAddi, rd, rd, 0, imm6);  // C.ADDI, C.NOP
        case 1: return c(Op::kJal, 1, 0, 0, cj_offset(b));
        case 2: return c(Op::kAddi, rd, 0, 0, imm6);  // C.LI
        case 3:
          if (rd == 2) {  // C.ADDI16SP
            uint32_t v = (bit(b, 12) << 9) | (bit(b, 6) << 4) | (bit(b, 5) << 6) |
                         (field(b, 4, 3) << 7) | (bit(b, 2) << 5);
            if (v == 0) break;
            return c(Op::kAddi, 2, 2, 0, sign_extend(v, 10));
          }
          if (imm6 == 0) break;  // C.LUI with nzimm = 0 is reserved
          return c(Op::kLui, rd, 0, 0, imm6 * 4096);
        case 4: {
          const unsigned shamt = field(b, 6, 2);
          switch (field(b, 11, 10)) {
            case 0:
              if (bit(b, 12)) break;  // shamt[5] = 1 is reserved on RV32
              return c(Op::kSrli, rs1p, rs1p, 0, static_cast<int32_t>(shamt));
            case 1:
              if (bit(b, 12)) break;
              return c(Op::kSrai, rs1p, rs1p, 0, static_cast<int32_t>(shamt));
            case 2: return c(Op::kAndi, rs1p, rs1p, 0, imm6);
            case 3: {
              if (bit(b, 12)) break;  // C.SUBW / C.ADDW are RV64 only
              static constexpr Op kAlu[4] = {Op::kSub, Op::kXor, Op::kOr, Op::kAnd};
              return c(kAlu[field(b, 6, 5)], rs1p, rs1p, rdp, 0);
            }
          }
          break;
        }
        case 5: return c(Op::kJal, 0, 0, 0, cj_offset(b));
        case 6: return c(Op::kBeq, 0, rs1p, 0, cb_offset(b));
        case 7: return c(Op::kBne, 0, rs1p, 0, cb_offset(b));
      }
      break;
    case 2:
      switch (f3) {
        case 0:
          if (bit(b, 12)) break;
          return c(Op::kSlli, rd, rd, 0, static_cast<int32_t>(rs2));
        case 2: {
          if (rd == 0) break;
          uint32_t off = (bit(b, 12) << 5) | (field(b, 6, 4) << 2) | (field(b, 3, 2) << 6);
          return c(Op::kLw, rd, 2, 0, static_cast<int32_t>(off));
        }
        case 4:
          if (!bit(b, 12)) {
            if (rs2 == 0) {
              if (rd == 0) break;
              return c(Op::kJalr, 0, rd, 0, 0);  // C.JR
            }
            return c(Op::kAdd, rd, 0, rs2, 0);  // C.MV
          }
          if (rd == 0 && rs2 == 0) return c(Op::kEbreak, 0, 0, 0, 0);
          if (rs2 == 0) return c(Op::kJalr, 1, rd, 0, 0);  // C.JALR
          return c(Op::kAdd, rd, rd, rs2, 0);
        case 6: {
          uint32_t off = (field(b, 12, 9) << 2) | (field(b, 8, 7) << 6);
          return c(Op::kSw, 0, 2, rs2, static_cast<int32_t>(off));
        }
      }
      break;
  }
  return illegal(b, 2);
}

}  // namespace

Insn decode(uint32_t bits) {
  return (bits & 3u) == 3u ? decode32(bits) : decode16(bits);
}

const char* op_name(Op op) {
  static constexpr const char* kNames[] = {
#define VTPU_OP_NAME(op, mnemonic) mnemonic,
      VTPU_CORE_OPS(VTPU_OP_NAME)
#undef VTPU_OP_NAME
  };
  static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(Op::kCount));
  return kNames[static_cast<size_t>(op)];
}

}  // namespace vtpu::core
