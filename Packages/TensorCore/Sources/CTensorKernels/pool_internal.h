// Internal helpers of the worker pool shared by the kernels (not part of the public C API):
// floating-point mode switching and spin-wait hints.
//
// Kernels run in the IEEE mode: subnormal inputs and results are kept (no flush-to-zero, no
// denormals-are-zero), as in PyTorch on the CPU. Flushing made log(1e-40) come out as
// log(0)-ish garbage and sigmoid(x) zero below x = -87.3, where PyTorch's float32 answers are
// exact. Every chunk clears the flush bits whichever thread runs it (a caller may have set them),
// so results do not depend on the thread count.
#ifndef DT_POOL_INTERNAL_H
#define DT_POOL_INTERNAL_H
#include <stdatomic.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define DT_FP_FLUSH_BITS 0x8040u /* MXCSR: flush-to-zero (bit 15) | denormals-are-zero (bit 6) */
typedef unsigned dt_fp_mode;
/// Switches the calling thread to IEEE subnormals (clears flush-to-zero and denormals-are-zero);
/// returns the previous mode.
static inline dt_fp_mode dt_fp_mode_enter_ieee(void) {
    unsigned old = _mm_getcsr();
    if ((old & DT_FP_FLUSH_BITS) != 0) _mm_setcsr(old & ~DT_FP_FLUSH_BITS);
    return old;
}
/// Restores a mode returned by dt_fp_mode_enter_ieee.
static inline void dt_fp_mode_restore(dt_fp_mode old) {
    if (_mm_getcsr() != old) _mm_setcsr(old);
}
static inline void dt_cpu_relax(void) { _mm_pause(); }
#elif defined(__aarch64__)
typedef uint64_t dt_fp_mode;
static inline dt_fp_mode dt_fp_mode_enter_ieee(void) {
    uint64_t old;
    __asm__ volatile("mrs %0, fpcr" : "=r"(old));
    uint64_t ieee = old & ~(1ull << 24); /* FZ */
    if (ieee != old) __asm__ volatile("msr fpcr, %0" : : "r"(ieee));
    return old;
}
static inline void dt_fp_mode_restore(dt_fp_mode old) { __asm__ volatile("msr fpcr, %0" : : "r"(old)); }
static inline void dt_cpu_relax(void) { __asm__ volatile("yield"); }
#else
typedef int dt_fp_mode;
static inline dt_fp_mode dt_fp_mode_enter_ieee(void) { return 0; }
static inline void dt_fp_mode_restore(dt_fp_mode old) { (void)old; }
static inline void dt_cpu_relax(void) {}
#endif

#endif
