// The vector vocabulary of gemm_template.h and conv_template.h for NEON (4 lanes).
// Include only inside the matching target-attributed region (see gemm_neon.c).
#ifndef DT_GEMM_SIMD_NEON_H
#define DT_GEMM_SIMD_NEON_H
#include <arm_neon.h>
#define VLEN 4
typedef float32x4_t vec_t;

static inline vec_t v_load_n(const float *p, int n) {
    float t[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) t[i] = p[i];
    return vld1q_f32(t);
}
static inline void v_store_n(float *p, vec_t v, int n) {
    float t[4];
    vst1q_f32(t, v);
    for (int i = 0; i < n; i++) p[i] = t[i];
}
static inline void transpose4(vec_t r[4]) {
    float32x4x2_t a = vtrnq_f32(r[0], r[1]);
    float32x4x2_t b = vtrnq_f32(r[2], r[3]);
    r[0] = vcombine_f32(vget_low_f32(a.val[0]), vget_low_f32(b.val[0]));
    r[1] = vcombine_f32(vget_low_f32(a.val[1]), vget_low_f32(b.val[1]));
    r[2] = vcombine_f32(vget_high_f32(a.val[0]), vget_high_f32(b.val[0]));
    r[3] = vcombine_f32(vget_high_f32(a.val[1]), vget_high_f32(b.val[1]));
}

#define VZERO() vdupq_n_f32(0.0f)
#define VSET1(x) vdupq_n_f32(x)
#define VBCAST(p) vld1q_dup_f32(p)
#define VLOAD(p) vld1q_f32(p)
#define VSTORE(p, v) vst1q_f32(p, v)
#define VLOADN(p, n) v_load_n(p, n)
#define VSTOREN(p, v, n) v_store_n(p, v, n)
#define VFMA(a, b, c) vfmaq_f32(c, a, b)
#define VMUL(a, b) vmulq_f32(a, b)
#define VTRANSPOSE(rows) transpose4(rows)

#define VADD(a, b) vaddq_f32(a, b)

static inline vec_t v_load_window(const float *row, long start, long width) {
    float t[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        if (start + i >= 0 && start + i < width) t[i] = row[start + i];
    return vld1q_f32(t);
}
static inline void v_store_window(float *row, long start, long width, vec_t v, int n) {
    float t[4];
    vst1q_f32(t, v);
    for (int i = 0; i < n; i++)
        if (start + i >= 0 && start + i < width) row[start + i] = t[i];
}
#define VLOADW(row, start, width) v_load_window(row, start, width)
#define VSTOREW(row, start, width, v, n) v_store_window(row, start, width, v, n)
#define VEVENS(a, b) vuzp1q_f32(a, b)

/// Spreads x over two vectors with zeros between: lo = x0 0 x1 0, hi = x2 0 x3 0.
#define VSPREAD2(x, lo, hi)                                                                                    \
    do {                                                                                                      \
        (lo) = vzip1q_f32(x, vdupq_n_f32(0.0f));                                                              \
        (hi) = vzip2q_f32(x, vdupq_n_f32(0.0f));                                                              \
    } while (0)

/// A precomputed window mask: lanes [lo, hi) are inside the row.
typedef struct {
    int lo, hi;
} vmask_t;
static inline vmask_t v_mask_window(long start, long width) {
    long lo = start < 0 ? -start : 0, hi = width - start;
    if (hi > 4) hi = 4;
    if (lo > 4) lo = 4;
    if (hi < lo) hi = lo;
    return (vmask_t){(int)lo, (int)hi};
}
static inline vmask_t v_mask_first(vmask_t mask, int n) {
    if (mask.hi > n) mask.hi = n < mask.lo ? mask.lo : n;
    return mask;
}
static inline vec_t v_load_masked(const float *p, vmask_t mask) {
    if (mask.lo == 0 && mask.hi == 4) return vld1q_f32(p);
    float t[4] = {0, 0, 0, 0};
    for (int i = mask.lo; i < mask.hi; i++) t[i] = p[i];
    return vld1q_f32(t);
}
static inline void v_store_masked(float *p, vec_t v, vmask_t mask) {
    if (mask.lo == 0 && mask.hi == 4) {
        vst1q_f32(p, v);
        return;
    }
    float t[4];
    vst1q_f32(t, v);
    for (int i = mask.lo; i < mask.hi; i++) p[i] = t[i];
}
#define VMASKW(start, width) v_mask_window(start, width)
#define VMASKN(mask, n) v_mask_first(mask, n)
#define VLOADM(p, mask) v_load_masked(p, mask)
#define VSTOREM(p, v, mask) v_store_masked(p, v, mask)

#endif
