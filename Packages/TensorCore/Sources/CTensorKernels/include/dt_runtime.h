// Runtime services of the CPU kernels: aligned allocation, CPU feature dispatch, worker pool.
#ifndef DT_RUNTIME_H
#define DT_RUNTIME_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 64-byte aligned storage for `count` floats, or NULL when memory is exhausted or the byte count
/// overflows size_t (nothing is printed; callers report the failure).
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

/// The best path this CPU supports (x86-64: AVX-512F/BW/VL/DQ with OS-enabled ZMM state, else
/// AVX2+FMA, else portable; arm64: NEON).
dt_isa dt_detected_isa(void);
/// The path kernels started on the calling thread take now: its override, else the process setting
/// (initially DEEPTRUST_ISA when set to "portable", "avx2" or "avx512", else detected).
dt_isa dt_active_isa(void);
/// Forces a path for the whole process; returns the path now active. A path the CPU lacks falls back to the best
/// supported path below it (x86-64: avx512f > avx2+fma > portable); a path of another architecture
/// falls back to portable. `dt_force_isa(dt_detected_isa())` undoes a forcing.
dt_isa dt_force_isa(dt_isa isa);
/// Whether the CPU can run `isa` (portable: always).
int dt_isa_supported(dt_isa isa);
/// Printable name of a path ("avx512f", "avx2+fma", "neon", "portable").
const char *dt_isa_name(dt_isa isa);

/// Overrides the path for kernels started on the calling thread only (clamped like dt_force_isa),
/// or removes the override when `isa` is -1; returns the previous override (-1 when none). Lets
/// concurrent tests pin different paths without affecting each other.
int dt_exchange_thread_isa_override(int isa);

/// Number of threads kernels started on the calling thread use (its override, else the process
/// setting: online cores, or DEEPTRUST_NUM_THREADS when set, or dt_set_thread_count).
int dt_thread_count(void);
/// Sets the process's number of threads kernels use (clamped to 1...256). Takes effect at the next parallel call.
void dt_set_thread_count(int count);

/// Overrides the thread count for kernels started on the calling thread only, or removes the
/// override when `count` is 0; returns the previous override (0 when none).
int dt_exchange_thread_count_override(int count);

/// Body of a parallel loop: processes the indices `[begin, end)`.
typedef void (*dt_range_fn)(void *ctx, size_t begin, size_t end);

/// Runs `fn` over `[0, n)` split into contiguous, nearly equal chunks (a few per thread, never
/// more than `n`) on up to dt_thread_count() threads, the calling thread included, and returns
/// when every chunk is done. `fn` must be safe to call concurrently on disjoint ranges. Does nothing
/// when `n` is 0. Called from inside a parallel body, or while another thread holds the pool, it
/// runs the whole range on the calling thread. Every chunk runs with IEEE subnormals (flush-to-zero
/// and denormals-are-zero cleared), whichever thread runs it, so results do not depend on the
/// thread count; the calling thread's floating-point mode is restored before returning.
/// Callers decide when a loop is too small to be worth splitting (see dt_parallel_for_grain).
void dt_parallel_for(size_t n, dt_range_fn fn, void *ctx);

/// Like dt_parallel_for, but every chunk holds at least `grain` indices, so loops shorter than
/// 2·grain run on the calling thread alone, without any threading cost.
void dt_parallel_for_grain(size_t n, size_t grain, dt_range_fn fn, void *ctx);

/// Body of a parallel team: the `index`-th of `count` cooperating calls.
typedef void (*dt_team_fn)(void *ctx, int index, int count);

/// Calls `fn(ctx, i, count)` once for each `i` in `[0, count)`, `count = min(max_threads,
/// dt_thread_count())` (at least 1), and returns when all calls have returned. The calls are
/// spread over up to `count` threads, the calling thread included: each `i` goes to whichever
/// thread asks first, so a worker that is not running at the time (a busy machine) leaves its
/// share to the others, and several `i` may run one after another on one thread. Nested or
/// contended calls run with `count = 1` on the calling thread.
void dt_parallel_team(int max_threads, dt_team_fn fn, void *ctx);

/// Calls `fn(ctx, i, parts)` once for each `i` in `[0, parts)` (at least 1 part), spread like
/// dt_parallel_team over up to dt_thread_count() threads; returns when all calls have returned.
/// More parts than threads balance the load, and keep a descheduled worker from delaying the
/// rest by more than one part.
void dt_parallel_parts(int parts, dt_team_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
