// The few definitions the kernels need, so that they compile without the CUDA headers.
//
// Two builds include the kernels:
// - the device build (clang -x cuda --cuda-device-only -nocudainc -nocudalib, __CUDA_ARCH__
//   defined): thread indices from the NVVM special registers, math from libdevice (__nv_*);
// - the host emulation of the tests (DT_HOST_EMULATION defined): the emulator defines the same
//   names before including the kernels, and runs each thread of a block as a fiber.
// Kernels use only the dt_* names below, never CUDA's own spellings.
#pragma once

typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

#if defined(__CUDA_ARCH__)

#define DT_KERNEL extern "C" __attribute__((global))
#define DT_DEVICE static __attribute__((device)) __attribute__((always_inline)) inline
#define DT_SHARED __attribute__((shared))

extern "C" __attribute__((device)) float __nv_expf(float);
extern "C" __attribute__((device)) float __nv_logf(float);
extern "C" __attribute__((device)) float __nv_log1pf(float);
extern "C" __attribute__((device)) float __nv_fsqrt_rn(float);
extern "C" __attribute__((device)) float __nv_tanhf(float);
extern "C" __attribute__((device)) float __nv_powf(float, float);
extern "C" __attribute__((device)) float __nv_fabsf(float);
extern "C" __attribute__((device)) float __nv_fmaf(float, float, float);
extern "C" __attribute__((device)) int __nv_isnanf(float);
extern "C" __attribute__((device)) float __nv_nextafterf(float, float);
extern "C" __attribute__((device)) double __nv_log(double);
extern "C" __attribute__((device)) double __nv_sqrt(double);
extern "C" __attribute__((device)) double __nv_cos(double);
extern "C" __attribute__((device)) double __nv_sin(double);

DT_DEVICE u32 dt_thread_x() { return __nvvm_read_ptx_sreg_tid_x(); }
DT_DEVICE u32 dt_block_x() { return __nvvm_read_ptx_sreg_ctaid_x(); }
DT_DEVICE u32 dt_block_y() { return __nvvm_read_ptx_sreg_ctaid_y(); }
DT_DEVICE u32 dt_block_z() { return __nvvm_read_ptx_sreg_ctaid_z(); }
DT_DEVICE u32 dt_block_dim_x() { return __nvvm_read_ptx_sreg_ntid_x(); }
DT_DEVICE u32 dt_grid_dim_x() { return __nvvm_read_ptx_sreg_nctaid_x(); }
DT_DEVICE u32 dt_grid_dim_z() { return __nvvm_read_ptx_sreg_nctaid_z(); }
DT_DEVICE void dt_sync_threads() { __syncthreads(); }

DT_DEVICE float dt_expf(float x) { return __nv_expf(x); }
DT_DEVICE float dt_logf(float x) { return __nv_logf(x); }
DT_DEVICE float dt_log1pf(float x) { return __nv_log1pf(x); }
// IEEE round-to-nearest (sqrt.rn.f32), as the CPU's sqrtf: libdevice's __nv_sqrtf is the fast
// sqrt.approx.f32 unless built with -fcuda-prec-sqrt semantics, and Adam must match the CPU bit for bit.
DT_DEVICE float dt_sqrtf(float x) { return __nv_fsqrt_rn(x); }
DT_DEVICE float dt_tanhf(float x) { return __nv_tanhf(x); }
DT_DEVICE float dt_powf(float x, float y) { return __nv_powf(x, y); }
DT_DEVICE float dt_fabsf(float x) { return __nv_fabsf(x); }
DT_DEVICE float dt_fmaf(float a, float b, float c) { return __nv_fmaf(a, b, c); }
DT_DEVICE bool dt_isnan(float x) { return __nv_isnanf(x) != 0; }
DT_DEVICE float dt_nextafterf(float x, float toward) { return __nv_nextafterf(x, toward); }
DT_DEVICE double dt_log(double x) { return __nv_log(x); }
DT_DEVICE double dt_sqrt(double x) { return __nv_sqrt(x); }
DT_DEVICE double dt_cos(double x) { return __nv_cos(x); }
DT_DEVICE double dt_sin(double x) { return __nv_sin(x); }

#elif defined(DT_HOST_EMULATION)
// The emulator (Sources/CUDAKernelEmulator, used by the tests) has defined DT_KERNEL, DT_DEVICE, DT_SHARED and the dt_* functions.
#else
#error "dt_prelude.cuh: build with clang -x cuda (device) or define DT_HOST_EMULATION"
#endif

#define DT_NAN (__builtin_nanf(""))
#define DT_INFINITY (__builtin_inff())
