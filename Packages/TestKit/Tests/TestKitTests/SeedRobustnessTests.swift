import Testing
import TestKit

/// Never flaky: on correct subjects every check passes for each of 20 seeds (0 … 19).
@Suite("Every check passes on correct code for 20 seeds")
struct SeedRobustnessTests {
    static let seeds: [UInt64] = Array(0..<20)

    init() { SimulatedDevice.install() }

    @Test("dataset checks", arguments: seeds)
    func datasets(seed: UInt64) throws {
        for check in DatasetCheck.allCases where check != .normalizationStatistics {
            expectPasses(check, on: DatasetSubjects.make(seed: seed))
        }
        expectPasses(DatasetCheck.normalizationStatistics, on: try DatasetSubjects.normalized(seed: seed))
    }

    @Test("model checks", arguments: seeds)
    func models(seed: UInt64) {
        for subject in ModelSubjects.correct(seed: seed) {
            for check in ModelCheck.allCases where check != .outputRange || subject.outputRange != nil {
                expectPasses(check, on: subject)
            }
        }
    }

    @Test("KL checks", arguments: seeds)
    func kl(seed: UInt64) {
        for check in KLDivergenceCheck.allCases { expectPasses(check, on: KLDivergenceCheckTests.subject(.correct, seed: seed)) }
    }

    @Test("trainer checks", arguments: seeds)
    func trainers(seed: UInt64) {
        for check in TrainerCheck.allCases { expectPasses(check, on: TrainerCheckTests.subject(seed: seed)) }
    }
}
