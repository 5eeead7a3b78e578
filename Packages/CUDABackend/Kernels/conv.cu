// Convolution pieces around the GEMM: im2col gathers input patches into columns, col2im sums
// columns back into an input-shaped gradient (a gather per input element, so no atomics).
// Column layout for image n: [inChannels * kernelH * kernelW, outHeight * outWidth], row index
// (c * kernelH + i) * kernelW + j, images one after another.
#include "dt_geometry.cuh"

/// Geometry of one NCHW convolution (groups = 1). 64 bytes.
struct DTConv {
    u32 batch, inChannels, height, width;
    u32 outChannels, kernelH, kernelW;
    u32 strideH, strideW, padH, padW, dilationH, dilationW;
    u32 outHeight, outWidth;
    u32 reserved;
};

/// columns[n][(c, i, j)][(oy, ox)] = input[n][c][oy*sh - ph + i*dh][ox*sw - pw + j*dw] or 0 outside.
DT_KERNEL void dt_im2col(DTConv p, const float* input, float* columns) {
    const u32 spatial = p.outHeight * p.outWidth;
    const u32 rows = p.inChannels * p.kernelH * p.kernelW;
    const u32 total = p.batch * rows * spatial;
    for (u32 idx = dt_global_index(); idx < total; idx += dt_global_stride()) {
        u32 s = idx % spatial, rest = idx / spatial;
        u32 row = rest % rows, n = rest / rows;
        u32 j = row % p.kernelW, ij = row / p.kernelW;
        u32 i = ij % p.kernelH, c = ij / p.kernelH;
        u32 ox = s % p.outWidth, oy = s / p.outWidth;
        int y = (int)(oy * p.strideH + i * p.dilationH) - (int)p.padH;
        int x = (int)(ox * p.strideW + j * p.dilationW) - (int)p.padW;
        float v = 0.0f;
        if (y >= 0 && y < (int)p.height && x >= 0 && x < (int)p.width)
            v = input[(((u64)n * p.inChannels + c) * p.height + (u32)y) * p.width + (u32)x];
        columns[idx] = v;
    }
}

/// gradInput[n][c][y][x] = sum of the columns entries that im2col read from (y, x).
DT_KERNEL void dt_col2im(DTConv p, const float* columns, float* gradInput) {
    const u32 spatial = p.outHeight * p.outWidth;
    const u32 rows = p.inChannels * p.kernelH * p.kernelW;
    const u32 total = p.batch * p.inChannels * p.height * p.width;
    for (u32 idx = dt_global_index(); idx < total; idx += dt_global_stride()) {
        u32 x = idx % p.width, rest = idx / p.width;
        u32 y = rest % p.height; rest /= p.height;
        u32 c = rest % p.inChannels, n = rest / p.inChannels;
        const float* image = columns + (u64)n * rows * spatial;
        float sum = 0.0f;
        for (u32 i = 0; i < p.kernelH; ++i) {
            int ty = (int)(y + p.padH) - (int)(i * p.dilationH);
            if (ty < 0 || ty % (int)p.strideH != 0) continue;
            u32 oy = (u32)ty / p.strideH;
            if (oy >= p.outHeight) continue;
            for (u32 j = 0; j < p.kernelW; ++j) {
                int tx = (int)(x + p.padW) - (int)(j * p.dilationW);
                if (tx < 0 || tx % (int)p.strideW != 0) continue;
                u32 ox = (u32)tx / p.strideW;
                if (ox >= p.outWidth) continue;
                sum += image[(u64)((c * p.kernelH + i) * p.kernelW + j) * spatial + oy * p.outWidth + ox];
            }
        }
        gradInput[idx] = sum;
    }
}
