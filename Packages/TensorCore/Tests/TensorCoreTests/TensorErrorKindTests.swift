import Testing

@testable import TensorCore

/// The error thrown by `body` inside a checking scope, or `nil` when it throws none (recorded).
private func checkingError(
    _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation, _ body: () -> Void
) -> TensorError? {
    do {
        try withTensorChecking { body() }
        Issue.record("expected a TensorError \(label)", sourceLocation: sourceLocation)
    } catch let error as TensorError {
        return error
    } catch {
        Issue.record("unexpected error \(error) \(label)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A leaf tensor of `values` that requires gradients.
private func leaf(_ values: [Float]) -> Tensor {
    var x = Tensor(values)
    x.requiresGrad = true
    return x
}

/// Every kind of ``TensorError`` for a representative misuse, with the operation that reports it.
@Suite struct TensorErrorKindTests {
    @Test func eachMisuseReportsItsKind() {
        let cases: [(op: String, kind: TensorError.Kind, body: () -> Void)] = [
            // Operands' shapes do not fit each other or the operation.
            ("add", .shapeMismatch, { _ = Tensor([1, 2, 3]) + Tensor([1, 2]) }),
            ("matmul", .shapeMismatch, { _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5])) }),
            ("item", .shapeMismatch, { _ = Tensor([1, 2]).item() }),
            ("max", .shapeMismatch, { _ = Tensor.zeros([0, 2]).max(axes: [0]) }),
            ("conv2d", .shapeMismatch, { _ = Tensor.zeros([1, 2, 5, 5]).conv2d(weight: Tensor.zeros([4, 3, 3, 3])) }),
            ("backward", .shapeMismatch, { leaf([0, 0]).backward(Tensor.ones([3])) }),
            // A shape argument that cannot be used.
            ("reshape", .invalidShape, { _ = Tensor.zeros([2, 3]).reshaped([4]) }),
            ("full", .invalidShape, { _ = Tensor.full([2, -1], value: 0, backend: CPUBackend.shared) }),
            ("expand", .invalidShape, { _ = Tensor.zeros([2, 3]).expanded(to: [4, 3]) }),
            // Axes and indices.
            ("sum", .axisOutOfRange, { _ = Tensor.zeros([2, 3]).sum(axes: [2]) }),
            ("unsqueeze", .axisOutOfRange, { _ = Tensor.zeros([2, 3]).unsqueezed(axis: 4) }),
            ("select", .indexOutOfRange, { _ = Tensor.zeros([2, 3]).selected(axis: 0, index: 2) }),
            ("narrow", .indexOutOfRange, { _ = Tensor.zeros([2, 3]).narrowed(axis: 1, start: 2, length: 2) }),
            // Devices.
            ("mul", .deviceMismatch, { _ = Tensor([1, 2]) * onOtherDevice([2], [3, 4]) }),
            // Other arguments.
            ("clamp", .invalidArgument, { _ = Tensor([1, 2]).clamped(min: 1, max: 0) }),
            ("slice", .invalidArgument, { _ = Tensor([1, 2]).sliced(axis: 0, step: 0) }),
            ("sum", .invalidArgument, { _ = Tensor.zeros([2, 3]).sum(axes: [1, -1]) }),
            ("rand", .invalidArgument, { _ = Tensor.rand([2], low: 1, high: 0) }),
            // Autodiff.
            ("backward", .autogradMisuse, { Tensor([1, 2]).sum().backward() }),
            ("backward", .autogradMisuse, { (leaf([1, 2]) * 2).backward() }),
            // Memory (2^62 bytes: refused at once, nothing is touched).
            ("full", .outOfMemory, { _ = Tensor.zeros([1 << 40, 1 << 20]) }),
        ]
        for (op, kind, body) in cases {
            guard let error = checkingError("\(op) (\(kind))", body) else { continue }
            #expect(error.kind == kind, "\(error)")
            #expect(error.op == op, "\(error)")
        }
        // Every kind but `other` is reported by some operation above.
        #expect(Set(cases.map(\.kind)) == Set(TensorError.Kind.allCases).subtracting([.other]))
    }

    @Test func aCallerCanCatchOneKind() {
        var caught: TensorError?
        do {
            _ = try withTensorChecking { Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5])) }
        } catch let error as TensorError where error.kind == .shapeMismatch {
            caught = error
        } catch {
            Issue.record("unexpected \(error)")
        }
        // The kind does not change the message.
        #expect(caught?.description == "matmul: inner dimensions differ: [2, 3] × [4, 5]")
    }

    @Test func aSecondBackwardThroughAReleasedGraphIsAutogradMisuse() {
        let x = leaf([1, 2])
        let loss = (x * x).sum()
        loss.backward()
        let error = checkingError { loss.backward() }
        #expect(error?.kind == .autogradMisuse)
        #expect(error?.message.contains("a second time") == true)
    }

    @Test func errorsWithoutAKindAreOtherAndKeepTheirDescription() {
        let error = TensorError(op: "reader", "cannot open file")
        #expect(error.kind == .other)
        #expect(error.description == "reader: cannot open file")
        #expect(error != TensorError(.invalidArgument, op: "reader", "cannot open file"))
        #expect(TensorError.Kind.allCases.count == 9)
        #expect("\(TensorError.Kind.deviceMismatch)" == "deviceMismatch")
    }
}
