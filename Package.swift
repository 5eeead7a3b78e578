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
        // `bench <subcommand>`: performance figures next to PyTorch's (companion scripts excluded).
        .executableTarget(
            name: "bench",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "MNISTData", package: "MNISTData"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "Training", package: "Training"),
                .product(name: "Distributed", package: "TensorCore"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
            ],
            path: "Tools/bench"
        ),
        // `vae-train mlp|cnn [options]`: the reference's run.py — trains a VAE on MNIST (see --help).
        .executableTarget(
            name: "vae-train",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "CUDABackend", package: "CUDABackend"),
                .product(name: "MNISTData", package: "MNISTData"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "Training", package: "Training"),
                .product(name: "VAETrainCLI", package: "Training"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
                .product(name: "Distributed", package: "TensorCore"),
            ],
            path: "Tools/vae-train"
        ),
        // `dlcheck`: TestKit's suites on the built-in datasets, models, losses and trainer, as a table and JSON.
        .executableTarget(
            name: "dlcheck",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "CUDABackend", package: "CUDABackend"),
                .product(name: "MNISTData", package: "MNISTData"),
                .product(name: "MNISTDataChecks", package: "MNISTData"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "VAEModelsChecks", package: "VAEModels"),
                .product(name: "TrainingChecks", package: "Training"),
                .product(name: "TestKit", package: "TestKit"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
            ],
            path: "Tools/dlcheck"
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "CUDABackend", package: "CUDABackend"),
                .product(name: "MNISTData", package: "MNISTData"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "Training", package: "Training"),
                .product(name: "TestKit", package: "TestKit"),
                .product(name: "TestKitTesting", package: "TestKit"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "TrainingChecks", package: "Training"),
                .product(name: "MNISTDataChecks", package: "MNISTData"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
            ],
            path: "Tests-Integration",
            exclude: ["Consumers"]
        ),
    ]
)
