// AVX-512 instantiation of the convolution routines (patch gathering, column scatter).
#if defined(__x86_64__)
#include "conv_internal.h"
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"))), \
                             apply_to = function)

#include "gemm_simd_avx512.h"
#include "conv_template.h"

DT_CONV_DEFINE_OPS(dt_conv_ops_avx512)

#pragma clang attribute pop
#endif
