// AVX2+FMA instantiation of the blocked GEMM: 8-lane vectors, 6×16 / 12×8 tiles.
#if defined(__x86_64__)
#include "gemm_internal.h"
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#define VLEN 8
typedef __m256 vec_t;
#define VZERO() _mm256_setzero_ps()
#define VSET1(x) _mm256_set1_ps(x)
#define VBCAST(p) _mm256_broadcast_ss(p)
#define VLOAD(p) _mm256_loadu_ps(p)
#define VSTORE(p, v) _mm256_storeu_ps(p, v)
#define VLOADN(p, n) _mm256_maskload_ps(p, lane_mask(n))
#define VSTOREN(p, v, n) _mm256_maskstore_ps(p, lane_mask(n), v)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VTRANSPOSE(rows) transpose8(rows)

/// A mask selecting the first `n` of 8 lanes.
static inline __attribute__((always_inline)) __m256i lane_mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// Transposes an 8 × 8 block held in 8 registers.
static inline __attribute__((always_inline)) void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
    }
}

#include "gemm_template.h"

DT_GEMM_DEFINE_UKERNEL(6, 2)
DT_GEMM_DEFINE_UKERNEL(12, 1)

static const dt_gemm_shape shape_wide = {6, 16, 512, 144, 4096, ukernel_6x2};
static const dt_gemm_shape shape_narrow = {12, 8, 512, 144, 4096, ukernel_12x1};

static const dt_gemm_shape *select_shape(size_t m, size_t n, size_t k) {
    (void)m; (void)k;
    return n <= 8 ? &shape_narrow : &shape_wide;
}

DT_GEMM_DEFINE_OPS(dt_gemm_ops_avx2, DT_ISA_AVX2_FMA, select_shape)

#pragma clang attribute pop
#endif
