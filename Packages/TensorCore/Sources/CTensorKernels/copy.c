// Strided copy. Memory-bound, so one path serves every instruction set: rows contiguous on both
// sides go through memcpy, transposes through square tiles that stay in L1, anything else through
// a plain strided loop. Large copies are split over the worker pool.
#include <string.h>
#include "dt_elementwise.h"
#include "elementwise_layout.h"

/// Tile edge of the transposing path: two 32×32 float tiles (8 KiB) fit in any L1 cache.
#define DT_COPY_TILE 32
/// Elements a thread should at least get before a copy is split.
#define DT_COPY_GRAIN_ELEMENTS 65536

typedef struct {
    dt_dims dims;          // rows: operand 0 destination, operand 1 source
    const float *src;
    float *dst;
    // Transposing path: planes enumerated by `dims` (last dimension of size 1), each [ni, nj].
    ptrdiff_t ni, nj, di, dj, sj;
} copy_job;

/// Rows [begin, end) of `job->dims`.
static void copy_rows(void *ctx, size_t begin, size_t end) {
    const copy_job *job = ctx;
    const dt_dims *dims = &job->dims;
    const int last = dims->rank - 1;
    const ptrdiff_t n = dims->shape[last];
    const ptrdiff_t sd = dims->strides[0][last], ss = dims->strides[1][last];
    dt_row_cursor cursor;
    dt_cursor_start(&cursor, dims, (ptrdiff_t)begin);
    for (size_t r = begin; r < end; r++) {
        float *d = job->dst + cursor.offset[0];
        const float *s = job->src + cursor.offset[1];
        if (sd == 1 && ss == 1) {
            memcpy(d, s, (size_t)n * sizeof(float));
        } else {
            for (ptrdiff_t i = 0; i < n; i++) d[i * sd] = s[i * ss];
        }
        dt_cursor_next(&cursor, dims);
    }
}

/// Tasks [begin, end) of the transposing path: task t is row band t % bands of plane t / bands,
/// copied in square tiles. The source is contiguous along i, the destination typically along j.
static void copy_tiles(void *ctx, size_t begin, size_t end) {
    const copy_job *job = ctx;
    const ptrdiff_t bands = (job->ni + DT_COPY_TILE - 1) / DT_COPY_TILE;
    dt_row_cursor cursor;
    for (size_t t = begin; t < end; t++) {
        dt_cursor_start(&cursor, &job->dims, (ptrdiff_t)t / bands);
        float *d = job->dst + cursor.offset[0];
        const float *s = job->src + cursor.offset[1];
        const ptrdiff_t i0 = ((ptrdiff_t)t % bands) * DT_COPY_TILE;
        const ptrdiff_t i1 = i0 + DT_COPY_TILE < job->ni ? i0 + DT_COPY_TILE : job->ni;
        for (ptrdiff_t j0 = 0; j0 < job->nj; j0 += DT_COPY_TILE) {
            const ptrdiff_t j1 = j0 + DT_COPY_TILE < job->nj ? j0 + DT_COPY_TILE : job->nj;
            for (ptrdiff_t i = i0; i < i1; i++) {
                for (ptrdiff_t j = j0; j < j1; j++) d[i * job->di + j * job->dj] = s[i + j * job->sj];
            }
        }
    }
}

void dt_copy(int rank, const ptrdiff_t *shape,
             const float *src, const ptrdiff_t *src_strides,
             float *dst, const ptrdiff_t *dst_strides) {
    const ptrdiff_t *strides[2] = {dst_strides, src_strides};
    dt_dims dims;
    if (!dt_dims_make(&dims, rank, shape, 2, strides)) return;
    const int last = dims.rank - 1;
    copy_job job = {.src = src, .dst = dst};
    if (dims.rank >= 2 && dims.strides[1][last] != 1 && dims.shape[last] >= 4) {
        // A dimension along which the source is contiguous, other than the last: transpose in tiles.
        int along = -1;
        for (int d = 0; d < last; d++) {
            if (dims.strides[1][d] == 1 && dims.shape[d] >= 4) along = d;
        }
        if (along >= 0) {
            dt_dims *planes = &job.dims;
            planes->operands = 2;
            planes->rank = 0;
            for (int d = 0; d < last; d++) {
                if (d == along) continue;
                planes->shape[planes->rank] = dims.shape[d];
                planes->strides[0][planes->rank] = dims.strides[0][d];
                planes->strides[1][planes->rank] = dims.strides[1][d];
                planes->rank++;
            }
            planes->shape[planes->rank] = 1;
            planes->strides[0][planes->rank] = 0;
            planes->strides[1][planes->rank] = 0;
            planes->rank++;
            job.ni = dims.shape[along];
            job.nj = dims.shape[last];
            job.di = dims.strides[0][along];
            job.dj = dims.strides[0][last];
            job.sj = dims.strides[1][last];
            const ptrdiff_t bands = (job.ni + DT_COPY_TILE - 1) / DT_COPY_TILE;
            const size_t tasks = (size_t)(dt_dims_rows(planes) * bands);
            size_t grain = (size_t)(DT_COPY_GRAIN_ELEMENTS / (DT_COPY_TILE * job.nj));
            dt_parallel_for_grain(tasks, grain > 0 ? grain : 1, copy_tiles, &job);
            return;
        }
    }
    job.dims = dims;
    size_t grain = (size_t)(DT_COPY_GRAIN_ELEMENTS / dims.shape[last]);
    dt_parallel_for_grain((size_t)dt_dims_rows(&dims), grain > 0 ? grain : 1, copy_rows, &job);
}
