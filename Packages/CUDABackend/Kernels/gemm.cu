// SGEMM fallback for when cuBLAS is not available: C = alpha * op(A) * op(B) + beta * C,
// row-major, batched by grid z. 64x64 tiles of C per block of 256 threads, each thread owning a
// 4x4 register tile (rows ty + 16i, columns tx + 16j), K in steps of 16 through shared memory.
#include "dt_geometry.cuh"

/// Parameters of one (batched) product; the pointers passed beside it already include the
/// element offsets. 80 bytes.
struct DTGemm {
    i64 lda, ldb, ldc;
    i64 batchStrideA, batchStrideB, batchStrideC;
    u32 m, n, k, batch;
    u32 transposeA, transposeB;
    float alpha, beta;
};

#define DT_GEMM_TK 16

DT_KERNEL void dt_gemm(DTGemm p, const float* A, const float* B, float* C) {
    DT_SHARED float tileA[DT_GEMM_TK][DT_LIMIT_GEMM_TILE + 1];  // [kk][row]
    DT_SHARED float tileB[DT_GEMM_TK][DT_LIMIT_GEMM_TILE + 1];  // [kk][column]
    const u32 t = dt_thread_x(), tx = t & 15u, ty = t >> 4;
    const u32 row0 = dt_block_y() * DT_LIMIT_GEMM_TILE, col0 = dt_block_x() * DT_LIMIT_GEMM_TILE;
    for (u32 batch = dt_block_z(); batch < p.batch; batch += dt_grid_dim_z()) {
        const float* a = A + (i64)batch * p.batchStrideA;
        const float* b = B + (i64)batch * p.batchStrideB;
        float* c = C + (i64)batch * p.batchStrideC;
        float acc[4][4];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;
        for (u32 k0 = 0; k0 < p.k; k0 += DT_GEMM_TK) {
#pragma unroll
            for (int l = 0; l < 4; ++l) {
                // Each tile holds 64 x 16 = 1024 values, 4 per thread; consecutive threads read
                // consecutive addresses of whichever dimension is contiguous in memory.
                u32 e = t + 256u * (u32)l;
                u32 r, kk;
                if (p.transposeA) { r = e & 63u; kk = e >> 6; } else { kk = e & 15u; r = e >> 4; }
                u32 gr = row0 + r, gk = k0 + kk;
                float v = 0.0f;
                if (gr < p.m && gk < p.k) v = p.transposeA ? a[(i64)gk * p.lda + gr] : a[(i64)gr * p.lda + gk];
                tileA[kk][r] = v;
                u32 cc;
                if (p.transposeB) { kk = e & 15u; cc = e >> 4; } else { cc = e & 63u; kk = e >> 6; }
                u32 gc = col0 + cc;
                gk = k0 + kk;
                v = 0.0f;
                if (gc < p.n && gk < p.k) v = p.transposeB ? b[(i64)gc * p.ldb + gk] : b[(i64)gk * p.ldb + gc];
                tileB[kk][cc] = v;
            }
            dt_sync_threads();
#pragma unroll
            for (int kk = 0; kk < DT_GEMM_TK; ++kk) {
                float ar[4], br[4];
#pragma unroll
                for (int i = 0; i < 4; ++i) ar[i] = tileA[kk][ty + 16 * i];
#pragma unroll
                for (int j = 0; j < 4; ++j) br[j] = tileB[kk][tx + 16 * j];
#pragma unroll
                for (int i = 0; i < 4; ++i)
#pragma unroll
                    for (int j = 0; j < 4; ++j) acc[i][j] = dt_fmaf(ar[i], br[j], acc[i][j]);
            }
            dt_sync_threads();
        }
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            u32 r = row0 + ty + 16u * (u32)i;
            if (r >= p.m) continue;
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                u32 cc = col0 + tx + 16u * (u32)j;
                if (cc >= p.n) continue;
                float* out = c + (i64)r * p.ldc + cc;
                // beta == 0 never reads C, so garbage (even NaN) in a fresh buffer is ignored.
                *out = p.beta == 0.0f ? p.alpha * acc[i][j] : p.alpha * acc[i][j] + p.beta * *out;
            }
        }
    }
}
