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

/// Faults TestKit's suites let through on this small classifier: weights not scaled by
/// √fan-in leave a two-layer network's outputs and gradients finite and every parameter
/// trainable, so no unit-level check sees them (a training run would).
let knownSurvivors: Set<String> = ["model.initializationUnscaled"]

/// One test per operator of TestKit's catalogue, on the user's own model and dataset: each
/// applicable fault must be caught by the suites the user already runs.
@Test(arguments: MutationCatalogue.operators.filter { !knownSurvivors.contains($0.name) })
func mutant(_ mutation: MutationOperator) throws {
    SimulatedDevice.install()
    try mutation.verifyKilled(in: userSystem)
}

/// The runner reports what the suites miss on user code, and the score counts only applicable,
/// non-equivalent mutants.
@Test func survivorsAreReported() throws {
    SimulatedDevice.install()
    let report = MutationRunner(subjects: userSystem).run()
    #expect(Set(report.survivors.map(\.operatorName)) == knownSurvivors)
    #expect(report.counted < report.results.count)  // the KL and trainer operators do not apply
    #expect(report.scoreLine == "mutation score \(report.counted - knownSurvivors.count)/\(report.counted)")
}
