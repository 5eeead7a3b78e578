// The host emulation of the CUDA kernels (see include/CUDAKernelEmulator.h).
#include "CUDAKernelEmulator.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>
#include <ucontext.h>

namespace dt_emulator {

struct Fiber {
    ucontext_t context;
    unsigned int x = 0, y = 0, z = 0;
    bool done = false;
    bool waiting = false;
};

/// The launch running on this OS thread.
struct Launch {
    dt_emu_dim3 grid{}, block{}, blockIndex{};
    std::vector<Fiber> fibers;
    std::vector<std::vector<char>> stacks;
    ucontext_t scheduler;
    int active = 0;
    bool usesFibers = false;
    std::string error;
    std::function<void()> body;
};

thread_local Launch *current = nullptr;

constexpr size_t kStackBytes = 64 * 1024;

inline Fiber &activeFiber() { return current->fibers[current->active]; }

void syncThreads() {
    Launch &launch = *current;
    if (!launch.usesFibers) {
        launch.error = "dt_sync_threads() in a kernel registered without barriers";
        return;
    }
    Fiber &fiber = activeFiber();
    fiber.waiting = true;
    swapcontext(&fiber.context, &launch.scheduler);
}

void fiberEntry() {
    current->body();
    activeFiber().done = true;
}

/// Runs one block: every thread as a fiber, released together at each barrier.
bool runBlockWithFibers(Launch &launch) {
    const int count = (int)(launch.block.x * launch.block.y * launch.block.z);
    launch.fibers.assign(count, Fiber());
    if ((int)launch.stacks.size() < count) launch.stacks.resize(count, std::vector<char>(kStackBytes));
    for (int i = 0; i < count; ++i) {
        Fiber &fiber = launch.fibers[i];
        fiber.x = i % launch.block.x;
        fiber.y = (i / launch.block.x) % launch.block.y;
        fiber.z = i / (launch.block.x * launch.block.y);
        getcontext(&fiber.context);
        fiber.context.uc_stack.ss_sp = launch.stacks[i].data();
        fiber.context.uc_stack.ss_size = kStackBytes;
        fiber.context.uc_link = &launch.scheduler;
        makecontext(&fiber.context, fiberEntry, 0);
    }
    for (;;) {
        for (int i = 0; i < count; ++i) {
            Fiber &fiber = launch.fibers[i];
            if (fiber.done || fiber.waiting) continue;
            launch.active = i;
            swapcontext(&launch.scheduler, &fiber.context);
        }
        int done = 0, waiting = 0;
        for (const Fiber &fiber : launch.fibers) { done += fiber.done; waiting += fiber.waiting; }
        if (done == count) return true;
        if (done > 0) {
            launch.error = "a barrier was reached by " + std::to_string(waiting) + " threads while " +
                           std::to_string(done) + " had finished";
            return false;
        }
        for (Fiber &fiber : launch.fibers) fiber.waiting = false;
    }
}

/// Runs one block without fibers (kernels that never wait at a barrier).
bool runBlockDirectly(Launch &launch) {
    const int count = (int)(launch.block.x * launch.block.y * launch.block.z);
    launch.fibers.assign(1, Fiber());
    launch.active = 0;
    for (int i = 0; i < count && launch.error.empty(); ++i) {
        Fiber &fiber = launch.fibers[0];
        fiber.x = i % launch.block.x;
        fiber.y = (i / launch.block.x) % launch.block.y;
        fiber.z = i / (launch.block.x * launch.block.y);
        launch.body();
    }
    return launch.error.empty();
}

} // namespace dt_emulator

// The names the kernels use (see Kernels/dt_prelude.cuh), defined for the host.
#define DT_HOST_EMULATION 1
#define DT_KERNEL static  // internal: TensorCore's C kernels use some of the same names
#define DT_DEVICE static inline
#define DT_SHARED static thread_local
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;
static inline u32 dt_thread_x() { return dt_emulator::activeFiber().x; }
static inline u32 dt_block_x() { return dt_emulator::current->blockIndex.x; }
static inline u32 dt_block_y() { return dt_emulator::current->blockIndex.y; }
static inline u32 dt_block_z() { return dt_emulator::current->blockIndex.z; }
static inline u32 dt_block_dim_x() { return dt_emulator::current->block.x; }
static inline u32 dt_grid_dim_x() { return dt_emulator::current->grid.x; }
static inline u32 dt_grid_dim_z() { return dt_emulator::current->grid.z; }
static inline void dt_sync_threads() { dt_emulator::syncThreads(); }
static inline float dt_expf(float x) { return expf(x); }
static inline float dt_logf(float x) { return logf(x); }
static inline float dt_log1pf(float x) { return log1pf(x); }
static inline float dt_sqrtf(float x) { return sqrtf(x); }
static inline float dt_tanhf(float x) { return tanhf(x); }
static inline float dt_powf(float x, float y) { return powf(x, y); }
static inline float dt_fabsf(float x) { return fabsf(x); }
static inline float dt_fmaf(float a, float b, float c) { return fmaf(a, b, c); }
static inline bool dt_isnan(float x) { return std::isnan(x); }
static inline float dt_nextafterf(float x, float toward) { return nextafterf(x, toward); }
static inline double dt_log(double x) { return log(x); }
static inline double dt_sqrt(double x) { return sqrt(x); }
static inline double dt_cos(double x) { return cos(x); }
static inline double dt_sin(double x) { return sin(x); }

#pragma STDC FP_CONTRACT OFF
#include "../../Kernels/all_kernels.cu"

namespace dt_emulator {

struct KernelEntry {
    const char *name;
    bool usesBarriers;
    std::vector<int> parameterSizes;
    std::function<void(void **)> invoke;
};

template <typename... Args, size_t... I>
void invokeWith(void (*kernel)(Args...), void **parameters, std::index_sequence<I...>) {
    kernel(*static_cast<std::remove_cv_t<Args> *>(parameters[I])...);
}

template <typename... Args>
KernelEntry entry(const char *name, bool usesBarriers, void (*kernel)(Args...)) {
    return KernelEntry{name, usesBarriers, {(int)sizeof(Args)...}, [kernel](void **parameters) {
                           invokeWith(kernel, parameters, std::index_sequence_for<Args...>{});
                       }};
}

const std::vector<KernelEntry> &kernels() {
    static const std::vector<KernelEntry> table = {
        entry("dt_fill", false, dt_fill),
        entry("dt_copy", false, dt_copy),
        entry("dt_unary", false, dt_unary),
        entry("dt_binary", false, dt_binary),
        entry("dt_select", false, dt_select),
        entry("dt_reduce_rows", true, dt_reduce_rows),
        entry("dt_reduce_columns", false, dt_reduce_columns),
        entry("dt_gemm", true, dt_gemm),
        entry("dt_im2col", false, dt_im2col),
        entry("dt_col2im", false, dt_col2im),
        entry("dt_philox_fill", false, dt_philox_fill),
        entry("dt_adam", false, dt_adam),
    };
    return table;
}

const KernelEntry *find(const char *name) {
    for (const KernelEntry &kernel : kernels())
        if (std::strcmp(kernel.name, name) == 0) return &kernel;
    return nullptr;
}

} // namespace dt_emulator

extern "C" int dt_emu_launch(const char *name, dt_emu_dim3 grid, dt_emu_dim3 block, void **parameters,
                             char *message, int message_capacity) {
    using namespace dt_emulator;
    auto fail = [&](const std::string &text) {
        if (message && message_capacity > 0) std::snprintf(message, (size_t)message_capacity, "%s", text.c_str());
        return 1;
    };
    const KernelEntry *kernel = find(name);
    if (!kernel) return fail(std::string("unknown kernel ") + name);
    if (block.x * block.y * block.z == 0 || block.x * block.y * block.z > 1024)
        return fail("block of " + std::to_string(block.x * block.y * block.z) + " threads");
    if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535)
        return fail("grid (" + std::to_string(grid.x) + ", " + std::to_string(grid.y) + ", " + std::to_string(grid.z) + ")");
    thread_local Launch launch;
    launch.grid = grid;
    launch.block = block;
    launch.usesFibers = kernel->usesBarriers;
    launch.error.clear();
    launch.body = [kernel, parameters] { kernel->invoke(parameters); };
    Launch *previous = current;
    current = &launch;
    bool ok = true;
    for (unsigned z = 0; z < grid.z && ok; ++z)
        for (unsigned y = 0; y < grid.y && ok; ++y)
            for (unsigned x = 0; x < grid.x && ok; ++x) {
                launch.blockIndex = dt_emu_dim3{x, y, z};
                ok = launch.usesFibers ? runBlockWithFibers(launch) : runBlockDirectly(launch);
            }
    current = previous;
    return ok ? 0 : fail(std::string(name) + ": " + launch.error);
}

extern "C" int dt_emu_kernel_count(void) { return (int)dt_emulator::kernels().size(); }

extern "C" const char *dt_emu_kernel_name(int index) {
    const auto &table = dt_emulator::kernels();
    return index >= 0 && index < (int)table.size() ? table[(size_t)index].name : nullptr;
}

extern "C" int dt_emu_parameter_sizes(const char *name, int *sizes, int capacity) {
    const dt_emulator::KernelEntry *kernel = dt_emulator::find(name);
    if (!kernel) return -1;
    for (size_t i = 0; i < kernel->parameterSizes.size() && (int)i < capacity; ++i) sizes[i] = kernel->parameterSizes[i];
    return (int)kernel->parameterSizes.size();
}
