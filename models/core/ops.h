// The control core's operations, listed once: the decoder's Op enum, their
// mnemonics (op_name) and the interpreter's handler table (core.cpp) are all
// generated from this list. X(OP, MNEMONIC) per operation, in enum order.
#pragma once

// clang-format off
#define VTPU_CORE_OPS(X) \
  X(kUndecoded, "undecoded") /* pre-decode cache slot not filled yet */       \
  X(kIllegal, "illegal") /* imm holds the raw instruction bits (for mtval) */ \
  /* RV32I */                                                                 \
  X(kLui, "lui")                                                              \
  X(kAuipc, "auipc")                                                          \
  X(kJal, "jal")                                                              \
  X(kJalr, "jalr")                                                            \
  X(kBeq, "beq")                                                              \
  X(kBne, "bne")                                                              \
  X(kBlt, "blt")                                                              \
  X(kBge, "bge")                                                              \
  X(kBltu, "bltu")                                                            \
  X(kBgeu, "bgeu")                                                            \
  X(kLb, "lb")                                                                \
  X(kLh, "lh")                                                                \
  X(kLw, "lw")                                                                \
  X(kLbu, "lbu")                                                              \
  X(kLhu, "lhu")                                                              \
  X(kSb, "sb")                                                                \
  X(kSh, "sh")                                                                \
  X(kSw, "sw")                                                                \
  X(kAddi, "addi")                                                            \
  X(kSlti, "slti")                                                            \
  X(kSltiu, "sltiu")                                                          \
  X(kXori, "xori")                                                            \
  X(kOri, "ori")                                                              \
  X(kAndi, "andi")                                                            \
  X(kSlli, "slli")                                                            \
  X(kSrli, "srli")                                                            \
  X(kSrai, "srai")                                                            \
  X(kAdd, "add")                                                              \
  X(kSub, "sub")                                                              \
  X(kSll, "sll")                                                              \
  X(kSlt, "slt")                                                              \
  X(kSltu, "sltu")                                                            \
  X(kXor, "xor")                                                              \
  X(kSrl, "srl")                                                              \
  X(kSra, "sra")                                                              \
  X(kOr, "or")                                                                \
  X(kAnd, "and")                                                              \
  X(kFence, "fence")                                                          \
  X(kEcall, "ecall")                                                          \
  X(kEbreak, "ebreak")                                                        \
  X(kMret, "mret")                                                            \
  X(kWfi, "wfi")                                                              \
  /* Zifencei */                                                              \
  X(kFenceI, "fence.i")                                                       \
  /* Zicsr (imm holds the CSR number; for the *i forms rs1 holds the zimm) */ \
  X(kCsrrw, "csrrw")                                                          \
  X(kCsrrs, "csrrs")                                                          \
  X(kCsrrc, "csrrc")                                                          \
  X(kCsrrwi, "csrrwi")                                                        \
  X(kCsrrsi, "csrrsi")                                                        \
  X(kCsrrci, "csrrci")                                                        \
  /* M */                                                                     \
  X(kMul, "mul")                                                              \
  X(kMulh, "mulh")                                                            \
  X(kMulhsu, "mulhsu")                                                        \
  X(kMulhu, "mulhu")                                                          \
  X(kDiv, "div")                                                              \
  X(kDivu, "divu")                                                            \
  X(kRem, "rem")                                                              \
  X(kRemu, "remu")                                                            \
  /* A */                                                                     \
  X(kLrW, "lr.w")                                                             \
  X(kScW, "sc.w")                                                             \
  X(kAmoswapW, "amoswap.w")                                                   \
  X(kAmoaddW, "amoadd.w")                                                     \
  X(kAmoxorW, "amoxor.w")                                                     \
  X(kAmoandW, "amoand.w")                                                     \
  X(kAmoorW, "amoor.w")                                                       \
  X(kAmominW, "amomin.w")                                                     \
  X(kAmomaxW, "amomax.w")                                                     \
  X(kAmominuW, "amominu.w")                                                   \
  X(kAmomaxuW, "amomaxu.w")                                                   \
  /* end */
// clang-format on
