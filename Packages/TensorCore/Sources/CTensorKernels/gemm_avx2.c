// AVX2+FMA instantiation of the blocked GEMM: 8-lane vectors, 6×16 / 12×8 tiles.
#if defined(__x86_64__)
#include "gemm_internal.h"
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#include "gemm_simd_avx2.h"
#include "gemm_template.h"

DT_GEMM_DEFINE_UKERNEL(6, 2)
DT_GEMM_DEFINE_UKERNEL(12, 1)

static const dt_gemm_shape shape_wide = DT_GEMM_SHAPE(6, 2, 512, 144, 4096);
static const dt_gemm_shape shape_narrow = DT_GEMM_SHAPE(12, 1, 512, 144, 4096);

static const dt_gemm_shape *select_shape(size_t m, size_t n, size_t k) {
    (void)m; (void)k;
    return n <= 8 ? &shape_narrow : &shape_wide;
}

DT_GEMM_DEFINE_OPS(dt_gemm_ops_avx2, DT_ISA_AVX2_FMA, select_shape)

#pragma clang attribute pop
#endif
