// PLACEHOLDER runtime (the kernels work replaces dispatch and the pool).
#include "dt_runtime.h"
#include <stdio.h>
#include <stdlib.h>

float *dt_alloc_floats(size_t count) {
    void *p = NULL;
    size_t bytes = (count ? count : 1) * sizeof(float);
    bytes = (bytes + 63) & ~(size_t)63;
    if (posix_memalign(&p, 64, bytes) != 0 || p == NULL) {
        fprintf(stderr, "DeepTrust: out of memory allocating %zu floats\n", count);
        abort();
    }
    return (float *)p;
}
void dt_free_floats(float *pointer) { free(pointer); }
dt_isa dt_detected_isa(void) { return DT_ISA_PORTABLE; }
dt_isa dt_active_isa(void) { return DT_ISA_PORTABLE; }
dt_isa dt_force_isa(dt_isa isa) { (void)isa; return DT_ISA_PORTABLE; }
const char *dt_isa_name(dt_isa isa) { (void)isa; return "portable"; }
int dt_thread_count(void) { return 1; }
void dt_set_thread_count(int count) { (void)count; }
