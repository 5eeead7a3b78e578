// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "MNISTData",
    products: [
        // IDX files, MNIST/Fashion-MNIST datasets, transforms, download logic (no networking stack).
        .library(name: "MNISTData", targets: ["MNISTData"]),
        // HTTP(S) fetching for downloads. Separate because FoundationNetworking brings in full
        // Foundation (ICU, ~60 MB in a static binary); only tools that download link it.
        .library(name: "MNISTDownload", targets: ["MNISTDownload"]),
        // TestKit's dataset subject for MNIST, shared by these tests, dlcheck and the integration tests.
        .library(name: "MNISTDataChecks", targets: ["MNISTDataChecks"]),
    ],
    dependencies: [.package(path: "../TensorCore"), .package(path: "../TestKit")],
    targets: [
        // zlib from the system (every Swift-on-Linux install has it) for .gz IDX files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "MNISTData",
            dependencies: [
                "CZlib",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "DeepTrustSystem", package: "TensorCore"),
            ]),
        .target(
            name: "MNISTDownload",
            dependencies: ["MNISTData"]),
        .target(
            name: "MNISTDataChecks",
            dependencies: [
                "MNISTData",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "TestKit", package: "TestKit"),
            ]),
        .testTarget(
            name: "MNISTDataTests",
            dependencies: [
                "MNISTData",
                "MNISTDataChecks",
                "MNISTDownload",
                "CZlib",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "TestKit", package: "TestKit"),
                .product(name: "TestKitTesting", package: "TestKit"),
            ]),
    ]
)
