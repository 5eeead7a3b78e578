// The persistent worker pool behind dt_parallel_for / dt_parallel_team.
//
// Workers are created lazily and never exit. A job is published by bumping `generation`, whose low
// 16 bits carry the team size, so a worker outside the team never reads the job. Idle workers spin
// for a short while (back-to-back kernel calls find them awake: no wake-up latency), then sleep on
// a condition variable. One caller owns the pool at a time; nested or contended calls run inline.
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

static struct {
    pthread_mutex_t owner;       // held by the thread whose team runs on the workers
    pthread_mutex_t sleep_lock;  // guards sleeping on `wake`
    pthread_cond_t wake;
    _Atomic uint64_t generation; // (sequence << 16) | team size
    _Atomic int pending;         // team members on workers that have not finished yet
    _Atomic int sleepers;        // workers inside the sleep path
    dt_team_fn fn;               // current job: written by the owner only while no worker runs one
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

static void *worker_main(void *arg) {
    int index = (int)(intptr_t)arg;
    inside_team = 1;
    (void)dt_fp_mode_enter_flush();
    uint64_t seen = pool.start_generation[index];
    for (;;) {
        uint64_t g = wait_for_new_generation(seen);
        seen = g;
        int count = (int)(g & 0xFFFF);
        if (index < count) {
            pool.fn(pool.ctx, index, count);
            atomic_fetch_sub_explicit(&pool.pending, 1, memory_order_release);
        }
    }
    return NULL;
}

/// Creates workers 1..<count if missing (owner held); returns the team size that can run.
static int ensure_workers(int count) {
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
    return pool.started + 1 < count ? pool.started + 1 : count;
}

static void run_inline(dt_team_fn fn, void *ctx) {
    dt_fp_mode old = dt_fp_mode_enter_flush();
    int was_inside = inside_team;
    inside_team = 1;
    fn(ctx, 0, 1);
    inside_team = was_inside;
    dt_fp_mode_restore(old);
}

void dt_parallel_team(int max_threads, dt_team_fn fn, void *ctx) {
    int count = dt_thread_count();
    if (max_threads < count) count = max_threads < 1 ? 1 : max_threads;
    if (count <= 1 || inside_team || pthread_mutex_trylock(&pool.owner) != 0) {
        run_inline(fn, ctx);
        return;
    }
    count = ensure_workers(count);
    if (count <= 1) {
        pthread_mutex_unlock(&pool.owner);
        run_inline(fn, ctx);
        return;
    }
    pool.fn = fn;
    pool.ctx = ctx;
    atomic_store_explicit(&pool.pending, count - 1, memory_order_relaxed);
    uint64_t next = ((atomic_load_explicit(&pool.generation, memory_order_relaxed) >> 16) + 1) << 16;
    atomic_store(&pool.generation, next | (uint64_t)count);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.sleep_lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.sleep_lock);
    }

    dt_fp_mode old = dt_fp_mode_enter_flush();
    inside_team = 1;
    fn(ctx, 0, count);
    inside_team = 0;
    dt_fp_mode_restore(old);

    for (unsigned spin = 0; atomic_load_explicit(&pool.pending, memory_order_acquire) > 0; spin++) {
        if (spin < 20000) dt_cpu_relax();
        else sched_yield();
    }
    pthread_mutex_unlock(&pool.owner);
}

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

void dt_parallel_for_grain(size_t n, size_t grain, dt_range_fn fn, void *ctx) {
    if (n == 0) return;
    if (grain < 1) grain = 1;
    size_t chunks = n / grain;
    int threads = dt_thread_count();
    if (chunks > (size_t)threads) chunks = (size_t)threads;
    if (chunks < 1) chunks = 1;
    range_job job = {fn, ctx, n};
    dt_parallel_team((int)chunks, run_range_chunk, &job);
}

void dt_parallel_for(size_t n, dt_range_fn fn, void *ctx) { dt_parallel_for_grain(n, 1, fn, ctx); }

void dt_team_barrier_init(dt_team_barrier *barrier, int count) {
    atomic_store(&barrier->arrived, 0);
    atomic_store(&barrier->phase, 0);
    barrier->count = (unsigned)(count < 1 ? 1 : count);
}

void dt_team_barrier_wait(dt_team_barrier *barrier) {
    if (barrier->count <= 1) return;
    unsigned phase = atomic_load(&barrier->phase);
    if (atomic_fetch_add(&barrier->arrived, 1) + 1 == barrier->count) {
        atomic_store(&barrier->arrived, 0);
        atomic_store(&barrier->phase, phase + 1);
        return;
    }
    for (unsigned spin = 0; atomic_load_explicit(&barrier->phase, memory_order_acquire) == phase; spin++) {
        if (spin < 20000) dt_cpu_relax();
        else sched_yield();
    }
}
