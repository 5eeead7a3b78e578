// CTensorKernels: the CPU backend's C kernels. Umbrella header; one header per area.
#ifndef CTENSORKERNELS_H
#define CTENSORKERNELS_H
#include "dt_runtime.h"
#include "dt_alloc_cache.h"
#include "dt_random.h"
#include "dt_elementwise.h"
#include "dt_fill.h"
#include "dt_optim.h"
#include "dt_gemm.h"
#include "dt_conv.h"
#endif
