// The size-bucketed buffer cache of dt_alloc_cache.h.
//
// Size classes: four per power of two (2^k, 1.25·2^k, 1.5·2^k, 1.75·2^k bytes), so a block is at
// most 25% larger than the request it serves. Each class keeps a LIFO list of free blocks (the most
// recently freed, cache-warm block is reused first), linked through the blocks' first bytes. One
// mutex guards the lists: a training step makes a few hundred large allocations, so contention and
// lock cost are negligible next to the page faults saved.
#include "dt_alloc_cache.h"
#include "dt_runtime.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define DT_CLASSES_PER_OCTAVE 4
#define DT_CLASS_COUNT (64 * DT_CLASSES_PER_OCTAVE)
#define DT_DEFAULT_LIMIT_MB 1024

typedef struct free_block {
    struct free_block *next;
} free_block;

static struct {
    pthread_mutex_t lock;
    free_block *heads[DT_CLASS_COUNT];
    size_t cached_bytes;
    size_t limit_bytes;
} cache = {.lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t limit_once = PTHREAD_ONCE_INIT;

static void init_limit(void) {
    size_t megabytes = DT_DEFAULT_LIMIT_MB;
    const char *env = getenv("DEEPTRUST_CPU_CACHE_MB");
    if (env && *env) {
        char *end = NULL;
        unsigned long long value = strtoull(env, &end, 10);
        if (end && *end == '\0' && env[0] != '-') megabytes = (size_t)value;
    }
    pthread_mutex_lock(&cache.lock);
    cache.limit_bytes = megabytes << 20;
    pthread_mutex_unlock(&cache.lock);
}

/// The class of a request of `bytes` (at least DT_ALLOC_CACHE_MIN_BYTES) and its block size.
static size_t class_of(size_t bytes, size_t *class_bytes) {
    int octave = 63 - __builtin_clzll((unsigned long long)bytes);
    size_t base = (size_t)1 << octave;
    size_t step = base / DT_CLASSES_PER_OCTAVE;
    size_t steps = (bytes - base + step - 1) / step;
    if (steps == DT_CLASSES_PER_OCTAVE) {
        octave += 1;
        base <<= 1;
        steps = 0;
    }
    *class_bytes = base + steps * (base / DT_CLASSES_PER_OCTAVE);
    return (size_t)octave * DT_CLASSES_PER_OCTAVE + steps;
}

/// Whether a request of `count` floats is served by the cache (not too small, no size overflow).
static int cacheable(size_t count) {
    return count >= DT_ALLOC_CACHE_MIN_BYTES / sizeof(float) && count <= ((size_t)1 << 60) / sizeof(float);
}

size_t dt_cache_class_bytes(size_t count) {
    if (!cacheable(count)) return 0;
    size_t class_bytes;
    (void)class_of(count * sizeof(float), &class_bytes);
    return class_bytes;
}

/// Whether releasing the cache could let a failed request of `count` floats succeed: the cache holds
/// blocks and the request fits in the machine's physical memory (an absurd request is refused
/// without emptying the cache that other allocations rely on).
static int worth_retrying(size_t count) {
    if (dt_cache_cached_bytes() == 0) return 0;
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return 1;
    size_t physical = (size_t)pages * (size_t)page_size;
    return count <= physical / sizeof(float);
}

/// dt_alloc_floats, retried once after releasing the cache when that could help.
static float *alloc_or_release_and_retry(size_t count) {
    float *pointer = dt_alloc_floats(count);
    if (pointer || !worth_retrying(count)) return pointer;
    dt_cache_release();
    return dt_alloc_floats(count);
}

float *dt_cache_alloc_floats(size_t count) {
    if (!cacheable(count)) return alloc_or_release_and_retry(count);
    size_t class_bytes;
    size_t index = class_of(count * sizeof(float), &class_bytes);
    pthread_mutex_lock(&cache.lock);
    free_block *block = cache.heads[index];
    if (block) {
        cache.heads[index] = block->next;
        cache.cached_bytes -= class_bytes;
    }
    pthread_mutex_unlock(&cache.lock);
    return block ? (float *)block : alloc_or_release_and_retry(class_bytes / sizeof(float));
}

void dt_cache_free_floats(float *pointer, size_t count) {
    if (!pointer) return;
    if (!cacheable(count)) {
        dt_free_floats(pointer);
        return;
    }
    pthread_once(&limit_once, init_limit);
    size_t class_bytes;
    size_t index = class_of(count * sizeof(float), &class_bytes);
    pthread_mutex_lock(&cache.lock);
    int keep = cache.cached_bytes + class_bytes <= cache.limit_bytes;
    if (keep) {
        free_block *block = (free_block *)pointer;
        block->next = cache.heads[index];
        cache.heads[index] = block;
        cache.cached_bytes += class_bytes;
    }
    pthread_mutex_unlock(&cache.lock);
    if (!keep) dt_free_floats(pointer);
}

size_t dt_cache_cached_bytes(void) {
    pthread_mutex_lock(&cache.lock);
    size_t bytes = cache.cached_bytes;
    pthread_mutex_unlock(&cache.lock);
    return bytes;
}

size_t dt_cache_limit_bytes(void) {
    pthread_once(&limit_once, init_limit);
    pthread_mutex_lock(&cache.lock);
    size_t bytes = cache.limit_bytes;
    pthread_mutex_unlock(&cache.lock);
    return bytes;
}

/// Unlinks free blocks, largest classes first, until at most `target` bytes stay cached; returns
/// them as a list to free outside the lock. Called with the lock held.
static free_block *detach_above(size_t target) {
    free_block *released = NULL;
    for (size_t index = DT_CLASS_COUNT; index-- > 0 && cache.cached_bytes > target;) {
        size_t octave = index / DT_CLASSES_PER_OCTAVE, steps = index % DT_CLASSES_PER_OCTAVE;
        size_t base = (size_t)1 << octave;
        size_t class_bytes = base + steps * (base / DT_CLASSES_PER_OCTAVE);
        while (cache.heads[index] && cache.cached_bytes > target) {
            free_block *block = cache.heads[index];
            cache.heads[index] = block->next;
            cache.cached_bytes -= class_bytes;
            block->next = released;
            released = block;
        }
    }
    return released;
}

static void free_list(free_block *block) {
    while (block) {
        free_block *next = block->next;
        dt_free_floats((float *)block);
        block = next;
    }
}

void dt_cache_set_limit_bytes(size_t bytes) {
    pthread_once(&limit_once, init_limit);
    pthread_mutex_lock(&cache.lock);
    cache.limit_bytes = bytes;
    free_block *released = detach_above(bytes);
    pthread_mutex_unlock(&cache.lock);
    free_list(released);
}

void dt_cache_release(void) {
    pthread_mutex_lock(&cache.lock);
    free_block *released = detach_above(0);
    pthread_mutex_unlock(&cache.lock);
    free_list(released);
}
