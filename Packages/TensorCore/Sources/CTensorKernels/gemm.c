// GEMM front end: path dispatch, per-thread packing scratch, the split of a product over the
// worker pool, and the public dt_sgemm / dt_sgemm_batched entry points.
#include "dt_gemm.h"
#include "gemm_internal.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/// Products below this many multiply-adds (m·n·k) run on one thread: splitting them costs more
/// than it saves.
#define DT_GEMM_PARALLEL_MIN_MACS (64u * 64u * 64u)
/// Parts per thread when a product is split over threads without duplicated packing.
#define DT_GEMM_PARTS_PER_THREAD 4

const dt_gemm_isa_ops *dt_gemm_ops_for(dt_isa isa) {
    switch (isa) {
#if defined(__x86_64__)
    case DT_ISA_AVX512F: return &dt_gemm_ops_avx512;
    case DT_ISA_AVX2_FMA: return &dt_gemm_ops_avx2;
#endif
#if defined(__aarch64__)
    case DT_ISA_NEON: return &dt_gemm_ops_neon;
#endif
    default: return &dt_gemm_ops_portable;
    }
}

// MARK: - Scratch

#define DT_SCRATCH_SLOTS 8

typedef struct {
    float *buffer[DT_SCRATCH_SLOTS];
    size_t capacity[DT_SCRATCH_SLOTS];
} scratch_set;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void free_scratch(void *value) {
    scratch_set *set = value;
    for (int i = 0; i < DT_SCRATCH_SLOTS; i++) dt_free_floats(set->buffer[i]);
    free(set);
}

static void make_scratch_key(void) { pthread_key_create(&scratch_key, free_scratch); }

float *dt_gemm_scratch(int slot, size_t count) {
    pthread_once(&scratch_once, make_scratch_key);
    scratch_set *set = pthread_getspecific(scratch_key);
    if (!set) {
        set = calloc(1, sizeof *set);
        if (!set) abort();
        pthread_setspecific(scratch_key, set);
    }
    if (set->capacity[slot] < count) {
        dt_free_floats(set->buffer[slot]);
        size_t grown = count + count / 4;
        set->buffer[slot] = dt_alloc_floats(grown);
        // Packing panels are a few MiB at most (bounded by the block sizes, not the matrices), so
        // running out here means the process cannot go on; tensors' own memory fails gracefully.
        if (!set->buffer[slot]) {
            fprintf(stderr, "DeepTrust: out of memory for the matrix product's packing buffers (%zu bytes)\n",
                    grown * sizeof(float));
            abort();
        }
        set->capacity[slot] = grown;
    }
    return set->buffer[slot];
}

// MARK: - Splitting one product over threads

typedef struct {
    const dt_gemm_isa_ops *ops;
    const dt_gemm_args *args;
    const dt_gemm_shape *shape;
    int split_columns; // 1: members get column ranges; 0: row ranges
    size_t tiles;      // tiles along the split dimension
} split_job;

static void run_split_member(void *ctx, int index, int count) {
    const split_job *job = ctx;
    const dt_gemm_args *g = job->args;
    size_t first = job->tiles * (size_t)index / (size_t)count;
    size_t last = job->tiles * (size_t)(index + 1) / (size_t)count;
    if (job->split_columns) {
        size_t nr = (size_t)job->shape->nr;
        size_t c0 = first * nr, c1 = last * nr < g->n ? last * nr : g->n;
        job->ops->run_block(g, job->shape, 0, g->m, c0, c1);
    } else {
        size_t mr = (size_t)job->shape->mr;
        size_t r0 = first * mr, r1 = last * mr < g->m ? last * mr : g->m;
        job->ops->run_block(g, job->shape, r0, r1, 0, g->n);
    }
}

/// `C = beta · C` for the degenerate products (k == 0 or alpha == 0).
static void scale_c(const dt_gemm_args *g) {
    for (size_t i = 0; i < g->m; i++) {
        float *row = g->c + i * g->ldc;
        if (g->beta == 0.0f)
            for (size_t j = 0; j < g->n; j++) row[j] = 0.0f;
        else if (g->beta != 1.0f)
            for (size_t j = 0; j < g->n; j++) row[j] *= g->beta;
    }
}

void dt_gemm_run(const dt_gemm_isa_ops *ops, const dt_gemm_args *g, const dt_gemm_shape *shape, int threads) {
    if (g->m == 0 || g->n == 0) return;
    if (g->k == 0 || g->alpha == 0.0f) {
        scale_c(g);
        return;
    }
    if (!shape) shape = ops->select_shape(g->m, g->n, g->k);
    double macs = (double)g->m * (double)g->n * (double)g->k;
    if (threads > 1 && macs < (double)DT_GEMM_PARALLEL_MIN_MACS) threads = 1;
    size_t tiles_m = (g->m + (size_t)shape->mr - 1) / (size_t)shape->mr;
    size_t tiles_n = (g->n + (size_t)shape->nr - 1) / (size_t)shape->nr;
    // Each member packs the whole operand along the dimension it does not split, so prefer the split
    // whose duplicated packing is cheaper (columns duplicate A, m·k; rows duplicate B, k·n), unless
    // that dimension has too few tiles for every thread.
    int prefer_columns = g->m <= g->n;
    size_t preferred = prefer_columns ? tiles_n : tiles_m, other = prefer_columns ? tiles_m : tiles_n;
    int split_columns = preferred >= (size_t)threads || preferred >= other ? prefer_columns : !prefer_columns;
    size_t tiles = split_columns ? tiles_n : tiles_m;
    if ((size_t)threads > tiles) threads = (int)tiles;
    if (threads <= 1) {
        ops->run_block(g, shape, 0, g->m, 0, g->n);
        return;
    }
    // More parts than threads keep a descheduled worker from holding up half the product; they
    // cost nothing when the operand every part needs whole is read in place rather than packed.
    int parts = threads;
    if (split_columns ? g->a.direct != NULL : g->b.direct != NULL)
        parts = tiles < (size_t)threads * DT_GEMM_PARTS_PER_THREAD ? (int)tiles : threads * DT_GEMM_PARTS_PER_THREAD;
    split_job job = {ops, g, shape, split_columns, tiles};
    dt_parallel_parts(parts, run_split_member, &job);
}

// MARK: - Public entry points

static void describe(dt_gemm_args *g, const dt_gemm_isa_ops *ops, dt_gemm_matrix *ma, dt_gemm_matrix *mb,
                     int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha, const float *a,
                     size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc, int pairwise_depth) {
    // op(A)(i, p): A[i·lda + p], or A[p·lda + i] when transposed.
    *ma = trans_a ? (dt_gemm_matrix){a, 1, lda} : (dt_gemm_matrix){a, lda, 1};
    // op(B)(p, j) seen as the packer's element (j, p): B[p·ldb + j], or B[j·ldb + p] when transposed.
    *mb = trans_b ? (dt_gemm_matrix){b, ldb, 1} : (dt_gemm_matrix){b, 1, ldb};
    g->m = m; g->n = n; g->k = k;
    g->alpha = alpha; g->beta = beta;
    g->a = (dt_gemm_operand){.pack = trans_a ? ops->pack_contiguous : ops->pack_transposing, .source = ma};
    g->b = (dt_gemm_operand){.pack = trans_b ? ops->pack_transposing : ops->pack_contiguous, .source = mb};
    // Read operands in place when packing would cost more than it saves (measured on the MLP-VAE's
    // shapes): with few column panels each A panel is used only a few times, so A is read where it
    // is, in panel order (stored transposed) or row by row (the row-major micro-kernel); B stored
    // untransposed is in panel order too, unless its rows are a multiple of 4 KB apart (cache-set
    // conflicts make in-place reads slower than packing then).
    if (trans_a && n <= 256) {
        g->a.direct = a;
        g->a.direct_step = lda;
    } else if (!trans_a && n <= 512) {
        g->a.direct = a;
        g->a.direct_step = lda;
        g->a.direct_rows = 1;
    }
    if (!trans_b && ldb % 1024 != 0) {
        g->b.direct = b;
        g->b.direct_step = ldb;
    }
    g->c = c; g->ldc = ldc;
    g->pairwise_depth = pairwise_depth;
}

void dt_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
              const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c, size_t ldc,
              int pairwise_depth) {
    const dt_gemm_isa_ops *ops = dt_gemm_ops_for(dt_active_isa());
    dt_gemm_args g;
    dt_gemm_matrix ma, mb;
    describe(&g, ops, &ma, &mb, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pairwise_depth);
    dt_gemm_run(ops, &g, NULL, dt_thread_count());
}

typedef struct {
    const dt_gemm_isa_ops *ops;
    int trans_a, trans_b;
    size_t m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c, batch;
    float alpha, beta;
    const float *a, *b;
    float *c;
    int pairwise_depth;
} batch_job;

static void run_batch_member(void *ctx, int index, int count) {
    const batch_job *job = ctx;
    size_t first = job->batch * (size_t)index / (size_t)count;
    size_t last = job->batch * (size_t)(index + 1) / (size_t)count;
    for (size_t i = first; i < last; i++) {
        dt_gemm_args g;
        dt_gemm_matrix ma, mb;
        describe(&g, job->ops, &ma, &mb, job->trans_a, job->trans_b, job->m, job->n, job->k, job->alpha,
                 job->a + i * job->stride_a, job->lda, job->b + i * job->stride_b, job->ldb, job->beta,
                 job->c + i * job->stride_c, job->ldc, job->pairwise_depth);
        dt_gemm_run(job->ops, &g, NULL, 1);
    }
}

void dt_sgemm_batched(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, size_t stride_a,
                      const float *b, size_t ldb, size_t stride_b,
                      float beta, float *c, size_t ldc, size_t stride_c, size_t batch, int pairwise_depth) {
    if (batch == 0) return;
    const dt_gemm_isa_ops *ops = dt_gemm_ops_for(dt_active_isa());
    int threads = dt_thread_count();
    double macs = (double)m * (double)n * (double)k;
    // Independent small products: one whole product per thread at a time. Otherwise (large
    // products, or products accumulating into one C, which must stay in order) each product is split.
    if (batch > 1 && stride_c != 0 && threads > 1 && macs < 4.0 * DT_GEMM_PARALLEL_MIN_MACS * threads) {
        batch_job job = {ops, trans_a, trans_b, m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c, batch,
                         alpha, beta, a, b, c, pairwise_depth};
        dt_parallel_team(threads, run_batch_member, &job);
        return;
    }
    for (size_t i = 0; i < batch; i++) {
        dt_gemm_args g;
        dt_gemm_matrix ma, mb;
        describe(&g, ops, &ma, &mb, trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb,
                 beta, c + i * stride_c, ldc, pairwise_depth);
        dt_gemm_run(ops, &g, NULL, threads);
    }
}
