// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Training",
    products: [
        .library(name: "Training", targets: ["Training"]),
        // The command line of vae-train (flags, help), separate so that its parsing is tested here.
        .library(name: "VAETrainCLI", targets: ["VAETrainCLI"]),
        // TestKit's trainer checks bound to the VAE trainer, shared by these tests, dlcheck and the
        // integration tests.
        .library(name: "TrainingChecks", targets: ["TrainingChecks"]),
    ],
    dependencies: [.package(path: "../TensorCore"), .package(path: "../VAEModels"), .package(path: "../TestKit")],
    targets: [
        // zlib from the system for PNG encoding.
        .systemLibrary(name: "CZlibPNG", path: "Sources/CZlibPNG"),
        // The VAE trainer, TensorBoard event files, PNG images, safetensors checkpoints, progress.
        .target(
            name: "Training",
            dependencies: [
                "CZlibPNG",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "Distributed", package: "TensorCore"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
            ]),
        .target(
            name: "VAETrainCLI",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
            ]),
        .target(
            name: "TrainingChecks",
            dependencies: [
                "Training",
                "CZlibPNG",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "TestKit", package: "TestKit"),
                .product(name: "Distributed", package: "TensorCore"),
            ]),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training",
                "TrainingChecks",
                "VAETrainCLI",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "TestKit", package: "TestKit"),
                .product(name: "TestKitTesting", package: "TestKit"),
            ]),
    ]
)
