// swift-tools-version:6.0
// libFuzzer harnesses for the file parsers users can hand to DeepTrust (IDX, safetensors,
// TensorBoard event files). Built and run only by `Tools/fuzz/run`, which passes the sanitizer
// flags on the command line (no unsafeFlags here) and links each harness with libFuzzer's main.
// Every target is a library: SwiftPM compiles the modules, the script links the fuzzers.
import PackageDescription

let package = Package(
    name: "DeepTrustFuzz",
    dependencies: [
        .package(path: "../../Packages/TensorCore"),
        .package(path: "../../Packages/MNISTData"),
        .package(path: "../../Packages/Training"),
    ],
    targets: [
        // Scratch files and input conversion shared by the harnesses.
        .target(name: "FuzzSupport", dependencies: [.product(name: "DeepTrustSystem", package: "TensorCore")]),
        // IDXArray.decode (memory) and IDXArray.read (file), raw and gzip: must agree, round-trip.
        .target(
            name: "IDXReaderFuzz",
            dependencies: [
                "FuzzSupport",
                .product(name: "MNISTData", package: "MNISTData"),
            ]),
        // SafeTensors.decode / read / readHeader: must agree, and a decoded file must re-encode.
        .target(
            name: "SafeTensorsFuzz",
            dependencies: [
                "FuzzSupport",
                .product(name: "TensorCore", package: "TensorCore"),
            ]),
        // EventFileReader.events(inFile:) and EventFileReader.run on a directory holding the input.
        .target(
            name: "EventFileFuzz",
            dependencies: [
                "FuzzSupport",
                .product(name: "Training", package: "Training"),
            ]),
    ]
)
