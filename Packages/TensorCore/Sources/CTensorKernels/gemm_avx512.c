// AVX-512 instantiation of the blocked GEMM: 16-lane vectors, masked edges, 6×64 / 12×32 / 24×16 tiles.
#if defined(__x86_64__)
#include "gemm_internal.h"
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"))), \
                             apply_to = function)

#define VLEN 16
typedef __m512 vec_t;
#define VZERO() _mm512_setzero_ps()
#define VSET1(x) _mm512_set1_ps(x)
#define VBCAST(p) _mm512_set1_ps(*(p))
#define VLOAD(p) _mm512_loadu_ps(p)
#define VSTORE(p, v) _mm512_storeu_ps(p, v)
#define VLOADN(p, n) _mm512_maskz_loadu_ps((__mmask16)((1u << (n)) - 1u), p)
#define VSTOREN(p, v, n) _mm512_mask_storeu_ps(p, (__mmask16)((1u << (n)) - 1u), v)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VTRANSPOSE(rows) transpose16(rows)

/// Transposes a 16 × 16 block held in 16 registers.
static inline __attribute__((always_inline)) void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 4; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
        r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
    }
}

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
