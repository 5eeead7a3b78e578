import Data
import Testing
import TestKit

@Suite("Dataset checks")
struct DatasetCheckTests {
    @Test("a correct dataset passes every check", arguments: DatasetCheck.allCases)
    func correctDatasetPasses(_ check: DatasetCheck) throws {
        let subject = DatasetSubjects.make()
        if check == .normalizationStatistics {
            #expect(try check.run(on: subject).isSkipped)
            expectPasses(check, on: try DatasetSubjects.normalized())
        } else {
            expectPasses(check, on: subject)
        }
    }

    @Test("a sample of the wrong shape is named with its split and index")
    func wrongShape() throws {
        let subject = DatasetSubjects.make(
            test: SyntheticImages(count: 24, contentKey: DatasetSubjects.testKey, defect: .wrongShape(at: 23)))
        let failure = try #require(expectFailure(of: DatasetCheck.sampleShape, on: subject))
        #expect(failure.location.split == "test")
        #expect(failure.location.sample == 23)
        #expect(failure.location.shape == [16])
        #expect(failure.description.contains("[1, 4, 4]"))
    }

    @Test("data scaled to [0, 1] fails the value range check for lack of negative values")
    func scaledToUnit() throws {
        let subject = DatasetSubjects.make(
            test: SyntheticImages(count: 24, contentKey: DatasetSubjects.testKey, defect: .scaledToUnit))
        let failure = try #require(expectFailure(of: DatasetCheck.valueRange, on: subject))
        #expect(failure.location.split == "test")
        #expect(failure.message.contains("[0, 1]"))
        #expect(failure.others.isEmpty, "the train split is correct")
    }

    @Test("a NaN is reported with its sample and element")
    func notFinite() throws {
        let subject = DatasetSubjects.make(
            train: SyntheticImages(
                count: 40, contentKey: DatasetSubjects.trainKey, augment: true,
                defect: .notFinite(at: 39)))
        let failure = try #require(expectFailure(of: DatasetCheck.valueRange, on: subject))
        #expect(failure.location.split == "train")
        #expect(failure.location.sample == 39)
        #expect(failure.location.element != nil)
        #expect(failure.message.contains("not finite"))
    }

    @Test("augmentation left on for the test split fails")
    func augmentationLeftOnForTest() throws {
        let subject = DatasetSubjects.make(test: SyntheticImages(count: 24, contentKey: DatasetSubjects.testKey, augment: true))
        let failure = try #require(expectFailure(of: DatasetCheck.augmentation, on: subject))
        #expect(failure.location.split == "test")
        #expect(failure.location.sample == 0)
        #expect(failure.message.contains("augmentation is active"))
    }

    @Test("augmentation missing from the train split fails")
    func augmentationMissingFromTrain() throws {
        let subject = DatasetSubjects.make(
            train: SyntheticImages(count: 40, contentKey: DatasetSubjects.trainKey, augment: false))
        let failure = try #require(expectFailure(of: DatasetCheck.augmentation, on: subject))
        #expect(failure.location.split == "train")
        #expect(failure.message.contains("augmentation is inactive"))
    }

    @Test("augmentation that ignores the sample context fails: the same context gives different samples")
    func unkeyedAugmentation() throws {
        let subject = DatasetSubjects.make(
            train: SyntheticImages(
                count: 40, contentKey: DatasetSubjects.trainKey, augment: true,
                defect: .unkeyedAugmentation))
        let failure = try #require(expectFailure(of: DatasetCheck.augmentation, on: subject))
        #expect(failure.location.split == "train")
        #expect(failure.location.sample == 0)
        #expect(failure.message.contains("same seed, epoch and index"))
    }

    @Test("a label outside the declared classes is named")
    func labelOutOfRange() throws {
        let subject = DatasetSubjects.make(
            test: SyntheticImages(count: 24, contentKey: DatasetSubjects.testKey, defect: .labelOutOfRange(at: 5)))
        let failure = try #require(expectFailure(of: DatasetCheck.labels, on: subject))
        #expect(failure.location == CheckLocation(split: "test", sample: 5))
        #expect(failure.message.contains("label 3"))
    }

    @Test("test samples copied from the train split are found, even though train augments")
    func leakage() throws {
        let copies: [Int: (key: UInt64, index: Int)] = [7: (DatasetSubjects.trainKey, 30), 12: (DatasetSubjects.trainKey, 2)]
        let subject = DatasetSubjects.make(test: SyntheticImages(count: 24, contentKey: DatasetSubjects.testKey, copies: copies))
        let failure = try #require(expectFailure(of: DatasetCheck.leakage, on: subject))
        #expect(failure.location.split == "test")
        #expect(failure.location.sample == 7)
        #expect(failure.message.contains("train sample 30"))
        #expect(failure.deviation?.observed == 2)
    }

    @Test("leakage cannot be checked on an augmented split without an unaugmented view, and says so")
    func leakageNeedsUnaugmentedView() throws {
        var subject = DatasetSubjects.make()
        subject.splits[0].unaugmented = nil
        let result = try DatasetCheck.leakage.run(on: subject)
        guard case .skipped(let reason) = result else { Issue.record("expected a skip, got \(result)"); return }
        #expect(reason.contains("train augments"))
    }

    @Test("normalisation statistics taken from the test split are caught and attributed")
    func normalizationFromTestSplit() throws {
        let subject = try DatasetSubjects.normalized(statisticsFrom: "test")
        let failure = try #require(expectFailure(of: DatasetCheck.normalizationStatistics, on: subject))
        #expect(failure.location.split == "train")
        #expect(failure.message.contains("they are test's statistics"))
        #expect((failure.deviation?.observed ?? 0) > 1e-4)
    }

    @Test("a focused subject checks only its split")
    func focus() throws {
        let subject = DatasetSubjects.make(
            test: SyntheticImages(count: 24, contentKey: DatasetSubjects.testKey, defect: .scaledToUnit))
        expectPasses(DatasetCheck.valueRange, on: subject.focused(on: "train"))
        let failure = try #require(expectFailure(of: DatasetCheck.valueRange, on: subject.focused(on: "test")))
        #expect(failure.location.split == "test")
        #expect(throws: CheckFailure.self) { try DatasetCheck.sampleShape.run(on: subject.focused(on: "validation")) }
    }

    @Test("a dataset that throws fails the check with the error and the sample, and the run goes on")
    func throwingDataset() throws {
        struct Unreadable: Dataset {
            struct ReadError: Error {}
            var count: Int { 3 }
            func example(at index: Int, context: SampleContext) throws -> Example { throw ReadError() }
        }
        let subject = DatasetSubject(
            name: "unreadable", splits: [DatasetSplit("train", Unreadable(), expecting: DatasetSubjects.expectation)])
        let failure = try #require(expectFailure(of: DatasetCheck.sampleShape, on: subject))
        #expect(failure.location == CheckLocation(split: "train", sample: 0))
        #expect(failure.message.contains("ReadError"))
    }

    @Test("augmentation that ignores the sample context makes loaders with 0 and 2 workers disagree")
    func loaderWorkersDisagree() throws {
        let subject = DatasetSubjects.make(
            train: SyntheticImages(
                count: 40, contentKey: DatasetSubjects.trainKey, augment: true,
                defect: .unkeyedAugmentation))
        let failure = try #require(expectFailure(of: DatasetCheck.loaderWorkers, on: subject))
        #expect(failure.location.split == "train")
        #expect(failure.location.detail == "batch 0")
        #expect(failure.message.contains("batch 0 inputs with 2 and with 0 workers"))
    }

    @Test("a sample that fails to load in a loader worker is reported with its index, without a hang or a crash")
    func loaderSampleFailure() throws {
        let subject = DatasetSubjects.make(
            test: SyntheticImages(count: 24, contentKey: DatasetSubjects.testKey, defect: .wrongShape(at: 9)))
        let failure = try #require(expectFailure(of: DatasetCheck.loaderWorkers, on: subject))
        #expect(failure.location.split == "test")
        #expect(failure.message.contains("sample 9"))
    }

    @Test("the loader check reads at most the configured number of samples")
    func loaderSampleLimit() throws {
        var subject = DatasetSubjects.make()
        subject.loader.sampleLimit = 10
        let result = try DatasetCheck.loaderWorkers.run(on: subject)
        #expect(
            result
                == .passed(
                    "train: 2 batches of 10 samples (the first 10 of 40) identical with 0 and 2 workers; "
                        + "test: 2 batches of 10 samples (the first 10 of 24) identical with 0 and 2 workers"))
    }
}
