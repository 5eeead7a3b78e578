// AVX-512 instantiation of the blocked GEMM: 16-lane vectors, masked edges, 6×64 / 12×32 / 24×16 tiles.
#if defined(__x86_64__)
#include "gemm_internal.h"
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"))), \
                             apply_to = function)

#include "gemm_simd_avx512.h"
#include "gemm_template.h"

DT_GEMM_DEFINE_UKERNEL(6, 4)
DT_GEMM_DEFINE_UKERNEL(12, 2)
DT_GEMM_DEFINE_UKERNEL(24, 1)

static const dt_gemm_shape shape_wide = {6, 64, 512, 144, 4096, ukernel_6x4};
static const dt_gemm_shape shape_medium = {12, 32, 512, 144, 4096, ukernel_12x2};
static const dt_gemm_shape shape_narrow = {24, 16, 512, 144, 4096, ukernel_24x1};

static const dt_gemm_shape *select_shape(size_t m, size_t n, size_t k) {
    (void)m; (void)k;
    if (n <= 16) return &shape_narrow;
    if (n <= 32) return &shape_medium;
    return &shape_wide;
}

DT_GEMM_DEFINE_OPS(dt_gemm_ops_avx512, DT_ISA_AVX512F, select_shape)

#pragma clang attribute pop
#endif
