// Convolution routines over the vector vocabulary of gemm_simd_<isa>.h, instantiated per
// instruction-set path by conv_<isa>.c: patch gathering inside GEMM packing (forward and weight
// gradient), the column scatter of the input gradient, and direct kernels for layers with very
// few output channels (where a GEMM would have one or two rows). Needs VLOADW/VSTOREW (windowed
// load/store, zero outside the row); optional VEVENS (stride-2 gather) and VSPREAD2 (stride-2
// scatter), without which other strides are gathered lane by lane.
#include "conv_internal.h"
#include "gemm_pack_template.h"

/// Decoded patch index: input channel and kernel tap.
typedef struct {
    size_t channel, kh, kw;
} patch_tap;

static inline patch_tap decode_tap(const dt_conv2d_geometry *g, size_t index) {
    size_t taps = g->kernel_h * g->kernel_w;
    size_t tap = index % taps;
    return (patch_tap){index / taps, tap / g->kernel_w, tap % g->kernel_w};
}

/// Lane i = row[start + stride·i], or 0 where that index is outside [0, width).
static inline __attribute__((always_inline)) vec_t gather_vector(const float *row, long start, long stride,
                                                                 long width) {
    if (stride == 1) return VLOADW(row, start, width);
#ifdef VEVENS
    if (stride == 2) return VEVENS(VLOADW(row, start, width), VLOADW(row, start + VLEN, width));
#endif
    float lanes[VLEN];
    for (int i = 0; i < VLEN; i++) {
        long index = start + stride * i;
        lanes[i] = index >= 0 && index < width ? row[index] : 0.0f;
    }
    return VLOAD(lanes);
}

/// row[start + stride·i] += lane i of v, for i < n and indices inside [0, width).
static inline __attribute__((always_inline)) void scatter_add_vector(float *row, long start, long stride, long width,
                                                                     vec_t v, int n) {
    if (stride == 1) {
        VSTOREW(row, start, width, VADD(VLOADW(row, start, width), v), n);
        return;
    }
#ifdef VSPREAD2
    if (stride == 2) {
        vec_t low, high; // odd lanes are 0: adding them leaves the row unchanged
        VSPREAD2(v, low, high);
        VSTOREW(row, start, width, VADD(VLOADW(row, start, width), low), 2 * n < VLEN ? 2 * n : VLEN);
        if (2 * n > VLEN)
            VSTOREW(row, start + VLEN, width, VADD(VLOADW(row, start + VLEN, width), high), 2 * n - VLEN);
        return;
    }
#endif
    float lanes[VLEN];
    VSTORE(lanes, v);
    for (int i = 0; i < n; i++) {
        long index = start + stride * i;
        if (index >= 0 && index < width) row[index] += lanes[i];
    }
}

/// Output-row vectors a tap plan covers; wider rows take the general path.
#define DT_CONV_ROW_VECTORS 8

/// What gathering (or scattering) full output rows of one patch-matrix row needs, computed once per
/// tap: the window masks depend only on the kernel column, not on the row or the image.
typedef struct {
    size_t plane_offset;  // of the tap's input channel within an image
    long row_offset;      // input row = output row · stride_h + row_offset
    long col_offset;      // input column = output column · stride_w + col_offset
    int vectors;          // vectors per output row; 0 when the fast path does not apply
    int paired;           // stride 2 and rows of VLEN/2 outputs: two rows share one vector
    vmask_t load[DT_CONV_ROW_VECTORS][2];   // input windows of vector v (second half: stride 2 only)
    vmask_t store[DT_CONV_ROW_VECTORS][2];  // the same, limited to the row's outputs (scatter)
} tap_plan;

static inline void plan_tap(tap_plan *plan, const dt_conv_source *s, patch_tap tap) {
    const dt_conv2d_geometry *g = s->geometry;
    const long stride = (long)g->stride_w, width = (long)g->width;
    plan->plane_offset = tap.channel * g->height * g->width;
    plan->row_offset = (long)(tap.kh * g->dilation_h) - (long)g->pad_h;
    plan->col_offset = (long)(tap.kw * g->dilation_w) - (long)g->pad_w;
    int vectors = (int)((s->out_w + VLEN - 1) / VLEN);
    int fast = vectors <= DT_CONV_ROW_VECTORS && stride == 1;
#if defined(VEVENS) && defined(VSPREAD2)
    fast = fast || (vectors <= DT_CONV_ROW_VECTORS && stride == 2);
#endif
    plan->vectors = fast ? vectors : 0;
    plan->paired = 0;
#if defined(VEVENS) && defined(VSPREAD2)
    plan->paired = stride == 2 && 2 * s->out_w == VLEN;
#endif
    for (int v = 0; v < plan->vectors; v++) {
        long start = plan->col_offset + stride * VLEN * v;
        int outputs = (int)gemm_min(VLEN, s->out_w - (size_t)v * VLEN);
        plan->load[v][0] = VMASKW(start, width);
        plan->load[v][1] = VMASKW(start + VLEN, width);
        if (stride == 1) {
            plan->store[v][0] = VMASKN(plan->load[v][0], outputs);
        } else {
            plan->store[v][0] = VMASKN(plan->load[v][0], 2 * outputs < VLEN ? 2 * outputs : VLEN);
            plan->store[v][1] = VMASKN(plan->load[v][1], 2 * outputs > VLEN ? 2 * outputs - VLEN : 0);
        }
    }
}

/// Fills `plans` (one tap_plan per patch index) for the source's geometry.
static void plan_taps(const dt_conv_source *s, void *plans) {
    tap_plan *out = plans;
    for (size_t index = 0; index < s->patch; index++) plan_tap(&out[index], s, decode_tap(s->geometry, index));
}

/// Address of input column `column` of `row` (may lie outside the row: only masked accesses use it).
static inline const float *column_address(const float *row, long column) {
    return (const float *)((uintptr_t)row + (uintptr_t)(column * (long)sizeof(float)));
}

/// dst[0 ..< out_w] = the tap's patch-matrix values for output row oh (plan->vectors > 0).
static inline void plan_gather_row(const tap_plan *plan, const dt_conv_source *s, const float *image, size_t oh,
                                   float *dst) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t out_w = s->out_w;
    long ih = (long)(oh * g->stride_h) + plan->row_offset;
    if (ih < 0 || ih >= (long)g->height) {
        for (int v = 0; v < plan->vectors; v++) {
            size_t left = out_w - (size_t)v * VLEN;
            if (left >= VLEN) VSTORE(dst + v * VLEN, VZERO());
            else VSTOREN(dst + v * VLEN, VZERO(), (int)left);
        }
        return;
    }
    const float *row = image + plan->plane_offset + (size_t)ih * g->width;
    const long stride = (long)g->stride_w;
    for (int v = 0; v < plan->vectors; v++) {
        const float *p = column_address(row, plan->col_offset + stride * VLEN * v);
        vec_t x;
#ifdef VEVENS
        if (stride == 2) x = VEVENS(VLOADM(p, plan->load[v][0]), VLOADM(p + VLEN, plan->load[v][1]));
        else
#endif
            x = VLOADM(p, plan->load[v][0]);
        size_t left = out_w - (size_t)v * VLEN;
        if (left >= VLEN) VSTORE(dst + v * VLEN, x);
        else VSTOREN(dst + v * VLEN, x, (int)left);
    }
}

#ifdef VEVENS
/// dst[0 ..< pairs·VLEN] = the tap's values for output rows oh ..< oh + 2·pairs (plan->paired: two rows
/// of VLEN/2 outputs per vector).
static inline void plan_gather_pairs(const tap_plan *plan, const dt_conv_source *s, const float *image, size_t oh,
                                     size_t pairs, float *dst) {
    const dt_conv2d_geometry *g = s->geometry;
    const unsigned long height = g->height;
    const long row_step = (long)(g->stride_h * g->width);
    const vmask_t mask = plan->load[0][0];
    long ih = (long)(oh * g->stride_h) + plan->row_offset;
    const float *row = column_address(image + plan->plane_offset, ih * (long)g->width + plan->col_offset);
    for (size_t pair = 0; pair < pairs; pair++, dst += VLEN) {
        vec_t first = (unsigned long)ih < height ? VLOADM(row, mask) : VZERO();
        ih += (long)g->stride_h;
        row = column_address(row, row_step);
        vec_t second = (unsigned long)ih < height ? VLOADM(row, mask) : VZERO();
        ih += (long)g->stride_h;
        row = column_address(row, row_step);
        VSTORE(dst, VEVENS(first, second));
    }
}
#endif

/// dst[0 ..< rows·out_w] = the tap's values for output rows oh ..< oh + rows (one vector per row).
static inline void plan_gather_short_rows(const tap_plan *plan, const dt_conv_source *s, const float *image,
                                          size_t oh, size_t rows, float *dst) {
    const dt_conv2d_geometry *g = s->geometry;
    const unsigned long height = g->height;
    const long row_step = (long)(g->stride_h * g->width);
    const size_t out_w = s->out_w;
    const vmask_t low = plan->load[0][0];
    long ih = (long)(oh * g->stride_h) + plan->row_offset;
    const float *row = column_address(image + plan->plane_offset, ih * (long)g->width + plan->col_offset);
#ifdef VEVENS
    if (g->stride_w == 2) {
        const vmask_t high = plan->load[0][1];
        for (size_t r = 0; r < rows; r++, dst += out_w, ih += (long)g->stride_h, row = column_address(row, row_step)) {
            vec_t x = (unsigned long)ih < height ? VEVENS(VLOADM(row, low), VLOADM(row + VLEN, high)) : VZERO();
            if (out_w == VLEN) VSTORE(dst, x);
            else VSTOREN(dst, x, (int)out_w);
        }
        return;
    }
#endif
    for (size_t r = 0; r < rows; r++, dst += out_w, ih += (long)g->stride_h, row = column_address(row, row_step)) {
        vec_t x = (unsigned long)ih < height ? VLOADM(row, low) : VZERO();
        if (out_w == VLEN) VSTORE(dst, x);
        else VSTOREN(dst, x, (int)out_w);
    }
}

/// dst[0 ..< count] = the tap's patch-matrix values over pixels [pixel, pixel + count) of `image`.
static inline void gather_patch_span(const tap_plan *plan, const dt_conv_source *s, const float *image, size_t pixel,
                                     size_t count, float *dst) {
    const dt_conv2d_geometry *g = s->geometry;
    const long stride = (long)g->stride_w, width = (long)g->width;
    size_t oh = pixel / s->out_w, ow = pixel % s->out_w;
    for (size_t done = 0; done < count; oh++, ow = 0) {
        size_t whole_rows = ow == 0 ? (count - done) / s->out_w : 0;
#ifdef VEVENS
        if (plan->paired && whole_rows >= 2) {
            size_t pairs = whole_rows / 2;
            plan_gather_pairs(plan, s, image, oh, pairs, dst + done);
            done += 2 * pairs * s->out_w;
            oh += 2 * pairs - 1;
            continue;
        }
#endif
        if (plan->vectors == 1 && whole_rows >= 1) {
            plan_gather_short_rows(plan, s, image, oh, whole_rows, dst + done);
            done += whole_rows * s->out_w;
            oh += whole_rows - 1;
            continue;
        }
        size_t run = gemm_min(s->out_w - ow, count - done);
        float *d = dst + done;
        done += run;
        if (run == s->out_w && plan->vectors) {
            plan_gather_row(plan, s, image, oh, d);
            continue;
        }
        long ih = (long)(oh * g->stride_h) + plan->row_offset;
        if (ih < 0 || ih >= (long)g->height) {
            for (size_t t = 0; t < run; t += VLEN) {
                if (t + VLEN <= run) VSTORE(d + t, VZERO());
                else VSTOREN(d + t, VZERO(), (int)(run - t));
            }
            continue;
        }
        const float *row = image + plan->plane_offset + (size_t)ih * g->width;
        long start = (long)ow * stride + plan->col_offset;
        for (size_t t = 0; t < run; t += VLEN) {
            vec_t x = gather_vector(row, start + stride * (long)t, stride, width);
            if (t + VLEN <= run) VSTORE(d + t, x);
            else VSTOREN(d + t, x, (int)(run - t));
        }
    }
}

static void pack_patches(const void *source, size_t j0, size_t count, size_t p0, size_t kc, float *dst, int width) {
    const dt_conv_source *s = source;
    const dt_conv2d_geometry *g = s->geometry;
    const float *image = s->input + s->first_image * g->in_channels * g->height * g->width;
    const tap_plan *plans = s->plans;
    for (size_t p = 0; p < kc; p++) {
        const tap_plan *plan = &plans[p0 + p];
        for (size_t q = 0; q * (size_t)width < count; q++) {
            size_t valid = gemm_min((size_t)width, count - q * (size_t)width);
            float *d = dst + q * (size_t)width * kc + p * (size_t)width;
            gather_patch_span(plan, s, image, j0 + q * (size_t)width, valid, d);
            for (size_t r = valid; r < (size_t)width; r++) d[r] = 0.0f;
        }
    }
}

/// Columns per gathered chunk in pack_patches_by_column.
#define DT_CONV_CHUNK 64

static void pack_patches_by_column(const void *source, size_t j0, size_t count, size_t p0, size_t kc, float *dst,
                                   int width) {
    const dt_conv_source *s = source;
    const dt_conv2d_geometry *g = s->geometry;
    const size_t image_size = g->in_channels * g->height * g->width;
    float rows[DT_GEMM_MAX_PANEL * DT_CONV_CHUNK] __attribute__((aligned(64)));
    const tap_plan *plans = s->plans;
    for (size_t q = 0; q * (size_t)width < count; q++) {
        size_t valid = gemm_min((size_t)width, count - q * (size_t)width);
        float *panel = dst + q * (size_t)width * kc;
        const tap_plan *panel_plans = plans + j0 + q * (size_t)width;
        for (size_t done = 0; done < kc;) {
            size_t column = p0 + done;
            size_t image = s->first_image + column / s->pixels, pixel = column % s->pixels;
            size_t chunk = gemm_min(gemm_min(DT_CONV_CHUNK, kc - done), s->pixels - pixel);
            for (size_t r = 0; r < valid; r++)
                gather_patch_span(&panel_plans[r], s, s->input + image * image_size, pixel, chunk, rows + r * DT_CONV_CHUNK);
            pack_runs_transposing(rows, DT_CONV_CHUNK, valid, chunk, panel + done * (size_t)width, width,
                                  (size_t)width * kc);
            done += chunk;
        }
    }
}

static void pack_grad_output_by_column(const void *source, size_t i0, size_t count, size_t p0, size_t kc, float *dst,
                                       int width) {
    const dt_conv_source *s = source;
    const size_t channels = s->geometry->out_channels;
    for (size_t done = 0; done < kc;) {
        size_t column = p0 + done;
        size_t image = s->first_image + column / s->pixels, pixel = column % s->pixels;
        size_t run = gemm_min(kc - done, s->pixels - pixel);
        const float *rows = s->grad_output + (image * channels + i0) * s->pixels + pixel;
        pack_runs_transposing(rows, s->pixels, count, run, dst + done * (size_t)width, width, (size_t)width * kc);
        done += run;
    }
}

// MARK: Weight gradient as dot products along the pixels

/// Register tile of weight_gradient_dot: patch rows × output channels, one lane-wise accumulator each.
#if VLEN >= 16
#define DT_CONV_DOT_TAPS 6
#define DT_CONV_DOT_CHANNELS 4
#else
#define DT_CONV_DOT_TAPS 3
#define DT_CONV_DOT_CHANNELS 3
#endif

/// lane_sums[t·oc + o] (VLEN floats each) += Σ over the first `length` columns (a multiple of VLEN) of
/// rows[t]·grads[o] (rows `run` floats apart), lane-wise, for the
/// tile of patch rows t0 ..< t0 + TP and output channels o0 ..< o0 + TO (indices past the matrix are
/// clamped to its last row and their sums dropped).
static inline __attribute__((always_inline)) void dot_tile(const int TP, const int TO, const float *rows,
                                                           const float *grads, size_t run, size_t length,
                                                           size_t patch, size_t oc, size_t t0, size_t o0,
                                                           float *lane_sums) {
    const float *a[DT_CONV_DOT_TAPS], *b[DT_CONV_DOT_CHANNELS];
#pragma clang loop unroll(full)
    for (int t = 0; t < TP; t++) a[t] = rows + gemm_min(t0 + (size_t)t, patch - 1) * run;
#pragma clang loop unroll(full)
    for (int o = 0; o < TO; o++) b[o] = grads + gemm_min(o0 + (size_t)o, oc - 1) * run;
    vec_t acc[DT_CONV_DOT_TAPS][DT_CONV_DOT_CHANNELS];
#pragma clang loop unroll(full)
    for (int t = 0; t < TP; t++)
#pragma clang loop unroll(full)
        for (int o = 0; o < TO; o++) acc[t][o] = VZERO();
    for (size_t k = 0; k < length; k += VLEN) {
        vec_t g[DT_CONV_DOT_CHANNELS];
#pragma clang loop unroll(full)
        for (int o = 0; o < TO; o++) g[o] = VLOAD(b[o] + k);
#pragma clang loop unroll(full)
        for (int t = 0; t < TP; t++) {
            vec_t x = VLOAD(a[t] + k);
#pragma clang loop unroll(full)
            for (int o = 0; o < TO; o++) acc[t][o] = VFMA(x, g[o], acc[t][o]);
        }
    }
#pragma clang loop unroll(full)
    for (int t = 0; t < TP; t++) {
        if (t0 + (size_t)t >= patch) break;
#pragma clang loop unroll(full)
        for (int o = 0; o < TO; o++) {
            if (o0 + (size_t)o >= oc) break;
            float *sum = lane_sums + ((t0 + (size_t)t) * oc + o0 + (size_t)o) * VLEN;
            VSTORE(sum, VADD(VLOAD(sum), acc[t][o]));
        }
    }
}

/// Floats of scratch weight_gradient_dot needs for runs of `run` columns.
static size_t weight_gradient_dot_floats(const dt_conv_source *s, size_t run) {
    return (s->patch + s->geometry->out_channels) * run + s->patch * s->geometry->out_channels * VLEN;
}

/// grad_weightᵀ partial[t·oc + o] = Σ over images first ..< last of patches[t] · grad_output[o], both
/// along the pixels: each group of images has its patch rows gathered (im2col rows, contiguous along
/// the pixels) and its grad_output rows copied, both zero-padded to `run` (a multiple of VLEN), and
/// a register tile of patch rows × channels accumulates lane-wise products; no transposition.
/// `group` images per run (run ≥ group · pixels); `scratch` holds weight_gradient_dot_floats.
static void weight_gradient_dot(const dt_conv_source *s, size_t first, size_t last, size_t group, size_t run,
                                float *scratch, float *partial) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t patch = s->patch, oc = g->out_channels, pixels = s->pixels;
    const size_t image_size = g->in_channels * g->height * g->width;
    float *rows = scratch, *grads = rows + patch * run, *lane_sums = grads + oc * run;
    const tap_plan *plans = s->plans;
    for (size_t i = 0; i < patch * oc * VLEN; i++) lane_sums[i] = 0.0f;
    for (size_t image0 = first; image0 < last; image0 += group) {
        size_t images = gemm_min(group, last - image0), used = images * pixels, span = round_up(used, VLEN);
        for (size_t t = 0; t < patch; t++) {
            float *row = rows + t * run;
            for (size_t i = 0; i < images; i++)
                gather_patch_span(&plans[t], s, s->input + (image0 + i) * image_size, 0, pixels, row + i * pixels);
            for (size_t k = used; k < span; k++) row[k] = 0.0f;
        }
        for (size_t o = 0; o < oc; o++) {
            float *row = grads + o * run;
            for (size_t i = 0; i < images; i++) {
                const float *src = s->grad_output + ((image0 + i) * oc + o) * pixels;
                float *dst = row + i * pixels;
                size_t k = 0;
                for (; k + VLEN <= pixels; k += VLEN) VSTORE(dst + k, VLOAD(src + k));
                if (k < pixels) VSTOREN(dst + k, VLOADN(src + k, (int)(pixels - k)), (int)(pixels - k));
            }
            for (size_t k = used; k < span; k++) row[k] = 0.0f;
        }
        for (size_t o0 = 0; o0 < oc; o0 += DT_CONV_DOT_CHANNELS)
            for (size_t t0 = 0; t0 < patch; t0 += DT_CONV_DOT_TAPS)
                dot_tile(DT_CONV_DOT_TAPS, DT_CONV_DOT_CHANNELS, rows, grads, run, span, patch, oc, t0, o0, lane_sums);
    }
    for (size_t i = 0; i < patch * oc; i++) {
        float total = 0.0f;
        for (int lane = 0; lane < VLEN; lane++) total += lane_sums[i * VLEN + (size_t)lane];
        partial[i] = total;
    }
}

/// row += the tap's contribution of one full output row `src` (plan->vectors > 0).
static inline void plan_scatter_row(const tap_plan *plan, const dt_conv_source *s, float *row, const float *src) {
    const long stride = (long)s->geometry->stride_w;
    for (int v = 0; v < plan->vectors; v++) {
        float *p = (float *)column_address(row, plan->col_offset + stride * VLEN * v);
        size_t left = s->out_w - (size_t)v * VLEN;
        vec_t x = left >= VLEN ? VLOAD(src + v * VLEN) : VLOADN(src + v * VLEN, (int)left);
#ifdef VSPREAD2
        if (stride == 2) {
            vec_t low, high; // odd lanes are 0
            VSPREAD2(x, low, high);
            VSTOREM(p, VADD(VLOADM(p, plan->load[v][0]), low), plan->store[v][0]);
            VSTOREM(p + VLEN, VADD(VLOADM(p + VLEN, plan->load[v][1]), high), plan->store[v][1]);
            continue;
        }
#endif
        VSTOREM(p, VADD(VLOADM(p, plan->load[v][0]), x), plan->store[v][0]);
    }
}

#ifdef VINTERLEAVE2
/// Whether scatter_columns_3s2 (rows of VLEN outputs) or its paired form (VLEN/2) takes this chunk:
/// 3-wide kernels at stride 2 and padding 1 along the width, without dilation, inputs exactly twice
/// as wide as the output, whole vectors of rows.
static inline int scatter_3s2_applies(const dt_conv_source *s, size_t pixel0, size_t count) {
    const dt_conv2d_geometry *g = s->geometry;
    return g->kernel_w == 3 && g->stride_w == 2 && g->pad_w == 1 && g->dilation_w == 1 &&
           (s->out_w == VLEN || 2 * s->out_w == VLEN) && g->width == 2 * s->out_w && pixel0 % VLEN == 0 &&
           count % VLEN == 0;
}

/// scatter_columns_3s2 for rows of VLEN/2 outputs: a vector holds output rows oh and oh + 1, and
/// the interleaved halves are input rows 2·oh + kh − 1 and 2·oh + kh + 1 (each one vector wide).
static void scatter_columns_3s2_paired(const dt_conv_source *s, float *grad_input_image, const float *columns,
                                       size_t pixel0, size_t count) {
    const dt_conv2d_geometry *g = s->geometry;
    const tap_plan *plans = s->plans;
    const size_t plane = g->height * g->width, pairs = count / VLEN, oh0 = pixel0 / s->out_w;
    const long half = VLEN / 2;
    const vmask_t second_half = VMASKW(-half, half - 1); // lanes VLEN/2 ..< VLEN − 1
    for (size_t kh = 0; kh < g->kernel_h; kh++) {
        const long row_offset = plans[kh * 3].row_offset;
        for (size_t pair = 0; pair < pairs; pair++) {
            long ih[2];
            for (int r = 0; r < 2; r++) ih[r] = (long)((oh0 + 2 * pair + (size_t)r) * g->stride_h) + row_offset;
            int live0 = ih[0] >= 0 && ih[0] < (long)g->height, live1 = ih[1] >= 0 && ih[1] < (long)g->height;
            if (!live0 && !live1) continue;
            for (size_t c = 0; c < g->in_channels; c++) {
                const float *src = columns + (c * g->kernel_h + kh) * 3 * count + pair * VLEN;
                float *plane_c = grad_input_image + c * plane;
                // kw 0 of output j + 1 within each half (the last output of a half has none)
                vec_t next = VADD(VLOADN(src + 1, (int)half - 1), VLOADM(src + 1, second_half));
                vec_t odd = VADD(VLOAD(src + 2 * count), next);
                vec_t lo, hi;
                VINTERLEAVE2(VLOAD(src + count), odd, lo, hi);
                if (live0) {
                    float *row = plane_c + (size_t)ih[0] * g->width;
                    VSTORE(row, VADD(VLOAD(row), lo));
                }
                if (live1) {
                    float *row = plane_c + (size_t)ih[1] * g->width;
                    VSTORE(row, VADD(VLOAD(row), hi));
                }
            }
        }
    }
}

/// scatter_columns for scatter_3s2_applies: the three kernel columns of a (channel, kernel row)
/// land on one input row as even columns ← kw 1 and odd columns 2j + 1 ← kw 2 of output j plus kw 0
/// of output j + 1, so they are summed in registers, interleaved and added with one unmasked
/// read-modify-write of the row (instead of three masked ones per column). Channels are innermost,
/// so consecutive read-modify-writes touch different planes (see scatter_columns).
static void scatter_columns_3s2(const dt_conv_source *s, float *grad_input_image, const float *columns,
                                size_t pixel0, size_t count) {
    const dt_conv2d_geometry *g = s->geometry;
    const tap_plan *plans = s->plans;
    const size_t plane = g->height * g->width, rows = count / VLEN, oh0 = pixel0 / VLEN;
    for (size_t kh = 0; kh < g->kernel_h; kh++) {
        const long row_offset = plans[kh * 3].row_offset;
        for (size_t r = 0; r < rows; r++) {
            long ih = (long)((oh0 + r) * g->stride_h) + row_offset;
            if (ih < 0 || ih >= (long)g->height) continue;
            for (size_t c = 0; c < g->in_channels; c++) {
                const float *src = columns + (c * g->kernel_h + kh) * 3 * count + r * VLEN;
                float *row = grad_input_image + c * plane + (size_t)ih * g->width;
                vec_t odd = VADD(VLOAD(src + 2 * count), VLOADN(src + 1, VLEN - 1));
                vec_t lo, hi;
                VINTERLEAVE2(VLOAD(src + count), odd, lo, hi);
                VSTORE(row, VADD(VLOAD(row), lo));
                VSTORE(row + VLEN, VADD(VLOAD(row + VLEN), hi));
            }
        }
    }
}
#endif

static void scatter_columns(const dt_conv_source *s, float *grad_input_image, const float *columns, size_t pixel0,
                            size_t count) {
#ifdef VINTERLEAVE2
    if (scatter_3s2_applies(s, pixel0, count)) {
        if (s->out_w == VLEN) scatter_columns_3s2(s, grad_input_image, columns, pixel0, count);
        else scatter_columns_3s2_paired(s, grad_input_image, columns, pixel0, count);
        return;
    }
#endif
    const dt_conv2d_geometry *g = s->geometry;
    const long stride = (long)g->stride_w, width = (long)g->width;
    const tap_plan *plans = s->plans;
    // Channel-innermost order: consecutive read-modify-writes touch different planes. (Kernel-column
    // order would make each masked load overlap the previous masked store, which cannot be
    // forwarded: the load would wait for the store to reach the cache.)
    const size_t taps = g->kernel_h * g->kernel_w;
    for (size_t order = 0; order < s->patch; order++) {
        size_t index = (order % g->in_channels) * taps + order / g->in_channels;
        const tap_plan *plan = &plans[index];
        float *plane = grad_input_image + plan->plane_offset;
        const float *src = columns + index * count;
        size_t oh = pixel0 / s->out_w, ow = pixel0 % s->out_w;
        for (size_t done = 0; done < count; oh++, ow = 0) {
#ifdef VSPREAD2
            if (plan->paired && ow == 0 && count - done >= 2 * s->out_w) {
                vec_t halves[2]; // row oh's values spread over halves[0], row oh + 1's over halves[1]
                VSPREAD2(VLOAD(src + done), halves[0], halves[1]);
                long ih = (long)(oh * g->stride_h) + plan->row_offset;
                for (int r = 0; r < 2; r++, ih += (long)g->stride_h) {
                    if (ih < 0 || ih >= (long)g->height) continue;
                    float *p = (float *)column_address(plane + (size_t)ih * g->width, plan->col_offset);
                    VSTOREM(p, VADD(VLOADM(p, plan->load[0][0]), halves[r]), plan->store[0][0]);
                }
                done += 2 * s->out_w;
                oh++;
                continue;
            }
#endif
            size_t run = gemm_min(s->out_w - ow, count - done);
            long ih = (long)(oh * g->stride_h) + plan->row_offset;
            if (ih >= 0 && ih < (long)g->height) {
                float *row = plane + (size_t)ih * g->width;
                if (run == s->out_w && plan->vectors) {
                    plan_scatter_row(plan, s, row, src + done);
                } else {
                    long start = (long)ow * stride + plan->col_offset;
                    for (size_t t = 0; t < run; t += VLEN) {
                        int n = (int)gemm_min(VLEN, run - t);
                        vec_t x = n == VLEN ? VLOAD(src + done + t) : VLOADN(src + done + t, n);
                        scatter_add_vector(row, start + stride * (long)t, stride, width, x, n);
                    }
                }
            }
            done += run;
        }
    }
}

// MARK: - Direct kernels for few output channels
//
// Loop order keeps the window masks (which depend only on the kernel column and the output
// column block) out of the inner loops, and the accumulators in registers: the block bodies are
// always inlined with a constant vector count NV and a constant stride S (0: any stride).

/// Output vectors computed together by the direct kernels.
#define DT_CONV_DIRECT_VECTORS 4
/// Input-gradient channels computed together by the direct input-gradient kernel.
#define DT_CONV_DIRECT_CHANNELS 8

/// Rows [first, last) of the output whose input row oh·stride + offset lies in [0, height).
static inline void valid_rows(long offset, long stride, long height, long rows, long *first, long *last) {
    long lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    long hi = offset >= height ? 0 : (height - 1 - offset) / stride + 1;
    if (hi > rows) hi = rows;
    *first = lo;
    *last = hi > lo ? hi : lo;
}

static inline __attribute__((always_inline)) vec_t gather_stride(const int S, const float *row, long start, long stride,
                                                                  long width) {
    if (S == 1) return VLOADW(row, start, width);
#ifdef VEVENS
    if (S == 2) return VEVENS(VLOADW(row, start, width), VLOADW(row, start + VLEN, width));
#endif
    return gather_vector(row, start, stride, width);
}

/// One output row block of `NV` vectors starting at column ow0 of row oh of output channel oc.
static inline __attribute__((always_inline)) void direct_forward_block(const int NV, const int S,
                                                                       const dt_conv_source *s, const float *weight,
                                                                       const float *input, size_t oc, size_t oh,
                                                                       size_t ow0, float *out_row) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ic_count = g->in_channels, plane = g->height * g->width, taps = g->kernel_h * g->kernel_w;
    const long stride = (long)g->stride_w, width = (long)g->width;
    vec_t acc[DT_CONV_DIRECT_VECTORS];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) acc[v] = VZERO();
    for (size_t kh = 0; kh < g->kernel_h; kh++) {
        long ih = (long)(oh * g->stride_h + kh * g->dilation_h) - (long)g->pad_h;
        if (ih < 0 || ih >= (long)g->height) continue;
        for (size_t kw = 0; kw < g->kernel_w; kw++) {
            long start = (long)(ow0 * g->stride_w + kw * g->dilation_w) - (long)g->pad_w;
            const float *row = input + (size_t)ih * g->width;
            const float *w = weight + oc * ic_count * taps + kh * g->kernel_w + kw;
            for (size_t c = 0; c < ic_count; c++, row += plane, w += taps) {
                vec_t wv = VSET1(*w);
#pragma clang loop unroll(full)
                for (int v = 0; v < NV; v++)
                    acc[v] = VFMA(wv, gather_stride(S, row, start + stride * VLEN * v, stride, width), acc[v]);
            }
        }
    }
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
        size_t left = s->out_w - ow0 - (size_t)v * VLEN;
        if (left >= VLEN) VSTORE(out_row + ow0 + (size_t)v * VLEN, acc[v]);
        else VSTOREN(out_row + ow0 + (size_t)v * VLEN, acc[v], (int)left);
    }
}

static inline __attribute__((always_inline)) void direct_forward_strided(const int S, const dt_conv_source *s,
                                                                         const float *weight, size_t image,
                                                                         float *output) {
    const dt_conv2d_geometry *g = s->geometry;
    const float *input = s->input + image * g->in_channels * g->height * g->width;
    float *out = output + image * g->out_channels * s->pixels;
    for (size_t oc = 0; oc < g->out_channels; oc++) {
        for (size_t oh = 0; oh < s->out_h; oh++) {
            float *out_row = out + (oc * s->out_h + oh) * s->out_w;
            size_t ow0 = 0;
            for (; ow0 + DT_CONV_DIRECT_VECTORS * VLEN <= s->out_w; ow0 += DT_CONV_DIRECT_VECTORS * VLEN)
                direct_forward_block(DT_CONV_DIRECT_VECTORS, S, s, weight, input, oc, oh, ow0, out_row);
            for (; ow0 + 2 * VLEN <= s->out_w; ow0 += 2 * VLEN)
                direct_forward_block(2, S, s, weight, input, oc, oh, ow0, out_row);
            for (; ow0 < s->out_w; ow0 += VLEN) direct_forward_block(1, S, s, weight, input, oc, oh, ow0, out_row);
        }
    }
}

/// Output rows × vectors per row accumulated together by the row-blocked forward kernel, and taps ×
/// vectors by the row-blocked weight-gradient kernel (enough independent FMA chains to hide the FMA
/// latency without spilling).
#define DT_CONV_DIRECT_ACCUMULATORS 8
/// Tallest kernel whose column of weights the row-reusing kernels hold in registers.
#define DT_CONV_DIRECT_MAX_KH 5

// MARK: Row-blocked kernels over a zero-padded copy of the image
//
// Stride 1 along the width, output rows of at most DT_CONV_DIRECT_VECTORS vectors. The image is
// copied into a zero-padded buffer (one per thread, see padded_floats), so the inner loops are plain
// unaligned loads and FMAs: no window masks, no row checks. Rows are `padded_width` floats, NV
// vectors plus the kernel's reach, and there are enough rows for whole blocks of R output rows.

static inline int direct_rows_vectors(const dt_conv_source *s) {
    size_t vectors = (s->out_w + VLEN - 1) / VLEN;
    return vectors <= 1 ? 1 : vectors == 2 ? 2 : DT_CONV_DIRECT_VECTORS;
}

typedef struct {
    size_t width, height, plane; // padded row length, rows, floats per channel
} padded_shape;

static inline padded_shape direct_padded_shape(const dt_conv_source *s) {
    const dt_conv2d_geometry *g = s->geometry;
    size_t nv = (size_t)direct_rows_vectors(s), rows_per_block = DT_CONV_DIRECT_ACCUMULATORS; // ≥ any block
    size_t out_rows = (s->out_h + rows_per_block - 1) / rows_per_block * rows_per_block;
    size_t reach = (out_rows - 1) * g->stride_h + (g->kernel_h - 1) * g->dilation_h + 1;
    padded_shape shape;
    shape.width = nv * VLEN + (g->kernel_w - 1) * g->dilation_w;
    shape.height = reach > g->pad_h + g->height ? reach : g->pad_h + g->height;
    shape.plane = shape.width * shape.height;
    return shape;
}

/// Floats of the padded copy the direct kernels use for this geometry, or 0 when they take the
/// masked path (then `padded` stays NULL).
static size_t padded_floats(const dt_conv_source *s) {
    const dt_conv2d_geometry *g = s->geometry;
    if (g->stride_w != 1 || s->out_w == 0 || s->out_w > DT_CONV_DIRECT_VECTORS * VLEN) return 0;
    // The rows must hold the input: out_w ≥ 1 with stride 1 gives width + 2·pad_w ≤ the padded width.
    return g->in_channels * direct_padded_shape(s).plane;
}

/// Copies image `image` into the interior of s->padded (its border is zero and stays so).
static inline void fill_padded(const dt_conv_source *s, const padded_shape *shape, size_t image) {
    const dt_conv2d_geometry *g = s->geometry;
    const float *input = s->input + image * g->in_channels * g->height * g->width;
    for (size_t c = 0; c < g->in_channels; c++) {
        float *dst = s->padded + c * shape->plane + g->pad_h * shape->width + g->pad_w;
        const float *src = input + c * g->height * g->width;
        for (size_t h = 0; h < g->height; h++, dst += shape->width, src += g->width) {
            size_t w = 0;
            for (; w + VLEN <= g->width; w += VLEN) VSTORE(dst + w, VLOAD(src + w));
            if (w < g->width) VSTOREN(dst + w, VLOADN(src + w, (int)(g->width - w)), (int)(g->width - w));
        }
    }
}

/// Stores the NV vectors `values` as one output row of `out_w` floats (vectors past the row, when NV
/// is rounded up, are dropped; a partial last vector is stored masked).
static inline __attribute__((always_inline)) void store_output_row(const int NV, float *out_row, const vec_t *values,
                                                                   size_t out_w) {
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) {
        long left = (long)out_w - (long)v * VLEN;
        if (left >= VLEN) VSTORE(out_row + (size_t)v * VLEN, values[v]);
        else if (left > 0) VSTOREN(out_row + (size_t)v * VLEN, values[v], (int)left);
    }
}

/// Output rows oh0 ..< oh0 + R of channel oc (rows past out_h are computed and dropped). Each weight
/// broadcast serves R·NV independent accumulators; channels are the outer loop, so the rows read
/// stay in L1.
static inline __attribute__((always_inline)) void direct_forward_rows(const int R, const int NV,
                                                                      const dt_conv_source *s,
                                                                      const padded_shape *shape,
                                                                      const float *weight, size_t oc, size_t oh0,
                                                                      float *out_plane) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ic_count = g->in_channels, taps = g->kernel_h * g->kernel_w;
    const size_t row_step = g->stride_h * shape->width;
    vec_t acc[DT_CONV_DIRECT_ACCUMULATORS][DT_CONV_DIRECT_VECTORS];
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) acc[r][v] = VZERO();
    for (size_t c = 0; c < ic_count; c++) {
        const float *w = weight + (oc * ic_count + c) * taps;
        const float *plane = s->padded + c * shape->plane + oh0 * row_step;
        for (size_t kh = 0; kh < g->kernel_h; kh++, w += g->kernel_w) {
            const float *row = plane + kh * g->dilation_h * shape->width;
            for (size_t kw = 0; kw < g->kernel_w; kw++) {
                vec_t wv = VSET1(w[kw]);
                const float *p = row + kw * g->dilation_w;
#pragma clang loop unroll(full)
                for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
                    for (int v = 0; v < NV; v++)
                        acc[r][v] = VFMA(wv, VLOAD(p + (size_t)r * row_step + (size_t)v * VLEN), acc[r][v]);
            }
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++) {
        if (oh0 + (size_t)r >= s->out_h) break;
        float *out_row = out_plane + (oh0 + (size_t)r) * s->out_w;
        store_output_row(NV, out_row, acc[r], s->out_w);
    }
}

/// direct_forward_rows for row stride and dilation 1 and a KH-row kernel: each input row vector
/// loaded serves up to KH accumulators (one per output row it reaches), with the KH weights of a
/// kernel column held in registers, so loads stay well below one per FMA.
static inline __attribute__((always_inline)) void direct_forward_rows_reuse(const int R, const int NV, const int KH,
                                                                            const dt_conv_source *s,
                                                                            const padded_shape *shape,
                                                                            const float *weight, size_t oc,
                                                                            size_t oh0, float *out_plane) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ic_count = g->in_channels, taps = (size_t)KH * g->kernel_w, width = shape->width;
    vec_t acc[DT_CONV_DIRECT_ACCUMULATORS][DT_CONV_DIRECT_VECTORS];
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) acc[r][v] = VZERO();
    for (size_t c = 0; c < ic_count; c++) {
        const float *w = weight + (oc * ic_count + c) * taps;
        const float *plane = s->padded + c * shape->plane + oh0 * width;
        for (size_t kw = 0; kw < g->kernel_w; kw++) {
            vec_t wv[DT_CONV_DIRECT_MAX_KH];
#pragma clang loop unroll(full)
            for (int kh = 0; kh < KH; kh++) wv[kh] = VSET1(w[(size_t)kh * g->kernel_w + kw]);
            const float *p = plane + kw * g->dilation_w;
#pragma clang loop unroll(full)
            for (int i = 0; i < R + KH - 1; i++) {
                vec_t x[DT_CONV_DIRECT_VECTORS];
#pragma clang loop unroll(full)
                for (int v = 0; v < NV; v++) x[v] = VLOAD(p + (size_t)i * width + (size_t)v * VLEN);
                // input row i reaches output row r through kernel row i − r
#pragma clang loop unroll(full)
                for (int r = 0; r < R; r++) {
                    if (i - r < 0 || i - r >= KH) continue;
#pragma clang loop unroll(full)
                    for (int v = 0; v < NV; v++) acc[r][v] = VFMA(wv[i - r], x[v], acc[r][v]);
                }
            }
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < R; r++) {
        if (oh0 + (size_t)r >= s->out_h) break;
        float *out_row = out_plane + (oh0 + (size_t)r) * s->out_w;
        store_output_row(NV, out_row, acc[r], s->out_w);
    }
}

static inline __attribute__((always_inline)) void direct_forward_padded(const int NV, const dt_conv_source *s,
                                                                        const float *weight, size_t image,
                                                                        float *output) {
    const dt_conv2d_geometry *g = s->geometry;
    const int R = DT_CONV_DIRECT_ACCUMULATORS / NV;
    padded_shape shape = direct_padded_shape(s);
    fill_padded(s, &shape, image);
    float *out = output + image * g->out_channels * s->pixels;
    const int unit_rows = g->stride_h == 1 && g->dilation_h == 1;
    for (size_t oc = 0; oc < g->out_channels; oc++)
        for (size_t oh = 0; oh < s->out_h; oh += (size_t)R) {
            float *plane = out + oc * s->pixels;
            if (unit_rows && g->kernel_h == 5) direct_forward_rows_reuse(R, NV, 5, s, &shape, weight, oc, oh, plane);
            else if (unit_rows && g->kernel_h == 3) direct_forward_rows_reuse(R, NV, 3, s, &shape, weight, oc, oh, plane);
            else direct_forward_rows(R, NV, s, &shape, weight, oc, oh, plane);
        }
}

static void direct_forward(const dt_conv_source *s, const float *weight, size_t image, float *output) {
    if (s->padded) {
        switch (direct_rows_vectors(s)) {
        case 1: direct_forward_padded(1, s, weight, image, output); return;
        case 2: direct_forward_padded(2, s, weight, image, output); return;
        default: direct_forward_padded(DT_CONV_DIRECT_VECTORS, s, weight, image, output); return;
        }
    }
    switch (s->geometry->stride_w) {
    case 1: direct_forward_strided(1, s, weight, image, output); break;
    case 2: direct_forward_strided(2, s, weight, image, output); break;
    default: direct_forward_strided(0, s, weight, image, output); break;
    }
}

// MARK: Channel-blocked kernel for 3×3 stride-2 layers
//
// As a GEMM, a 3×3 stride-2 layer with few input channels spends a third of its forward time
// gathering patches (the CNN-VAE's 16→32 layer, and the input gradient of its 32→16 transposed
// layer, which is the same convolution). Here each image is split once into the even and the odd
// columns of a zero-padded copy, so every tap of a stride-2 output row is one plain load, and each
// loaded vector serves DT_CONV_S2_CHANNELS output channels (FMAs per load well above one).

#if VLEN >= 16
/// Output channels accumulated together, and accumulators in all (channels × rows × vectors).
// Four channels by four rows: with six by four, the 24 accumulators, the row loads and the
// broadcast weights outnumbered the 32 registers and spilled; four divides 32 and 64 channels.
#define DT_CONV_S2_CHANNELS 4
#define DT_CONV_S2_ACCUMULATORS 16
#else
#define DT_CONV_S2_CHANNELS 3
#define DT_CONV_S2_ACCUMULATORS 12
#endif

/// Vectors per output row (the kernel takes rows of at most two vectors).
static inline int s2_vectors(const dt_conv_source *s) { return s->out_w <= VLEN ? 1 : 2; }

/// Output rows per block for rows of `nv` vectors: the kernel's blocks and the split copy's height
/// (whole blocks of rows) both follow it.
static inline __attribute__((always_inline)) int s2_rows_per_block(const int nv) {
    return DT_CONV_S2_ACCUMULATORS / (DT_CONV_S2_CHANNELS * nv);
}

/// Shape of one channel's half-planes: `width` floats per row (a row's vectors plus the one extra
/// column the third kernel column reaches), `rows` rows (enough for whole blocks of output rows).
static inline padded_shape s2_padded_shape(const dt_conv_source *s) {
    const dt_conv2d_geometry *g = s->geometry;
    int nv = s2_vectors(s);
    size_t rows_per_block = (size_t)s2_rows_per_block(nv);
    size_t out_rows = (s->out_h + rows_per_block - 1) / rows_per_block * rows_per_block;
    size_t reach = 2 * out_rows + 1; // rows 2·oh + kh for kh < 3
    padded_shape shape;
    shape.width = (size_t)nv * VLEN + 1;
    shape.height = reach > g->pad_h + g->height ? reach : g->pad_h + g->height;
    shape.plane = shape.width * shape.height;
    return shape;
}

/// Floats of the split copy s2_forward asks for: two half-planes per input channel.
static size_t s2_padded_floats(const dt_conv_source *s) { return s->geometry->in_channels * 2 * s2_padded_shape(s).plane; }

/// Copies image `image` into the half-planes of s->padded: padded column px = w + pad_w goes to the
/// even (px even) or odd half-plane at px / 2. Positions no input reaches stay zero.
static inline void s2_fill(const dt_conv_source *s, const padded_shape *shape, size_t image) {
    const dt_conv2d_geometry *g = s->geometry;
    const long width = (long)g->width;
    const float *input = s->input + image * g->in_channels * g->height * g->width;
    for (size_t c = 0; c < g->in_channels; c++) {
        float *halves = s->padded + c * 2 * shape->plane + g->pad_h * shape->width;
        const float *src = input + c * g->height * g->width;
        for (size_t h = 0; h < g->height; h++, src += g->width) {
            for (long w0 = 0; w0 < 2 && w0 < width; w0++) {
                size_t px = (size_t)w0 + g->pad_w;
                float *dst = halves + (px & 1) * shape->plane + h * shape->width + (px >> 1);
                long count = (width - w0 + 1) / 2; // src[w0], src[w0 + 2], …
                long j = 0;
#ifdef VEVENS
                // whole vectors with plain loads while both stay inside the row, then masked ones
                for (; j + VLEN <= count && w0 + 2 * j + 2 * VLEN <= width; j += VLEN)
                    VSTORE(dst + j, VEVENS(VLOAD(src + w0 + 2 * j), VLOAD(src + w0 + 2 * j + VLEN)));
                for (; j < count; j += VLEN) {
                    vec_t v = VEVENS(VLOADW(src, w0 + 2 * j, width), VLOADW(src, w0 + 2 * j + VLEN, width));
                    if (count - j >= VLEN) VSTORE(dst + j, v);
                    else VSTOREN(dst + j, v, (int)(count - j));
                }
#else
                for (; j < count; j++) dst[j] = src[w0 + 2 * j];
#endif
            }
        }
    }
}

/// Output rows oh0 ..< oh0 + R (rows past out_h are computed and dropped) of the CO channels
/// oc0 ..< oc0 + CO, NV vectors per row.
static inline __attribute__((always_inline)) void s2_block(const int CO, const int R, const int NV,
                                                           const dt_conv_source *s, const padded_shape *shape,
                                                           const float *weight, size_t oc0, size_t oh0, float *out) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ic_count = g->in_channels, weights_per_channel = ic_count * 9, width = shape->width;
    vec_t acc[DT_CONV_S2_CHANNELS][DT_CONV_S2_ACCUMULATORS / DT_CONV_S2_CHANNELS];
#pragma clang loop unroll(full)
    for (int o = 0; o < CO; o++)
#pragma clang loop unroll(full)
        for (int i = 0; i < R * NV; i++) acc[o][i] = VZERO();
    for (size_t c = 0; c < ic_count; c++) {
        const float *even = s->padded + c * 2 * shape->plane + 2 * oh0 * width, *odd = even + shape->plane;
        const float *w = weight + oc0 * weights_per_channel + c * 9;
#pragma clang loop unroll(full)
        for (int kh = 0; kh < 3; kh++) {
#pragma clang loop unroll(full)
            for (int kw = 0; kw < 3; kw++) {
                // padded column 2·ow + kw: even half at ow (kw 0), odd at ow (kw 1), even at ow + 1 (kw 2)
                const float *base = (kw == 1 ? odd : even) + (size_t)kh * width + (kw == 2 ? 1 : 0);
                vec_t x[DT_CONV_S2_ACCUMULATORS / DT_CONV_S2_CHANNELS];
#pragma clang loop unroll(full)
                for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
                    for (int v = 0; v < NV; v++) x[r * NV + v] = VLOAD(base + 2 * (size_t)r * width + (size_t)v * VLEN);
#pragma clang loop unroll(full)
                for (int o = 0; o < CO; o++) {
                    vec_t wv = VSET1(w[(size_t)o * weights_per_channel + (size_t)(kh * 3 + kw)]);
#pragma clang loop unroll(full)
                    for (int i = 0; i < R * NV; i++) acc[o][i] = VFMA(wv, x[i], acc[o][i]);
                }
            }
        }
    }
#pragma clang loop unroll(full)
    for (int o = 0; o < CO; o++) {
        float *plane = out + (oc0 + (size_t)o) * s->pixels;
#pragma clang loop unroll(full)
        for (int r = 0; r < R; r++) {
            if (oh0 + (size_t)r >= s->out_h) break;
            float *out_row = plane + (oh0 + (size_t)r) * s->out_w;
            store_output_row(NV, out_row, acc[o] + r * NV, s->out_w);
        }
    }
}

static inline __attribute__((always_inline)) void s2_image(const int NV, const dt_conv_source *s,
                                                           const padded_shape *shape, const float *weight,
                                                           float *out) {
    const int R = s2_rows_per_block(NV);
    const size_t oc_count = s->geometry->out_channels;
    // Row blocks outside, channel blocks inside: a row block's stripe of the image stays in L1.
    for (size_t oh0 = 0; oh0 < s->out_h; oh0 += (size_t)R) {
        size_t oc0 = 0;
        for (; oc0 + DT_CONV_S2_CHANNELS <= oc_count; oc0 += DT_CONV_S2_CHANNELS)
            s2_block(DT_CONV_S2_CHANNELS, R, NV, s, shape, weight, oc0, oh0, out);
        switch (oc_count - oc0) {
        case 0: break;
        case 1: s2_block(1, R, NV, s, shape, weight, oc0, oh0, out); break;
        case 2: s2_block(2, R, NV, s, shape, weight, oc0, oh0, out); break;
#if DT_CONV_S2_CHANNELS > 3
        case 3: s2_block(3, R, NV, s, shape, weight, oc0, oh0, out); break;
#endif
        default: break;
        }
    }
}

/// Forward of image `image` of a 3×3 stride-2 layer (dilation 1, rows of at most two vectors; see
/// s2_applies in conv.c) into `output` (the whole batch), through the split copy in s->padded.
static void s2_forward(const dt_conv_source *s, const float *weight, size_t image, float *output) {
    padded_shape shape = s2_padded_shape(s);
    s2_fill(s, &shape, image);
    float *out = output + image * s->geometry->out_channels * s->pixels;
    if (s2_vectors(s) == 1) s2_image(1, s, &shape, weight, out);
    else s2_image(2, s, &shape, weight, out);
}

// MARK: Parity-split input gradient for 3×3 stride-2 layers
//
// The input gradient of a 3×3 stride-2 layer with padding 1 and an input exactly twice its output
// (the CNN-VAE's 16→32 layer, and the forward pass of its 32→16 transposed layer) as a GEMM has a
// depth of only the output channels, writes a column matrix nine times the gradient and scatters
// it back. Split by the parity of its row and column, each input-gradient element comes from a
// fixed set of taps: with grad_output g and the input position (2i + a, 2j + b),
//   (0, 0) ← w[1][1]·g[i][j]
//   (0, 1) ← w[1][0]·g[i][j+1] + w[1][2]·g[i][j]
//   (1, 0) ← w[0][1]·g[i+1][j] + w[2][1]·g[i][j]
//   (1, 1) ← w[0][0]·g[i+1][j+1] + w[0][2]·g[i+1][j] + w[2][0]·g[i][j+1] + w[2][2]·g[i][j]
// (g is zero past its last row and column). So the kernel correlates grad_output rows directly,
// vectorised along j, keeps all four parities in registers and interleaves them into whole input
// rows: every element is written once, with no column matrix, no scatter and no zeroing.
#ifdef VINTERLEAVE2

#if VLEN >= 16
/// Input channels × output rows computed together (rows of one vector; half the rows for two).
#define DT_CONV_S2_INPUT_CHANNELS 2
#define DT_CONV_S2_INPUT_ROWS 2
#else
#define DT_CONV_S2_INPUT_CHANNELS 2
#define DT_CONV_S2_INPUT_ROWS 1
#endif

/// Input-gradient rows 2i, 2i + 1 for i in i0 ..< i0 + R of channels c0 ..< c0 + CB, grad_output rows
/// of NV vectors (out_w = NV·VLEN exactly).
static inline __attribute__((always_inline)) void s2_input_block(const int CB, const int R, const int NV,
                                                                 const dt_conv_source *s, const float *weight,
                                                                 const float *grad, size_t c0, size_t i0,
                                                                 float *grad_input) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ow = s->out_w, oh = s->out_h, in_plane = g->height * g->width, width = g->width;
    // acc[cb][(r · 4 + parity) · NV + v], parity = 2a + b
    vec_t acc[DT_CONV_S2_INPUT_CHANNELS][DT_CONV_S2_INPUT_ROWS * 4 * 2];
#pragma clang loop unroll(full)
    for (int cb = 0; cb < CB; cb++)
#pragma clang loop unroll(full)
        for (int i = 0; i < R * 4 * NV; i++) acc[cb][i] = VZERO();
    for (size_t o = 0; o < g->out_channels; o++) {
        const float *plane = grad + o * s->pixels;
        // gv[(rr · 2 + shift) · NV + v]: row i0 + rr at column j (shift 0) or j + 1 (shift 1)
        vec_t gv[(DT_CONV_S2_INPUT_ROWS + 1) * 2 * 2];
#pragma clang loop unroll(full)
        for (int rr = 0; rr <= R; rr++) {
            const int live = i0 + (size_t)rr < oh;
            const float *row = plane + (i0 + (size_t)rr) * ow;
#pragma clang loop unroll(full)
            for (int v = 0; v < NV; v++) {
                gv[(rr * 2) * NV + v] = live ? VLOAD(row + (size_t)v * VLEN) : VZERO();
                gv[(rr * 2 + 1) * NV + v] = !live ? VZERO()
                                            : v + 1 < NV ? VLOAD(row + (size_t)v * VLEN + 1)
                                                         : VLOADN(row + (size_t)v * VLEN + 1, VLEN - 1);
            }
        }
        const float *w = weight + (o * g->in_channels + c0) * 9;
#pragma clang loop unroll(full)
        for (int cb = 0; cb < CB; cb++) {
            const float *k = w + (size_t)cb * 9;
            const vec_t w00 = VSET1(k[0]), w01 = VSET1(k[1]), w02 = VSET1(k[2]), w10 = VSET1(k[3]), w11 = VSET1(k[4]),
                        w12 = VSET1(k[5]), w20 = VSET1(k[6]), w21 = VSET1(k[7]), w22 = VSET1(k[8]);
#pragma clang loop unroll(full)
            for (int r = 0; r < R; r++)
#pragma clang loop unroll(full)
                for (int v = 0; v < NV; v++) {
                    const vec_t g0 = gv[(r * 2) * NV + v], g1 = gv[(r * 2 + 1) * NV + v];
                    const vec_t n0 = gv[((r + 1) * 2) * NV + v], n1 = gv[((r + 1) * 2 + 1) * NV + v];
                    vec_t *a = acc[cb] + (size_t)(r * 4) * NV + v;
                    a[0] = VFMA(w11, g0, a[0]);
                    a[NV] = VFMA(w12, g0, VFMA(w10, g1, a[NV]));
                    a[2 * NV] = VFMA(w21, g0, VFMA(w01, n0, a[2 * NV]));
                    a[3 * NV] = VFMA(w22, g0, VFMA(w20, g1, VFMA(w02, n0, VFMA(w00, n1, a[3 * NV]))));
                }
        }
    }
#pragma clang loop unroll(full)
    for (int cb = 0; cb < CB; cb++) {
        float *out = grad_input + (c0 + (size_t)cb) * in_plane;
#pragma clang loop unroll(full)
        for (int r = 0; r < R; r++) {
            if (i0 + (size_t)r >= oh) break;
#pragma clang loop unroll(full)
            for (int a = 0; a < 2; a++) {
                float *row = out + (2 * (i0 + (size_t)r) + (size_t)a) * width;
#pragma clang loop unroll(full)
                for (int v = 0; v < NV; v++) {
                    vec_t lo, hi;
                    VINTERLEAVE2(acc[cb][(r * 4 + 2 * a) * NV + v], acc[cb][(r * 4 + 2 * a + 1) * NV + v], lo, hi);
                    VSTORE(row + 2 * (size_t)v * VLEN, lo);
                    VSTORE(row + 2 * (size_t)v * VLEN + VLEN, hi);
                }
            }
        }
    }
}

static inline __attribute__((always_inline)) void s2_input_image(const int NV, const dt_conv_source *s,
                                                                 const float *weight, const float *grad,
                                                                 float *grad_input) {
    const int R = NV == 1 ? DT_CONV_S2_INPUT_ROWS : (DT_CONV_S2_INPUT_ROWS + 1) / 2;
    const size_t channels = s->geometry->in_channels;
    for (size_t i0 = 0; i0 < s->out_h; i0 += (size_t)R) {
        size_t c0 = 0;
        for (; c0 + DT_CONV_S2_INPUT_CHANNELS <= channels; c0 += DT_CONV_S2_INPUT_CHANNELS)
            s2_input_block(DT_CONV_S2_INPUT_CHANNELS, R, NV, s, weight, grad, c0, i0, grad_input);
        for (; c0 < channels; c0++) s2_input_block(1, R, NV, s, weight, grad, c0, i0, grad_input);
    }
}

/// Input gradient of image `image` (overwritten) of a layer s2_input_applies (conv.c) takes.
static void s2_backward_input(const dt_conv_source *s, const float *weight, size_t image, float *grad_input) {
    const dt_conv2d_geometry *g = s->geometry;
    const float *grad = s->grad_output + image * g->out_channels * s->pixels;
    float *out = grad_input + image * g->in_channels * g->height * g->width;
    if (s->out_w == VLEN) s2_input_image(1, s, weight, grad, out);
    else s2_input_image(2, s, weight, grad, out);
}
#define DT_CONV_S2_BACKWARD_INPUT s2_backward_input
#else
#define DT_CONV_S2_BACKWARD_INPUT NULL
#endif

/// Stride 1 only: `NV` vectors of input-gradient row ih for the CB channels c0 ..< c0 + CB, gathered as a
/// correlation of grad_output with the flipped kernel (each grad_output window loaded once serves CB
/// channels, and nothing is read back and rewritten).
static inline __attribute__((always_inline)) void direct_backward_input_block(const int CB, const int NV,
                                                                              const dt_conv_source *s,
                                                                              const float *weight,
                                                                              const float *grad_out, size_t c0,
                                                                              size_t ih, size_t iw0, float *in_plane) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ic_count = g->in_channels, taps = g->kernel_h * g->kernel_w, out_plane = s->pixels;
    const long out_w = (long)s->out_w;
    vec_t acc[DT_CONV_DIRECT_CHANNELS][2];
#pragma clang loop unroll(full)
    for (int c = 0; c < CB; c++)
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) acc[c][v] = VZERO();
    for (size_t kh = 0; kh < g->kernel_h; kh++) {
        long oh = (long)(ih + g->pad_h) - (long)(kh * g->dilation_h);
        if (oh < 0 || oh >= (long)s->out_h) continue;
        for (size_t kw = 0; kw < g->kernel_w; kw++) {
            long start = (long)(iw0 + g->pad_w) - (long)(kw * g->dilation_w);
            const float *row = grad_out + (size_t)oh * s->out_w;
            const float *w = weight + c0 * taps + kh * g->kernel_w + kw;
            for (size_t oc = 0; oc < g->out_channels; oc++, row += out_plane, w += ic_count * taps) {
                vec_t x[2];
#pragma clang loop unroll(full)
                for (int v = 0; v < NV; v++) x[v] = VLOADW(row, start + VLEN * v, out_w);
#pragma clang loop unroll(full)
                for (int c = 0; c < CB; c++) {
                    vec_t wv = VSET1(w[(size_t)c * taps]);
#pragma clang loop unroll(full)
                    for (int v = 0; v < NV; v++) acc[c][v] = VFMA(wv, x[v], acc[c][v]);
                }
            }
        }
    }
#pragma clang loop unroll(full)
    for (int c = 0; c < CB; c++) {
        float *in_row = in_plane + (c0 + (size_t)c) * g->height * g->width + ih * g->width;
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) {
            size_t left = g->width - iw0 - (size_t)v * VLEN;
            if (left >= VLEN) VSTORE(in_row + iw0 + (size_t)v * VLEN, acc[c][v]);
            else VSTOREN(in_row + iw0 + (size_t)v * VLEN, acc[c][v], (int)left);
        }
    }
}

static inline __attribute__((always_inline)) void direct_backward_input_channels(const int CB,
                                                                                 const dt_conv_source *s,
                                                                                 const float *weight,
                                                                                 const float *grad_out, size_t c0,
                                                                                 float *grad_in) {
    const dt_conv2d_geometry *g = s->geometry;
    for (size_t ih = 0; ih < g->height; ih++) {
        size_t iw0 = 0;
        for (; iw0 + 2 * VLEN <= g->width; iw0 += 2 * VLEN)
            direct_backward_input_block(CB, 2, s, weight, grad_out, c0, ih, iw0, grad_in);
        for (; iw0 < g->width; iw0 += VLEN) direct_backward_input_block(CB, 1, s, weight, grad_out, c0, ih, iw0, grad_in);
    }
}

/// Any stride: scatter each grad_output vector, weighted, into the input gradient.
static void direct_backward_input_scatter(const dt_conv_source *s, const float *weight, size_t image,
                                          float *grad_input) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ic_count = g->in_channels, plane = g->height * g->width, taps = g->kernel_h * g->kernel_w;
    const long stride = (long)g->stride_w, width = (long)g->width;
    float *grad_in = grad_input + image * ic_count * plane;
    const float *grad_out = s->grad_output + image * g->out_channels * s->pixels;
    for (size_t i = 0; i < ic_count * plane; i++) grad_in[i] = 0.0f;
    for (size_t oc = 0; oc < g->out_channels; oc++) {
        for (size_t oh = 0; oh < s->out_h; oh++) {
            const float *grad_row = grad_out + (oc * s->out_h + oh) * s->out_w;
            for (size_t ow0 = 0; ow0 < s->out_w; ow0 += VLEN) {
                int n = (int)gemm_min(VLEN, s->out_w - ow0);
                vec_t grad = n == VLEN ? VLOAD(grad_row + ow0) : VLOADN(grad_row + ow0, n);
                for (size_t kh = 0; kh < g->kernel_h; kh++) {
                    long ih = (long)(oh * g->stride_h + kh * g->dilation_h) - (long)g->pad_h;
                    if (ih < 0 || ih >= (long)g->height) continue;
                    for (size_t kw = 0; kw < g->kernel_w; kw++) {
                        long start = (long)(ow0 * g->stride_w + kw * g->dilation_w) - (long)g->pad_w;
                        float *row = grad_in + (size_t)ih * g->width;
                        const float *w = weight + oc * ic_count * taps + kh * g->kernel_w + kw;
                        for (size_t c = 0; c < ic_count; c++, row += plane, w += taps)
                            scatter_add_vector(row, start, stride, width, VMUL(grad, VSET1(*w)), n);
                    }
                }
            }
        }
    }
}

static void direct_backward_input(const dt_conv_source *s, const float *weight, size_t image, float *grad_input) {
    const dt_conv2d_geometry *g = s->geometry;
    if (g->stride_h != 1 || g->stride_w != 1) {
        direct_backward_input_scatter(s, weight, image, grad_input);
        return;
    }
    float *grad_in = grad_input + image * g->in_channels * g->height * g->width;
    const float *grad_out = s->grad_output + image * g->out_channels * s->pixels;
    size_t c = 0;
    for (; c + DT_CONV_DIRECT_CHANNELS <= g->in_channels; c += DT_CONV_DIRECT_CHANNELS)
        direct_backward_input_channels(DT_CONV_DIRECT_CHANNELS, s, weight, grad_out, c, grad_in);
    for (; c + 4 <= g->in_channels; c += 4) direct_backward_input_channels(4, s, weight, grad_out, c, grad_in);
    for (; c < g->in_channels; c++) direct_backward_input_channels(1, s, weight, grad_out, c, grad_in);
}

/// Σ over the image of grad_output[oc] · (input[c] shifted by tap (kh, kw)), lane-wise, for NV
/// vectors per row (the output width is at most NV·VLEN).
static inline __attribute__((always_inline)) vec_t direct_weight_tap(const int NV, const int S,
                                                                     const dt_conv_source *s, const float *grad_plane,
                                                                     const float *input_plane, size_t kh, size_t kw) {
    const dt_conv2d_geometry *g = s->geometry;
    const long stride = (long)g->stride_w, width = (long)g->width;
    long first, last;
    valid_rows((long)(kh * g->dilation_h) - (long)g->pad_h, (long)g->stride_h, (long)g->height, (long)s->out_h,
               &first, &last);
    long start = (long)(kw * g->dilation_w) - (long)g->pad_w;
    vec_t acc[DT_CONV_DIRECT_VECTORS];
#pragma clang loop unroll(full)
    for (int v = 0; v < NV; v++) acc[v] = VZERO();
    for (long oh = first; oh < last; oh++) {
        const float *grad_row = grad_plane + (size_t)oh * s->out_w;
        const float *row = input_plane + (size_t)(oh * (long)g->stride_h + (long)(kh * g->dilation_h) -
                                                  (long)g->pad_h) * g->width;
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) {
            long left = (long)s->out_w - (long)v * VLEN; // vectors past the row contribute 0
            vec_t grad = left >= VLEN ? VLOAD(grad_row + v * VLEN)
                                      : (left > 0 ? VLOADN(grad_row + v * VLEN, (int)left) : VZERO());
            acc[v] = VFMA(grad, gather_stride(S, row, start + stride * VLEN * v, stride, width), acc[v]);
        }
    }
#pragma clang loop unroll(full)
    for (int v = 1; v < NV; v++) acc[0] = VADD(acc[0], acc[v]);
    return acc[0];
}

static inline __attribute__((always_inline)) void direct_backward_weight_rows(const int NV, const int S,
                                                                              const dt_conv_source *s, size_t image,
                                                                              float *sums) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ic_count = g->in_channels, plane = g->height * g->width, taps = g->kernel_h * g->kernel_w;
    const float *input = s->input + image * ic_count * plane;
    const float *grad_out = s->grad_output + image * g->out_channels * s->pixels;
    for (size_t oc = 0; oc < g->out_channels; oc++) {
        for (size_t c = 0; c < ic_count; c++) {
            float *sum = sums + (oc * ic_count + c) * taps * VLEN;
            for (size_t kh = 0; kh < g->kernel_h; kh++)
                for (size_t kw = 0; kw < g->kernel_w; kw++) {
                    float *lane_sum = sum + (kh * g->kernel_w + kw) * VLEN;
                    vec_t tap = direct_weight_tap(NV, S, s, grad_out + oc * s->pixels, input + c * plane, kh, kw);
                    VSTORE(lane_sum, VADD(VLOAD(lane_sum), tap));
                }
        }
    }
}

/// Per-pixel sums for outputs wider than DT_CONV_DIRECT_VECTORS vectors.
static void direct_backward_weight_wide(const dt_conv_source *s, size_t image, float *sums) {
    const dt_conv2d_geometry *g = s->geometry;
    const size_t ic_count = g->in_channels, plane = g->height * g->width, taps = g->kernel_h * g->kernel_w;
    const long stride = (long)g->stride_w, width = (long)g->width;
    const float *input = s->input + image * ic_count * plane;
    const float *grad_out = s->grad_output + image * g->out_channels * s->pixels;
    for (size_t oc = 0; oc < g->out_channels; oc++)
        for (size_t oh = 0; oh < s->out_h; oh++) {
            const float *grad_row = grad_out + (oc * s->out_h + oh) * s->out_w;
            for (size_t ow0 = 0; ow0 < s->out_w; ow0 += VLEN) {
                int n = (int)gemm_min(VLEN, s->out_w - ow0);
                vec_t grad = n == VLEN ? VLOAD(grad_row + ow0) : VLOADN(grad_row + ow0, n);
                for (size_t kh = 0; kh < g->kernel_h; kh++) {
                    long ih = (long)(oh * g->stride_h + kh * g->dilation_h) - (long)g->pad_h;
                    if (ih < 0 || ih >= (long)g->height) continue;
                    for (size_t kw = 0; kw < g->kernel_w; kw++) {
                        long start = (long)(ow0 * g->stride_w + kw * g->dilation_w) - (long)g->pad_w;
                        const float *row = input + (size_t)ih * g->width;
                        float *lane_sum = sums + (oc * ic_count * taps + kh * g->kernel_w + kw) * VLEN;
                        for (size_t c = 0; c < ic_count; c++, row += plane, lane_sum += taps * VLEN)
                            VSTORE(lane_sum, VFMA(grad, gather_vector(row, start, stride, width), VLOAD(lane_sum)));
                    }
                }
            }
        }
}

/// Output rows per block of the row-reusing weight-gradient kernel.
#define DT_CONV_WEIGHT_ROWS 4

/// Weight gradient over the padded image, row stride and dilation 1, a KH-row kernel: for each
/// (output channel, input channel, kernel column), the KH taps of the column are accumulated
/// lane-wise over the image, a block of DT_CONV_WEIGHT_ROWS grad_output rows at a time: each
/// grad_output vector serves KH taps and each input vector up to KH, so loads stay well below one
/// per FMA. Each tap still sums its rows in order, as direct_backward_weight_rows does.
static inline __attribute__((always_inline)) void direct_backward_weight_reuse(const int NV, const int KH,
                                                                               const dt_conv_source *s,
                                                                               size_t image, float *sums) {
    const dt_conv2d_geometry *g = s->geometry;
    const int B = DT_CONV_WEIGHT_ROWS;
    const size_t ic_count = g->in_channels, taps = (size_t)KH * g->kernel_w, out_w = s->out_w;
    padded_shape shape = direct_padded_shape(s);
    fill_padded(s, &shape, image);
    const size_t width = shape.width;
    const float *grad_out = s->grad_output + image * g->out_channels * s->pixels;
    for (size_t oc = 0; oc < g->out_channels; oc++) {
        const float *grad_plane = grad_out + oc * s->pixels;
        for (size_t c = 0; c < ic_count; c++) {
            const float *plane = s->padded + c * shape.plane;
            float *sum = sums + (oc * ic_count + c) * taps * VLEN;
            for (size_t kw = 0; kw < g->kernel_w; kw++) {
                vec_t acc[DT_CONV_DIRECT_MAX_KH][DT_CONV_DIRECT_VECTORS];
#pragma clang loop unroll(full)
                for (int kh = 0; kh < KH; kh++)
#pragma clang loop unroll(full)
                    for (int v = 0; v < NV; v++) acc[kh][v] = VZERO();
                for (size_t oh0 = 0; oh0 < s->out_h; oh0 += (size_t)B) {
                    vec_t grad[DT_CONV_WEIGHT_ROWS][DT_CONV_DIRECT_VECTORS];
#pragma clang loop unroll(full)
                    for (int b = 0; b < B; b++) {
                        const float *grad_row = grad_plane + (oh0 + (size_t)b) * out_w;
                        int live = oh0 + (size_t)b < s->out_h; // rows past the output add 0
#pragma clang loop unroll(full)
                        for (int v = 0; v < NV; v++) {
                            long left = live ? (long)out_w - (long)v * VLEN : 0;
                            grad[b][v] = left >= VLEN ? VLOAD(grad_row + v * VLEN)
                                                      : (left > 0 ? VLOADN(grad_row + v * VLEN, (int)left) : VZERO());
                        }
                    }
                    const float *p = plane + oh0 * width + kw * g->dilation_w;
#pragma clang loop unroll(full)
                    for (int i = 0; i < B + KH - 1; i++) {
                        vec_t x[DT_CONV_DIRECT_VECTORS];
#pragma clang loop unroll(full)
                        for (int v = 0; v < NV; v++) x[v] = VLOAD(p + (size_t)i * width + (size_t)v * VLEN);
                        // input row i meets grad_output row b through kernel row i − b
#pragma clang loop unroll(full)
                        for (int b = 0; b < B; b++) {
                            if (i - b < 0 || i - b >= KH) continue;
#pragma clang loop unroll(full)
                            for (int v = 0; v < NV; v++) acc[i - b][v] = VFMA(grad[b][v], x[v], acc[i - b][v]);
                        }
                    }
                }
#pragma clang loop unroll(full)
                for (int kh = 0; kh < KH; kh++) {
#pragma clang loop unroll(full)
                    for (int v = 1; v < NV; v++) acc[kh][0] = VADD(acc[kh][0], acc[kh][v]);
                    float *lane_sum = sum + ((size_t)kh * g->kernel_w + kw) * VLEN;
                    VSTORE(lane_sum, VADD(VLOAD(lane_sum), acc[kh][0]));
                }
            }
        }
    }
}

static void direct_backward_weight(const dt_conv_source *s, size_t image, float *sums) {
    const dt_conv2d_geometry *g = s->geometry;
    int nv = direct_rows_vectors(s); // wider rows would spill the accumulators
    if (s->padded && nv <= 2 && g->stride_h == 1 && g->dilation_h == 1 && (g->kernel_h == 5 || g->kernel_h == 3)) {
        if (g->kernel_h == 5) {
            if (nv == 1) direct_backward_weight_reuse(1, 5, s, image, sums);
            else direct_backward_weight_reuse(2, 5, s, image, sums);
        } else {
            if (nv == 1) direct_backward_weight_reuse(1, 3, s, image, sums);
            else direct_backward_weight_reuse(2, 3, s, image, sums);
        }
        return;
    }
    size_t vectors = (s->out_w + VLEN - 1) / VLEN;
    int stride1 = s->geometry->stride_w == 1;
    if (vectors == 1) {
        if (stride1) direct_backward_weight_rows(1, 1, s, image, sums);
        else direct_backward_weight_rows(1, 0, s, image, sums);
    } else if (vectors == 2) {
        if (stride1) direct_backward_weight_rows(2, 1, s, image, sums);
        else direct_backward_weight_rows(2, 0, s, image, sums);
    } else if (vectors <= DT_CONV_DIRECT_VECTORS) {
        if (stride1) direct_backward_weight_rows(DT_CONV_DIRECT_VECTORS, 1, s, image, sums);
        else direct_backward_weight_rows(DT_CONV_DIRECT_VECTORS, 0, s, image, sums);
    } else {
        direct_backward_weight_wide(s, image, sums);
    }
}

/// See dt_conv_isa_ops.sum_channels. Reassociation is allowed here only, so the vectoriser keeps
/// several vectors of partial sums (in double the grouping does not show in the float result).
static void sum_channels(const float *src, size_t first, size_t last, size_t channels, size_t plane, float *out) {
#pragma clang fp reassociate(on)
    for (size_t c = 0; c < channels; c++) {
        double total = 0;
        for (size_t image = first; image < last; image++) {
            const float *values = src + (image * channels + c) * plane;
            for (size_t i = 0; i < plane; i++) total += (double)values[i];
        }
        out[c] = (float)total;
    }
}

/// See dt_conv_isa_ops.finish_image. The ReLU keeps NaN and −0 as the elementwise one does.
static void finish_image(float *restrict values, size_t channels, size_t pixels, const dt_conv_epilogue *epilogue,
                         const float *restrict mask) {
    const float *bias = epilogue->bias;
    for (size_t c = 0; c < channels; c++) {
        float *restrict plane = values + c * pixels;
        if (bias && epilogue->relu) {
            const float b = bias[c];
            for (size_t i = 0; i < pixels; i++) {
                float v = plane[i] + b;
                plane[i] = v < 0.0f ? 0.0f : v;
            }
        } else if (bias) {
            const float b = bias[c];
            for (size_t i = 0; i < pixels; i++) plane[i] += b;
        } else if (epilogue->relu) {
            for (size_t i = 0; i < pixels; i++) plane[i] = plane[i] < 0.0f ? 0.0f : plane[i];
        }
    }
    if (mask)
        for (size_t i = 0; i < channels * pixels; i++) values[i] = mask[i] != 0.0f ? values[i] : 0.0f;
}

#define DT_CONV_DEFINE_OPS(name)                                                                                \
    const dt_conv_isa_ops name = {                                                                             \
        .pack_patches = pack_patches,                                                                          \
        .pack_patches_by_column = pack_patches_by_column,                                                      \
        .pack_grad_output_by_column = pack_grad_output_by_column,                                              \
        .scatter_columns = scatter_columns,                                                                    \
        .direct_forward = direct_forward,                                                                      \
        .direct_backward_input = direct_backward_input,                                                        \
        .direct_backward_weight = direct_backward_weight,                                                      \
        .lanes = VLEN,                                                                                         \
        .plan_bytes = sizeof(tap_plan),                                                                        \
        .plan_taps = plan_taps,                                                                                \
        .padded_floats = padded_floats,                                                                        \
        .weight_gradient_dot = weight_gradient_dot,                                                            \
        .weight_gradient_dot_floats = weight_gradient_dot_floats,                                              \
        .s2_forward = s2_forward,                                                                              \
        .s2_padded_floats = s2_padded_floats,                                                                  \
        .s2_backward_input = DT_CONV_S2_BACKWARD_INPUT,                                                        \
        .finish_image = finish_image,                                                                          \
        .sum_channels = sum_channels,                                                                          \
    };
