// Private to the elementwise and copy kernels: simplification of strided layouts and the walk
// over their rows. Not part of the public headers.
#ifndef DT_ELEMENTWISE_LAYOUT_H
#define DT_ELEMENTWISE_LAYOUT_H
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include "dt_runtime.h"

/// Upper bound on the rank after size-1 dimensions are dropped: every kept dimension has at least
/// two elements, so 62 of them would already exceed any addressable tensor.
#define DT_MAX_DIMS 62
/// Operands of one kernel: the output and up to three inputs.
#define DT_MAX_OPERANDS 4

/// A layout shared by several operands, after dropping size-1 dimensions and merging dimensions
/// that are adjacent in memory for every operand. `rank` is at least 1; the last dimension is the
/// row that kernels process in one call.
typedef struct {
    int rank;
    int operands;
    ptrdiff_t shape[DT_MAX_DIMS];
    ptrdiff_t strides[DT_MAX_OPERANDS][DT_MAX_DIMS];
} dt_dims;

/// Fills `dims` from a shape and one stride array per operand. Returns 0 when the shape holds no
/// element (nothing to do), 1 otherwise.
static inline int dt_dims_make(dt_dims *dims, int rank, const ptrdiff_t *shape,
                               int operands, const ptrdiff_t *const *strides) {
    int n = 0;
    dims->operands = operands;
    for (int d = 0; d < rank; d++) {
        if (shape[d] == 0) return 0;
        if (shape[d] == 1) continue;
        int mergeable = n > 0;
        for (int op = 0; op < operands && mergeable; op++) {
            mergeable = dims->strides[op][n - 1] == strides[op][d] * shape[d];
        }
        if (mergeable) {
            dims->shape[n - 1] *= shape[d];
            for (int op = 0; op < operands; op++) dims->strides[op][n - 1] = strides[op][d];
        } else {
            if (n == DT_MAX_DIMS) {  // unreachable: 2^62 elements
                fprintf(stderr, "DeepTrust: layout with more than %d dimensions of size > 1\n", DT_MAX_DIMS);
                abort();
            }
            dims->shape[n] = shape[d];
            for (int op = 0; op < operands; op++) dims->strides[op][n] = strides[op][d];
            n++;
        }
    }
    if (n == 0) {  // a single element
        dims->shape[0] = 1;
        for (int op = 0; op < operands; op++) dims->strides[op][0] = 0;
        n = 1;
    }
    dims->rank = n;
    return 1;
}

/// Row-major strides of `shape` (the layout of a contiguous output).
static inline void dt_contiguous_strides(int rank, const ptrdiff_t *shape, ptrdiff_t *strides) {
    ptrdiff_t running = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = running;
        running *= shape[d] > 1 ? shape[d] : 1;
    }
}

/// Number of rows (the product of all but the last dimension).
static inline ptrdiff_t dt_dims_rows(const dt_dims *dims) {
    ptrdiff_t rows = 1;
    for (int d = 0; d < dims->rank - 1; d++) rows *= dims->shape[d];
    return rows;
}

/// Walks rows `first ..< first + count` of `dims`: a position (index per outer dimension and the
/// element offset per operand) that advances one row at a time.
typedef struct {
    ptrdiff_t index[DT_MAX_DIMS];
    ptrdiff_t offset[DT_MAX_OPERANDS];
} dt_row_cursor;

static inline void dt_cursor_start(dt_row_cursor *cursor, const dt_dims *dims, ptrdiff_t row) {
    for (int op = 0; op < dims->operands; op++) cursor->offset[op] = 0;
    for (int d = dims->rank - 2; d >= 0; d--) {
        ptrdiff_t i = row % dims->shape[d];
        row /= dims->shape[d];
        cursor->index[d] = i;
        for (int op = 0; op < dims->operands; op++) cursor->offset[op] += i * dims->strides[op][d];
    }
}

static inline void dt_cursor_next(dt_row_cursor *cursor, const dt_dims *dims) {
    for (int d = dims->rank - 2; d >= 0; d--) {
        cursor->index[d]++;
        for (int op = 0; op < dims->operands; op++) cursor->offset[op] += dims->strides[op][d];
        if (cursor->index[d] < dims->shape[d]) return;
        cursor->index[d] = 0;
        for (int op = 0; op < dims->operands; op++) cursor->offset[op] -= dims->strides[op][d] * dims->shape[d];
    }
}

/// Instruction-set paths compiled for this architecture; a request for another one runs the best
/// compiled path below it.
static inline dt_isa dt_compiled_isa(dt_isa isa) {
#if defined(__x86_64__) || defined(__i386__)
    if (isa == DT_ISA_AVX512F || isa == DT_ISA_AVX2_FMA) return isa;
    return DT_ISA_PORTABLE;
#else
    (void)isa;
    return DT_ISA_PORTABLE;  // arm64's baseline already includes NEON: one build serves both paths
#endif
}

#endif
