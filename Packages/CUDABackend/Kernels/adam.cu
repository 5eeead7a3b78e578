// One fused Adam(W) step with PyTorch's single-tensor semantics (torch.optim.Adam / AdamW) and
// exactly the CPU backend's arithmetic: the host derives the per-step scalars in double precision
// (TensorCore's AdamHyperparameters+Scalars.swift), every operation below rounds to float, and the
// PTX is built without contraction into fused multiply-adds.
//   g = grad + gradientWeightDecay * p          (L2 form; 0 for AdamW)
//   p = p * decoupledDecayFactor                (AdamW; 1 otherwise)
//   m = m + beta1Complement * (g - m)
//   v = v * beta2 + beta2Complement * (g * g)
//   p = p - stepSize * (m / (sqrt(v) / biasCorrection2Sqrt + epsilon))
#include "dt_geometry.cuh"

/// Scalars of one step. 32 bytes.
struct DTAdam {
    float beta2, beta1Complement, beta2Complement, epsilon;
    float gradientWeightDecay, decoupledDecayFactor, stepSize, biasCorrection2Sqrt;
};

DT_KERNEL void dt_adam(DTAdam s, float* parameter, const float* gradient, float* firstMoment,
                       float* secondMoment, u32 count) {
    for (u32 i = dt_global_index(); i < count; i += dt_global_stride()) {
        float p = parameter[i];
        float g = gradient[i];
        if (s.gradientWeightDecay != 0.0f) g = g + s.gradientWeightDecay * p;
        if (s.decoupledDecayFactor != 1.0f) p = p * s.decoupledDecayFactor;
        float m = firstMoment[i];
        m = m + s.beta1Complement * (g - m);
        float v = secondMoment[i] * s.beta2 + s.beta2Complement * (g * g);
        parameter[i] = p - s.stepSize * (m / (dt_sqrtf(v) / s.biasCorrection2Sqrt + s.epsilon));
        firstMoment[i] = m;
        secondMoment[i] = v;
    }
}
