// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "MNISTData",
    products: [.library(name: "MNISTData", targets: ["MNISTData"])],
    dependencies: [.package(path: "../TensorCore"), .package(path: "../TestKit")],
    targets: [
        // zlib from the system (every Swift-on-Linux install has it) for .gz IDX files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // IDX files, MNIST/Fashion-MNIST datasets, transforms, download with checksums.
        .target(name: "MNISTData", dependencies: [
            "CZlib",
            .product(name: "TensorCore", package: "TensorCore"),
            .product(name: "Data", package: "TensorCore"),
        ]),
        .testTarget(name: "MNISTDataTests", dependencies: [
            "MNISTData",
            .product(name: "TensorCore", package: "TensorCore"),
            .product(name: "Data", package: "TensorCore"),
            .product(name: "TestKit", package: "TestKit"),
        ]),
    ]
)
