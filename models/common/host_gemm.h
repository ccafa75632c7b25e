// Matrix products on the host, through oneDNN (libdnnl): the MXU's functional
// int8 math and the fp32 evaluator's Conv/MatMul/Gemm (calibration, constant
// folding). Row-major throughout; strides count elements.
//
// int8 is exact in any order, so it may use every thread oneDNN has. fp32 sums
// in oneDNN's own blocked order, which depends on the vector extension it
// picks and on how the work is split between threads; sgemm() keeps one thread
// per call so that the same host gives the same sums whatever its core count
// (callers that want parallel work run independent calls side by side).
// bf16 never comes here: its accumulation order is part of the MXU's contract
// (docs/numerics.md), which a library is free to change.
#pragma once

#include <cstdint>

namespace vtpu::host {

// C[m x n] = A[m x k] * B[k x n] + (accumulate ? C : 0), fp32.
void sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
           int64_t ldb, bool accumulate, float* c, int64_t ldc);

// C[m x n] = A[m x k] * B[k x n] + (accumulate ? C : 0), s8 x s8 -> s32 with
// wrap-around sums. Returns false, computing nothing, when oneDNN cannot do
// this product exactly here: a host whose int8 path saturates intermediate
// sums (checked once, against worst-case operands), or strides and sizes it
// refuses. The caller then uses its own kernel.
bool s8gemm(int64_t m, int64_t n, int64_t k, const int8_t* a, int64_t lda, const int8_t* b,
            int64_t ldb, bool accumulate, int32_t* c, int64_t ldc);

// Whether s8gemm() uses oneDNN on this host (the saturation check above).
bool s8gemm_is_native();

}  // namespace vtpu::host
