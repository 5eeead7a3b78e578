// The vector vocabulary of gemm_template.h and conv_template.h for AVX2+FMA (8 lanes).
// Include only inside the matching target-attributed region (see gemm_avx2.c).
#ifndef DT_GEMM_SIMD_AVX2_H
#define DT_GEMM_SIMD_AVX2_H
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

#define VADD(a, b) _mm256_add_ps(a, b)
/// Spreads x over two vectors with zeros between: lo = x0 0 x1 0 …, hi = x4 0 x5 0 ….
/// Interleaves a and b: lo = a0 b0 a1 b1 …, hi = a4 b4 a5 b5 ….
#define VINTERLEAVE2(a, b, lo, hi)                                                                             \
    do {                                                                                                      \
        __m256 zip_a = _mm256_unpacklo_ps(a, b);                                                              \
        __m256 zip_b = _mm256_unpackhi_ps(a, b);                                                              \
        (lo) = _mm256_permute2f128_ps(zip_a, zip_b, 0x20);                                                    \
        (hi) = _mm256_permute2f128_ps(zip_a, zip_b, 0x31);                                                    \
    } while (0)
#define VSPREAD2(x, lo, hi)                                                                                    \
    do {                                                                                                      \
        __m256 spread_a = _mm256_unpacklo_ps(x, _mm256_setzero_ps());                                         \
        __m256 spread_b = _mm256_unpackhi_ps(x, _mm256_setzero_ps());                                         \
        (lo) = _mm256_permute2f128_ps(spread_a, spread_b, 0x20);                                              \
        (hi) = _mm256_permute2f128_ps(spread_a, spread_b, 0x31);                                              \
    } while (0)

/// Lanes i with 0 <= start + i < width (and i < n), as a maskload/maskstore mask.
static inline __attribute__((always_inline)) __m256i window_mask8(long start, long width, int n) {
    long lo = start < 0 ? -start : 0, hi = width - start;
    if (hi > n) hi = n;
    if (lo > 8) lo = 8;
    if (hi < lo) hi = lo;
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)lo), lane),
                               _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), lane));
}
/// row[start + i] for lanes whose index lies in [0, width), else 0 (masked lanes never touch memory).
#define VLOADW(row, start, width)                                                                              \
    _mm256_maskload_ps((const float *)((uintptr_t)(row) + (start) * 4), window_mask8(start, width, 8))
/// Stores lanes i < n whose index start + i lies in [0, width).
#define VSTOREW(row, start, width, v, n)                                                                       \
    _mm256_maskstore_ps((float *)((uintptr_t)(row) + (start) * 4), window_mask8(start, width, n), v)
/// Lanes 0, 2, 4, … of the concatenation a:b.
#define VEVENS(a, b)                                                                                           \
    _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8))

/// A precomputed window mask (see VMASKW) and the loads/stores that take one; the pointer is
/// row + start and may lie outside the row: masked lanes never touch memory.
typedef __m256i vmask_t;
#define VMASKW(start, width) window_mask8(start, width, 8)
#define VMASKN(mask, n) _mm256_and_si256(mask, lane_mask(n))
#define VLOADM(p, mask) _mm256_maskload_ps(p, mask)
#define VSTOREM(p, v, mask) _mm256_maskstore_ps(p, mask, v)

#endif
