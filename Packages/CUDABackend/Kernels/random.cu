// Philox4x32-10 fills with the CPU backend's numbering and formulas (TensorCore's philox.c and
// random_fill.c): element i uses word i % 4 of the block at counter (stream << 64) | (counter + i / 4)
// under key = seed.
// Uniform: x = low + (high - low) * ((word >> 8) * 2^-24), pulled below high if rounding reached it.
// Normal: Box-Muller in double on words (0, 1) and (2, 3): u1 = ((w0 >> 8) + 1) * 2^-24,
// u2 = (w1 >> 8) * 2^-24, r = sqrt(-2 ln u1), n0 = mean + std * r cos(2 pi u2),
// n1 = mean + std * r sin(2 pi u2), rounded to float at the end.
#include "dt_geometry.cuh"

DT_DEVICE void dt_philox_block(u64 counter, u64 stream, u64 seed, u32 out[4]) {
    u32 c0 = (u32)counter, c1 = (u32)(counter >> 32), c2 = (u32)stream, c3 = (u32)(stream >> 32);
    u32 k0 = (u32)seed, k1 = (u32)(seed >> 32);
#pragma unroll
    for (int round = 0; round < 10; ++round) {
        u64 p0 = (u64)0xD2511F53u * c0;
        u64 p1 = (u64)0xCD9E8D57u * c2;
        u32 n0 = (u32)(p1 >> 32) ^ c1 ^ k0;
        u32 n2 = (u32)(p0 >> 32) ^ c3 ^ k1;
        c1 = (u32)p1;
        c3 = (u32)p0;
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

DT_DEVICE float dt_uniform(u32 word, float low, float range, float high) {
    float u = (float)(word >> 8) * 0x1p-24f;
    float x = low + range * u;
    if (x >= high && high > low) x = dt_nextafterf(high, low);
    return x;
}

DT_DEVICE void dt_box_muller(u32 w0, u32 w1, double mean, double std, float* n0, float* n1) {
    double u1 = (double)((w0 >> 8) + 1) * 0x1p-24;
    double u2 = (double)(w1 >> 8) * 0x1p-24;
    double r = dt_sqrt(-2.0 * dt_log(u1));
    double theta = 6.283185307179586 * u2;
    *n0 = (float)(mean + std * (r * dt_cos(theta)));
    *n1 = (float)(mean + std * (r * dt_sin(theta)));
}

/// One thread per Philox block (four elements). (a, b) = (low, high) or (mean, std).
DT_KERNEL void dt_philox_fill(float* out, u32 count, u64 seed, u64 stream, u64 counter,
                              u32 distribution, float a, float b) {
    const u32 blocks = (u32)(((u64)count + 3) / 4);
    for (u32 blockIndex = dt_global_index(); blockIndex < blocks; blockIndex += dt_global_stride()) {
        u32 w[4];
        dt_philox_block(counter + blockIndex, stream, seed, w);
        float v[4];
        if (distribution == DT_RANDOM_UNIFORM) {
            float range = b - a;
#pragma unroll
            for (int k = 0; k < 4; ++k) v[k] = dt_uniform(w[k], a, range, b);
        } else {
            dt_box_muller(w[0], w[1], a, b, &v[0], &v[1]);
            dt_box_muller(w[2], w[3], a, b, &v[2], &v[3]);
        }
        u32 first = blockIndex * 4u;
#pragma unroll
        for (int k = 0; k < 4; ++k)
            if (first + (u32)k < count) out[first + k] = v[k];
    }
}
