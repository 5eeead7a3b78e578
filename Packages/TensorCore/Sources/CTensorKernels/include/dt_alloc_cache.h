// A size-bucketed cache of freed tensor buffers in front of dt_alloc_floats.
//
// A training step allocates the same large buffers (activations, gradients) every iteration. Fresh
// large allocations come from mmap, so each one page-faults on first touch and is unmapped again on
// free; keeping freed blocks for the next request of the same size class removes that cost. Small
// requests (below DT_ALLOC_CACHE_MIN_BYTES) go straight to dt_alloc_floats, which malloc serves well.
#ifndef DT_ALLOC_CACHE_H
#define DT_ALLOC_CACHE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Requests smaller than this many bytes bypass the cache.
#define DT_ALLOC_CACHE_MIN_BYTES ((size_t)16384)

/// 64-byte aligned storage for at least `count` floats: a cached block of the request's size class
/// when one is free, else a new one. When a new one cannot be had, the cache's free blocks are
/// released and the request tried once more (unless it exceeds the machine's physical memory, which
/// releasing cannot help); NULL when that fails too or the byte count overflows. Release it with
/// dt_cache_free_floats and the same `count`.
float *dt_cache_alloc_floats(size_t count);

/// Returns storage from dt_cache_alloc_floats(count) to the cache, or frees it when caching it
/// would take the cache above its limit. Safe to call from any thread.
void dt_cache_free_floats(float *pointer, size_t count);

/// Bytes held by free blocks in the cache now.
size_t dt_cache_cached_bytes(void);

/// The cache's limit in bytes: initially DEEPTRUST_CPU_CACHE_MB megabytes when that environment
/// variable is set to a non-negative integer, else 1024 MiB.
size_t dt_cache_limit_bytes(void);

/// Sets the limit (0 disables caching) and frees cached blocks above it.
void dt_cache_set_limit_bytes(size_t bytes);

/// Frees every cached block (memory in use is unaffected).
void dt_cache_release(void);

/// The number of bytes a request of `count` floats occupies (its size class), 0 when the request
/// bypasses the cache.
size_t dt_cache_class_bytes(size_t count);

#ifdef __cplusplus
}
#endif

#endif
