// swift-tools-version:6.0
// A user's project that picks two DeepTrust packages: its own classifier and dataset, built on
// TensorCore, and tested with TestKit's model and dataset suites. It names exactly the products
// it imports, so an undeclared import or a product that cannot be used alone fails its build.
import PackageDescription

let package = Package(
    name: "UserModelWithTestKit",
    dependencies: [
        .package(path: "../../../Packages/TensorCore"),
        .package(path: "../../../Packages/TestKit"),
    ],
    targets: [
        .target(
            name: "UserModel",
            dependencies: [
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
            ]),
        .testTarget(
            name: "UserModelTests",
            dependencies: [
                "UserModel",
                .product(name: "TensorCore", package: "TensorCore"),
                .product(name: "NN", package: "TensorCore"),
                .product(name: "Optim", package: "TensorCore"),
                .product(name: "Data", package: "TensorCore"),
                .product(name: "TestKit", package: "TestKit"),
                .product(name: "TestKitTesting", package: "TestKit"),
            ]),
    ]
)
