// NEON (arm64) instantiation of the blocked GEMM: 4-lane vectors, 6×16 / 12×8 tiles.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "gemm_simd_neon.h"
#include "gemm_template.h"

DT_GEMM_DEFINE_UKERNEL(6, 4)
DT_GEMM_DEFINE_UKERNEL(12, 2)

static const dt_gemm_shape shape_wide = DT_GEMM_SHAPE(6, 4, 256, 120, 2048);
static const dt_gemm_shape shape_narrow = DT_GEMM_SHAPE(12, 2, 256, 120, 2048);

static const dt_gemm_shape *select_shape(size_t m, size_t n, size_t k) {
    (void)m; (void)k;
    return n <= 8 ? &shape_narrow : &shape_wide;
}

DT_GEMM_DEFINE_OPS(dt_gemm_ops_neon, DT_ISA_NEON, select_shape)
#endif
