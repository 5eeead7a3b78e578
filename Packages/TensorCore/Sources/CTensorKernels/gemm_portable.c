// Portable instantiation of the blocked GEMM: 4-lane GNU C vectors (SSE2 on baseline x86-64,
// plain scalar code where the target has no vectors), 4×8 tiles.
#include "gemm_internal.h"
#include "gemm_simd_portable.h"
#include "gemm_template.h"

DT_GEMM_DEFINE_UKERNEL(4, 2)

static const dt_gemm_shape shape_default = DT_GEMM_SHAPE(4, 2, 256, 128, 2048);

static const dt_gemm_shape *select_shape(size_t m, size_t n, size_t k) {
    (void)m; (void)n; (void)k;
    return &shape_default;
}

DT_GEMM_DEFINE_OPS(dt_gemm_ops_portable, DT_ISA_PORTABLE, select_shape)
