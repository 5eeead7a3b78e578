// Fused Adam and SGD updates (formulas in dt_optim.h). FP contraction is off and the SIMD paths use
// the same IEEE operations in the same order as the scalar loop (add, mul, div and sqrt are
// correctly rounded), so every path, every thread split and the CUDA kernels give the same bits.
#pragma STDC FP_CONTRACT OFF
#include "dt_optim.h"
#include "dt_runtime.h"
#include <math.h>

// One element of the Adam step; every path runs exactly these operations, so all give the same bits.
#define ADAM_ELEMENT(i)                                                                         \
    do {                                                                                         \
        float p_ = param[i];                                                                     \
        float g_ = grad[i];                                                                      \
        if (s.weight_decay != 0.0f) g_ = g_ + s.weight_decay * p_;                               \
        if (s.decay_factor != 1.0f) p_ = p_ * s.decay_factor;                                    \
        const float m_ = m[i] + s.beta1_complement * (g_ - m[i]);                                \
        const float v_ = v[i] * s.beta2 + s.beta2_complement * (g_ * g_);                        \
        const float denom_ = adam_sqrt(v_) / s.bias_correction2_sqrt + s.epsilon;                 \
        m[i] = m_;                                                                               \
        v[i] = v_;                                                                               \
        param[i] = p_ - s.step_size * (m_ / denom_);                                             \
    } while (0)

// sqrtf without errno handling (v is never negative), so the portable loop can vectorize.
#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
#define adam_sqrt(x) __builtin_elementwise_sqrt(x)
#else
#define adam_sqrt(x) sqrtf(x)
#endif

static void adam_portable(float *restrict param, const float *restrict grad, float *restrict m, float *restrict v,
                          size_t begin, size_t end, const dt_adam_scalars *scalars) {
    const dt_adam_scalars s = *scalars;
    for (size_t i = begin; i < end; i++) ADAM_ELEMENT(i);
}

#if defined(__x86_64__)
#include <immintrin.h>

// One SIMD Adam path: ADAM_ELEMENT's operations in the same order on `lanes` floats at a time
// (vector type VEC, intrinsic prefix MM), then ADAM_ELEMENT itself for the tail.
#define DEFINE_ADAM_SIMD(name, isa, VEC, MM, lanes)                                                            \
    __attribute__((target(isa))) static void name(                                                             \
        float *restrict param, const float *restrict grad, float *restrict m, float *restrict v, size_t begin, \
        size_t end, const dt_adam_scalars *scalars) {                                                          \
        const dt_adam_scalars s = *scalars;                                                                    \
        const VEC wd = MM##_set1_ps(s.weight_decay), decay = MM##_set1_ps(s.decay_factor);                     \
        const VEC b1c = MM##_set1_ps(s.beta1_complement), b2 = MM##_set1_ps(s.beta2);                          \
        const VEC b2c = MM##_set1_ps(s.beta2_complement), eps = MM##_set1_ps(s.epsilon);                       \
        const VEC step = MM##_set1_ps(s.step_size), bc2 = MM##_set1_ps(s.bias_correction2_sqrt);               \
        const int use_wd = s.weight_decay != 0.0f, use_decay = s.decay_factor != 1.0f;                         \
        size_t i = begin;                                                                                      \
        for (; i + (lanes) <= end; i += (lanes)) {                                                             \
            VEC p = MM##_loadu_ps(param + i), g = MM##_loadu_ps(grad + i);                                     \
            VEC mv = MM##_loadu_ps(m + i), vv = MM##_loadu_ps(v + i);                                          \
            if (use_wd) g = MM##_add_ps(g, MM##_mul_ps(wd, p));                                                \
            if (use_decay) p = MM##_mul_ps(p, decay);                                                          \
            mv = MM##_add_ps(mv, MM##_mul_ps(b1c, MM##_sub_ps(g, mv)));                                        \
            vv = MM##_add_ps(MM##_mul_ps(vv, b2), MM##_mul_ps(b2c, MM##_mul_ps(g, g)));                        \
            const VEC denom = MM##_add_ps(MM##_div_ps(MM##_sqrt_ps(vv), bc2), eps);                            \
            p = MM##_sub_ps(p, MM##_mul_ps(step, MM##_div_ps(mv, denom)));                                     \
            MM##_storeu_ps(m + i, mv);                                                                         \
            MM##_storeu_ps(v + i, vv);                                                                         \
            MM##_storeu_ps(param + i, p);                                                                      \
        }                                                                                                      \
        for (; i < end; i++) ADAM_ELEMENT(i);                                                                  \
    }

DEFINE_ADAM_SIMD(adam_avx2, "avx2", __m256, _mm256, 8)
DEFINE_ADAM_SIMD(adam_avx512, "avx512f", __m512, _mm512, 16)
#endif

typedef void (*adam_fn)(float *restrict, const float *restrict, float *restrict, float *restrict, size_t, size_t,
                        const dt_adam_scalars *);

/// The Adam path for the calling thread's active instruction set (all give identical results).
static adam_fn adam_for_active_isa(void) {
#if defined(__x86_64__)
    switch (dt_active_isa()) {
    case DT_ISA_AVX512F: return adam_avx512;
    case DT_ISA_AVX2_FMA: return adam_avx2;
    default: break;
    }
#endif
    return adam_portable;
}

void dt_adam_step_range(float *param, const float *grad, float *m, float *v, size_t begin, size_t end,
                        const dt_adam_scalars *scalars) {
    adam_for_active_isa()(param, grad, m, v, begin, end, scalars);
}

void dt_sgd_step_range(float *restrict param, const float *restrict grad, float *restrict buffer,
                       size_t begin, size_t end, const dt_sgd_scalars *scalars) {
    const dt_sgd_scalars s = *scalars;
    for (size_t i = begin; i < end; i++) {
        const float p = param[i];
        float d = grad[i];
        if (s.weight_decay != 0.0f) d = d + s.weight_decay * p;
        if (s.momentum != 0.0f) {
            const float b = s.first_step ? d : buffer[i] * s.momentum + s.dampening_complement * d;
            buffer[i] = b;
            d = s.nesterov ? d + s.momentum * b : b;
        }
        param[i] = p - s.learning_rate * d;
    }
}

// Parallel steps on the worker pool. Memory-bound: split only above ~64k elements per thread.
#define OPTIM_GRAIN 65536

typedef struct {
    float *param, *m, *v;
    const float *grad;
    const void *scalars;
    adam_fn adam;   // chosen on the calling thread (its instruction-set override applies)
} optim_job;

static void adam_chunk(void *ctx, size_t begin, size_t end) {
    const optim_job *job = ctx;
    job->adam(job->param, job->grad, job->m, job->v, begin, end, job->scalars);
}

static void sgd_chunk(void *ctx, size_t begin, size_t end) {
    const optim_job *job = ctx;
    dt_sgd_step_range(job->param, job->grad, job->m, begin, end, job->scalars);
}

void dt_adam_step(float *param, const float *grad, float *m, float *v, size_t count, const dt_adam_scalars *scalars) {
    optim_job job = {param, m, v, grad, scalars, adam_for_active_isa()};
    dt_parallel_for_grain(count, OPTIM_GRAIN, adam_chunk, &job);
}

void dt_sgd_step(float *param, const float *grad, float *buffer, size_t count, const dt_sgd_scalars *scalars) {
    optim_job job = {param, buffer, NULL, grad, scalars, NULL};
    dt_parallel_for_grain(count, OPTIM_GRAIN, sgd_chunk, &job);
}
