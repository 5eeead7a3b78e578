// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "VAEModels",
    products: [
        .library(name: "VAEModels", targets: ["VAEModels"]),
        // TestKit subjects for the reference models, shared by this package's tests, dlcheck and
        // the integration tests.
        .library(name: "VAEModelsChecks", targets: ["VAEModelsChecks"]),
    ],
    dependencies: [.package(path: "../TensorCore"), .package(path: "../TestKit")],
    targets: [
        // The VAE protocol and the reference MLPVAE and CNNVAE.
        .target(
            name: "VAEModels",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
            ]),
        .target(
            name: "VAEModelsChecks",
            dependencies: [
                "VAEModels",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "TestKit", package: "TestKit"),
            ]),
        .testTarget(
            name: "VAEModelsTests",
            dependencies: [
                "VAEModels", "VAEModelsChecks",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "TestKit", package: "TestKit"),
                .product(name: "TestKitTesting", package: "TestKit"),
            ], exclude: ["Fixtures"]),
    ]
)
