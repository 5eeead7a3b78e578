// NEON (arm64) instantiation of the convolution routines (patch gathering, column scatter).
#if defined(__aarch64__)
#include "conv_internal.h"
#include "gemm_simd_neon.h"
#include "conv_template.h"

DT_CONV_DEFINE_OPS(dt_conv_ops_neon)
#endif
