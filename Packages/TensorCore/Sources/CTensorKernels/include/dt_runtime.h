// Runtime services of the CPU kernels: aligned allocation, CPU feature dispatch, worker pool.
#ifndef DT_RUNTIME_H
#define DT_RUNTIME_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 64-byte aligned storage for `count` floats (never NULL: aborts with a message when memory is exhausted).
float *dt_alloc_floats(size_t count);
/// Releases storage from dt_alloc_floats.
void dt_free_floats(float *pointer);

/// Instruction-set paths the kernels can take.
typedef enum {
    DT_ISA_PORTABLE = 0,
    DT_ISA_AVX2_FMA = 1,
    DT_ISA_AVX512F = 2,
    DT_ISA_NEON = 3
} dt_isa;

/// The best path this CPU supports.
dt_isa dt_detected_isa(void);
/// The path kernels take now (detected, or lower when forced).
dt_isa dt_active_isa(void);
/// Forces a path (clamped to what the CPU supports); returns the path now active.
dt_isa dt_force_isa(dt_isa isa);
/// Printable name of a path ("avx512f", "avx2+fma", "neon", "portable").
const char *dt_isa_name(dt_isa isa);

/// Number of threads kernels use (default: online cores, or DEEPTRUST_NUM_THREADS when set).
int dt_thread_count(void);
/// Sets the number of threads kernels use (at least 1).
void dt_set_thread_count(int count);

#ifdef __cplusplus
}
#endif
#endif
