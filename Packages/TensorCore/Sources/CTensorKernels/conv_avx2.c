// AVX2+FMA instantiation of the convolution routines (patch gathering, column scatter).
#if defined(__x86_64__)
#include "conv_internal.h"
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#include "gemm_simd_avx2.h"
#include "conv_template.h"

DT_CONV_DEFINE_OPS(dt_conv_ops_avx2)

#pragma clang attribute pop
#endif
