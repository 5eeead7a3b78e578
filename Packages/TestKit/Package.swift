// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "TestKit",
    products: [.library(name: "TestKit", targets: ["TestKit"])],
    dependencies: [.package(path: "../TensorCore")],
    targets: [
        // Reusable checks for datasets, models and trainers (framework-agnostic core plus
        // Swift Testing and XCTest helpers). Depends on TensorCore only.
        .target(name: "TestKit", dependencies: [
            .product(name: "TensorCore", package: "TensorCore"),
            .product(name: "NN", package: "TensorCore"),
            .product(name: "Optim", package: "TensorCore"),
            .product(name: "Data", package: "TensorCore"),
        ]),
        .testTarget(name: "TestKitTests", dependencies: [
            "TestKit",
            .product(name: "TensorCore", package: "TensorCore"),
        ]),
    ]
)
