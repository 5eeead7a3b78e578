// The vector vocabulary of gemm_template.h and conv_template.h for portable GNU C vectors (4 lanes).
// Include only inside the matching target-attributed region (see gemm_portable.c).
#ifndef DT_GEMM_SIMD_PORTABLE_H
#define DT_GEMM_SIMD_PORTABLE_H
#include <string.h>

#define VLEN 4
typedef float vec_t __attribute__((vector_size(16)));

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

#define VADD(a, b) ((a) + (b))

static inline vec_t v_load_window(const float *row, long start, long width) {
    vec_t v = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++)
        if (start + i >= 0 && start + i < width) v[i] = row[start + i];
    return v;
}
static inline void v_store_window(float *row, long start, long width, vec_t v, int n) {
    for (int i = 0; i < n; i++)
        if (start + i >= 0 && start + i < width) row[start + i] = v[i];
}
#define VLOADW(row, start, width) v_load_window(row, start, width)
#define VSTOREW(row, start, width, v, n) v_store_window(row, start, width, v, n)

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
    vec_t v = {0, 0, 0, 0};
    for (int i = mask.lo; i < mask.hi; i++) v[i] = p[i];
    return v;
}
static inline void v_store_masked(float *p, vec_t v, vmask_t mask) {
    for (int i = mask.lo; i < mask.hi; i++) p[i] = v[i];
}
#define VMASKW(start, width) v_mask_window(start, width)
#define VMASKN(mask, n) v_mask_first(mask, n)
#define VLOADM(p, mask) v_load_masked(p, mask)
#define VSTOREM(p, v, mask) v_store_masked(p, v, mask)

#endif
