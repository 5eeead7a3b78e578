// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "CUDABackend",
    products: [
        .library(name: "CUDABackend", targets: ["CUDABackend"]),
        // A GPU host check that needs no Swift toolchain when built with --static-swift-stdlib.
        .executable(name: "cuda-check", targets: ["cuda-check"]),
    ],
    // TestKit serves cuda-check and the tests only (the backend conformance check), as does
    // TensorCoreTesting the tests (the differential suite against PyTorch); the CUDABackend library
    // depends on TensorCore alone.
    dependencies: [.package(path: "../TensorCore"), .package(path: "../TestKit")],
    targets: [
        // TensorCore's Backend protocol on NVIDIA GPUs through the CUDA driver API, loaded at run
        // time. The kernels' sources live in Kernels/ (outside every target); their PTX is compiled
        // in by Sources/CUDABackend/Generated/KernelsPTX.swift (written by Tools/dev/run gen-ptx).
        .target(
            name: "CUDABackend",
            dependencies: [
                "CNCCLTypes",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
                .product(name: "Distributed", package: "TensorCore"),
            ]),
        // The C layout of NCCL's by-value types (ncclUniqueId), for NCCLCommunicator; a header only:
        // libnccl is opened at run time.
        .target(name: "CNCCLTypes"),
        .executableTarget(
            name: "cuda-check",
            dependencies: [
                "CUDABackend", .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "TestKit", package: "TestKit"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
            ]),
        // Test support only (no product): the same kernels compiled for the CPU and run block by
        // block, so the tests exercise the whole launch path without a GPU. It needs C++17, clang's
        // default; no package-wide C++ standard is set, because that flag also reaches the C target
        // CNCCLTypes when the symbol graphs are extracted, and clang refuses it there.
        .target(name: "CUDAKernelEmulator"),
        .testTarget(
            name: "CUDABackendTests",
            dependencies: [
                "CUDABackend", "CUDAKernelEmulator", "CNCCLTypes", .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "TensorCoreTesting", package: "TensorCore"), .product(name: "TestKit", package: "TestKit"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
                .product(name: "Distributed", package: "TensorCore"),
            ]),
    ]
)
