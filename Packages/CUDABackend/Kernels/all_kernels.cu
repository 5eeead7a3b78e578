// The one translation unit of the PTX module (Tools/dev/run gen-ptx) and of the tests' host emulation.
#include "elementwise.cu"
#include "reduce.cu"
#include "gemm.cu"
#include "conv.cu"
#include "random.cu"
#include "adam.cu"
