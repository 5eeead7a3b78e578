// Uniform and normal fills from Philox4x32-10; the numbering and formulas are specified in dt_fill.h
// and must match every other backend bit for bit, so no operation here may be contracted into a
// fused multiply-add.
#pragma STDC FP_CONTRACT OFF
#include "dt_fill.h"
#include "dt_random.h"
#include "dt_runtime.h"
#include <math.h>

static inline void philox_block(uint64_t seed, uint64_t stream, uint64_t block, uint32_t out[4]) {
    const uint32_t counter[4] = {(uint32_t)block, (uint32_t)(block >> 32), (uint32_t)stream, (uint32_t)(stream >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    dt_philox4x32_10(counter, key, out);
}

static inline float uniform_from_word(uint32_t word, float low, float range, float high) {
    float u = (float)(word >> 8) * 0x1p-24f;
    float scaled = range * u;
    float x = low + scaled;
    if (x >= high && high > low) x = nextafterf(high, low);
    return x;
}

static void uniform_portable(float *out, size_t begin, size_t end, uint64_t seed, uint64_t stream,
                             uint64_t counter, float low, float high) {
    const float range = high - low;
    size_t i = begin;
    while (i < end) {
        uint32_t words[4];
        const size_t block = i / 4;
        philox_block(seed, stream, counter + (uint64_t)block, words);
        const size_t stop = (block + 1) * 4 < end ? (block + 1) * 4 : end;
        for (; i < stop; i++) out[i] = uniform_from_word(words[i % 4], low, range, high);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

/// 32 × 32 → 64-bit products of the eight lanes of `a` with `m` (broadcast), split into high and low words.
__attribute__((target("avx2")))
static inline void mulhilo8(__m256i a, __m256i m, __m256i *hi, __m256i *lo) {
    const __m256i even = _mm256_mul_epu32(a, m);
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    *lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

/// Eight Philox4x32-10 blocks at counters first, first + 1, …, first + 7 (lane k holds block k):
/// the same rounds as dt_philox4x32_10, in structure-of-arrays form.
__attribute__((target("avx2")))
static inline void philox8(uint64_t seed, uint64_t stream, uint64_t first, __m256i w[4]) {
    uint32_t lo[8], hi[8];
    for (int k = 0; k < 8; k++) {
        const uint64_t c = first + (uint64_t)k;
        lo[k] = (uint32_t)c;
        hi[k] = (uint32_t)(c >> 32);
    }
    __m256i c0 = _mm256_loadu_si256((const __m256i *)lo), c1 = _mm256_loadu_si256((const __m256i *)hi);
    __m256i c2 = _mm256_set1_epi32((int)(uint32_t)stream), c3 = _mm256_set1_epi32((int)(uint32_t)(stream >> 32));
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    const __m256i m0 = _mm256_set1_epi32((int)0xD2511F53u), m1 = _mm256_set1_epi32((int)0xCD9E8D57u);
    for (int round = 0; round < 10; round++) {
        __m256i hi0, lo0, hi1, lo1;
        mulhilo8(c0, m0, &hi0, &lo0);
        mulhilo8(c2, m1, &hi1, &lo1);
        const __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32((int)k0));
        const __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32((int)k1));
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    w[0] = c0; w[1] = c1; w[2] = c2; w[3] = c3;
}

/// Uniform numbers from eight blocks' words, element order restored (block k's four words are
/// elements 4k … 4k + 3): 32 floats to `out`.
__attribute__((target("avx2")))
static inline void store_uniform8(float *out, const __m256i w[4], float low, float range, float high) {
    const __m256 vlow = _mm256_set1_ps(low), vrange = _mm256_set1_ps(range), vhigh = _mm256_set1_ps(high);
    const __m256 below = _mm256_set1_ps(nextafterf(high, low));
    const __m256 scale = _mm256_set1_ps(0x1p-24f);
    const int clamp = high > low;
    __m256 x[4];
    for (int k = 0; k < 4; k++) {
        // (word >> 8) < 2^24 is exact as a signed integer conversion.
        const __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w[k], 8)), scale);
        x[k] = _mm256_add_ps(vlow, _mm256_mul_ps(vrange, u));
        if (clamp) x[k] = _mm256_blendv_ps(x[k], below, _mm256_cmp_ps(x[k], vhigh, _CMP_GE_OQ));
    }
    // Transpose words × blocks into block-major order.
    const __m256 t0 = _mm256_unpacklo_ps(x[0], x[1]), t1 = _mm256_unpackhi_ps(x[0], x[1]);
    const __m256 t2 = _mm256_unpacklo_ps(x[2], x[3]), t3 = _mm256_unpackhi_ps(x[2], x[3]);
    const __m256 r0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 r1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 r2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 r3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    _mm256_storeu_ps(out, _mm256_permute2f128_ps(r0, r1, 0x20));
    _mm256_storeu_ps(out + 8, _mm256_permute2f128_ps(r2, r3, 0x20));
    _mm256_storeu_ps(out + 16, _mm256_permute2f128_ps(r0, r1, 0x31));
    _mm256_storeu_ps(out + 24, _mm256_permute2f128_ps(r2, r3, 0x31));
}

__attribute__((target("avx2")))
static void uniform_avx2(float *out, size_t begin, size_t end, uint64_t seed, uint64_t stream, uint64_t counter,
                         float low, float high) {
    const float range = high - low;
    size_t i = begin;
    const size_t aligned = (begin + 3) & ~(size_t)3;
    if (i < aligned) {
        const size_t stop = aligned < end ? aligned : end;
        uniform_portable(out, i, stop, seed, stream, counter, low, high);
        i = stop;
    }
    for (; i + 32 <= end; i += 32) {
        __m256i w[4];
        philox8(seed, stream, counter + (uint64_t)(i / 4), w);
        store_uniform8(out + i, w, low, range, high);
    }
    if (i < end) uniform_portable(out, i, end, seed, stream, counter, low, high);
}
#endif

typedef void (*uniform_fn)(float *, size_t, size_t, uint64_t, uint64_t, uint64_t, float, float);

/// The uniform path for the calling thread's instruction set (all give identical numbers).
static uniform_fn uniform_for_active_isa(void) {
#if defined(__x86_64__)
    const dt_isa isa = dt_active_isa();
    if (isa == DT_ISA_AVX2_FMA || isa == DT_ISA_AVX512F) return uniform_avx2;
#endif
    return uniform_portable;
}

void dt_fill_uniform_range(float *out, size_t begin, size_t end, uint64_t seed, uint64_t stream,
                           uint64_t counter, float low, float high) {
    uniform_for_active_isa()(out, begin, end, seed, stream, counter, low, high);
}

/// Box–Muller on one pair of words, in Float64.
static inline void box_muller(uint32_t w0, uint32_t w1, double mean, double std, float *n0, float *n1) {
    const double u1 = (double)((w0 >> 8) + 1) * 0x1p-24;
    const double u2 = (double)(w1 >> 8) * 0x1p-24;
    const double r = sqrt(-2.0 * log(u1));
    const double theta = 6.283185307179586 * u2;   // 2π rounded to Float64
    const double c = r * cos(theta);
    const double s = r * sin(theta);
    const double x0 = std * c;
    const double x1 = std * s;
    *n0 = (float)(mean + x0);
    *n1 = (float)(mean + x1);
}

void dt_fill_normal_range(float *out, size_t begin, size_t end, uint64_t seed, uint64_t stream, uint64_t counter,
                    float mean, float std) {
    const double m = mean, s = std;
    size_t i = begin;
    while (i < end) {
        uint32_t words[4];
        float values[4];
        const size_t block = i / 4;
        philox_block(seed, stream, counter + (uint64_t)block, words);
        box_muller(words[0], words[1], m, s, &values[0], &values[1]);
        box_muller(words[2], words[3], m, s, &values[2], &values[3]);
        const size_t stop = (block + 1) * 4 < end ? (block + 1) * 4 : end;
        for (; i < stop; i++) out[i] = values[i % 4];
    }
}

// Parallel fills: chunks of whole Philox blocks on the worker pool.

typedef struct {
    float *out;
    size_t count;
    uint64_t seed, stream, counter;
    float a, b;           // (low, high) or (mean, std)
    uniform_fn uniform;   // chosen on the calling thread (its instruction-set override applies)
} fill_job;

static void uniform_blocks(void *ctx, size_t first_block, size_t end_block) {
    const fill_job *job = ctx;
    const size_t end = end_block * 4 < job->count ? end_block * 4 : job->count;
    job->uniform(job->out, first_block * 4, end, job->seed, job->stream, job->counter, job->a, job->b);
}

static void normal_blocks(void *ctx, size_t first_block, size_t end_block) {
    const fill_job *job = ctx;
    const size_t end = end_block * 4 < job->count ? end_block * 4 : job->count;
    dt_fill_normal_range(job->out, first_block * 4, end, job->seed, job->stream, job->counter, job->a, job->b);
}

// Blocks per chunk below which splitting costs more than it saves (about 30 µs of work).
#define UNIFORM_GRAIN_BLOCKS 4096
#define NORMAL_GRAIN_BLOCKS 512

void dt_fill_uniform(float *out, size_t count, uint64_t seed, uint64_t stream, uint64_t counter,
                     float low, float high) {
    fill_job job = {out, count, seed, stream, counter, low, high, uniform_for_active_isa()};
    dt_parallel_for_grain((count + 3) / 4, UNIFORM_GRAIN_BLOCKS, uniform_blocks, &job);
}

void dt_fill_normal(float *out, size_t count, uint64_t seed, uint64_t stream, uint64_t counter,
                    float mean, float std) {
    fill_job job = {out, count, seed, stream, counter, mean, std, NULL};
    dt_parallel_for_grain((count + 3) / 4, NORMAL_GRAIN_BLOCKS, normal_blocks, &job);
}
