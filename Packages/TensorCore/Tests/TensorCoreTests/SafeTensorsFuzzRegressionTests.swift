import Foundation
import Testing
import TensorCore

/// Inputs that crashed the safetensors reader under Tools/fuzz (each is also a seed in
/// Tools/fuzz/corpus/safetensors/). Each must be reported as an error, never trap.
@Suite struct SafeTensorsFuzzRegressionTests {
    private typealias Support = SafeTensorsTestSupport

    /// A shape holding no element (one extent is 0) whose other extents multiply past Int.max:
    /// the element count (0) passed the checks, then laying out the tensor's row-major strides
    /// overflowed and trapped.
    @Test(arguments: [[0, 1 << 40, 1 << 40], [1 << 62, 0, 5], [3, 1 << 31, 0, 1 << 31, 7]])
    func emptyShapesWhoseExtentsOverflow(shape: [Int]) throws {
        let json = #"{"w":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,0]}}"#
        let bytes = Support.file(json: json)
        #expect(
            Support.decodeError(bytes) == SafeTensorsError(file: "forged.safetensors", tensor: "w", .shapeOverflow(shape: shape)))
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/empty-overflow.safetensors"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(throws: SafeTensorsError(file: path, tensor: "w", .shapeOverflow(shape: shape))) {
                try SafeTensors.read(path)
            }
        }
    }

    /// The largest empty shapes that can be laid out still load, as empty tensors.
    @Test func emptyShapesThatFitStillLoad() throws {
        let shape = [0, 1 << 31, (1 << 31) - 1]
        let file = try SafeTensors.decode(Support.file(json: #"{"w":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,0]}}"#))
        let tensor = try file.tensor("w", shape: shape)
        #expect(tensor.count == 0)
    }
}
