import NN
import TensorCore
import Testing
import TensorCoreTesting

/// The kinds of the misuses that layers, losses and initialisers report.
@Suite struct NNErrorKindTests {
    @Test func layerAndLossMisuseReportsItsKind() {
        let other = CPUForwardingBackend(name: "second test device", device: .cuda(3))
        let cases: [(op: String, kind: TensorError.Kind, body: () -> Void)] = [
            ("Linear", .shapeMismatch, { _ = Linear(4, 2)(Tensor.zeros([3, 5])) }),
            ("BatchNorm2d", .shapeMismatch, { _ = BatchNorm2d(3)(Tensor.zeros([2, 4, 5, 5])) }),
            ("mseLoss", .shapeMismatch, { _ = mseLoss(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])) }),
            (
                "mseLoss", .deviceMismatch,
                { _ = mseLoss(Tensor.zeros([2]), Tensor(shape: [2], scalars: [0, 0], backend: other)) }
            ),
            ("Initialization.fans", .invalidShape, { _ = Initialization.fans(ofWeightShape: [3]) }),
            ("Flatten", .axisOutOfRange, { _ = Flatten(startDimension: 4)(Tensor.zeros([2, 3])) }),
            ("Flatten", .invalidArgument, { _ = Flatten(startDimension: 2, endDimension: 1)(Tensor.zeros([2, 3, 4])) }),
            ("Unflatten", .axisOutOfRange, { _ = Unflatten(dimension: 3, sizes: [2, 2])(Tensor.zeros([2, 4])) }),
            ("Dropout", .invalidArgument, { _ = Dropout(probability: 1.5) }),
            ("Linear", .invalidArgument, { _ = Linear(-1, 2) }),
        ]
        for (op, kind, body) in cases {
            let error = tensorError(body)
            #expect(error?.kind == kind, "\(op): \(String(describing: error))")
            #expect(error?.op == op, "\(op): \(String(describing: error))")
        }
    }
}
