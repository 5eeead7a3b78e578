// CPU feature detection and the choice of kernel path (dt_detected_isa / dt_active_isa / dt_force_isa).
#include "dt_runtime.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static dt_isa detect_isa(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return DT_ISA_PORTABLE;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return DT_ISA_PORTABLE;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return DT_ISA_PORTABLE; // XMM and YMM state enabled by the OS
    if (__get_cpuid_max(0, NULL) < 7) return DT_ISA_PORTABLE;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1;
    int avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    if (avx512f && avx512dq && avx512bw && avx512vl && avx2 && fma && (xcr0 & 0xE6) == 0xE6)
        return DT_ISA_AVX512F; // opmask, upper ZMM halves and ZMM16-31 enabled too
    if (avx2 && fma) return DT_ISA_AVX2_FMA;
    return DT_ISA_PORTABLE;
}
#elif defined(__aarch64__)
static dt_isa detect_isa(void) { return DT_ISA_NEON; }
#else
static dt_isa detect_isa(void) { return DT_ISA_PORTABLE; }
#endif

static dt_isa detected = DT_ISA_PORTABLE;
static _Atomic int active = -1;
static _Thread_local int thread_override = -1;
static pthread_once_t detect_once = PTHREAD_ONCE_INIT;

static int supported_on(dt_isa best, dt_isa isa) {
    switch (isa) {
    case DT_ISA_PORTABLE: return 1;
    case DT_ISA_AVX2_FMA: return best == DT_ISA_AVX2_FMA || best == DT_ISA_AVX512F;
    case DT_ISA_AVX512F: return best == DT_ISA_AVX512F;
    case DT_ISA_NEON: return best == DT_ISA_NEON;
    }
    return 0;
}

static dt_isa clamp_isa(dt_isa best, dt_isa isa) {
    if (supported_on(best, isa)) return isa;
    if (isa == DT_ISA_AVX512F && supported_on(best, DT_ISA_AVX2_FMA)) return DT_ISA_AVX2_FMA;
    return DT_ISA_PORTABLE;
}

static void detect_once_body(void) {
    detected = detect_isa();
    dt_isa initial = detected;
    const char *env = getenv("DEEPTRUST_ISA");
    if (env && *env) {
        if (strcmp(env, "portable") == 0) initial = DT_ISA_PORTABLE;
        else if (strcmp(env, "avx2") == 0 || strcmp(env, "avx2+fma") == 0) initial = DT_ISA_AVX2_FMA;
        else if (strcmp(env, "avx512") == 0 || strcmp(env, "avx512f") == 0) initial = DT_ISA_AVX512F;
        else if (strcmp(env, "neon") == 0) initial = DT_ISA_NEON;
        else fprintf(stderr, "DeepTrust: ignoring DEEPTRUST_ISA=%s (expected portable, avx2, avx512 or neon)\n", env);
    }
    int unset = -1;
    atomic_compare_exchange_strong(&active, &unset, (int)clamp_isa(detected, initial));
}

dt_isa dt_detected_isa(void) {
    pthread_once(&detect_once, detect_once_body);
    return detected;
}

dt_isa dt_active_isa(void) {
    if (thread_override >= 0) return (dt_isa)thread_override;
    int isa = atomic_load_explicit(&active, memory_order_relaxed);
    if (isa >= 0) return (dt_isa)isa;
    pthread_once(&detect_once, detect_once_body);
    return (dt_isa)atomic_load(&active);
}

dt_isa dt_force_isa(dt_isa isa) {
    pthread_once(&detect_once, detect_once_body);
    dt_isa chosen = clamp_isa(detected, isa);
    atomic_store(&active, (int)chosen);
    return chosen;
}

int dt_exchange_thread_isa_override(int isa) {
    pthread_once(&detect_once, detect_once_body);
    int previous = thread_override;
    thread_override = isa < 0 ? -1 : (int)clamp_isa(detected, (dt_isa)isa);
    return previous;
}

int dt_isa_supported(dt_isa isa) { return supported_on(dt_detected_isa(), isa); }

const char *dt_isa_name(dt_isa isa) {
    switch (isa) {
    case DT_ISA_PORTABLE: return "portable";
    case DT_ISA_AVX2_FMA: return "avx2+fma";
    case DT_ISA_AVX512F: return "avx512f";
    case DT_ISA_NEON: return "neon";
    }
    return "unknown";
}
