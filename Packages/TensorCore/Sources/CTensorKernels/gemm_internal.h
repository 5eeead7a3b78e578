// Internal interface between the GEMM driver (gemm.c), the per-ISA kernels (gemm_<isa>.c, built
// from gemm_template.h) and the convolution code, which reuses the blocked driver with its own
// packing routines (patch gathering instead of an im2col buffer).
#ifndef DT_GEMM_INTERNAL_H
#define DT_GEMM_INTERNAL_H
#include "dt_runtime.h"
#include "sum_tree.h"
#include <stddef.h>

/// Packs rows `[i0, i0 + count)` and depths `[p0, p0 + kc)` of an operand into `dst` as panels of
/// `width` rows: panel `q` starts at `dst + q·width·kc` and holds element (i0 + q·width + r, p0 + p)
/// at `[p·width + r]`; rows past `count` are zero. For the right operand B, "rows" are the
/// columns of op(B).
typedef void (*dt_gemm_pack_fn)(const void *source, size_t i0, size_t count, size_t p0, size_t kc,
                                float *dst, int width);

/// An operand as the driver sees it: a packing routine and its source, or (when `prepacked` is
/// not NULL) panels packed once for the whole depth: panel q, as `pack(source, 0, rows, 0, k,
/// prepacked, width)` writes it, at `prepacked + q·width·k`.
typedef struct {
    dt_gemm_pack_fn pack;
    const void *source;
    const float *prepacked;
    /// When not NULL: element (i, p) is `direct[i + p·direct_step]` (or `direct[i·direct_step + p]`
    /// when `direct_rows`, A only), and the micro-kernel reads full panels in place instead of
    /// packing them (edge panels are still packed).
    const float *direct;
    size_t direct_step;
    int direct_rows;
} dt_gemm_operand;

/// A strided matrix source for the standard packers: element (i, p) is at
/// `data[i·row_stride + p·depth_stride]` (one of the two strides is 1).
typedef struct {
    const float *data;
    size_t row_stride, depth_stride;
} dt_gemm_matrix;

/// One product `C[m×n] = alpha · A[m×k] · B[k×n] + beta · C`, with packed operands.
typedef struct {
    size_t m, n, k;
    float alpha, beta;
    dt_gemm_operand a, b;
    float *c;
    size_t ldc;
    /// Non-zero: every element's depth is summed as the balanced tree of sum_tree.h (the depth
    /// blocks are subtrees, added pairwise), so that the product over a depth of 2h equals the sum
    /// of the products over its two halves, bit for bit. Zero: summed in order, block by block.
    int pairwise_depth;
} dt_gemm_args;

/// The widest panel any shape uses (register-tile rows or columns).
#define DT_GEMM_MAX_PANEL 64

/// A micro-kernel: `C[mr×nr] = alpha · Apanel · Bpanel + beta · C` over depth `kc` (full tile
/// computed, only `mr × nr` stored; C not read when beta is 0). The panels advance `a_step` and
/// `b_step` floats per depth step (the tile width when packed).
typedef void (*dt_gemm_ukernel_fn)(size_t kc, const float *a_panel, size_t a_step, const float *b_panel,
                                   size_t b_step, float *c, size_t ldc, int mr, int nr, float alpha, float beta);

/// A micro-kernel like dt_gemm_ukernel_fn whose depth is the leaves `span` of a balanced sum
/// tree (sum_tree.h), summed as that subtree instead of in order.
typedef void (*dt_gemm_tree_ukernel_fn)(const dt_sum_tree_span *span, const float *a_panel, size_t a_step,
                                        const float *b_panel, size_t b_step, float *c, size_t ldc, int mr, int nr,
                                        float alpha, float beta);

/// A register-tile shape with its blocking, and its micro-kernels: `ukernel` reads A panels in
/// panel order, `ukernel_rows` reads A in place from row-major storage (row r at
/// `a_panel + r·a_step`, consecutive depths consecutive); the `_tree` ones sum the depth as a
/// balanced tree (dt_gemm_args.pairwise_depth).
typedef struct {
    int mr, nr;
    size_t kc, mc, nc;
    dt_gemm_ukernel_fn ukernel;
    dt_gemm_ukernel_fn ukernel_rows;
    dt_gemm_tree_ukernel_fn ukernel_tree;
    dt_gemm_tree_ukernel_fn ukernel_tree_rows;
} dt_gemm_shape;

/// What one instruction-set path provides.
typedef struct {
    dt_isa isa;
    /// The tile shape to use for a product with `n` columns.
    const dt_gemm_shape *(*select_shape)(size_t m, size_t n, size_t k);
    /// Packs a dt_gemm_matrix whose panel dimension is contiguous (row_stride == 1).
    dt_gemm_pack_fn pack_contiguous;
    /// Packs a dt_gemm_matrix whose depth dimension is contiguous (depth_stride == 1), transposing.
    dt_gemm_pack_fn pack_transposing;
    /// Computes the rows `[r0, r1)` × columns `[c0, c1)` of the product on the calling thread.
    void (*run_block)(const dt_gemm_args *args, const dt_gemm_shape *shape, size_t r0, size_t r1, size_t c0,
                      size_t c1);
} dt_gemm_isa_ops;

extern const dt_gemm_isa_ops dt_gemm_ops_portable;
#if defined(__x86_64__)
extern const dt_gemm_isa_ops dt_gemm_ops_avx2;
extern const dt_gemm_isa_ops dt_gemm_ops_avx512;
#endif
#if defined(__aarch64__)
extern const dt_gemm_isa_ops dt_gemm_ops_neon;
#endif

/// The operations of `isa` (portable when this build has no such path).
const dt_gemm_isa_ops *dt_gemm_ops_for(dt_isa isa);

/// Per-thread packing scratch space, 64-byte aligned, grown on demand and kept for the thread's
/// life. Slots 0 and 1 hold the driver's A and B panels, slot 7 its partial sums of a pairwise
/// depth (DT_GEMM_SCRATCH_TREE); slots 2 to 6 are free for callers.
float *dt_gemm_scratch(int slot, size_t count);

/// The scratch slot of the driver's partial sums of a pairwise depth.
#define DT_GEMM_SCRATCH_TREE 7

/// Runs one product over up to `threads` threads (1: on the calling thread), splitting C so that
/// every thread gets whole tiles; small products run on one thread. `shape` NULL: the path's
/// choice (it must be that choice, or the shape operands were pre-packed for).
void dt_gemm_run(const dt_gemm_isa_ops *ops, const dt_gemm_args *args, const dt_gemm_shape *shape, int threads);

#endif
