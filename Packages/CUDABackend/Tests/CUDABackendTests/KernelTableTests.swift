@testable import CUDABackend
import CUDAKernelEmulator
import Testing

/// The generated PTX, the Swift kernel table and the kernels' C signatures must agree, or a
/// launch would pass arguments the kernel does not expect (found only on a GPU, as garbage).
@Suite struct KernelTableTests {
    static let entries = PTXEntries.parse(kernelsPTX)

    @Test func generatedPTXTargetsSM80WithPTX70() {
        #expect(kernelsPTX.count > 10_000)
        #expect(kernelsPTX.contains("\n.version 7.0\n"))
        #expect(kernelsPTX.contains("\n.target sm_80\n"))
    }

    /// The CPU backend (and the emulator) take IEEE-rounded square roots and quotients, so the GPU
    /// must too, or Adam and sqrt differ in the last bit on hardware while passing here.
    /// libdevice's `__nv_sqrtf` becomes `sqrt.approx.f32` unless the kernels ask for `sqrt.rn`.
    @Test func squareRootsAndQuotientsAreRoundedLikeTheCPU() {
        for approximate in ["sqrt.approx", "rsqrt.approx", "div.approx", "div.full"] {
            #expect(!kernelsPTX.contains(approximate), "the PTX uses \(approximate)")
        }
        #expect(kernelsPTX.contains("sqrt.rn.f32"))
        // The only approximate instructions: libdevice's refined seeds (as Tools/dev/run check-ptx allows).
        let allowed: Set = ["ex2.approx.ftz.f32", "rcp.approx.ftz.f32", "rcp.approx.ftz.f64"]
        let used = Set(
            kernelsPTX.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
                .filter { $0.contains(".approx") }.map(String.init))
        #expect(used.isSubset(of: allowed), "approximate instructions: \(used.subtracting(allowed).sorted())")
    }

    @Test func everyLaunchedKernelIsInThePTXWithTheSameParameters() throws {
        for signature in Kernels.all {
            let entry = try #require(
                Self.entries.first { $0.name == signature.name }, "\(signature.name) is missing from the PTX")
            #expect(entry.parameters.count == signature.parameters.count, "\(signature.name): parameter count")
            for (index, (declared, expected)) in zip(entry.parameters, signature.parameters).enumerated() {
                let expectedType: String
                switch expected {
                case .pointer, .u64: expectedType = "u64"
                case .u32: expectedType = "u32"
                case .f32: expectedType = "f32"
                case .block: expectedType = "b8"
                }
                #expect(
                    declared.type == expectedType, "\(signature.name) parameter \(index): PTX \(declared.type), Swift \(expected)"
                )
                #expect(declared.size == expected.size, "\(signature.name) parameter \(index): size")
                #expect(declared.alignment == expected.alignment, "\(signature.name) parameter \(index): alignment")
            }
        }
    }

    @Test func everyPTXKernelIsLaunchedFromSwift() {
        let launched = Set(Kernels.all.map(\.name))
        let declared = Set(Self.entries.map(\.name))
        #expect(
            declared == launched, "PTX only: \(declared.subtracting(launched)), Swift only: \(launched.subtracting(declared))")
    }

    @Test func theEmulatedKernelsHaveTheSameCSignatures() {
        #expect(Int(dt_emu_kernel_count()) == Kernels.all.count)
        for signature in Kernels.all {
            var sizes = [Int32](repeating: 0, count: 16)
            let count = dt_emu_parameter_sizes(signature.name, &sizes, 16)
            #expect(Int(count) == signature.parameters.count, "\(signature.name)")
            #expect(sizes.prefix(Int(max(count, 0))).map(Int.init) == signature.parameters.map(\.size), "\(signature.name)")
        }
    }

    @Test func theParserReadsEntriesAndAlignedBlocks() {
        let ptx = """
            .visible .entry k(
            \t.param .align 8 .b8 k_param_0[328],
            \t.param .u64 k_param_1,
            \t.param .f32 k_param_2
            )
            .visible .entry empty()
            """
        #expect(
            PTXEntries.parse(ptx) == [
                PTXEntry(
                    name: "k",
                    parameters: [
                        .init(type: "b8", size: 328, alignment: 8), .init(type: "u64", size: 8, alignment: 8),
                        .init(type: "f32", size: 4, alignment: 4),
                    ]),
                PTXEntry(name: "empty", parameters: []),
            ])
    }
}
