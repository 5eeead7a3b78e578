// Runs the CUDA kernels of Kernels/*.cu on the CPU, for tests on machines without a GPU.
//
// The kernels are compiled for the host from the same source as the PTX (dt_prelude.cuh with
// DT_HOST_EMULATION). A launch runs every block in turn; the threads of a block run as fibers that
// switch at each dt_sync_threads(), so shared memory and barriers behave as on a GPU.
#ifndef CUDA_KERNEL_EMULATOR_H
#define CUDA_KERNEL_EMULATOR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct { unsigned int x, y, z; } dt_emu_dim3;

/// Runs kernel `name` on `grid` × `block` with `cuLaunchKernel`-style parameters (one pointer per
/// parameter, each to its value). Returns 0, or 1 with a message in `message` (unknown kernel,
/// block too large, threads of a block out of step at a barrier).
int dt_emu_launch(const char *name, dt_emu_dim3 grid, dt_emu_dim3 block, void **parameters,
                  char *message, int message_capacity);

/// Number of kernels the emulator knows.
int dt_emu_kernel_count(void);

/// Name of kernel `index` (0 ..< dt_emu_kernel_count()).
const char *dt_emu_kernel_name(int index);

/// Writes the C `sizeof` of each parameter of kernel `name` into `sizes` (at most `capacity`)
/// and returns the parameter count, or -1 for an unknown kernel.
int dt_emu_parameter_sizes(const char *name, int *sizes, int capacity);

#ifdef __cplusplus
}
#endif
#endif
