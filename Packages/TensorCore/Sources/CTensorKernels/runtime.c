// Aligned host allocation for tensor storage.
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
