// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "VAEModels",
    products: [.library(name: "VAEModels", targets: ["VAEModels"])],
    dependencies: [.package(path: "../TensorCore"), .package(path: "../TestKit")],
    targets: [
        // The VAE protocol and the reference MLPVAE and CNNVAE.
        .target(name: "VAEModels", dependencies: [
            .product(name: "TensorCore", package: "TensorCore"),
            .product(name: "NN", package: "TensorCore"),
        ]),
        .testTarget(name: "VAEModelsTests", dependencies: [
            "VAEModels",
            .product(name: "TensorCore", package: "TensorCore"),
            .product(name: "NN", package: "TensorCore"),
            .product(name: "Optim", package: "TensorCore"),
            .product(name: "TestKit", package: "TestKit"),
            .product(name: "TestKitTesting", package: "TestKit"),
        ], exclude: ["Fixtures"]),
    ]
)
