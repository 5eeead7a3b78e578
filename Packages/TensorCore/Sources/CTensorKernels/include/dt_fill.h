// Random fills from Philox4x32-10 (see dt_random.h): uniform and normal Float32 numbers.
//
// Numbering, identical on every backend: element i of a fill uses word i % 4 of the Philox block at
// 128-bit counter (stream << 64) | ((counter + i / 4) mod 2^64) under the 64-bit key `seed`.
// Each element depends only on its index, so a fill split across threads at any boundary gives the
// same numbers: the *_range functions write elements [begin, end) of a fill whose element 0 is
// out[0]; the plain functions fill out[0, count) on the worker pool (dt_parallel_for_grain).
// Uniform fills have an AVX2 path (eight Philox blocks per step) that gives the same bits.
#ifndef DT_FILL_H
#define DT_FILL_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Uniform numbers on [low, high): u = (word >> 8) * 2^-24, x = low + (high - low) * u evaluated in
/// Float32 with three separate roundings (no fused multiply-add); an x that rounds up to `high`
/// (possible only when high > low) becomes the largest Float32 below `high`.
void dt_fill_uniform_range(float *out, size_t begin, size_t end, uint64_t seed, uint64_t stream,
                           uint64_t counter, float low, float high);
void dt_fill_uniform(float *out, size_t count, uint64_t seed, uint64_t stream, uint64_t counter,
                     float low, float high);

/// Normal numbers by Box–Muller on words (0, 1) and (2, 3) of each block:
/// u1 = ((w0 >> 8) + 1) * 2^-24 in (0, 1], u2 = (w1 >> 8) * 2^-24 in [0, 1),
/// r = sqrt(-2 ln u1), n0 = r cos(2 pi u2), n1 = r sin(2 pi u2) (likewise n2, n3 from w2, w3);
/// x = mean + std * n, all in Float64, rounded once to Float32.
void dt_fill_normal_range(float *out, size_t begin, size_t end, uint64_t seed, uint64_t stream,
                          uint64_t counter, float mean, float std);
void dt_fill_normal(float *out, size_t count, uint64_t seed, uint64_t stream, uint64_t counter,
                    float mean, float std);

#ifdef __cplusplus
}
#endif
#endif
