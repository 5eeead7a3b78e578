// Private: the reduction kernels of reduce.c, written once and instantiated per instruction set
// (see elementwise_template.h for the scheme; the includer also defines DT_CHUNK). Independent lanes (arrays indexed by a constant-trip
// inner loop) let the vectoriser keep several partial results without reassociating a chain.

#include "sum_tree.h"
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

/// Sums of `width` columns (stride `inner` between rows) over `extent` rows, as the balanced tree
/// of sum_tree.h: each leaf of at most DT_SUM_TREE_LEAF rows summed in double and rounded, then
/// the leaves added pairwise in float. A sum over a batch of more than 32 rows is so the sum of the
/// sums over its two halves, bit for bit (a bias gradient in data-parallel training), and nearly the
/// correctly rounded one: a few roundings of log2(extent / 32) additions.
static void DT_FN(sum_columns_tree)(const float *restrict first, ptrdiff_t extent, ptrdiff_t inner, ptrdiff_t width,
                                    float *restrict dst) {
    const int levels = dt_sum_tree_levels((size_t)extent, DT_SUM_TREE_LEAF);
    const size_t leaves = (size_t)1 << levels;
    float done[levels > 0 ? levels : 1][DT_CHUNK]; // finished left subtrees, one per level
    float current[DT_CHUNK];
    double acc[DT_CHUNK];
    int top = 0;
    for (size_t leaf = 0; leaf < leaves; leaf++) {
        const ptrdiff_t e0 = (ptrdiff_t)dt_sum_tree_bound((size_t)extent, levels, leaf);
        const ptrdiff_t e1 = (ptrdiff_t)dt_sum_tree_bound((size_t)extent, levels, leaf + 1);
        for (ptrdiff_t j = 0; j < width; j++) acc[j] = (double)first[e0 * inner + j];
        for (ptrdiff_t e = e0 + 1; e < e1; e++) {
            const float *restrict row = first + e * inner;
            for (ptrdiff_t j = 0; j < width; j++) acc[j] += (double)row[j];
        }
        for (ptrdiff_t j = 0; j < width; j++) current[j] = (float)acc[j];
        // Leaf `leaf` closes one subtree per trailing 1 bit of its index: add each to its left sibling.
        for (size_t carry = leaf; carry & 1; carry >>= 1) {
            top--;
            for (ptrdiff_t j = 0; j < width; j++) current[j] = done[top][j] + current[j];
        }
        if (leaf + 1 < leaves) {
            for (ptrdiff_t j = 0; j < width; j++) done[top][j] = current[j];
            top++;
        }
    }
    for (ptrdiff_t j = 0; j < width; j++) dst[j] = current[j];
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
        case DT_REDUCE_SUM: DT_FN(sum_columns_tree)(first, extent, inner, width, dst); break;
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
