// Reductions of [outer, extent, inner] blocks: inner == 1 reduces contiguous rows through
// independent lanes; otherwise whole rows of the extent are folded into per-column partial results.
// Contiguous sums accumulate in double, so the result is the correctly rounded sum for all
// practical sizes; column sums add double-precision leaves of 32 rows as a balanced tree in float
// (sum_tree.h), so that a sum over a batch is the sum over its halves, bit for bit.
#include "dt_elementwise.h"
#include "elementwise_layout.h"

/// Width of the column chunk whose partial results live on the stack when inner > 1.
#define DT_CHUNK 256

#define DT_ISA_TEMPLATE "reduce_template.h"
#include "isa_instances.h"

typedef void (*dt_reduce_rows_fn)(dt_reduce_op, const float *restrict, ptrdiff_t, ptrdiff_t, ptrdiff_t,
                                  float *restrict);
typedef void (*dt_reduce_columns_fn)(dt_reduce_op, const float *restrict, ptrdiff_t, ptrdiff_t, ptrdiff_t,
                                     ptrdiff_t, float *restrict);

/// Elements a thread should at least get before a reduction is split.
#define DT_REDUCE_GRAIN_ELEMENTS 32768

typedef struct {
    dt_reduce_op op;
    const float *x;
    ptrdiff_t extent, inner;
    float *out;
    dt_reduce_rows_fn rows;
    dt_reduce_columns_fn columns;
} reduce_job;

static void run_reduce_rows(void *ctx, size_t begin, size_t end) {
    const reduce_job *job = ctx;
    job->rows(job->op, job->x, job->extent, (ptrdiff_t)begin, (ptrdiff_t)end, job->out);
}

static void run_reduce_columns(void *ctx, size_t begin, size_t end) {
    const reduce_job *job = ctx;
    job->columns(job->op, job->x, job->extent, job->inner, (ptrdiff_t)begin, (ptrdiff_t)end, job->out);
}

void dt_reduce_with_isa(dt_isa isa, dt_reduce_op op, const float *x, ptrdiff_t outer, ptrdiff_t extent,
                        ptrdiff_t inner, float *out) {
    if (outer <= 0 || inner <= 0 || extent <= 0) return;
    reduce_job job = {.op = op, .x = x, .extent = extent, .inner = inner, .out = out,
                      .rows = reduce_rows_portable, .columns = reduce_columns_portable};
#if defined(__x86_64__) || defined(__i386__)
    switch (dt_compiled_isa(isa)) {
    case DT_ISA_AVX512F: job.rows = reduce_rows_avx512; job.columns = reduce_columns_avx512; break;
    case DT_ISA_AVX2_FMA: job.rows = reduce_rows_avx2; job.columns = reduce_columns_avx2; break;
    default: break;
    }
#else
    (void)isa;
#endif
    // Every output element is computed by one thread in a fixed order: results do not depend on
    // the thread count.
    if (inner == 1) {
        size_t grain = (size_t)(DT_REDUCE_GRAIN_ELEMENTS / extent);
        dt_parallel_for_grain((size_t)outer, grain > 0 ? grain : 1, run_reduce_rows, &job);
    } else {
        const ptrdiff_t chunks = (inner + DT_CHUNK - 1) / DT_CHUNK;
        const ptrdiff_t task_elements = extent * (inner < DT_CHUNK ? inner : DT_CHUNK);
        size_t grain = (size_t)(DT_REDUCE_GRAIN_ELEMENTS / task_elements);
        dt_parallel_for_grain((size_t)(outer * chunks), grain > 0 ? grain : 1, run_reduce_columns, &job);
    }
}

void dt_reduce(dt_reduce_op op, const float *x, ptrdiff_t outer, ptrdiff_t extent, ptrdiff_t inner, float *out) {
    dt_reduce_with_isa(dt_active_isa(), op, x, outer, extent, inner, out);
}
