import TestKit
import TestKitTesting
import Testing
import UserModel

/// The user's own subjects for mutation analysis: the classifier as its suite describes it, and
/// the clusters with what the user knows about them (sizes, distinct points, the label of the
/// first points: index % 3).
let userSystem: MutationSubjects = {
    var clusters = clustersSubject
    for (position, count) in zip(clusters.splits.indices, [60, 30]) {
        clusters.splits[position].expectation.count = count
        clusters.splits[position].expectation.distinctSamples = true
        clusters.splits[position].expectation.knownLabels = Dictionary(
            uniqueKeysWithValues: (0..<6).map { ($0, $0 % 3) })
    }
    return MutationSubjects(datasets: [clusters], models: [classifierSubject()])
}()

/// One test per operator of TestKit's catalogue, on the user's own model and dataset: each
/// applicable fault must be caught by the suites the user already runs.
@Test(arguments: MutationCatalogue.operators)
func mutant(_ mutation: MutationOperator) throws {
    SimulatedDevice.install()
    try mutation.verifyKilled(in: userSystem)
}

/// The runner's report on the user's system: every applicable mutant killed, the KL and trainer
/// operators (no such subject here) and the output-range ones (logits are unbounded) not counted.
@Test func everyApplicableMutantIsKilled() throws {
    SimulatedDevice.install()
    let report = MutationRunner(subjects: userSystem).run()
    #expect(report.survivors.isEmpty, "\(report.survivors)")
    #expect(report.counted > 20)
    let uncounted = Set(report.results.filter { !$0.isCounted }.map(\.operatorName))
    #expect(uncounted.isSuperset(of: ["loss.klSignFlipped", "trainer.loggingTagTypo", "model.finalActivationRemoved"]))
    #expect(report.scoreLine == "mutation score \(report.counted)/\(report.counted)")
}
