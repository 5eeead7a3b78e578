// Fused Adam and SGD updates (formulas in dt_optim.h). FP contraction is off so that every path
// rounds each operation separately, as the CUDA kernels do.
#pragma STDC FP_CONTRACT OFF
#include "dt_optim.h"
#include "dt_runtime.h"
#include <math.h>

void dt_adam_step_range(float *restrict param, const float *restrict grad, float *restrict m, float *restrict v,
                       size_t begin, size_t end, const dt_adam_scalars *scalars) {
    const dt_adam_scalars s = *scalars;
    for (size_t i = begin; i < end; i++) {
        float p = param[i];
        float g = grad[i];
        if (s.weight_decay != 0.0f) g = g + s.weight_decay * p;
        if (s.decay_factor != 1.0f) p = p * s.decay_factor;
        const float mi = m[i] + s.beta1_complement * (g - m[i]);
        const float vi = v[i] * s.beta2 + s.beta2_complement * (g * g);
        const float denom = sqrtf(vi) / s.bias_correction2_sqrt + s.epsilon;
        m[i] = mi;
        v[i] = vi;
        param[i] = p - s.step_size * (mi / denom);
    }
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
} optim_job;

static void adam_chunk(void *ctx, size_t begin, size_t end) {
    const optim_job *job = ctx;
    dt_adam_step_range(job->param, job->grad, job->m, job->v, begin, end, job->scalars);
}

static void sgd_chunk(void *ctx, size_t begin, size_t end) {
    const optim_job *job = ctx;
    dt_sgd_step_range(job->param, job->grad, job->m, begin, end, job->scalars);
}

void dt_adam_step(float *param, const float *grad, float *m, float *v, size_t count, const dt_adam_scalars *scalars) {
    optim_job job = {param, m, v, grad, scalars};
    dt_parallel_for_grain(count, OPTIM_GRAIN, adam_chunk, &job);
}

void dt_sgd_step(float *param, const float *grad, float *buffer, size_t count, const dt_sgd_scalars *scalars) {
    optim_job job = {param, buffer, NULL, grad, scalars};
    dt_parallel_for_grain(count, OPTIM_GRAIN, sgd_chunk, &job);
}
