import Testing
@testable import TensorCore

@Suite struct OpsCheckingScopeTests {
    /// A broken model inside a checking scope: the first misuse is thrown once the body has run
    /// to its end on placeholders; later failures caused by the placeholder do not replace it.
    @Test func aBrokenModelRunsToTheEndAndThrowsTheFirstMisuse() {
        var reachedTheEnd = false
        do {
            _ = try withTensorChecking {
                let x = randomTensor([2, 3], seed: 1)
                let hidden = x.matmul(Tensor.zeros([4, 5])).relu()
                let image = hidden.reshaped([2, 1, 5, -1])
                let y = image.conv2d(weight: Tensor.zeros([2, 3, 3, 3]), padding: (1, 1))
                let loss = (y * y).mean() + y.softmax(axis: 1).sum()
                reachedTheEnd = true
                return loss.item()
            }
            Issue.record("expected a thrown TensorError")
        } catch let error as TensorError {
            #expect(error.op == "matmul")
            #expect(error.description.contains("[2, 3]") && error.description.contains("[4, 5]"), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(reachedTheEnd)
    }

    @Test func mixedDevicesNameBothDevices() {
        let cpu = Tensor([1, 2, 3])
        let other = onOtherDevice([3], [4, 5, 6])
        for (op, body) in [
            ("add", { cpu + other }), ("div", { other / cpu }),
            ("where", { Tensor.where(cpu, other, cpu) }),
        ] as [(String, () -> Tensor)] {
            expectTensorFailure(op: op, mentioning: ["cpu", "cuda:5", "[3]"], body)
        }
        // On one device, the second backend computes like the CPU.
        #expect((other * other).scalars == [16, 25, 36])
        #expect((other * other).device == .cuda(5))
    }
}
