import Data
import Foundation  // JSONSerialization, to read the report back
import Testing
import TestKit

/// TestKit's own correct subjects as one system for mutation analysis.
enum MutationSystem {
    static func subjects() throws -> MutationSubjects {
        var datasets = [DatasetSubjects.make(), try DatasetSubjects.normalized()]
        // Known labels, recorded from the correct data as a user records MNIST's first labels.
        for subject in datasets.indices {
            for position in datasets[subject].splits.indices {
                let split = datasets[subject].splits[position]
                for index in 0..<5 {
                    let example = try split.dataset.example(at: index, context: SampleContext(seed: 0, epoch: 0, index: index))
                    datasets[subject].splits[position].expectation.knownLabels[index] = example.label
                }
            }
        }
        return MutationSubjects(
            datasets: datasets,
            models: [ModelSubjects.vae(deterministicEvaluation: true)],
            klDivergences: [KLDivergenceCheckTests.subject(.correct)],
            trainers: [TrainerCheckTests.subject()])
    }

    /// The check expected to kill each operator on the first subject of its kind (`nil`: not
    /// applicable there).
    static let expectedKillers: [String: String?] = [
        "data.labelsShifted": "dataset.labelAlignment",
        "data.labelsOneBased": "dataset.labels",
        "data.evaluationAugmented": "dataset.augmentation",
        "data.augmentationDisabled": "dataset.augmentation",
        "data.augmentationRepeatsEachEpoch": "dataset.augmentation",
        "data.sharedRandomState": "dataset.augmentation",
        "data.scaledToUnitInterval": "dataset.valueRange",
        "data.unscaledPixels": "dataset.valueRange",
        "data.paddingMissing": nil,
        "data.channelsLast": "dataset.sampleShape",
        "data.evaluationInTraining": "dataset.leakage",
        "data.trainingInEvaluation": "dataset.leakage",
        "data.sampleDuplicated": "dataset.sampleCount",
        "data.sampleDropped": "dataset.sampleCount",
        "data.statisticsFromEvaluationSplit": nil,
        "model.parameterNotOptimized": "model.allParametersUpdated",
        "model.parameterFrozen": "model.allParametersUpdated",
        "model.layerSkipped": "model.allParametersUpdated",
        "model.finalActivationRemoved": "model.outputRange",
        "model.finalActivationReplaced": "model.outputRange",
        "model.samplesRolled": "model.batchIndependence",
        "model.batchStatisticInForward": "model.batchIndependence",
        "model.tensorOnWrongDevice": "model.deviceMoving",
        "model.trainEvalSwapped": "model.trainEvalMode",
        "model.outputDetached": "model.batchIndependence",
        "optim.gradientsNotZeroed": "model.gradientsReset",
        "optim.stepBeforeBackward": "model.allParametersUpdated",
        "optim.learningRateZero": "model.allParametersUpdated",
        "loss.klSignFlipped": "kl.closedForm",
        "loss.klFactorMissing": "kl.closedForm",
        "loss.klReductionSwapped": "kl.closedForm",
        "loss.klTermDropped": "kl.closedForm",
        "loss.klLogVarianceAsLogSigma": "kl.closedForm",
        "trainer.loggingTagTypo": "trainer.loggingContract",
        "trainer.loggingStepOffByOne": "trainer.loggingContract",
        "trainer.loggingStepIsEpoch": "trainer.loggingContract",
        "trainer.resumeRepeatsBatch": "trainer.resumeDeterminism",
        "trainer.evaluationTrains": "trainer.evaluationChangesNoParameter",
    ]
}

@Suite("Mutation analysis")
struct MutationTests {
    init() { SimulatedDevice.install() }

    @Test("the catalogue holds at least 30 operators in all four families, each named once with its fault")
    func catalogue() {
        let operators = MutationCatalogue.operators
        #expect(operators.count >= 30)
        #expect(Set(operators.map(\.name)).count == operators.count)
        for family in MutationFamily.allCases { #expect(!MutationCatalogue.operators(in: family).isEmpty, "\(family)") }
        for mutation in operators {
            #expect(!mutation.fault.isEmpty && mutation.name.hasPrefix(mutation.name.split(separator: ".")[0] + "."))
        }
    }

    @Test("every operator dies on TestKit's own correct subjects", arguments: MutationCatalogue.operators)
    func everyOperatorIsKilled(_ mutation: MutationOperator) throws {
        let results = MutationRunner(subjects: try MutationSystem.subjects(), operators: [mutation]).run().results
        #expect(!results.isEmpty)
        for result in results {
            #expect(result.outcome != .survived, "\(result)")
        }
        let first = try #require(results.first)
        if let expected = MutationSystem.expectedKillers[mutation.name] {
            if let check = expected {
                #expect(first.killingCheck == check, "\(first)")
            } else {
                #expect(first.outcome.isNotApplicable, "\(first)")
            }
        } else if mutation.name != "model.unseededRandomness" && mutation.name != "model.initializationUnscaled" {
            Issue.record("no expected killer recorded for \(mutation.name): \(first)")
        }
    }

    @Test("a fault that changes no output is flagged as equivalent and not counted")
    func equivalentMutant() throws {
        // The VAE samples in both modes, so swapping the modes changes nothing it computes.
        let subjects = MutationSubjects(models: [ModelSubjects.vae(deterministicEvaluation: false)])
        let swapped = try #require(MutationCatalogue.operators.first { $0.name == "model.trainEvalSwapped" })
        let report = MutationRunner(subjects: subjects, operators: [swapped]).run()
        #expect(report.results.map(\.outcome) == [.equivalent])
        #expect(report.counted == 0)
        #expect(report.scoreLine == "mutation score 0/0")
    }

    @Test("an operator that does not apply is reported as such, not counted")
    func notApplicable() throws {
        let classifier = ModelSubjects.classifier("MLP classifier") { MLPClassifier() }
        let removal = try #require(MutationCatalogue.operators.first { $0.name == "model.finalActivationRemoved" })
        let loss = try #require(MutationCatalogue.operators.first { $0.name == "loss.klSignFlipped" })
        let report = MutationRunner(subjects: MutationSubjects(models: [classifier]), operators: [removal, loss]).run()
        #expect(report.results.count == 2)
        #expect(report.results.allSatisfy { $0.outcome.isNotApplicable })
        #expect(report.results[1].message == "no KL term subject was given")
        #expect(report.counted == 0)
    }

    @Test("a check that fails on the unmutated subject never counts as killing: the mutant survives")
    func baselineFailuresDoNotKill() throws {
        var digits = DatasetSubjects.make()
        digits.splits[0].expectation.count = 41  // wrong on the correct data too
        let dropped = try #require(MutationCatalogue.operators.first { $0.name == "data.sampleDropped" })
        let report = MutationRunner(subjects: MutationSubjects(datasets: [digits]), operators: [dropped]).run()
        #expect(report.results.map(\.outcome) == [.survived])
        #expect(report.survivors.count == 1)
        #expect(report.scoreLine == "mutation score 0/1")
    }

    @Test("the report renders as a table and as JSON with the score")
    func renderings() throws {
        let rolled = try #require(MutationCatalogue.operators.first { $0.name == "model.samplesRolled" })
        let report = MutationRunner(
            subjects: MutationSubjects(models: [ModelSubjects.vae(deterministicEvaluation: true)]), operators: [rolled]
        ).run()
        #expect(report.scoreLine == "mutation score 1/1")
        let lines = report.table.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("operator"))
        #expect(
            lines[2].contains("model.samplesRolled") && lines[2].contains("killed")
                && lines[2].contains("model.batchIndependence"))
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        let score = try #require(json["score"] as? [String: Int])
        #expect(score == ["killed": 1, "counted": 1])
        let mutants = try #require(json["mutants"] as? [[String: Any]])
        #expect(mutants.first?["check"] as? String == "model.batchIndependence")
        #expect(mutants.first?["family"] as? String == "model")
    }

    @Test("the trainer checks are all judged, the overfit test last")
    func trainerJudgingCoversEveryCheck() throws {
        let typo = try #require(MutationCatalogue.operators.first { $0.name == "trainer.loggingTagTypo" })
        let result = try #require(
            MutationRunner(subjects: MutationSubjects(trainers: [TrainerCheckTests.subject()]), operators: [typo]).run()
                .results.first)
        #expect(result.killingCheck == "trainer.loggingContract")
        #expect(result.message.contains("did you mean 'train/loss'?"))
    }
}

extension MutantResult.Outcome {
    var isNotApplicable: Bool { if case .notApplicable = self { return true } else { return false } }
}
