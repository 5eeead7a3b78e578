// The blocked GEMM (packing, micro-kernels, block driver) written once over a small vector
// vocabulary and instantiated per instruction-set path by gemm_<isa>.c. The including file
// defines, inside a region where every function carries its target attribute:
//   VLEN                          lanes per vector
//   vec_t                         the vector type
//   VZERO() VSET1(x) VBCAST(p)    zero, splat of a value, splat of *p
//   VLOAD(p) VSTORE(p, v)         unaligned full-vector load/store
//   VLOADN(p, n) VSTOREN(p, v, n) first n lanes only (0 < n < VLEN; loads zero the other lanes)
//   VFMA(a, b, c)                 a·b + c
//   VMUL(a, b)
//   VTRANSPOSE(rows)              transposes vec_t rows[VLEN] in place
// (see gemm_simd_<isa>.h) and then calls DT_GEMM_DEFINE_UKERNEL(MR, NV) for each register tile (MR rows × NV vectors)
// it offers, and DT_GEMM_DEFINE_OPS(name, isa, select_shape).
#include "gemm_pack_template.h"

#define DT_GEMM_MAX_MR 24
#define DT_GEMM_MAX_NV 4


/// `C = alpha · acc + beta · C` for one row segment of `count` lanes (1...VLEN).
static inline __attribute__((always_inline)) void store_segment(float *c, vec_t acc, int count, vec_t va, float beta) {
    if (count >= VLEN) {
        vec_t r = VMUL(acc, va);
        if (beta == 1.0f) r = VFMA(acc, va, VLOAD(c));
        else if (beta != 0.0f) r = VFMA(VSET1(beta), VLOAD(c), r);
        VSTORE(c, r);
    } else {
        vec_t r = VMUL(acc, va);
        if (beta == 1.0f) r = VFMA(acc, va, VLOADN(c, count));
        else if (beta != 0.0f) r = VFMA(VSET1(beta), VLOADN(c, count), r);
        VSTOREN(c, r, count);
    }
}

/// `acc += Apanel · Bpanel` over `steps` depth steps from `*a` and `*b`, which advance past them.
/// MR and NV are constants at every (always-inlined) use, so the loops unroll fully and `acc`
/// lives in registers.
static inline __attribute__((always_inline)) void tile_steps(const int MR, const int NV, const int ROWS, size_t steps,
                                                             const float **a_at, size_t a_step, const float **b_at,
                                                             size_t b_step, vec_t acc[DT_GEMM_MAX_MR][DT_GEMM_MAX_NV]) {
    const float *restrict a = *a_at;
    const float *restrict b = *b_at;
    for (size_t p = 0; p < steps; p++) {
        vec_t bv[DT_GEMM_MAX_NV];
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) bv[v] = VLOAD(b + v * VLEN);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            // ROWS: A read in place from row-major storage, row r at a + r·a_step, one depth step
            // per float; otherwise panel order, a_step floats per depth step.
            vec_t av = VBCAST(ROWS ? a + (size_t)r * a_step : a + r);
#pragma clang loop unroll(full)
            for (int v = 0; v < NV; v++) acc[r][v] = VFMA(av, bv[v], acc[r][v]);
        }
        a += ROWS ? 1 : a_step;
        b += b_step;
    }
    *a_at = a;
    *b_at = b;
}

static inline __attribute__((always_inline)) void zero_tile(const int MR, const int NV,
                                                            vec_t acc[DT_GEMM_MAX_MR][DT_GEMM_MAX_NV]) {
#pragma clang loop unroll(full)
    for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < NV; v++) acc[r][v] = VZERO();
}

/// `C[mr×nr] = alpha · acc + beta · C`.
static inline __attribute__((always_inline)) void store_tile(const int MR, const int NV,
                                                             vec_t acc[DT_GEMM_MAX_MR][DT_GEMM_MAX_NV], float *c,
                                                             size_t ldc, int mr, int nr, float alpha, float beta) {
    vec_t va = VSET1(alpha);
    if (mr == MR && nr == NV * VLEN) {
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
            for (int v = 0; v < NV; v++) store_segment(c + (size_t)r * ldc + v * VLEN, acc[r][v], VLEN, va, beta);
    } else {
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
#pragma clang loop unroll(full)
            for (int v = 0; v < NV; v++) {
                int count = nr - v * VLEN;
                if (r < mr && count > 0) store_segment(c + (size_t)r * ldc + v * VLEN, acc[r][v], count, va, beta);
            }
        }
    }
}

/// Register-tile micro-kernel body: the depth summed in order.
static inline __attribute__((always_inline)) void ukernel_body(const int MR, const int NV, const int ROWS, size_t kc,
                                                               const float *a, size_t a_step, const float *b,
                                                               size_t b_step, float *restrict c, size_t ldc, int mr,
                                                               int nr, float alpha, float beta) {
    vec_t acc[DT_GEMM_MAX_MR][DT_GEMM_MAX_NV];
    zero_tile(MR, NV, acc);
    tile_steps(MR, NV, ROWS, kc, &a, a_step, &b, b_step, acc);
    store_tile(MR, NV, acc, c, ldc, mr, nr, alpha, beta);
}

/// The most levels of a depth tree inside one depth block (a block of at most 512 steps holds at
/// most 2^5 leaves, each of more than DT_SUM_TREE_LEAF / 2 steps).
#define DT_GEMM_TREE_BLOCK_LEVELS 6

/// Register-tile micro-kernel body with the depth summed as the subtree `span` of a balanced tree
/// (sum_tree.h): each leaf in registers, finished subtrees kept on a small stack and added pairwise.
static inline __attribute__((always_inline)) void ukernel_tree_body(const int MR, const int NV, const int ROWS,
                                                                    const dt_sum_tree_span *span, const float *a,
                                                                    size_t a_step, const float *b, size_t b_step,
                                                                    float *restrict c, size_t ldc, int mr, int nr,
                                                                    float alpha, float beta) {
    vec_t acc[DT_GEMM_MAX_MR][DT_GEMM_MAX_NV];
    vec_t done[DT_GEMM_TREE_BLOCK_LEVELS][MR][NV];
    int top = 0;
    for (size_t j = 0; j < span->count; j++) {
        size_t leaf = span->first + j;
        size_t steps = dt_sum_tree_bound(span->n, span->levels, leaf + 1) - dt_sum_tree_bound(span->n, span->levels, leaf);
        zero_tile(MR, NV, acc);
        tile_steps(MR, NV, ROWS, steps, &a, a_step, &b, b_step, acc);
        // Leaf j closes one subtree per trailing 1 bit of j: add each to its left sibling.
        for (size_t carry = j; carry & 1; carry >>= 1) {
            top--;
#pragma clang loop unroll(full)
            for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
                for (int v = 0; v < NV; v++) acc[r][v] = VADD(done[top][r][v], acc[r][v]);
        }
        if (j + 1 < span->count) {
#pragma clang loop unroll(full)
            for (int r = 0; r < MR; r++)
#pragma clang loop unroll(full)
                for (int v = 0; v < NV; v++) done[top][r][v] = acc[r][v];
            top++;
        }
    }
    store_tile(MR, NV, acc, c, ldc, mr, nr, alpha, beta);
}

#define DT_GEMM_DEFINE_UKERNEL(MR, NV)                                                                         \
    static void ukernel_##MR##x##NV(size_t kc, const float *a, size_t a_step, const float *b, size_t b_step,   \
                                    float *c, size_t ldc, int mr, int nr, float alpha, float beta) {            \
        ukernel_body(MR, NV, 0, kc, a, a_step, b, b_step, c, ldc, mr, nr, alpha, beta);                        \
    }                                                                                                          \
    static void ukernel_rows_##MR##x##NV(size_t kc, const float *a, size_t a_step, const float *b,             \
                                         size_t b_step, float *c, size_t ldc, int mr, int nr, float alpha,      \
                                         float beta) {                                                         \
        ukernel_body(MR, NV, 1, kc, a, a_step, b, b_step, c, ldc, mr, nr, alpha, beta);                        \
    }                                                                                                          \
    static void ukernel_tree_##MR##x##NV(const dt_sum_tree_span *span, const float *a, size_t a_step,         \
                                         const float *b, size_t b_step, float *c, size_t ldc, int mr, int nr,   \
                                         float alpha, float beta) {                                            \
        ukernel_tree_body(MR, NV, 0, span, a, a_step, b, b_step, c, ldc, mr, nr, alpha, beta);                 \
    }                                                                                                          \
    static void ukernel_tree_rows_##MR##x##NV(const dt_sum_tree_span *span, const float *a, size_t a_step,    \
                                              const float *b, size_t b_step, float *c, size_t ldc, int mr,      \
                                              int nr, float alpha, float beta) {                               \
        ukernel_tree_body(MR, NV, 1, span, a, a_step, b, b_step, c, ldc, mr, nr, alpha, beta);                 \
    }

/// A dt_gemm_shape for the MR × NV tile defined by DT_GEMM_DEFINE_UKERNEL(MR, NV).
#define DT_GEMM_SHAPE(MR, NV, kc, mc, nc)                                                                      \
    {MR, (NV) * VLEN, kc, mc, nc, ukernel_##MR##x##NV, ukernel_rows_##MR##x##NV, ukernel_tree_##MR##x##NV,         \
     ukernel_tree_rows_##MR##x##NV}

/// Packer for a dt_gemm_matrix whose panel dimension is contiguous.
static void pack_contiguous(const void *source, size_t i0, size_t count, size_t p0, size_t kc, float *dst,
                            int width) {
    const dt_gemm_matrix *m = source;
    pack_runs_contiguous(m->data + i0 * m->row_stride + p0 * m->depth_stride, m->depth_stride, count, kc, dst, width,
                         (size_t)width * kc);
}

/// Packer for a dt_gemm_matrix whose depth dimension is contiguous.
static void pack_transposing(const void *source, size_t i0, size_t count, size_t p0, size_t kc, float *dst,
                             int width) {
    const dt_gemm_matrix *m = source;
    pack_runs_transposing(m->data + i0 * m->row_stride + p0 * m->depth_stride, m->row_stride, count, kc, dst, width,
                          (size_t)width * kc);
}

/// Splits `total` into the fewest blocks of at most `limit`, of nearly equal size.
static inline size_t balanced_block(size_t total, size_t limit) {
    size_t blocks = (total + limit - 1) / limit;
    return (total + blocks - 1) / blocks;
}


/// Where the micro-kernel reads one operand's panels in the current block: panel q (of width W)
/// starts at `base + q·panel` and advances `step` floats per depth step. Direct operands are read
/// in place (full panels only: a partial panel at the edge is packed into `edge`).
typedef struct {
    const float *base;
    size_t panel, step;
    const dt_gemm_operand *operand;
    size_t first, count, depth0, depth; // the block: rows first ..< first + count, depths depth0 ..< + depth
    float *edge;
    int width;
} panel_source;

static inline const float *panel_at(const panel_source *p, size_t offset, size_t *step, int *rows) {
    *rows = 0;
    if (p->operand && p->operand->direct) {
        if (offset + (size_t)p->width <= p->count) {
            *step = p->operand->direct_step;
            if (p->operand->direct_rows) {
                *rows = 1;
                return p->operand->direct + (p->first + offset) * p->operand->direct_step + p->depth0;
            }
            return p->operand->direct + p->first + offset + p->depth0 * p->operand->direct_step;
        }
        p->operand->pack(p->operand->source, p->first + offset, p->count - offset, p->depth0, p->depth, p->edge,
                         p->width);
        *step = (size_t)p->width;
        return p->edge;
    }
    *step = p->step;
    return p->base + offset / (size_t)p->width * p->panel;
}

/// Sets `p` up for rows [first, first + count) × depths [depth0, depth0 + depth) of `operand`,
/// packing into `buffer` unless the operand is pre-packed or read in place.
static inline void prepare_panels(panel_source *p, const dt_gemm_operand *operand, size_t K, size_t first,
                                  size_t count, size_t depth0, size_t depth, float *buffer, int width) {
    *p = (panel_source){.operand = operand, .first = first, .count = count, .depth0 = depth0, .depth = depth,
                        .edge = buffer, .width = width};
    if (operand->prepacked) {
        p->base = operand->prepacked + first * K + depth0 * (size_t)width;
        p->panel = (size_t)width * K;
        p->step = (size_t)width;
        p->operand = NULL;
    } else if (!operand->direct) {
        operand->pack(operand->source, first, count, depth0, depth, buffer, width);
        p->base = buffer;
        p->panel = (size_t)width * depth;
        p->step = (size_t)width;
        p->operand = NULL;
    }
}

/// How the depth of one run_block call is cut into blocks and whether it is summed as a tree: in
/// order, blocks of at most the shape's kc, evened out; as a tree (pairwise_depth), the nodes of
/// one level of the depth's sum tree (sum_tree.h), 2^block_levels of them.
typedef struct {
    size_t k;
    int tree, levels, block_levels;
    size_t kc_max, blocks;
} depth_blocks;

static inline depth_blocks plan_depth(const dt_gemm_args *g, const dt_gemm_shape *s) {
    depth_blocks d = {.k = g->k, .tree = g->pairwise_depth && g->k > DT_SUM_TREE_LEAF};
    if (!d.tree) {
        d.kc_max = balanced_block(g->k, s->kc);
        d.blocks = (g->k + d.kc_max - 1) / d.kc_max;
        return d;
    }
    d.levels = dt_sum_tree_levels(g->k, DT_SUM_TREE_LEAF);
    d.block_levels = dt_sum_tree_levels(g->k, s->kc);
    d.blocks = (size_t)1 << d.block_levels;
    d.kc_max = (g->k + d.blocks - 1) / d.blocks;
    return d;
}

/// Depths [first, first + count) of block `t`.
static inline void depth_block(const depth_blocks *d, size_t t, size_t *first, size_t *count) {
    if (!d->tree) {
        *first = t * d->kc_max;
        *count = gemm_min(d->kc_max, d->k - *first);
    } else {
        *first = dt_sum_tree_bound(d->k, d->block_levels, t);
        *count = dt_sum_tree_bound(d->k, d->block_levels, t + 1) - *first;
    }
}

/// `into[rows × cols] += from` (strides `ld_into`, `ld_from`): one pairwise step of a tree depth.
static void add_partial(float *into, size_t ld_into, const float *from, size_t ld_from, size_t rows, size_t cols) {
    for (size_t i = 0; i < rows; i++) {
        float *restrict dst = into + i * ld_into;
        const float *restrict src = from + i * ld_from;
        for (size_t j = 0; j < cols; j++) dst[j] += src[j];
    }
}

/// Blocked product of rows [r0, r1) × columns [c0, c1) of C on the calling thread (r0 and c0
/// are multiples of the tile size when an operand is pre-packed). With a tree depth, depth block t
/// goes to C when t < 2 and otherwise to a partial sum of its subtree (scratch, one per tree level
/// above the blocks), and every finished subtree is added into its left sibling.
static void run_block(const dt_gemm_args *g, const dt_gemm_shape *s, size_t r0, size_t r1, size_t c0, size_t c1) {
    if (r0 >= r1 || c0 >= c1) return;
    const size_t MR = (size_t)s->mr, NR = (size_t)s->nr, K = g->k;
    const depth_blocks depth = plan_depth(g, s);
    const size_t kc_max = depth.kc_max;
    const size_t nc_max = round_up(balanced_block(c1 - c0, s->nc), NR);
    const size_t mc_max = round_up(balanced_block(r1 - r0, s->mc), MR);
    float *a_buf = g->a.prepacked ? NULL : dt_gemm_scratch(0, mc_max * kc_max);
    float *b_buf = g->b.prepacked ? NULL : dt_gemm_scratch(1, nc_max * kc_max);
    // Partial sums of tree levels 1 ..< block_levels: rows r0 ..< r1 × the column block.
    const size_t partial_floats = (r1 - r0) * nc_max;
    float *partials = depth.tree && depth.blocks > 2 ? dt_gemm_scratch(DT_GEMM_SCRATCH_TREE,
                                                         (size_t)(depth.block_levels - 1) * partial_floats)
                                       : NULL;
    panel_source a, b;
    for (size_t jc = c0; jc < c1; jc += nc_max) {
        size_t nc = gemm_min(nc_max, c1 - jc);
        int top = 0; // tree depth: the partial sum block t goes to (0: C)
        for (size_t t = 0; t < depth.blocks; t++) {
            size_t pc, kc;
            depth_block(&depth, t, &pc, &kc);
            float beta = t == 0 ? g->beta : 1.0f;
            if (depth.tree && t >= 2 && t % 2 == 0) {
                top++;
                beta = 0.0f;
            }
            float *target = top == 0 ? g->c + r0 * g->ldc + jc : partials + (size_t)(top - 1) * partial_floats;
            size_t ld = top == 0 ? g->ldc : nc;
            const int leaf_levels = depth.levels - depth.block_levels; // levels inside a block
            const dt_sum_tree_span span = {K, depth.levels, t << leaf_levels, (size_t)1 << leaf_levels};
            prepare_panels(&b, &g->b, K, jc, nc, pc, kc, b_buf, (int)NR);
            for (size_t ic = r0; ic < r1; ic += mc_max) {
                size_t mc = gemm_min(mc_max, r1 - ic);
                prepare_panels(&a, &g->a, K, ic, mc, pc, kc, a_buf, (int)MR);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    size_t b_step;
                    int b_rows;
                    const float *b_panel = panel_at(&b, jr, &b_step, &b_rows);
                    int nr = (int)gemm_min(NR, nc - jr);
                    for (size_t ir = 0; ir < mc; ir += MR) {
                        size_t a_step;
                        int a_rows;
                        const float *a_panel = panel_at(&a, ir, &a_step, &a_rows);
                        float *c = target + (ic - r0 + ir) * ld + jr;
                        int mr = (int)gemm_min(MR, mc - ir);
                        if (depth.tree)
                            (a_rows ? s->ukernel_tree_rows : s->ukernel_tree)(&span, a_panel, a_step, b_panel, b_step,
                                                                              c, ld, mr, nr, g->alpha, beta);
                        else
                            (a_rows ? s->ukernel_rows : s->ukernel)(kc, a_panel, a_step, b_panel, b_step, c, ld, mr,
                                                                    nr, g->alpha, beta);
                    }
                }
            }
            // Block t closes one subtree of blocks per trailing 1 bit of t / 2 (pairs are closed by
            // accumulating the odd block onto the even one): add each into its left sibling.
            if (depth.tree && t % 2 == 1) {
                for (size_t carry = t / 2; carry & 1; carry >>= 1, top--) {
                    const float *from = partials + (size_t)(top - 1) * partial_floats;
                    if (top == 1) add_partial(g->c + r0 * g->ldc + jc, g->ldc, from, nc, r1 - r0, nc);
                    else add_partial(partials + (size_t)(top - 2) * partial_floats, nc, from, nc, r1 - r0, nc);
                }
            }
        }
    }
}

#define DT_GEMM_DEFINE_OPS(name, isa_value, select)                                                             \
    const dt_gemm_isa_ops name = {                                                                             \
        .isa = isa_value,                                                                                      \
        .select_shape = select,                                                                                \
        .pack_contiguous = pack_contiguous,                                                                    \
        .pack_transposing = pack_transposing,                                                                  \
        .run_block = run_block,                                                                                \
    };
