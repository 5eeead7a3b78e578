import NN
import Optim
import Testing
import TestKit

@Suite("Model checks")
struct ModelCheckTests {
    init() { SimulatedDevice.install() }

    @Test("correct models pass every check, device moving included (on the simulated cuda:0)", arguments: ModelCheck.allCases)
    func correctModelsPass(_ check: ModelCheck) {
        for subject in ModelSubjects.correct(seed: 0) where check != .outputRange || subject.outputRange != nil {
            expectPasses(check, on: subject)
        }
    }

    @Test("noise made on the CPU fails device moving, naming the operation and both devices")
    func noiseOnWrongDevice() throws {
        let failure = try #require(expectFailure(of: ModelCheck.deviceMoving, on: ModelSubjects.vae(.onCPU)))
        #expect(failure.location.device == .cuda(0))
        #expect(failure.message.contains("forward pass of the copy on cuda:0"))
        #expect(failure.message.contains("mul: operands are on different devices"))
        #expect(failure.message.contains("cuda:0 and cpu") || failure.message.contains("cpu and cuda:0"))
    }

    @Test("a module that moves itself in place fails device moving: the source changed")
    func inPlaceMove() throws {
        let subject = ModelSubjects.classifier("in-place mover") { InPlaceMovingMLP() }
        let failure = try #require(expectFailure(of: ModelCheck.deviceMoving, on: subject))
        #expect(failure.message.contains("changed the source model"))
        #expect(failure.location.parameter == "hidden.weight")
    }

    @Test("a reshape that mixes samples fails batch independence for the first masked sample")
    func mixingReshape() throws {
        let subject = ModelSubject(
            name: "mixing MLP", makeModel: { _, device in try MixingMLP().moved(to: device) },
            makeBatch: ModelSubjects.images, outputShape: [3],
            loss: { output, batch in (output * output).sum() },
            makeOptimizer: { model in try Adam(model.namedParameters()) })
        expectPasses(ModelCheck.outputShape, on: subject)
        let failure = try #require(expectFailure(of: ModelCheck.batchIndependence, on: subject))
        #expect(failure.location.sample == 0)
        #expect(failure.message.contains("mixing the batch"))
        #expect((failure.deviation?.observed ?? 0) > 0)
    }

    @Test("a layer built but never used is named, with the cause")
    func unusedLayer() throws {
        let failure = try #require(
            expectFailure(
                of: ModelCheck.allParametersUpdated,
                on: ModelSubjects.classifier("unused layer") { UnusedLayerMLP() }))
        #expect(failure.all.map(\.location.parameter) == ["extra.weight", "extra.bias"])
        #expect(failure.message.contains("no gradient reached it"))
    }

    @Test("a parameter missing from the optimiser is named, with the cause")
    func missingFromOptimizer() throws {
        let subject = ModelSubjects.classifier("partial optimiser", optimizeAll: false) { MLPClassifier() }
        let failure = try #require(expectFailure(of: ModelCheck.allParametersUpdated, on: subject))
        let last = MLPClassifier().namedParameters().last!.name
        #expect(failure.all.map(\.location.parameter) == [last])
        #expect(failure.message.contains("not among the optimiser's parameters"))
    }

    @Test("a reshape hard-coded to the batch size fails the output shape check with the tensor error, and the run goes on")
    func hardCodedBatch() throws {
        let failure = try #require(
            expectFailure(
                of: ModelCheck.outputShape,
                on: ModelSubjects.classifier("hard-coded batch") { HardCodedBatchMLP() }))
        #expect(failure.message.contains("forward pass of a batch of 1 in evaluation mode"))
        #expect(failure.message.contains("reshape"))
    }

    @Test("a declared output shape that the model does not produce is reported with both shapes")
    func wrongOutputShape() throws {
        var subject = ModelSubjects.classifier("MLP classifier") { MLPClassifier() }
        subject.outputShape = [4]
        let failure = try #require(expectFailure(of: ModelCheck.outputShape, on: subject))
        #expect(failure.message.contains("has shape [4, 3], expected [4, 4]"))
    }

    @Test("NaN outputs fail the finiteness check with the element")
    func notFinite() throws {
        let failure = try #require(
            expectFailure(
                of: ModelCheck.finiteOutputsAndGradients,
                on: ModelSubjects.classifier("log of logits") { LogOfLinearMLP() }))
        #expect(failure.message.contains("output has"))
        #expect(failure.location.element != nil)
    }

    @Test("noise from a private generator that makeDeterministic does not reseed fails determinism")
    func privateGenerator() throws {
        let failure = try #require(expectFailure(of: ModelCheck.determinism, on: ModelSubjects.vae(.privateGenerator)))
        #expect(failure.message.contains("outputs of two runs with seed 0 are not identical"))
    }

    @Test("dropout that stays active in evaluation mode fails the mode check")
    func dropoutInEvaluation() throws {
        let subject = ModelSubjects.classifier("always dropout", modes: .stochasticInTraining) { AlwaysDropoutMLP() }
        let failure = try #require(expectFailure(of: ModelCheck.trainEvalMode, on: subject))
        #expect(failure.message.contains("in evaluation mode two forward passes on the same input differ"))
    }

    @Test("a model declared stochastic in evaluation that is not fails the mode check")
    func declaredStochasticButDeterministic() throws {
        var subject = ModelSubjects.vae(deterministicEvaluation: true)
        subject.modes = .stochastic
        let failure = try #require(expectFailure(of: ModelCheck.trainEvalMode, on: subject))
        #expect(failure.message.contains("in evaluation mode two forward passes on the same input are identical"))
    }

    @Test("device moving is skipped with the reason when the device to move to is not available")
    func unavailableDevice() throws {
        var subject = ModelSubjects.classifier("MLP classifier") { MLPClassifier() }
        subject.otherDevice = .cuda(1)
        let result = try ModelCheck.deviceMoving.run(on: subject)
        guard case .skipped(let reason) = result else { Issue.record("expected a skip, got \(result)"); return }
        #expect(reason.contains("cuda:1 unavailable"))
    }
}
