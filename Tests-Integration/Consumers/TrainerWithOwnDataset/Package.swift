// swift-tools-version:6.0
// A user's project that trains DeepTrust's VAE trainer on its own dataset type. It depends on
// Training (and its test-support product TrainingChecks), VAEModels (the model configurations)
// and TensorCore (Tensor, Dataset) only, each product named where it is imported.
import PackageDescription

let package = Package(
    name: "TrainerWithOwnDataset",
    dependencies: [
        .package(path: "../../../Packages/TensorCore"),
        .package(path: "../../../Packages/VAEModels"),
        .package(path: "../../../Packages/Training"),
    ],
    targets: [
        // The user's dataset: synthetic blob images.
        .target(
            name: "SyntheticBlobs",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
            ]),
        .testTarget(
            name: "TrainerWithOwnDatasetTests",
            dependencies: [
                "SyntheticBlobs",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "VAEModels", package: "VAEModels"),
                .product(name: "Training", package: "Training"),
                .product(name: "TrainingChecks", package: "Training"),
            ]),
    ]
)
