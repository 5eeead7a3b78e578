// The vector vocabulary of gemm_template.h and conv_template.h for AVX-512 (16 lanes, masked edges).
// Include only inside the matching target-attributed region (see gemm_avx512.c).
#ifndef DT_GEMM_SIMD_AVX512_H
#define DT_GEMM_SIMD_AVX512_H
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

#define VADD(a, b) _mm512_add_ps(a, b)
/// Spreads x over two vectors with zeros between: lo = x0 0 x1 0 …, hi = x8 0 x9 0 ….
#define VSPREAD2(x, lo, hi)                                                                                    \
    do {                                                                                                      \
        (lo) = _mm512_permutex2var_ps(x, spread_lanes16(0), _mm512_setzero_ps());                               \
        (hi) = _mm512_permutex2var_ps(x, spread_lanes16(8), _mm512_setzero_ps());                               \
    } while (0)

static inline __attribute__((always_inline)) __m512i even_lanes16(void) {
    return _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}
/// Indices taking lane first + t/2 for even t and a zero lane (16, from the second operand) for odd t.
static inline __attribute__((always_inline)) __m512i spread_lanes16(int first) {
    return _mm512_add_epi32(_mm512_setr_epi32(0, 16, 1, 16, 2, 16, 3, 16, 4, 16, 5, 16, 6, 16, 7, 16),
                            _mm512_setr_epi32(first, 0, first, 0, first, 0, first, 0, first, 0, first, 0, first, 0,
                                              first, 0));
}

/// Lanes i with 0 <= start + i < width.
static inline __attribute__((always_inline)) __mmask16 window_mask16(long start, long width) {
    long lo = start < 0 ? -start : 0, hi = width - start;
    if (hi > 16) hi = 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1u) & ~((1u << lo) - 1u));
}
/// row[start + i] for lanes whose index lies in [0, width), else 0 (masked lanes never touch memory).
#define VLOADW(row, start, width)                                                                              \
    _mm512_maskz_loadu_ps(window_mask16(start, width), (const float *)((uintptr_t)(row) + (start) * 4))
/// Stores lanes i < n whose index start + i lies in [0, width).
#define VSTOREW(row, start, width, v, n)                                                                       \
    _mm512_mask_storeu_ps((float *)((uintptr_t)(row) + (start) * 4),                                          \
                          window_mask16(start, width) & (__mmask16)((1u << (n)) - 1u), v)
/// Lanes 0, 2, 4, … of the concatenation a:b.
#define VEVENS(a, b) _mm512_permutex2var_ps(a, even_lanes16(), b)

/// A precomputed window mask (see VMASKW) and the loads/stores that take one; the pointer is
/// row + start and may lie outside the row: masked lanes never touch memory.
typedef __mmask16 vmask_t;
#define VMASKW(start, width) window_mask16(start, width)
#define VMASKN(mask, n) ((vmask_t)((mask) & (__mmask16)((1u << (n)) - 1u)))
#define VLOADM(p, mask) _mm512_maskz_loadu_ps(mask, p)
#define VSTOREM(p, v, mask) _mm512_mask_storeu_ps(p, mask, v)

#endif
