// Private: the row kernels of elementwise.c, written once and instantiated per instruction set.
// isa_instances.h includes it once per path with DT_FN(name) (a per-ISA name) defined and inside
// `#pragma clang attribute push(__attribute__((target(...))), apply_to = function)`, so every
// loop below is compiled, and auto-vectorised, for that instruction set.
//
// Loops are plain counted loops over restrict pointers with the operation chosen outside the
// loop, which is what the loop vectoriser needs. exp, tanh and sigmoid use the branch-free
// approximations below (libm calls cannot be vectorised); log, log1p and pow call libm.

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifndef DT_SQRT
#if defined(__has_builtin) && __has_builtin(__builtin_elementwise_sqrt)
/// Square root without errno handling (sqrtf must set errno for negative input, which keeps loops
/// calling it scalar); negative input gives NaN either way.
#define DT_SQRT(v) __builtin_elementwise_sqrt(v)
#else
#define DT_SQRT(v) sqrtf(v)
#endif
#endif

/// e^x to about 1 ulp, branch-free so that loops calling it vectorise (Cephes expf: a degree-6
/// polynomial on [-ln2/2, ln2/2] after n = round(x / ln 2), with ln 2 split in two parts).
/// Overflows to +inf above log(FLT_MAX), gives 0 below -104, keeps NaN.
static inline float DT_FN(fast_exp)(float x) {
    const float high = 88.72283935546875f, low = -103.97207708f;
    const float xc = x > high ? high : (x < low ? low : x);
    // Round to nearest with the 1.5 · 2^23 trick (no libm call, exact for |value| < 2^22).
    const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    const float p = (((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r
                       + 4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f) * (r * r) + r + 1.0f;
    // 2^n as two normal factors, as n reaches -150 and 128.
    const int32_t ni = (int32_t)n, n1 = ni / 2, n2 = ni - n1;
    const uint32_t b1 = (uint32_t)(n1 + 127) << 23, b2 = (uint32_t)(n2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    float result = p * s1 * s2;
    result = x > high ? INFINITY : result;
    return x != x ? x : result;
}

/// tanh(x) to a few ulps, branch-free (Cephes tanhf): an odd polynomial below |x| = 0.625,
/// else 1 − 2 / (e^{2|x|} + 1) with the sign of x.
static inline float DT_FN(fast_tanh)(float x) {
    const float a = fabsf(x), z = x * x;
    const float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                          + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    const float large = 1.0f - 2.0f / (DT_FN(fast_exp)(a + a) + 1.0f);
    return a < 0.625f ? small : (x < 0.0f ? -large : large);
}

/// 1 / (1 + e^−x), branch-free, from e = e^−|x| (which never overflows): 1 / (1 + e) for x ≥ 0 and
/// e / (1 + e) below, so that σ(x) ≈ eˣ keeps its subnormal values down to x ≈ −103 (PyTorch's
/// float32 answers) instead of 1 / (1 + ∞) = 0 below x = −88.7. Keeps NaN.
static inline float DT_FN(fast_sigmoid)(float x) {
    const float e = DT_FN(fast_exp)(-fabsf(x));
    const float d = 1.0f + e;
    return x >= 0.0f ? 1.0f / d : (x < 0.0f ? e / d : x);
}

/// out[i] = op(x[i · sx]) for i < n.
static void DT_FN(unary_row)(dt_unary_op op, float p0, float p1, ptrdiff_t n,
                             const float *restrict x, ptrdiff_t sx, float *restrict out) {
#define DT_UNARY_LOOP(EXPR)                                                   \
    if (sx == 1) {                                                            \
        for (ptrdiff_t i = 0; i < n; i++) { const float v = x[i]; out[i] = (EXPR); }      \
    } else {                                                                  \
        for (ptrdiff_t i = 0; i < n; i++) { const float v = x[i * sx]; out[i] = (EXPR); } \
    }
    switch (op) {
    case DT_UNARY_NEG: DT_UNARY_LOOP(-v); break;
    case DT_UNARY_EXP: DT_UNARY_LOOP(DT_FN(fast_exp)(v)); break;
    case DT_UNARY_LOG: DT_UNARY_LOOP(logf(v)); break;
    case DT_UNARY_SQRT: DT_UNARY_LOOP(DT_SQRT(v)); break;
    case DT_UNARY_ABS: DT_UNARY_LOOP(fabsf(v)); break;
    case DT_UNARY_RELU: DT_UNARY_LOOP(v < 0.0f ? 0.0f : v); break;
    case DT_UNARY_TANH: DT_UNARY_LOOP(DT_FN(fast_tanh)(v)); break;
    case DT_UNARY_SIGMOID: DT_UNARY_LOOP(DT_FN(fast_sigmoid)(v)); break;
    case DT_UNARY_SOFTPLUS: DT_UNARY_LOOP((v > 0.0f ? v : 0.0f) + log1pf(DT_FN(fast_exp)(-fabsf(v)))); break;
    case DT_UNARY_SIGN: DT_UNARY_LOOP(v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v)); break;
    case DT_UNARY_ADD_SCALAR: DT_UNARY_LOOP(v + p0); break;
    case DT_UNARY_MUL_SCALAR: DT_UNARY_LOOP(v * p0); break;
    case DT_UNARY_RECIPROCAL_SCALED: DT_UNARY_LOOP(p0 / v); break;
    case DT_UNARY_POW_SCALAR:
        if (p0 == 2.0f) { DT_UNARY_LOOP(v * v); }
        else if (p0 == 1.0f) { DT_UNARY_LOOP(v); }
        else if (p0 == 0.5f) { DT_UNARY_LOOP(DT_SQRT(v)); }
        else if (p0 == -1.0f) { DT_UNARY_LOOP(1.0f / v); }
        // As PyTorch: x^−0.5 is 1 / √x, so −∞ gives NaN and −0 gives −∞ (powf gives +0 and +∞).
        else if (p0 == -0.5f) { DT_UNARY_LOOP(1.0f / DT_SQRT(v)); }
        else { DT_UNARY_LOOP(powf(v, p0)); }
        break;
    case DT_UNARY_CLAMP: DT_UNARY_LOOP(v < p0 ? p0 : (v > p1 ? p1 : v)); break;
    case DT_UNARY_GREATER_THAN_SCALAR: DT_UNARY_LOOP(v > p0 ? 1.0f : 0.0f); break;
    }
#undef DT_UNARY_LOOP
}

/// out[i] = a[i · sa] op b[i · sb] for i < n, with fast paths for contiguous operands and for a
/// scalar (stride 0) on either side.
static void DT_FN(binary_row)(dt_binary_op op, ptrdiff_t n,
                              const float *restrict pa, ptrdiff_t sa,
                              const float *restrict pb, ptrdiff_t sb, float *restrict out) {
#define DT_BINARY_LOOP(EXPR)                                                                          \
    if (sa == 1 && sb == 1) {                                                                         \
        for (ptrdiff_t i = 0; i < n; i++) { const float a = pa[i], b = pb[i]; out[i] = (EXPR); }     \
    } else if (sa == 1 && sb == 0) {                                                                  \
        const float b = pb[0];                                                                        \
        for (ptrdiff_t i = 0; i < n; i++) { const float a = pa[i]; out[i] = (EXPR); }                \
    } else if (sa == 0 && sb == 1) {                                                                  \
        const float a = pa[0];                                                                        \
        for (ptrdiff_t i = 0; i < n; i++) { const float b = pb[i]; out[i] = (EXPR); }                \
    } else {                                                                                          \
        for (ptrdiff_t i = 0; i < n; i++) { const float a = pa[i * sa], b = pb[i * sb]; out[i] = (EXPR); } \
    }
    switch (op) {
    case DT_BINARY_ADD: DT_BINARY_LOOP(a + b); break;
    case DT_BINARY_SUB: DT_BINARY_LOOP(a - b); break;
    case DT_BINARY_MUL: DT_BINARY_LOOP(a * b); break;
    case DT_BINARY_DIV: DT_BINARY_LOOP(a / b); break;
    case DT_BINARY_POW: DT_BINARY_LOOP(powf(a, b)); break;
    case DT_BINARY_MAXIMUM: DT_BINARY_LOOP((a > b || a != a) ? a : b); break;
    case DT_BINARY_MINIMUM: DT_BINARY_LOOP((a < b || a != a) ? a : b); break;
    case DT_BINARY_EQUAL: DT_BINARY_LOOP(a == b ? 1.0f : 0.0f); break;
    case DT_BINARY_NOT_EQUAL: DT_BINARY_LOOP(a != b ? 1.0f : 0.0f); break;
    case DT_BINARY_LESS: DT_BINARY_LOOP(a < b ? 1.0f : 0.0f); break;
    case DT_BINARY_LESS_EQUAL: DT_BINARY_LOOP(a <= b ? 1.0f : 0.0f); break;
    case DT_BINARY_GREATER: DT_BINARY_LOOP(a > b ? 1.0f : 0.0f); break;
    case DT_BINARY_GREATER_EQUAL: DT_BINARY_LOOP(a >= b ? 1.0f : 0.0f); break;
    }
#undef DT_BINARY_LOOP
}

/// out[i] = c[i · sc] != 0 ? a[i · sa] : b[i · sb] for i < n.
static void DT_FN(select_row)(ptrdiff_t n, const float *restrict pc, ptrdiff_t sc,
                              const float *restrict pa, ptrdiff_t sa,
                              const float *restrict pb, ptrdiff_t sb, float *restrict out) {
    if (sc == 1 && sa == 1 && sb == 1) {
        for (ptrdiff_t i = 0; i < n; i++) out[i] = pc[i] != 0.0f ? pa[i] : pb[i];
    } else if (sc == 1 && sa == 1 && sb == 0) {
        const float b = pb[0];
        for (ptrdiff_t i = 0; i < n; i++) out[i] = pc[i] != 0.0f ? pa[i] : b;
    } else if (sc == 1 && sa == 0 && sb == 1) {
        const float a = pa[0];
        for (ptrdiff_t i = 0; i < n; i++) out[i] = pc[i] != 0.0f ? a : pb[i];
    } else {
        for (ptrdiff_t i = 0; i < n; i++) out[i] = pc[i * sc] != 0.0f ? pa[i * sa] : pb[i * sb];
    }
}
