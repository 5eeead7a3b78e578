// Portable instantiation of the blocked GEMM: 4-lane GNU C vectors (SSE2 on baseline x86-64,
// plain scalar code where the target has no vectors), 4×8 tiles.
#include <string.h>

typedef float vec_t __attribute__((vector_size(16)));
#define VLEN 4

static inline vec_t v_load(const float *p) { vec_t v; memcpy(&v, p, sizeof v); return v; }
static inline void v_store(float *p, vec_t v) { memcpy(p, &v, sizeof v); }
static inline vec_t v_load_n(const float *p, int n) {
    vec_t v = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) v[i] = p[i];
    return v;
}
static inline void v_store_n(float *p, vec_t v, int n) { for (int i = 0; i < n; i++) p[i] = v[i]; }
static inline vec_t v_splat(float x) { vec_t v = {x, x, x, x}; return v; }
static inline void transpose4(vec_t r[4]) {
    float t[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) t[j][i] = r[i][j];
    for (int i = 0; i < 4; i++) r[i] = v_load(t[i]);
}

#define VZERO() v_splat(0.0f)
#define VSET1(x) v_splat(x)
#define VBCAST(p) v_splat(*(p))
#define VLOAD(p) v_load(p)
#define VSTORE(p, v) v_store(p, v)
#define VLOADN(p, n) v_load_n(p, n)
#define VSTOREN(p, v, n) v_store_n(p, v, n)
#define VFMA(a, b, c) ((a) * (b) + (c))
#define VMUL(a, b) ((a) * (b))
#define VTRANSPOSE(rows) transpose4(rows)

#include "gemm_template.h"

DT_GEMM_DEFINE_UKERNEL(4, 2)

static const dt_gemm_shape shape_default = {4, 8, 256, 128, 2048, ukernel_4x2};

static const dt_gemm_shape *select_shape(size_t m, size_t n, size_t k) {
    (void)m; (void)n; (void)k;
    return &shape_default;
}

DT_GEMM_DEFINE_OPS(dt_gemm_ops_portable, DT_ISA_PORTABLE, select_shape)
