// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "CUDABackend",
    products: [.library(name: "CUDABackend", targets: ["CUDABackend"])],
    dependencies: [.package(path: "../TensorCore")],
    targets: [
        // TensorCore's Backend protocol on NVIDIA GPUs through the CUDA driver API, loaded at run time.
        .target(name: "CUDABackend", dependencies: [.product(name: "TensorCore", package: "TensorCore")]),
        .testTarget(name: "CUDABackendTests", dependencies: ["CUDABackend", .product(name: "TensorCore", package: "TensorCore")]),
    ]
)
