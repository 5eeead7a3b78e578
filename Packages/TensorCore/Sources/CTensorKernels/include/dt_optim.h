// Fused optimizer updates over contiguous Float32 arrays (PyTorch semantics). Each element is
// updated independently with IEEE-rounded operations and no fused multiply-add, so a split of the
// range across threads, or a SIMD path, gives the same bits as the plain loop.
#ifndef DT_OPTIM_H
#define DT_OPTIM_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Scalars of one Adam(W) step, derived on the host in Float64 and rounded to Float32.
typedef struct {
    float beta1_complement;   ///< 1 - beta1 (weight of the gradient in the first moment)
    float beta2;              ///< decay of the second moment
    float beta2_complement;   ///< 1 - beta2
    float epsilon;            ///< added after dividing sqrt(v) by bias_correction2_sqrt
    float weight_decay;       ///< L2 coefficient added to the gradient (0 when decoupled)
    float decay_factor;       ///< 1 - lr * weight_decay for AdamW (1 otherwise)
    float step_size;          ///< lr / (1 - beta1^step)
    float bias_correction2_sqrt; ///< sqrt(1 - beta2^step)
} dt_adam_scalars;

/// One Adam step over elements [begin, end):
///   g = grad + weight_decay * p;  p = p * decay_factor;
///   m = m + beta1_complement * (g - m);  v = v * beta2 + beta2_complement * (g * g);
///   p = p - step_size * (m / (sqrt(v) / bias_correction2_sqrt + epsilon)).
void dt_adam_step_range(float *param, const float *grad, float *m, float *v, size_t begin, size_t end,
                        const dt_adam_scalars *scalars);
/// dt_adam_step_range over [0, count) on the worker pool.
void dt_adam_step(float *param, const float *grad, float *m, float *v, size_t count, const dt_adam_scalars *scalars);

/// Scalars of one SGD step.
typedef struct {
    float learning_rate;
    float momentum;             ///< 0 disables the momentum buffer
    float dampening_complement; ///< 1 - dampening
    float weight_decay;         ///< L2 coefficient added to the gradient
    int32_t nesterov;           ///< nonzero: Nesterov momentum
    int32_t first_step;         ///< nonzero: the momentum buffer is initialised to the gradient
} dt_sgd_scalars;

/// One SGD step over elements [begin, end) (`buffer` may be NULL when momentum is 0):
///   d = grad + weight_decay * p;
///   buffer = first_step ? d : buffer * momentum + dampening_complement * d;
///   d = nesterov ? d + momentum * buffer : buffer;   p = p - learning_rate * d.
void dt_sgd_step_range(float *param, const float *grad, float *buffer, size_t begin, size_t end,
                       const dt_sgd_scalars *scalars);
/// dt_sgd_step_range over [0, count) on the worker pool.
void dt_sgd_step(float *param, const float *grad, float *buffer, size_t count, const dt_sgd_scalars *scalars);

#ifdef __cplusplus
}
#endif
#endif
