// swift-tools-version:6.0
// A user's project that picks two DeepTrust packages: its own classifier and dataset, built on
// TensorCore, and tested with TestKit's model and dataset suites. It names exactly the products
// it imports, so an undeclared import or a product that cannot be used alone fails its build.
//
// It reaches DeepTrust the way README tells users to: the DeepTrust repository is a git submodule
// at Vendor/DeepTrust, and each package is named by its path inside it. (SwiftPM cannot fetch a
// package from a subfolder of a repository by URL.) Tools/test-all builds it in a new git project
// with the repository's committed HEAD added as that submodule; to build it by hand, run
// `git submodule add <DeepTrust URL or path> Vendor/DeepTrust` in a copy of this folder.
import PackageDescription

let package = Package(
    name: "UserModelWithTestKit",
    dependencies: [
        .package(path: "Vendor/DeepTrust/Packages/TensorCore"),
        .package(path: "Vendor/DeepTrust/Packages/TestKit"),
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
