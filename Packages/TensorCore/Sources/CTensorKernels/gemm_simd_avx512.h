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

/// Interleaves a and b: lo = a0 b0 a1 b1 …, hi = a8 b8 a9 b9 ….
#define VINTERLEAVE2(a, b, lo, hi)                                                                             \
    do {                                                                                                      \
        (lo) = _mm512_permutex2var_ps(a, zip_lanes16(0), b);                                                  \
        (hi) = _mm512_permutex2var_ps(a, zip_lanes16(8), b);                                                  \
    } while (0)

/// Indices taking lane first + t/2 of the first operand for even t and of the second for odd t.
static inline __attribute__((always_inline)) __m512i zip_lanes16(int first) {
    return _mm512_add_epi32(_mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23),
                            _mm512_set1_epi32(first));
}

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

/// Packs 6 rows × 16 depths (row r at src + r·rs; rows ≥ `rows` read as 0) into dst[p·6 + r], the
/// layout of a 6-row register tile, with 18 permutes instead of a padded 16 × 16 transpose.
#define VPACK6(src, rs, rows, dst) pack6x16(src, rs, rows, dst)
static inline __attribute__((always_inline)) void pack6x16(const float *src, size_t rs, int rows, float *dst) {
    __m512 r[6];
    for (int i = 0; i < 6; i++) r[i] = i < rows ? _mm512_loadu_ps(src + (size_t)i * rs) : _mm512_setzero_ps();
    // Interleave row pairs: as doubles, pair[k][h] holds (row 2k, row 2k+1) at depths 8h ..< 8h + 8.
    const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i high = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __m512d pair[3][2];
    for (int k = 0; k < 3; k++) {
        pair[k][0] = _mm512_castps_pd(_mm512_permutex2var_ps(r[2 * k], low, r[2 * k + 1]));
        pair[k][1] = _mm512_castps_pd(_mm512_permutex2var_ps(r[2 * k], high, r[2 * k + 1]));
    }
    // Output double t of a half is pair[t % 3][.][t / 3]: pairs 0 and 1 by one two-source permute,
    // pair 2 merged in under a mask.
    const __m512i first[3] = {_mm512_setr_epi64(0, 8, 0, 1, 9, 0, 2, 10), _mm512_setr_epi64(0, 3, 11, 0, 4, 12, 0, 5),
                              _mm512_setr_epi64(13, 0, 6, 14, 0, 7, 15, 0)};
    const __m512i third[3] = {_mm512_setr_epi64(0, 0, 0, 0, 0, 1, 0, 0), _mm512_setr_epi64(2, 0, 0, 3, 0, 0, 4, 0),
                              _mm512_setr_epi64(0, 5, 0, 0, 6, 0, 0, 7)};
    const __mmask8 masks[3] = {0x24, 0x49, 0x92};
    for (int h = 0; h < 2; h++)
        for (int j = 0; j < 3; j++) {
            __m512d t = _mm512_permutex2var_pd(pair[0][h], first[j], pair[1][h]);
            t = _mm512_mask_permutexvar_pd(t, masks[j], third[j], pair[2][h]);
            _mm512_storeu_pd((double *)(dst + h * 48 + j * 16), t);
        }
}

#endif
