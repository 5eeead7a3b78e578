// Packing of GEMM operands into register-tile panels, over the vector vocabulary of
// gemm_simd_<isa>.h; shared by gemm_template.h and conv_template.h (which packs convolution
// patches straight from the image). Include inside the target-attributed region.
#ifndef DT_GEMM_PACK_TEMPLATE_H
#define DT_GEMM_PACK_TEMPLATE_H
#include "gemm_internal.h"
#include <stddef.h>
#include <stdint.h>

static inline size_t gemm_min(size_t a, size_t b) { return a < b ? a : b; }
static inline size_t round_up(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

/// Copies `width` lanes (the first `valid` from `s`, zeros after) to `d`.
static inline __attribute__((always_inline)) void copy_lanes(float *d, const float *s, int valid, int width) {
    for (int v = 0; v < width; v += VLEN) {
        int n = valid - v;
        vec_t x = n >= VLEN ? VLOAD(s + v) : (n > 0 ? VLOADN(s + v, n) : VZERO());
        if (v + VLEN <= width) VSTORE(d + v, x);
        else VSTOREN(d + v, x, width - v);
    }
}

/// Packs `count` rows × `kc` depths where element (i, p) is `s[i + p·ds]` (rows contiguous):
/// panel q (rows q·width ..< q·width + width, zero past `count`) goes to `dst + q·panel_stride`,
/// element (r, p) of it at `[p·width + r]`.
static inline void pack_runs_contiguous(const float *s, size_t ds, size_t count, size_t kc, float *dst, int width,
                                        size_t panel_stride) {
    size_t full = count / (size_t)width;
    if (full > 1 && width % VLEN == 0) {
        // Several full panels: copy each depth row across all of them before the next row, so the
        // source is read sequentially (rows may be pages apart, where prefetchers stop).
        for (size_t p = 0; p < kc; p++) {
            const float *src = s + p * ds;
            float *d = dst + p * (size_t)width;
            for (size_t q = 0; q < full; q++, src += width, d += panel_stride)
                for (int v = 0; v < width; v += VLEN) VSTORE(d + v, VLOAD(src + v));
        }
        if (full * (size_t)width == count) return;
        s += full * (size_t)width;
        dst += full * panel_stride;
        count -= full * (size_t)width;
    }
    for (size_t q = 0; q * (size_t)width < count; q++) {
        int valid = (int)gemm_min((size_t)width, count - q * (size_t)width);
        const float *src = s + q * (size_t)width;
        float *d = dst + q * panel_stride;
        if (valid == width && width % VLEN == 0) {
            for (size_t p = 0; p < kc; p++, src += ds, d += width)
                for (int v = 0; v < width; v += VLEN) VSTORE(d + v, VLOAD(src + v));
        } else {
            for (size_t p = 0; p < kc; p++, src += ds, d += width) copy_lanes(d, src, valid, width);
        }
    }
}

/// Like pack_runs_contiguous for element (i, p) at `s[i·rs + p]` (depth contiguous): VLEN × VLEN
/// blocks are transposed in registers.
static inline void pack_runs_transposing(const float *s, size_t rs, size_t count, size_t kc, float *dst, int width,
                                         size_t panel_stride) {
    for (size_t q = 0; q * (size_t)width < count; q++) {
        int valid = (int)gemm_min((size_t)width, count - q * (size_t)width);
        float *d = dst + q * panel_stride;
#ifdef VPACK6
        if (width == 6 && VLEN == 16) {
            const float *src = s + q * 6 * rs;
            size_t p = 0;
            for (; p + 16 <= kc; p += 16) VPACK6(src + p, rs, valid, d + p * 6);
            for (; p < kc; p++)
                for (int r = 0; r < 6; r++) d[p * 6 + (size_t)r] = r < valid ? src[(size_t)r * rs + p] : 0.0f;
            continue;
        }
#endif
        for (int group = 0; group < width; group += VLEN) {
            int rows = valid - group;
            if (rows > VLEN) rows = VLEN;
            int lanes = width - group < VLEN ? width - group : VLEN;
            const float *src = s + (q * (size_t)width + (size_t)group) * rs;
            size_t p = 0;
            if (lanes < VLEN) {
                // Narrow panels (fewer lanes than a vector): whole-depth blocks, masked stores.
                for (; p + VLEN <= kc; p += VLEN) {
                    vec_t t[VLEN];
#pragma clang loop unroll(full)
                    for (int r = 0; r < VLEN; r++) t[r] = r < rows ? VLOAD(src + (size_t)r * rs + p) : VZERO();
                    VTRANSPOSE(t);
                    float *out = d + p * (size_t)width + group;
#pragma clang loop unroll(full)
                    for (int j = 0; j < VLEN; j++) VSTOREN(out + (size_t)j * width, t[j], lanes);
                }
            }
            if (rows == VLEN && lanes == VLEN) {
                // Whole blocks: fully unrolled, the block stays in registers.
                for (; p + VLEN <= kc; p += VLEN) {
                    vec_t t[VLEN];
#pragma clang loop unroll(full)
                    for (int r = 0; r < VLEN; r++) t[r] = VLOAD(src + (size_t)r * rs + p);
                    VTRANSPOSE(t);
                    float *out = d + p * (size_t)width + group;
#pragma clang loop unroll(full)
                    for (int j = 0; j < VLEN; j++) VSTORE(out + (size_t)j * width, t[j]);
                }
            }
            for (; p < kc; p += VLEN) {
                int depth = (int)gemm_min(VLEN, kc - p);
                vec_t t[VLEN];
#pragma clang loop unroll(full)
                for (int r = 0; r < VLEN; r++) {
                    if (r >= rows) t[r] = VZERO();
                    else if (depth == VLEN) t[r] = VLOAD(src + (size_t)r * rs + p);
                    else t[r] = VLOADN(src + (size_t)r * rs + p, depth);
                }
                VTRANSPOSE(t);
                float *out = d + p * (size_t)width + group;
                for (int j = 0; j < depth; j++) {
                    if (lanes == VLEN) VSTORE(out + (size_t)j * width, t[j]);
                    else VSTOREN(out + (size_t)j * width, t[j], lanes);
                }
            }
        }
    }
}

#endif
