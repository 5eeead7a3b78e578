import Testing
@testable import TensorCore

/// withAnomalyDetection: the first NaN or infinity of a forward result or a backward gradient is
/// thrown with the operation, its input shapes and the module path; outside the mode nothing is checked.
@Suite struct AnomalyDetectionTests {
    /// The error `body` throws inside an anomaly scope, or nil.
    private func anomaly(_ body: () throws -> Void) -> NumericalAnomaly? {
        do {
            try withAnomalyDetection(body)
            return nil
        } catch let anomaly as NumericalAnomaly {
            return anomaly
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func offByDefault() throws {
        #expect(!AnomalyDetection.isEnabled)
        let y = Tensor([-1, 4]).log()
        #expect(y.scalars[0].isNaN)
        try AnomalyDetection.throwIfDetected()
    }

    @Test func forwardNaNNamesTheOpAndItsInputs() {
        let found = anomaly {
            let x = Tensor(shape: [2, 3], scalars: [1, 2, -3, 4, 5, 6])
            _ = (x * 2).log().sum()
        }
        #expect(
            found
                == NumericalAnomaly(
                    phase: .forward, op: "log", inputShapes: [[2, 3]], shape: [2, 3],
                    nanCount: 1, infinityCount: 0, modulePath: nil))
        #expect(found?.description.contains("forward of 'log'") == true)
        #expect(found?.description.contains("outside any module") == true)
    }

    @Test func forwardInfinityOfABinaryOp() {
        let found = anomaly {
            _ = Tensor([1, 0, 2]).reshaped([3, 1]) / Tensor([0, 1])
        }
        #expect(found?.op == "div")
        #expect(found?.inputShapes == [[3, 1], [2]])
        #expect(found?.shape == [3, 2])
        #expect(found?.nanCount == 1)  // 0 / 0
        #expect(found?.infinityCount == 2)  // 1 / 0, 2 / 0
    }

    @Test func backwardInfinityNamesTheOpAndTheInput() {
        // sqrt(0) = 0 is finite; its gradient 0.5 / sqrt(0) is not.
        let found = anomaly {
            var x = Tensor([0, 4])
            x.requiresGrad = true
            x.sqrt().sum().backward()
        }
        #expect(
            found
                == NumericalAnomaly(
                    phase: .backward, op: "sqrt", inputShapes: [[2]], inputIndex: 0, shape: [2],
                    nanCount: 0, infinityCount: 1, modulePath: nil))
        #expect(found?.description.contains("backward of 'sqrt'") == true)
        #expect(found?.description.contains("gradient for input 0") == true)
    }

    @Test func aNonFiniteInputIsBlamedOnTheInputNotTheOp() {
        // A NaN that no checked operation produced (data, a parameter): the first operation to
        // consume it names the input, with the input's own counts and shape.
        let data = Tensor(shape: [2, 2], scalars: [1, .nan, .infinity, 4])
        let found = anomaly { _ = Tensor([1, 1]).reshaped([1, 2]).matmul(data) }
        #expect(
            found
                == NumericalAnomaly(
                    phase: .input, op: "matmul", inputShapes: [[1, 2], [2, 2]], inputIndex: 1,
                    shape: [2, 2], nanCount: 1, infinityCount: 1, modulePath: nil))
        #expect(found?.description.contains("input 1 of 'matmul' outside any module already holds non-finite values") == true)
    }

    @Test func theFirstAnomalyIsReportedNotALaterOne() {
        let found = anomaly {
            let nan = Tensor([-1]).log()  // first: log
            _ = (nan + 1).exp()  // add and exp see the NaN too
            _ = Tensor([1000]).exp()  // an independent overflow later
        }
        #expect(found?.op == "log")
    }

    @Test func modulePathsNestAndNameTheInnermostType() {
        let found = anomaly {
            withModuleScope("", type: "MLPVAE") {
                withModuleScope("encoder", type: "Sequential") {
                    withModuleScope("6", type: "Linear") { _ = Tensor([-2]).sqrt() }
                }
            }
        }
        #expect(found?.modulePath == "encoder.6 (Linear)")
        #expect(found?.description.contains("in module encoder.6 (Linear)") == true)
        let topLevel = anomaly { withModuleScope("", type: "MLPVAE") { _ = Tensor([100]).exp().exp() } }
        #expect(topLevel?.modulePath == "(MLPVAE)")
    }

    @Test func backwardAnomaliesKeepTheModulePathOfTheirForward() {
        let found = anomaly {
            var x = Tensor([0])
            x.requiresGrad = true
            let y = withModuleScope("decoder", type: "Sequential") { x.sqrt() }
            y.sum().backward()  // backward runs outside the module scope
        }
        #expect(found?.phase == .backward)
        #expect(found?.modulePath == "decoder (Sequential)")
    }

    @Test func moduleScopesCostNothingOutsideTheMode() {
        withModuleScope("encoder", type: "Sequential") {
            #expect(ModuleScope.current == nil)
        }
    }

    @Test func throwIfDetectedStopsEarly() {
        var reachedTheEnd = false
        let found = anomaly {
            _ = Tensor([-1]).log()
            try AnomalyDetection.throwIfDetected()
            reachedTheEnd = true
        }
        #expect(found?.op == "log")
        #expect(!reachedTheEnd)
    }

    @Test func anAnomalyWinsOverTheErrorItCaused() {
        struct Downstream: Error {}
        let found = anomaly {
            _ = Tensor([-1]).log()
            throw Downstream()
        }
        #expect(found?.op == "log")
    }

    @Test func errorsOfTheBodyPassThroughWithoutAnAnomaly() {
        struct Failure: Error, Equatable {}
        #expect(throws: Failure()) { try withAnomalyDetection { throw Failure() } }
    }

    @Test func finiteComputationsAndViewsPass() throws {
        let value = try withAnomalyDetection {
            var x = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
            x.requiresGrad = true
            let loss = x.transposed(0, 1).reshaped([4]).exp().sum()
            loss.backward()
            return loss.item()
        }
        #expect(value.isFinite)
    }

    @Test func asyncScopesCheckToo() async {
        do {
            try await withAnomalyDetection { () async throws -> Void in
                await Task.yield()
                _ = Tensor([0]).log()
            }
            Issue.record("expected a NumericalAnomaly")
        } catch let anomaly as NumericalAnomaly {
            #expect(anomaly.op == "log")
            #expect(anomaly.infinityCount == 1)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
