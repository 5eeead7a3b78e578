// Portable instantiation of the convolution routines (patch gathering, column scatter).
#include "conv_internal.h"
#include "gemm_simd_portable.h"
#include "conv_template.h"

DT_CONV_DEFINE_OPS(dt_conv_ops_portable)
