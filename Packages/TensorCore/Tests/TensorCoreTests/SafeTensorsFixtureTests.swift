import Foundation
import Testing
@testable import TensorCore

/// Reads files written by Python's `safetensors` package (Tools/python/fixtures/make_safetensors_fixture.py;
/// the expected values below are the formulas written next to each tensor there).
@Suite struct SafeTensorsFixtureTests {
    private static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/safetensors").path

    private func ramp(_ count: Int, scale: Double, shift: Int) -> [Float] {
        (0..<count).map { Float(Double($0 + shift) * scale) }
    }

    @Test func readsEveryDTypeWrittenByPython() throws {
        let file = try SafeTensors.read(Self.directory + "/mixed-dtypes.safetensors")
        #expect(
            file.metadata == [
                "producer": "make_safetensors_fixture.py",
                "note": "quote \" backslash \\ newline \n café ✓",
            ])
        let dtypes = Dictionary(uniqueKeysWithValues: file.header.entries.map { ($0.name, $0.dtype) })
        #expect(
            dtypes == [
                "f64": .f64, "f32": .f32, "f16": .f16, "bf16": .bf16, "f8_e4m3": .f8E4M3,
                "f8_e5m2": .f8E5M2, "i64": .i64, "i32": .i32, "i16": .i16, "i8": .i8, "u8": .u8,
                "u16": .u16, "u32": .u32, "u64": .u64, "bool": .bool, "scalar": .f32, "empty": .f32,
            ])

        let f64 = (0..<6).map { Float(Double($0 - 2) * 0.1) }  // rounded from the F64 value
        #expect(try file.tensor("f64", shape: [2, 3]).scalars == f64)
        #expect(try file.tensor("f32", shape: [2, 3]).scalars == ramp(6, scale: 0.25, shift: -3))
        #expect(try file.tensor("f16", shape: [7]).scalars == ramp(6, scale: 0.5, shift: -3) + [0x1p-20])
        #expect(try file.tensor("bf16", shape: [3, 2]).scalars == ramp(6, scale: 0.5, shift: -3))
        #expect(try file.tensor("f8_e4m3", shape: [7]).scalars == ramp(6, scale: 0.5, shift: -3) + [0x1p-9])
        #expect(try file.tensor("f8_e5m2", shape: [6]).scalars == ramp(6, scale: 0.5, shift: -3))
        #expect(try file.tensor("i64", shape: [3]).scalars == [Float(-(Int64(1) << 40) - 1), 0, 7])
        for name in ["i32", "i16", "i8"] {
            #expect(try file.tensor(name, shape: [4]).scalars == [-2, -1, 0, 1], "\(name)")
        }
        for name in ["u8", "u16", "u32", "u64"] {
            #expect(try file.tensor(name, shape: [4]).scalars == [0, 3, 6, 9], "\(name)")
        }
        #expect(try file.tensor("bool", shape: [4]).scalars == [1, 0, 1, 1])
        #expect(try file.tensor("scalar", shape: []).scalars == [3.5])
        #expect(try file.tensor("empty", shape: [0, 3]).scalars == [])
    }

    @Test func writesTheSameBytesAsPythonForF32() throws {
        let expected = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.directory + "/f32-reference.safetensors")))
        let ours = try SafeTensors.encode(
            [
                "weight": Tensor(shape: [2, 3], scalars: ramp(6, scale: 0.25, shift: -3)),
                "bias": Tensor(ramp(2, scale: 1.5, shift: 1)),
            ],
            metadata: ["format": "pt"])
        #expect(ours == expected)
    }
}

@Suite struct SafeTensorsDTypeConversionTests {
    @Test func halfPrecisionCoversSpecialValues() {
        #expect(SafeTensorsDType.halfToFloat(0x3c00) == 1)
        #expect(SafeTensorsDType.halfToFloat(0xc000) == -2)
        #expect(SafeTensorsDType.halfToFloat(0x7bff) == 65504)
        #expect(SafeTensorsDType.halfToFloat(0x0001) == 0x1p-24)
        #expect(SafeTensorsDType.halfToFloat(0x8000).bitPattern == (-0.0 as Float).bitPattern)
        #expect(SafeTensorsDType.halfToFloat(0x7c00) == .infinity)
        #expect(SafeTensorsDType.halfToFloat(0xfc00) == -.infinity)
        #expect(SafeTensorsDType.halfToFloat(0x7e00).isNaN)
    }

    @Test func float8E4M3CoversItsRange() {
        #expect(SafeTensorsDType.e4m3ToFloat(0x38) == 1)  // exponent 7, mantissa 0
        #expect(SafeTensorsDType.e4m3ToFloat(0x7e) == 448)  // largest finite
        #expect(SafeTensorsDType.e4m3ToFloat(0x01) == 0x1p-9)  // smallest subnormal
        #expect(SafeTensorsDType.e4m3ToFloat(0xb8) == -1)
        #expect(SafeTensorsDType.e4m3ToFloat(0x7f).isNaN)
        #expect(SafeTensorsDType.e4m3ToFloat(0xff).isNaN)
    }
}
