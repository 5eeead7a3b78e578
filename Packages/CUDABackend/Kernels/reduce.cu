// Reductions of a contiguous [outer, extent, inner] block over its middle axis, with the CPU
// backend's semantics: sums accumulate in double; max/min propagate NaN; argmax/argmin give the
// first index of the extreme value (the first NaN when there is one).
#include "dt_geometry.cuh"

/// Whether candidate (a, ia) replaces the current (b, ib) in a max/min-style reduction.
DT_DEVICE bool dt_reduce_wins(bool isMax, float a, u32 ia, float b, u32 ib) {
    bool an = dt_isnan(a), bn = dt_isnan(b);
    if (an || bn) return an && (!bn || ia < ib);
    if (a == b) return ia < ib;
    return isMax ? a > b : a < b;
}

DT_DEVICE bool dt_reduce_is_max(u32 op) { return op == DT_REDUCE_MAX || op == DT_REDUCE_ARGMAX; }

DT_DEVICE float dt_reduce_result(u32 op, float value, u32 index) {
    return (op == DT_REDUCE_ARGMAX || op == DT_REDUCE_ARGMIN) ? (float)index : value;
}

/// inner == 1: one block of DT_LIMIT_BLOCK_SIZE threads per row (grid-stride over rows); each
/// thread reduces a strided part of the row, then a tree in shared memory combines the threads.
DT_KERNEL void dt_reduce_rows(const float* x, float* out, u32 outer, u32 extent, u32 op) {
    DT_SHARED double sums[DT_LIMIT_BLOCK_SIZE];
    DT_SHARED float values[DT_LIMIT_BLOCK_SIZE];
    DT_SHARED u32 indices[DT_LIMIT_BLOCK_SIZE];
    const u32 t = dt_thread_x(), threads = dt_block_dim_x();
    const bool isSum = op == DT_REDUCE_SUM, isMax = dt_reduce_is_max(op);
    for (u64 row = dt_block_x(); row < outer; row += dt_grid_dim_x()) {  // 64-bit: no wrap near 2^32
        const float* r = x + (u64)row * extent;
        if (isSum) {
            double s = 0.0;
            for (u32 e = t; e < extent; e += threads) s += (double)r[e];
            sums[t] = s;
        } else {
            float v = isMax ? -DT_INFINITY : DT_INFINITY;
            u32 idx = 0xffffffffu;
            for (u32 e = t; e < extent; e += threads)
                if (dt_reduce_wins(isMax, r[e], e, v, idx)) { v = r[e]; idx = e; }
            values[t] = v;
            indices[t] = idx;
        }
        dt_sync_threads();
        for (u32 half = DT_LIMIT_BLOCK_SIZE / 2; half > 0; half >>= 1) {
            if (t < half && t + half < threads) {
                if (isSum) sums[t] += sums[t + half];
                else if (dt_reduce_wins(isMax, values[t + half], indices[t + half], values[t], indices[t])) {
                    values[t] = values[t + half];
                    indices[t] = indices[t + half];
                }
            }
            dt_sync_threads();
        }
        if (t == 0) out[row] = isSum ? (float)sums[0] : dt_reduce_result(op, values[0], indices[0]);
        dt_sync_threads();
    }
}

/// inner > 1: one thread per output element (o, j), reading x[o, :, j] (coalesced across j).
/// The output index is 64-bit: outer × inner may exceed 2^32, and a 32-bit grid-stride loop
/// would wrap around and never end.
DT_KERNEL void dt_reduce_columns(const float* x, float* out, u32 outer, u32 extent, u32 inner, u32 op) {
    const bool isSum = op == DT_REDUCE_SUM, isMax = dt_reduce_is_max(op);
    const u64 total = (u64)outer * inner;
    for (u64 i = dt_global_index(); i < total; i += dt_global_stride()) {
        u64 o = i / inner, j = i - o * inner;
        const float* column = x + o * extent * inner + j;
        if (isSum) {
            double s = 0.0;
            for (u32 e = 0; e < extent; ++e) s += (double)column[(u64)e * inner];
            out[i] = (float)s;
        } else {
            float v = column[0];
            u32 idx = 0;
            for (u32 e = 1; e < extent; ++e) {
                float candidate = column[(u64)e * inner];
                if (dt_reduce_wins(isMax, candidate, e, v, idx)) { v = candidate; idx = e; }
            }
            out[i] = dt_reduce_result(op, v, idx);
        }
    }
}
