// NEON (arm64) instantiation of the blocked GEMM: 4-lane vectors, 6×16 / 12×8 tiles.
#if defined(__aarch64__)
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

#include "gemm_template.h"

DT_GEMM_DEFINE_UKERNEL(6, 4)
DT_GEMM_DEFINE_UKERNEL(12, 2)

static const dt_gemm_shape shape_wide = {6, 16, 256, 120, 2048, ukernel_6x4};
static const dt_gemm_shape shape_narrow = {12, 8, 256, 120, 2048, ukernel_12x2};

static const dt_gemm_shape *select_shape(size_t m, size_t n, size_t k) {
    (void)m; (void)k;
    return n <= 8 ? &shape_narrow : &shape_wide;
}

DT_GEMM_DEFINE_OPS(dt_gemm_ops_neon, DT_ISA_NEON, select_shape)
#endif
