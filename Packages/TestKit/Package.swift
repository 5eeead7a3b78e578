// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "TestKit",
    products: [
        // The checks themselves; no test framework, so command-line tools (dlcheck) can run them.
        .library(name: "TestKit", targets: ["TestKit"]),
        // Swift Testing adoption: `try check.verify(on: subject)` reports skips as skipped test cases.
        .library(name: "TestKitTesting", targets: ["TestKitTesting"]),
        // XCTest adoption: `assertPasses(suite)` reports every failing check.
        .library(name: "TestKitXCTest", targets: ["TestKitXCTest"]),
    ],
    dependencies: [.package(path: "../TensorCore")],
    targets: [
        // Reusable checks for datasets, models, losses, trainers and data-parallel training
        // (framework-agnostic core).
        // Depends on TensorCore's products only, never on MNISTData, VAEModels or Training.
        .target(
            name: "TestKit",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "TensorCoreTesting", package: "TensorCore"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
                .product(name: "Distributed", package: "TensorCore"),
            ]),
        .target(name: "TestKitTesting", dependencies: ["TestKit"]),
        .target(name: "TestKitXCTest", dependencies: ["TestKit"]),
        .testTarget(
            name: "TestKitTests",
            dependencies: [
                "TestKit", "TestKitTesting", "TestKitXCTest",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "Distributed", package: "TensorCore"),
            ]),
    ]
)
