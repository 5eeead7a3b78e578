// Aligned host allocation for tensor storage.
#include "dt_runtime.h"
#include <stdint.h>
#include <stdlib.h>

float *dt_alloc_floats(size_t count) {
    size_t elements = count ? count : 1;
    // Refuse byte counts that overflow size_t (including the rounding up to 64 bytes below).
    if (elements > (SIZE_MAX - 63) / sizeof(float)) return NULL;
    size_t bytes = (elements * sizeof(float) + 63) & ~(size_t)63;
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0) return NULL;
    return (float *)p;
}

void dt_free_floats(float *pointer) { free(pointer); }
