// AVX-512 instantiation of the blocked GEMM: 16-lane vectors, masked edges, 6×64 / 12×32 / 16×16 tiles.
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
DT_GEMM_DEFINE_UKERNEL(16, 1)

// Blocking measured on a 2-core Sapphire Rapids-class Xeon (48 KB L1d, 2 MB L2 per core): depth
// blocks of 128 keep a 6×64 tile's B panel (32 KB) in L1 for products with few rows; large
// products prefer 512 (fewer passes over C).
static const dt_gemm_shape shape_wide_short = DT_GEMM_SHAPE(6, 4, 128, 144, 4096);
static const dt_gemm_shape shape_wide = DT_GEMM_SHAPE(6, 4, 512, 144, 4096);
static const dt_gemm_shape shape_medium = DT_GEMM_SHAPE(12, 2, 512, 144, 4096);
static const dt_gemm_shape shape_narrow = DT_GEMM_SHAPE(16, 1, 512, 144, 4096);

static const dt_gemm_shape *select_shape(size_t m, size_t n, size_t k) {
    (void)k;
    if (n <= 16) return &shape_narrow;
    if (n <= 32) return &shape_medium;
    return m <= 512 ? &shape_wide_short : &shape_wide;
}

DT_GEMM_DEFINE_OPS(dt_gemm_ops_avx512, DT_ISA_AVX512F, select_shape)

#pragma clang attribute pop
#endif
