// Single-precision matrix products (row-major, BLAS semantics) on the CPU.
#ifndef DT_GEMM_H
#define DT_GEMM_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// `C = alpha · op(A) · op(B) + beta · C`, all matrices row-major.
///
/// `op(A)` is `m × k`: A is stored `m × k` (row stride `lda`), or `k × m` when `trans_a` is
/// non-zero. `op(B)` is `k × n`: B is stored `k × n` (row stride `ldb`), or `n × k` when
/// `trans_b`. C is `m × n` with row stride `ldc`. When `beta` is 0, C is not read (it may hold
/// NaN); when `alpha` is 0 or `k` is 0, A and B are not read. Runs on the calling thread's active
/// instruction-set path and thread count (dt_active_isa, dt_thread_count).
///
/// With `pairwise_depth` non-zero, each element's depth is summed as a balanced binary tree whose
/// leaves hold at most 32 terms (node i of level l starts at ⌊i·k / 2^l⌋): for h > 16 the product
/// over a depth of 2h is then, bit for bit, the product over the first h plus the product over the
/// last h — the sum two ranks of data-parallel training form. Otherwise the depth is summed in order.
void dt_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
              const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc,
              int pairwise_depth);

/// `batch` products like dt_sgemm; product `i` uses `a + i·stride_a`, `b + i·stride_b` and
/// `c + i·stride_c` (a stride of 0 reuses one matrix). When `stride_c` is 0 the products are
/// applied to C one after the other, in order. `pairwise_depth` as in dt_sgemm, for each product.
void dt_sgemm_batched(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, size_t stride_a,
                      const float *b, size_t ldb, size_t stride_b,
                      float beta, float *c, size_t ldc, size_t stride_c, size_t batch, int pairwise_depth);

#ifdef __cplusplus
}
#endif
#endif
