// Private: the reduction kernels of reduce.c, written once and instantiated per instruction set
// (see elementwise_template.h for the scheme; the includer also defines DT_CHUNK). Independent lanes (arrays indexed by a constant-trip
// inner loop) let the vectoriser keep several partial results without reassociating a chain.

#include <stddef.h>

/// Number of independent partial results of a contiguous reduction.
#define DT_LANES 16

/// NaN-propagating maximum / minimum of a running value `m` and a new value `v`.
#define DT_MAX_STEP(m, v) (((v) > (m) || (v) != (v)) ? (v) : (m))
#define DT_MIN_STEP(m, v) (((v) < (m) || (v) != (v)) ? (v) : (m))

/// Sum of x[0 ..< n] accumulated in double. Reassociation is allowed here only, so the vectoriser
/// keeps several vectors of partial sums; in double precision the grouping does not show in the
/// float result for any practical n.
static float DT_FN(sum_row)(const float *restrict x, ptrdiff_t n) {
#pragma clang fp reassociate(on)
    double total = 0;
    for (ptrdiff_t i = 0; i < n; i++) total += (double)x[i];
    return (float)total;
}

/// Maximum (is_max) or minimum of x[0 ..< n], n ≥ 1, NaN if any element is NaN.
static float DT_FN(extreme_row)(const float *restrict x, ptrdiff_t n, int is_max) {
    float lane[DT_LANES];
    for (int j = 0; j < DT_LANES; j++) lane[j] = x[0];
    ptrdiff_t i = 0;
    if (is_max) {
        for (; i + DT_LANES <= n; i += DT_LANES) {
            for (int j = 0; j < DT_LANES; j++) lane[j] = DT_MAX_STEP(lane[j], x[i + j]);
        }
        for (; i < n; i++) lane[0] = DT_MAX_STEP(lane[0], x[i]);
        for (int j = 1; j < DT_LANES; j++) lane[0] = DT_MAX_STEP(lane[0], lane[j]);
    } else {
        for (; i + DT_LANES <= n; i += DT_LANES) {
            for (int j = 0; j < DT_LANES; j++) lane[j] = DT_MIN_STEP(lane[j], x[i + j]);
        }
        for (; i < n; i++) lane[0] = DT_MIN_STEP(lane[0], x[i]);
        for (int j = 1; j < DT_LANES; j++) lane[0] = DT_MIN_STEP(lane[0], lane[j]);
    }
    return lane[0];
}

/// Index of the first maximum (is_max) or minimum of x[0 ..< n]; the first NaN when there is one.
static ptrdiff_t DT_FN(arg_extreme_row)(const float *restrict x, ptrdiff_t n, int is_max) {
    const float target = DT_FN(extreme_row)(x, n, is_max);
    if (target != target) {
        for (ptrdiff_t i = 0; i < n; i++) if (x[i] != x[i]) return i;
    }
    for (ptrdiff_t i = 0; i < n; i++) if (x[i] == target) return i;
    return 0;
}

/// Rows [begin, end) of an inner == 1 reduction: out[o] = reduce(x[o · extent ..< (o + 1) · extent]).
static void DT_FN(reduce_rows)(dt_reduce_op op, const float *restrict x, ptrdiff_t extent,
                               ptrdiff_t begin, ptrdiff_t end, float *restrict out) {
    for (ptrdiff_t o = begin; o < end; o++) {
        const float *row = x + o * extent;
        switch (op) {
        case DT_REDUCE_SUM: out[o] = DT_FN(sum_row)(row, extent); break;
        case DT_REDUCE_MAX: out[o] = DT_FN(extreme_row)(row, extent, 1); break;
        case DT_REDUCE_MIN: out[o] = DT_FN(extreme_row)(row, extent, 0); break;
        case DT_REDUCE_ARGMAX: out[o] = (float)DT_FN(arg_extreme_row)(row, extent, 1); break;
        case DT_REDUCE_ARGMIN: out[o] = (float)DT_FN(arg_extreme_row)(row, extent, 0); break;
        }
    }
}

/// Tasks [begin, end) of an inner > 1 reduction. Task t covers block o = t / chunks and columns
/// [c · DT_CHUNK, min((c + 1) · DT_CHUNK, inner)) with c = t % chunks; the extent is walked row by
/// row, keeping one partial result per column.
static void DT_FN(reduce_columns)(dt_reduce_op op, const float *restrict x, ptrdiff_t extent, ptrdiff_t inner,
                                  ptrdiff_t begin, ptrdiff_t end, float *restrict out) {
    const ptrdiff_t chunks = (inner + DT_CHUNK - 1) / DT_CHUNK;
    for (ptrdiff_t t = begin; t < end; t++) {
        const ptrdiff_t o = t / chunks, j0 = (t % chunks) * DT_CHUNK;
        const ptrdiff_t width = inner - j0 < DT_CHUNK ? inner - j0 : DT_CHUNK;
        const float *first = x + o * extent * inner + j0;
        float *restrict dst = out + o * inner + j0;
        switch (op) {
        case DT_REDUCE_SUM: {
            double acc[DT_CHUNK];
            for (ptrdiff_t j = 0; j < width; j++) acc[j] = (double)first[j];
            for (ptrdiff_t e = 1; e < extent; e++) {
                const float *restrict row = first + e * inner;
                for (ptrdiff_t j = 0; j < width; j++) acc[j] += (double)row[j];
            }
            for (ptrdiff_t j = 0; j < width; j++) dst[j] = (float)acc[j];
            break;
        }
        case DT_REDUCE_MAX:
        case DT_REDUCE_MIN: {
            for (ptrdiff_t j = 0; j < width; j++) dst[j] = first[j];
            for (ptrdiff_t e = 1; e < extent; e++) {
                const float *restrict row = first + e * inner;
                if (op == DT_REDUCE_MAX) {
                    for (ptrdiff_t j = 0; j < width; j++) dst[j] = DT_MAX_STEP(dst[j], row[j]);
                } else {
                    for (ptrdiff_t j = 0; j < width; j++) dst[j] = DT_MIN_STEP(dst[j], row[j]);
                }
            }
            break;
        }
        case DT_REDUCE_ARGMAX:
        case DT_REDUCE_ARGMIN: {
            float best[DT_CHUNK];
            for (ptrdiff_t j = 0; j < width; j++) { best[j] = first[j]; dst[j] = 0.0f; }
            const int is_max = op == DT_REDUCE_ARGMAX;
            for (ptrdiff_t e = 1; e < extent; e++) {
                const float *restrict row = first + e * inner;
                const float index = (float)e;
                for (ptrdiff_t j = 0; j < width; j++) {
                    const float v = row[j], b = best[j];
                    const int better = (is_max ? v > b : v < b) || (v != v && b == b);
                    best[j] = better ? v : b;
                    dst[j] = better ? index : dst[j];
                }
            }
            break;
        }
        }
    }
}

#undef DT_MAX_STEP
#undef DT_MIN_STEP
#undef DT_LANES
