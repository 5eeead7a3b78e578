// swift-tools-version:6.0
// The umbrella package: wires every package of Packages/ together, holds the command-line tools
// of Tools/ and the cross-package integration tests of Tests-Integration/.
import PackageDescription

let package = Package(
    name: "DeepTrust",
    dependencies: [
        .package(path: "Packages/TensorCore"),
        .package(path: "Packages/CUDABackend"),
        .package(path: "Packages/MNISTData"),
        .package(path: "Packages/VAEModels"),
        .package(path: "Packages/Training"),
        .package(path: "Packages/TestKit"),
    ],
    targets: [
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "CUDABackend", package: "CUDABackend"),
                .product(name: "MNISTData", package: "MNISTData"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "Training", package: "Training"),
                .product(name: "TestKit", package: "TestKit"),
            ],
            path: "Tests-Integration"
        ),
    ]
)
