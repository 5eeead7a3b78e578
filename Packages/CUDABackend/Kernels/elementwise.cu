// Fill, strided copy, unary and binary operations, select. One thread per element, grid-stride.
#include "dt_geometry.cuh"

/// out[i] = value for i < count.
DT_KERNEL void dt_fill(float* out, u32 count, float value) {
    for (u32 i = dt_global_index(); i < count; i += dt_global_stride()) out[i] = value;
}

/// Operand 0 (destination) = operand 1 (source), both strided.
DT_KERNEL void dt_copy(DTGeometry g, float* destination, const float* source) {
    for (u32 i = dt_global_index(); i < g.count; i += dt_global_stride()) {
        i64 o[2];
        dt_operand_offsets<2>(g, i, o);
        destination[o[0]] = source[o[1]];
    }
}

/// 1 / (1 + e^−x) from e = e^−|x| (which never overflows), as the CPU backend: 1 / (1 + e) for
/// x ≥ 0 and e / (1 + e) below, so that σ(x) ≈ eˣ keeps its subnormal values down to x ≈ −103
/// instead of 1 / (1 + ∞) = 0 below x = −88.7. Keeps NaN.
DT_DEVICE float dt_sigmoid(float x) {
    const float e = dt_expf(-dt_fabsf(x));
    const float d = 1.0f + e;
    return x >= 0.0f ? 1.0f / d : (x < 0.0f ? e / d : x);
}

/// The CPU backend's formulas (TensorCore's elementwise_template.h): NaN propagates through relu,
/// sign and clamp; softplus is computed in the stable form max(x, 0) + log1p(exp(-|x|)); sigmoid
/// keeps its subnormal values; x^−0.5 is 1 / √x.
DT_DEVICE float dt_apply_unary(u32 op, float x, float p0, float p1) {
    switch (op) {
    case DT_UNARY_NEG: return -x;
    case DT_UNARY_EXP: return dt_expf(x);
    case DT_UNARY_LOG: return dt_logf(x);
    case DT_UNARY_SQRT: return dt_sqrtf(x);
    case DT_UNARY_ABS: return dt_fabsf(x);
    case DT_UNARY_RELU: return x < 0.0f ? 0.0f : x;
    case DT_UNARY_TANH: return dt_tanhf(x);
    case DT_UNARY_SIGMOID: return dt_sigmoid(x);
    case DT_UNARY_SOFTPLUS: return (x > 0.0f ? x : 0.0f) + dt_log1pf(dt_expf(-dt_fabsf(x)));
    case DT_UNARY_SIGN: return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);
    case DT_UNARY_ADD_SCALAR: return x + p0;
    case DT_UNARY_MUL_SCALAR: return x * p0;
    case DT_UNARY_RECIPROCAL_SCALED: return p0 / x;
    case DT_UNARY_POW_SCALAR:
        if (p0 == 2.0f) return x * x;
        if (p0 == 1.0f) return x;
        if (p0 == 0.5f) return dt_sqrtf(x);
        if (p0 == -1.0f) return 1.0f / x;
        // As PyTorch and the CPU: x^−0.5 is 1 / √x, so −∞ gives NaN and −0 gives −∞ (powf gives
        // +0 and +∞).
        if (p0 == -0.5f) return 1.0f / dt_sqrtf(x);
        return dt_powf(x, p0);
    case DT_UNARY_CLAMP: return x < p0 ? p0 : (x > p1 ? p1 : x);
    case DT_UNARY_GREATER_THAN_SCALAR: return x > p0 ? 1.0f : 0.0f;
    default: return DT_NAN;
    }
}

/// Operand 0 (contiguous output) = op(operand 1).
DT_KERNEL void dt_unary(DTGeometry g, float* out, const float* x, u32 op, float p0, float p1) {
    for (u32 i = dt_global_index(); i < g.count; i += dt_global_stride()) {
        i64 o[2];
        dt_operand_offsets<2>(g, i, o);
        out[o[0]] = dt_apply_unary(op, x[o[1]], p0, p1);
    }
}

/// As the CPU backend: maximum/minimum propagate NaN; comparisons give 1 or 0.
DT_DEVICE float dt_apply_binary(u32 op, float a, float b) {
    switch (op) {
    case DT_BINARY_ADD: return a + b;
    case DT_BINARY_SUB: return a - b;
    case DT_BINARY_MUL: return a * b;
    case DT_BINARY_DIV: return a / b;
    case DT_BINARY_POW: return dt_powf(a, b);
    case DT_BINARY_MAXIMUM: return (a > b || a != a) ? a : b;
    case DT_BINARY_MINIMUM: return (a < b || a != a) ? a : b;
    case DT_BINARY_EQUAL: return a == b ? 1.0f : 0.0f;
    case DT_BINARY_NOT_EQUAL: return a != b ? 1.0f : 0.0f;
    case DT_BINARY_LESS: return a < b ? 1.0f : 0.0f;
    case DT_BINARY_LESS_EQUAL: return a <= b ? 1.0f : 0.0f;
    case DT_BINARY_GREATER: return a > b ? 1.0f : 0.0f;
    case DT_BINARY_GREATER_EQUAL: return a >= b ? 1.0f : 0.0f;
    default: return DT_NAN;
    }
}

/// Operand 0 (contiguous output) = operand 1 op operand 2 (broadcast dimensions have stride 0).
DT_KERNEL void dt_binary(DTGeometry g, float* out, const float* a, const float* b, u32 op) {
    for (u32 i = dt_global_index(); i < g.count; i += dt_global_stride()) {
        i64 o[3];
        dt_operand_offsets<3>(g, i, o);
        out[o[0]] = dt_apply_binary(op, a[o[1]], b[o[2]]);
    }
}

/// Operand 0 (contiguous output) = operand 1 != 0 ? operand 2 : operand 3.
DT_KERNEL void dt_select(DTGeometry g, float* out, const float* condition, const float* a, const float* b) {
    for (u32 i = dt_global_index(); i < g.count; i += dt_global_stride()) {
        i64 o[4];
        dt_operand_offsets<4>(g, i, o);
        out[o[0]] = condition[o[1]] != 0.0f ? a[o[2]] : b[o[3]];
    }
}
