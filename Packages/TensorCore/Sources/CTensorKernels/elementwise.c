// Unary, binary and select kernels: layouts are simplified (size-1 dimensions dropped, dimensions
// adjacent in memory merged), then each row is handed to a row kernel of the active instruction set.
// Large calls are split over the worker pool by element ranges (the result does not depend on the split).
#include "dt_elementwise.h"
#include "elementwise_layout.h"

#define DT_ISA_TEMPLATE "elementwise_template.h"
#include "isa_instances.h"

typedef void (*dt_unary_row_fn)(dt_unary_op, float, float, ptrdiff_t, const float *restrict, ptrdiff_t,
                                float *restrict);
typedef void (*dt_binary_row_fn)(dt_binary_op, ptrdiff_t, const float *restrict, ptrdiff_t,
                                 const float *restrict, ptrdiff_t, float *restrict);
typedef void (*dt_select_row_fn)(ptrdiff_t, const float *restrict, ptrdiff_t, const float *restrict, ptrdiff_t,
                                 const float *restrict, ptrdiff_t, float *restrict);

static dt_unary_row_fn unary_row_for(dt_isa isa) {
    switch (dt_compiled_isa(isa)) {
#if defined(__x86_64__) || defined(__i386__)
    case DT_ISA_AVX512F: return unary_row_avx512;
    case DT_ISA_AVX2_FMA: return unary_row_avx2;
#endif
    default: return unary_row_portable;
    }
}

static dt_binary_row_fn binary_row_for(dt_isa isa) {
    switch (dt_compiled_isa(isa)) {
#if defined(__x86_64__) || defined(__i386__)
    case DT_ISA_AVX512F: return binary_row_avx512;
    case DT_ISA_AVX2_FMA: return binary_row_avx2;
#endif
    default: return binary_row_portable;
    }
}

static dt_select_row_fn select_row_for(dt_isa isa) {
    switch (dt_compiled_isa(isa)) {
#if defined(__x86_64__) || defined(__i386__)
    case DT_ISA_AVX512F: return select_row_avx512;
    case DT_ISA_AVX2_FMA: return select_row_avx2;
#endif
    default: return select_row_portable;
    }
}

/// Elements per thread below which a loop runs on the calling thread: cheap operations are
/// memory-bound and only gain from a second core on large tensors; libm calls gain much earlier.
#define DT_GRAIN_CHEAP 32768
#define DT_GRAIN_COSTLY 4096

/// One elementwise call: the simplified layout (operand 0 is the output), the operand base
/// pointers and the row kernel, split over threads by element ranges.
typedef struct {
    dt_dims dims;
    float *out;
    const float *in[3];
    int kind; // 0 unary, 1 binary, 2 select, 3 binary then unary
    dt_unary_row_fn unary;
    dt_binary_row_fn binary;
    dt_select_row_fn select;
    dt_unary_op unary_op;
    dt_binary_op binary_op;
    float p0, p1;
} elementwise_job;

/// Elements per block of a fused binary-then-unary row: the intermediate stays in L1.
#define DT_FUSED_BLOCK 512

/// out[i] = post(a[i] op b[i]) for i < n, a block at a time through a stack buffer (the row
/// kernels take non-aliasing operands), so the intermediate never goes to memory.
static void binary_then_unary(const elementwise_job *job, ptrdiff_t n, const float *a, ptrdiff_t sa,
                              const float *b, ptrdiff_t sb, float *out) {
    float block[DT_FUSED_BLOCK];
    for (ptrdiff_t start = 0; start < n; start += DT_FUSED_BLOCK) {
        const ptrdiff_t length = n - start < DT_FUSED_BLOCK ? n - start : DT_FUSED_BLOCK;
        job->binary(job->binary_op, length, a + start * sa, sa, b + start * sb, sb, block);
        job->unary(job->unary_op, job->p0, job->p1, length, block, 1, out + start);
    }
}

/// Processes elements [begin, end) of the job in row-major order, a (partial) row at a time.
static void run_elementwise_range(void *ctx, size_t begin, size_t end) {
    const elementwise_job *job = ctx;
    const dt_dims *dims = &job->dims;
    const int last = dims->rank - 1;
    const ptrdiff_t n = dims->shape[last];
    const ptrdiff_t *s0 = dims->strides[0], *s1 = dims->strides[1], *s2 = dims->strides[2], *s3 = dims->strides[3];
    dt_row_cursor cursor;
    ptrdiff_t position = (ptrdiff_t)begin;
    dt_cursor_start(&cursor, dims, position / n);
    ptrdiff_t column = position % n;
    while (position < (ptrdiff_t)end) {
        ptrdiff_t length = n - column;
        if (length > (ptrdiff_t)end - position) length = (ptrdiff_t)end - position;
        float *out = job->out + cursor.offset[0] + column * s0[last];
        switch (job->kind) {
        case 0:
            job->unary(job->unary_op, job->p0, job->p1, length, job->in[0] + cursor.offset[1] + column * s1[last],
                       s1[last], out);
            break;
        case 1:
            job->binary(job->binary_op, length, job->in[0] + cursor.offset[1] + column * s1[last], s1[last],
                        job->in[1] + cursor.offset[2] + column * s2[last], s2[last], out);
            break;
        case 3:
            binary_then_unary(job, length, job->in[0] + cursor.offset[1] + column * s1[last], s1[last],
                              job->in[1] + cursor.offset[2] + column * s2[last], s2[last], out);
            break;
        default:
            job->select(length, job->in[0] + cursor.offset[1] + column * s1[last], s1[last],
                        job->in[1] + cursor.offset[2] + column * s2[last], s2[last],
                        job->in[2] + cursor.offset[3] + column * s3[last], s3[last], out);
            break;
        }
        position += length;
        column = 0;
        dt_cursor_next(&cursor, dims);
    }
}

/// Simplifies the layouts (operand 0: the contiguous output) and runs the job over all elements.
static void run_elementwise(elementwise_job *job, int rank, const ptrdiff_t *shape, int operands,
                            const ptrdiff_t *const *input_strides, size_t grain) {
    ptrdiff_t out_strides[rank > 0 ? rank : 1];
    dt_contiguous_strides(rank, shape, out_strides);
    const ptrdiff_t *strides[DT_MAX_OPERANDS] = {out_strides, NULL, NULL, NULL};
    for (int i = 1; i < operands; i++) strides[i] = input_strides[i - 1];
    if (!dt_dims_make(&job->dims, rank, shape, operands, strides)) return;
    const size_t count = (size_t)(dt_dims_rows(&job->dims) * job->dims.shape[job->dims.rank - 1]);
    dt_parallel_for_grain(count, grain, run_elementwise_range, job);
}

static size_t unary_grain(dt_unary_op op) {
    switch (op) {
    case DT_UNARY_EXP: case DT_UNARY_LOG: case DT_UNARY_TANH: case DT_UNARY_SIGMOID:
    case DT_UNARY_SOFTPLUS: case DT_UNARY_POW_SCALAR:
        return DT_GRAIN_COSTLY;
    default:
        return DT_GRAIN_CHEAP;
    }
}

void dt_unary_with_isa(dt_isa isa, dt_unary_op op, float p0, float p1, int rank, const ptrdiff_t *shape,
                       const float *x, const ptrdiff_t *x_strides, float *out) {
    elementwise_job job = {.out = out, .in = {x}, .kind = 0, .unary = unary_row_for(isa),
                           .unary_op = op, .p0 = p0, .p1 = p1};
    const ptrdiff_t *strides[1] = {x_strides};
    run_elementwise(&job, rank, shape, 2, strides, unary_grain(op));
}

void dt_unary(dt_unary_op op, float p0, float p1, int rank, const ptrdiff_t *shape,
              const float *x, const ptrdiff_t *x_strides, float *out) {
    dt_unary_with_isa(dt_active_isa(), op, p0, p1, rank, shape, x, x_strides, out);
}

void dt_binary_with_isa(dt_isa isa, dt_binary_op op, int rank, const ptrdiff_t *shape,
                        const float *a, const ptrdiff_t *a_strides,
                        const float *b, const ptrdiff_t *b_strides, float *out) {
    elementwise_job job = {.out = out, .in = {a, b}, .kind = 1, .binary = binary_row_for(isa), .binary_op = op};
    const ptrdiff_t *strides[2] = {a_strides, b_strides};
    run_elementwise(&job, rank, shape, 3, strides, op == DT_BINARY_POW ? DT_GRAIN_COSTLY : DT_GRAIN_CHEAP);
}

void dt_binary(dt_binary_op op, int rank, const ptrdiff_t *shape,
               const float *a, const ptrdiff_t *a_strides,
               const float *b, const ptrdiff_t *b_strides, float *out) {
    dt_binary_with_isa(dt_active_isa(), op, rank, shape, a, a_strides, b, b_strides, out);
}

void dt_binary_unary_with_isa(dt_isa isa, dt_binary_op op, dt_unary_op post, float p0, float p1, int rank,
                              const ptrdiff_t *shape, const float *a, const ptrdiff_t *a_strides,
                              const float *b, const ptrdiff_t *b_strides, float *out) {
    elementwise_job job = {.out = out, .in = {a, b}, .kind = 3, .binary = binary_row_for(isa), .binary_op = op,
                           .unary = unary_row_for(isa), .unary_op = post, .p0 = p0, .p1 = p1};
    const ptrdiff_t *strides[2] = {a_strides, b_strides};
    const size_t grain = op == DT_BINARY_POW || unary_grain(post) == DT_GRAIN_COSTLY ? DT_GRAIN_COSTLY : DT_GRAIN_CHEAP;
    run_elementwise(&job, rank, shape, 3, strides, grain);
}

void dt_binary_unary(dt_binary_op op, dt_unary_op post, float p0, float p1, int rank, const ptrdiff_t *shape,
                     const float *a, const ptrdiff_t *a_strides,
                     const float *b, const ptrdiff_t *b_strides, float *out) {
    dt_binary_unary_with_isa(dt_active_isa(), op, post, p0, p1, rank, shape, a, a_strides, b, b_strides, out);
}

void dt_select_with_isa(dt_isa isa, int rank, const ptrdiff_t *shape,
                        const float *cond, const ptrdiff_t *cond_strides,
                        const float *a, const ptrdiff_t *a_strides,
                        const float *b, const ptrdiff_t *b_strides, float *out) {
    elementwise_job job = {.out = out, .in = {cond, a, b}, .kind = 2, .select = select_row_for(isa)};
    const ptrdiff_t *strides[3] = {cond_strides, a_strides, b_strides};
    run_elementwise(&job, rank, shape, 4, strides, DT_GRAIN_CHEAP);
}

void dt_select(int rank, const ptrdiff_t *shape,
               const float *cond, const ptrdiff_t *cond_strides,
               const float *a, const ptrdiff_t *a_strides,
               const float *b, const ptrdiff_t *b_strides, float *out) {
    dt_select_with_isa(dt_active_isa(), rank, shape, cond, cond_strides, a, a_strides, b, b_strides, out);
}
