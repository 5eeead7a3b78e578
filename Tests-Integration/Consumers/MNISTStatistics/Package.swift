// swift-tools-version:6.0
// A user's project that picks MNISTData alone: a command that loads an MNIST split and prints its
// statistics. It depends on the MNISTData product only (no TensorCore product), which proves that
// reading IDX files and MNIST needs nothing else to be named.
import PackageDescription

let package = Package(
    name: "MNISTStatistics",
    products: [
        .executable(name: "mnist-statistics", targets: ["mnist-statistics"])
    ],
    dependencies: [
        .package(path: "../../../Packages/MNISTData")
    ],
    targets: [
        // The statistics of a split (what the command prints), separate so that tests run it.
        .target(name: "MNISTStatistics", dependencies: [.product(name: "MNISTData", package: "MNISTData")]),
        // `mnist-statistics [DIR] [--split train|test]`: DIR defaults to $MNIST_DIR.
        .executableTarget(name: "mnist-statistics", dependencies: ["MNISTStatistics"]),
        .testTarget(
            name: "MNISTStatisticsTests",
            dependencies: [
                "MNISTStatistics", .product(name: "MNISTData", package: "MNISTData"),
            ]),
    ]
)
