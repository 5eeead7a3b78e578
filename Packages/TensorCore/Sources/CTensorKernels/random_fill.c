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

void dt_fill_uniform_range(float *out, size_t begin, size_t end, uint64_t seed, uint64_t stream, uint64_t counter,
                     float low, float high) {
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
    float a, b;   // (low, high) or (mean, std)
} fill_job;

static void uniform_blocks(void *ctx, size_t first_block, size_t end_block) {
    const fill_job *job = ctx;
    const size_t end = end_block * 4 < job->count ? end_block * 4 : job->count;
    dt_fill_uniform_range(job->out, first_block * 4, end, job->seed, job->stream, job->counter, job->a, job->b);
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
    fill_job job = {out, count, seed, stream, counter, low, high};
    dt_parallel_for_grain((count + 3) / 4, UNIFORM_GRAIN_BLOCKS, uniform_blocks, &job);
}

void dt_fill_normal(float *out, size_t count, uint64_t seed, uint64_t stream, uint64_t counter,
                    float mean, float std) {
    fill_job job = {out, count, seed, stream, counter, mean, std};
    dt_parallel_for_grain((count + 3) / 4, NORMAL_GRAIN_BLOCKS, normal_blocks, &job);
}
