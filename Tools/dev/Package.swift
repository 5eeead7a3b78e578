// swift-tools-version:6.0
// `dev`: the repository's developer utilities as one executable (run through Tools/dev/run), in
// its own package so that it builds in seconds without the rest of the tree; only the small
// DeepTrustSystem module of TensorCore is built, for the shared command-line parser.
import PackageDescription

let package = Package(
    name: "dev",
    dependencies: [.package(path: "../../Packages/TensorCore")],
    targets: [
        // `dev <subcommand>`: test-all, check-imports, doc-coverage, format-check, sanitize,
        // gen-ptx, check-ptx (see `dev --help`).
        .executableTarget(
            name: "dev",
            dependencies: [.product(name: "DeepTrustSystem", package: "TensorCore")]
        )
    ]
)
