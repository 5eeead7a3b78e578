// The persistent worker pool behind dt_parallel_for / dt_parallel_team.
//
// Workers are created lazily and never exit. A job is published by bumping `generation`; idle
// workers spin for a short while (back-to-back kernel calls find them awake), then sleep on a
// condition variable. The job's parts are claimed dynamically through one atomic word that also
// carries the job's sequence number: a part goes to whichever thread asks first, the caller
// included, so a worker that is descheduled (a busy machine) delays nothing; its share is done
// by the caller. The caller returns once every part is finished; a worker that wakes after that
// finds nothing to claim and never touches the finished job. One caller owns the pool at a time;
// nested or contended calls run inline.
#define _GNU_SOURCE
#include "dt_runtime.h"
#include "pool_internal.h"
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DT_MAX_THREADS 256
/// How long an idle worker spins before it sleeps.
#define DT_SPIN_NANOSECONDS 200000ll
/// Spin iterations between clock reads.
#define DT_SPIN_CHECK_INTERVAL 128

// The claim word: sequence (28 bits) | parts (12) | next part to claim (12) | parts finished (12).
#define CLAIM_FIELD_BITS 12u
#define CLAIM_FIELD_MASK ((1u << CLAIM_FIELD_BITS) - 1u)
#define CLAIM_FINISHED_SHIFT 0u
#define CLAIM_NEXT_SHIFT CLAIM_FIELD_BITS
#define CLAIM_PARTS_SHIFT (2u * CLAIM_FIELD_BITS)
#define CLAIM_SEQUENCE_SHIFT (3u * CLAIM_FIELD_BITS)
#define DT_MAX_PARTS CLAIM_FIELD_MASK

static inline unsigned claim_field(uint64_t word, unsigned shift) { return (unsigned)(word >> shift) & CLAIM_FIELD_MASK; }

static struct {
    pthread_mutex_t owner;       // held by the thread whose job runs on the pool
    pthread_mutex_t sleep_lock;  // guards sleeping on `wake`
    pthread_cond_t wake;
    _Atomic uint64_t generation; // bumped once per job: wakes the workers
    _Atomic uint64_t claim;      // see CLAIM_*
    _Atomic int sleepers;        // workers inside the sleep path
    dt_team_fn fn;               // current job: written by the owner only while no part is claimable
    void *ctx;
    int started;                 // workers created so far (guarded by `owner`)
    uint64_t start_generation[DT_MAX_THREADS];
} pool = {.owner = PTHREAD_MUTEX_INITIALIZER, .sleep_lock = PTHREAD_MUTEX_INITIALIZER,
          .wake = PTHREAD_COND_INITIALIZER};

static _Atomic int thread_setting; // 0 until initialised
static pthread_once_t thread_setting_once = PTHREAD_ONCE_INIT;
static _Thread_local int inside_team;
static _Thread_local int thread_count_override;

static int online_cores(void) {
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int clamp_threads(long n) { return n < 1 ? 1 : (n > DT_MAX_THREADS ? DT_MAX_THREADS : (int)n); }

static void init_thread_setting(void) {
    int n = online_cores();
    const char *env = getenv("DEEPTRUST_NUM_THREADS");
    if (env && *env) {
        char *end = NULL;
        long value = strtol(env, &end, 10);
        if (end && *end == '\0' && value >= 1) n = clamp_threads(value);
        else fprintf(stderr, "DeepTrust: ignoring DEEPTRUST_NUM_THREADS=%s (expected a positive integer)\n", env);
    }
    int expected = 0;
    atomic_compare_exchange_strong(&thread_setting, &expected, n);
}

int dt_exchange_thread_count_override(int count) {
    int previous = thread_count_override;
    thread_count_override = count <= 0 ? 0 : clamp_threads(count);
    return previous;
}

int dt_thread_count(void) {
    if (thread_count_override > 0) return thread_count_override;
    int n = atomic_load_explicit(&thread_setting, memory_order_relaxed);
    if (n > 0) return n;
    pthread_once(&thread_setting_once, init_thread_setting);
    return atomic_load(&thread_setting);
}

void dt_set_thread_count(int count) {
    pthread_once(&thread_setting_once, init_thread_setting);
    atomic_store(&thread_setting, clamp_threads(count));
}

static int64_t now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000ll + t.tv_nsec;
}

static uint64_t wait_for_new_generation(uint64_t seen) {
    uint64_t g;
    int64_t deadline = 0;
    for (unsigned spin = 1;; spin++) {
        g = atomic_load_explicit(&pool.generation, memory_order_acquire);
        if (g != seen) return g;
        dt_cpu_relax();
        if (spin % DT_SPIN_CHECK_INTERVAL == 0) {
            int64_t now = now_nanoseconds();
            if (deadline == 0) deadline = now + DT_SPIN_NANOSECONDS;
            else if (now > deadline) break;
        }
    }
    pthread_mutex_lock(&pool.sleep_lock);
    atomic_fetch_add(&pool.sleepers, 1);
    while ((g = atomic_load(&pool.generation)) == seen) pthread_cond_wait(&pool.wake, &pool.sleep_lock);
    atomic_fetch_sub(&pool.sleepers, 1);
    pthread_mutex_unlock(&pool.sleep_lock);
    return g;
}

/// Claims and runs parts of the job with sequence number `sequence` until none is left.
/// Returns the number of parts this thread ran.
static unsigned run_parts(uint64_t sequence) {
    unsigned ran = 0;
    for (;;) {
        uint64_t word = atomic_load_explicit(&pool.claim, memory_order_acquire);
        for (;;) {
            if ((word >> CLAIM_SEQUENCE_SHIFT) != sequence) return ran;
            unsigned parts = claim_field(word, CLAIM_PARTS_SHIFT), next = claim_field(word, CLAIM_NEXT_SHIFT);
            if (next >= parts) return ran;
            if (atomic_compare_exchange_weak_explicit(&pool.claim, &word, word + (1ull << CLAIM_NEXT_SHIFT),
                                                      memory_order_acq_rel, memory_order_acquire)) {
                // The job cannot finish while this part is unfinished: fn and ctx stay valid.
                pool.fn(pool.ctx, (int)next, (int)parts);
                atomic_fetch_add_explicit(&pool.claim, 1ull << CLAIM_FINISHED_SHIFT, memory_order_acq_rel);
                ran++;
                break;
            }
        }
    }
}

static void *worker_main(void *arg) {
    int index = (int)(intptr_t)arg;
    inside_team = 1;
    (void)dt_fp_mode_enter_ieee();
    uint64_t seen = pool.start_generation[index];
    for (;;) {
        seen = wait_for_new_generation(seen);
        run_parts(seen);
    }
    return NULL;
}

/// Creates workers 1..<count if missing (owner held). A failure leaves fewer workers: their parts
/// are then claimed by the others.
static void ensure_workers(int count) {
    while (pool.started < count - 1) {
        int index = pool.started + 1;
        pool.start_generation[index] = atomic_load(&pool.generation);
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&thread, &attr, worker_main, (void *)(intptr_t)index);
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
        pool.started = index;
    }
}

/// Runs `parts` parts of a job on up to `threads` threads (the caller included).
static void run_job(int parts, int threads, dt_team_fn fn, void *ctx) {
    if (parts > (int)DT_MAX_PARTS) parts = (int)DT_MAX_PARTS;
    if (threads > parts) threads = parts;
    if (parts <= 1 || threads <= 1 || inside_team || pthread_mutex_trylock(&pool.owner) != 0) {
        dt_fp_mode old = dt_fp_mode_enter_ieee();
        int was_inside = inside_team;
        inside_team = 1;
        for (int part = 0; part < (parts < 1 ? 1 : parts); part++) fn(ctx, part, parts < 1 ? 1 : parts);
        inside_team = was_inside;
        dt_fp_mode_restore(old);
        return;
    }
    ensure_workers(threads);
    pool.fn = fn;
    pool.ctx = ctx;
    // The generation is the job's sequence number (28 bits of it in the claim word).
    uint64_t generation = (atomic_load_explicit(&pool.generation, memory_order_relaxed) + 1) &
                          ((1ull << (64u - CLAIM_SEQUENCE_SHIFT)) - 1u);
    atomic_store(&pool.claim, (generation << CLAIM_SEQUENCE_SHIFT) | ((uint64_t)parts << CLAIM_PARTS_SHIFT));
    atomic_store(&pool.generation, generation);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }

    dt_fp_mode old = dt_fp_mode_enter_ieee();
    inside_team = 1;
    run_parts(generation);
    inside_team = 0;
    dt_fp_mode_restore(old);

    for (unsigned spin = 0;
         claim_field(atomic_load_explicit(&pool.claim, memory_order_acquire), CLAIM_FINISHED_SHIFT) < (unsigned)parts;
         spin++) {
        if (spin < 20000) dt_cpu_relax();
        else sched_yield();
    }
    pthread_mutex_unlock(&pool.owner);
}

void dt_parallel_team(int max_threads, dt_team_fn fn, void *ctx) {
    int count = dt_thread_count();
    if (max_threads < count) count = max_threads < 1 ? 1 : max_threads;
    run_job(count, count, fn, ctx);
}

void dt_parallel_parts(int parts, dt_team_fn fn, void *ctx) { run_job(parts < 1 ? 1 : parts, dt_thread_count(), fn, ctx); }

typedef struct {
    dt_range_fn fn;
    void *ctx;
    size_t n;
} range_job;

static void run_range_chunk(void *ctx, int index, int count) {
    const range_job *job = ctx;
    size_t begin = job->n * (size_t)index / (size_t)count;
    size_t end = job->n * (size_t)(index + 1) / (size_t)count;
    if (begin < end) job->fn(job->ctx, begin, end);
}

/// Chunks per thread of a parallel loop: more chunks than threads let the others take over a
/// descheduled worker's share.
#define DT_CHUNKS_PER_THREAD 4

void dt_parallel_for_grain(size_t n, size_t grain, dt_range_fn fn, void *ctx) {
    if (n == 0) return;
    if (grain < 1) grain = 1;
    size_t chunks = n / grain;
    int threads = dt_thread_count();
    if (chunks > (size_t)threads * DT_CHUNKS_PER_THREAD) chunks = (size_t)threads * DT_CHUNKS_PER_THREAD;
    if (chunks < 1 || threads <= 1) chunks = 1;
    range_job job = {fn, ctx, n};
    dt_parallel_parts((int)chunks, run_range_chunk, &job);
}

void dt_parallel_for(size_t n, dt_range_fn fn, void *ctx) { dt_parallel_for_grain(n, 1, fn, ctx); }
