// Index arithmetic of strided operands, shared by the elementwise kernels.
#pragma once
#include "dt_prelude.cuh"
#include "dt_ops.h"

/// Shape and per-operand strides of one elementwise launch, passed by value (328 bytes).
///
/// Operand 0 is the output, operands 1... the inputs. Element `i` (row-major over `shape`) of
/// operand `k` lives at `offsets[k] + sum_d index_d * strides[k][d]`. The host merges adjacent
/// dimensions and drops size-1 ones first, so `rank` is usually 1 or 2. `count < 2^32`.
struct DTGeometry {
    i64 strides[DT_LIMIT_MAX_OPERANDS][DT_LIMIT_MAX_RANK];
    i64 offsets[DT_LIMIT_MAX_OPERANDS];
    u32 shape[DT_LIMIT_MAX_RANK];
    u32 rank;
    u32 count;
};

/// Element offsets of linear index `i` in the first `N` operands.
template <int N>
DT_DEVICE void dt_operand_offsets(const DTGeometry& g, u32 i, i64 (&out)[N]) {
#pragma unroll
    for (int k = 0; k < N; ++k) out[k] = g.offsets[k];
    if (g.rank == 1) {
#pragma unroll
        for (int k = 0; k < N; ++k) out[k] += (i64)i * g.strides[k][0];
        return;
    }
#pragma unroll
    for (int d = DT_LIMIT_MAX_RANK - 1; d >= 0; --d) {
        if ((u32)d < g.rank) {
            u32 extent = g.shape[d];
            u32 q = i / extent;
            u32 r = i - q * extent;
            i = q;
#pragma unroll
            for (int k = 0; k < N; ++k) out[k] += (i64)r * g.strides[k][d];
        }
    }
}

/// First linear index of this thread and the grid-wide step (grid-stride loops).
DT_DEVICE u32 dt_global_index() { return dt_block_x() * dt_block_dim_x() + dt_thread_x(); }
DT_DEVICE u32 dt_global_stride() { return dt_grid_dim_x() * dt_block_dim_x(); }
