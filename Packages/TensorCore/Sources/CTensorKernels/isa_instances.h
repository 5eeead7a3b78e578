// Private: compiles the template header named by DT_ISA_TEMPLATE (a quoted file name the includer
// defines) once per CPU path, with DT_FN(name) naming each instance: name_portable for any CPU, and
// on x86 name_avx2 (AVX2 + FMA) and name_avx512 (AVX-512F), every function of those two compiled
// for its instruction set so the loops are auto-vectorised for it. Include once per file.
#define DT_CAT_(a, b) a##_##b
#define DT_CAT(a, b) DT_CAT_(a, b)

#define DT_FN(name) DT_CAT(name, portable)
#include DT_ISA_TEMPLATE
#undef DT_FN

#if defined(__x86_64__) || defined(__i386__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define DT_FN(name) DT_CAT(name, avx2)
#include DT_ISA_TEMPLATE
#undef DT_FN
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#define DT_FN(name) DT_CAT(name, avx512)
#include DT_ISA_TEMPLATE
#undef DT_FN
#pragma clang attribute pop
#endif

#undef DT_ISA_TEMPLATE
