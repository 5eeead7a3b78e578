// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "TensorCore",
    products: [
        .library(name: "TensorCore", targets: ["TensorCore"]),
        .library(name: "NN", targets: ["NN"]),
        .library(name: "Optim", targets: ["Optim"]),
        .library(name: "Data", targets: ["Data"]),
        // Data-parallel training: process groups and collectives over MPI (loaded at run time) or
        // threads of one process.
        .library(name: "Distributed", targets: ["Distributed"]),
        // Internal to DeepTrust (as swift-numerics' `_NumericsShims`), no API for users: the C
        // library re-exported, environment, errno messages, `mkdir -p`, atomic file writes, the
        // edit distance, the tools' command-line parser, joinable threads and a condition lock, once
        // for every package; Foundation-free.
        .library(name: "DeepTrustSystem", targets: ["DeepTrustSystem"]),
        // Test support, never needed by a shipped library: a forwarding stand-in device, the
        // finite-difference gradient check and the differential suite's harness.
        .library(name: "TensorCoreTesting", targets: ["TensorCoreTesting"]),
    ],
    targets: [
        // SIMD CPU kernels (GEMM, convolution, elementwise, reductions, Philox) and the worker pool.
        .target(name: "CTensorKernels", linkerSettings: [.linkedLibrary("m"), .linkedLibrary("pthread")]),
        // The C library and the system helpers every package shares (see the product above).
        .target(name: "DeepTrustSystem"),
        // Tensor, Device, Backend protocol and registry, CPU backend, autodiff, random numbers.
        .target(name: "TensorCore", dependencies: ["CTensorKernels", "DeepTrustSystem"]),
        // Modules, layers, initialisation and losses.
        .target(name: "NN", dependencies: ["TensorCore", "Optim"]),
        // Optimizers (SGD, Adam) with saveable state.
        .target(name: "Optim", dependencies: ["TensorCore"]),
        // Dataset abstraction and the multi-worker DataLoader.
        .target(name: "Data", dependencies: ["TensorCore", "DeepTrustSystem"]),
        // ProcessGroup, collectives, the MPI binding (dlopen) and the in-process group.
        .target(name: "Distributed", dependencies: ["TensorCore", "Optim", "DeepTrustSystem"]),
        // Runs the collectives under a real launcher (mpirun) for DistributedTests (MPIProbeTests).
        .executableTarget(name: "distributed-probe", dependencies: ["Distributed", "TensorCore", "DeepTrustSystem"]),
        // CPUForwardingBackend (a second device served by the CPU), checkGradients, and the
        // differential harness (cases, op table, tolerance, DifferentialRunner); no Foundation.
        .target(name: "TensorCoreTesting", dependencies: ["TensorCore", "NN", "Optim", "DeepTrustSystem"]),
        .testTarget(
            name: "TensorCoreTests", dependencies: ["TensorCore", "TensorCoreTesting", "CTensorKernels", "DeepTrustSystem"]),
        .testTarget(name: "DeepTrustSystemTests", dependencies: ["DeepTrustSystem"]),
        .testTarget(name: "DataTests", dependencies: ["Data", "TensorCore"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "Data", "TensorCore", "NN", "Optim"]),
        .testTarget(name: "OptimTests", dependencies: ["Optim", "NN", "TensorCore"]),
        .testTarget(name: "NNTests", dependencies: ["NN", "TensorCore", "TensorCoreTesting"], exclude: ["Fixtures"]),
        // PyTorch's answers for generated cases over the public ops, layers and optimizers, run
        // through TensorCoreTesting's DifferentialRunner (Fixtures/ is read by CUDABackend's tests too).
        .testTarget(
            name: "DifferentialTests", dependencies: ["NN", "TensorCore", "TensorCoreTesting"], exclude: ["Fixtures"]),
    ]
)
