// Private: the row kernels of elementwise.c, written once and instantiated per instruction set.
// The includer defines DT_FN(name) (a per-ISA name) and wraps the include in
// `#pragma clang attribute push(__attribute__((target(...))), apply_to = function)`, so every
// loop below is compiled, and auto-vectorised, for that instruction set.
//
// Loops are plain counted loops over restrict pointers with the operation chosen outside the
// loop, which is what the loop vectoriser needs. Transcendental functions call libm.

#include <math.h>
#include <stddef.h>

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
    case DT_UNARY_EXP: DT_UNARY_LOOP(expf(v)); break;
    case DT_UNARY_LOG: DT_UNARY_LOOP(logf(v)); break;
    case DT_UNARY_SQRT: DT_UNARY_LOOP(sqrtf(v)); break;
    case DT_UNARY_ABS: DT_UNARY_LOOP(fabsf(v)); break;
    case DT_UNARY_RELU: DT_UNARY_LOOP(v < 0.0f ? 0.0f : v); break;
    case DT_UNARY_TANH: DT_UNARY_LOOP(tanhf(v)); break;
    case DT_UNARY_SIGMOID: DT_UNARY_LOOP(1.0f / (1.0f + expf(-v))); break;
    case DT_UNARY_SOFTPLUS: DT_UNARY_LOOP((v > 0.0f ? v : 0.0f) + log1pf(expf(-fabsf(v)))); break;
    case DT_UNARY_SIGN: DT_UNARY_LOOP(v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v)); break;
    case DT_UNARY_ADD_SCALAR: DT_UNARY_LOOP(v + p0); break;
    case DT_UNARY_MUL_SCALAR: DT_UNARY_LOOP(v * p0); break;
    case DT_UNARY_RECIPROCAL_SCALED: DT_UNARY_LOOP(p0 / v); break;
    case DT_UNARY_POW_SCALAR:
        if (p0 == 2.0f) { DT_UNARY_LOOP(v * v); }
        else if (p0 == 1.0f) { DT_UNARY_LOOP(v); }
        else if (p0 == 0.5f) { DT_UNARY_LOOP(sqrtf(v)); }
        else if (p0 == -1.0f) { DT_UNARY_LOOP(1.0f / v); }
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
