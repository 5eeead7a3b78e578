// `dlcheck --mutate`: mutation analysis of this project's own suites. Plants every operator of
// TestKit's catalogue (and the VAE trainer's own) into the MNIST pipeline, both VAEs, the KL term
// and the trainer, runs the suites on each mutant, and prints one row per mutant and the score.

import DeepTrustSystem
import MNISTDataChecks
import TensorCore
import TestKit
import TrainingChecks
import VAEModels
import VAEModelsChecks

/// The flags of `dlcheck --mutate`.
let mutationSpec = CommandLineSpec(
    flags: [
        CommandLineFlag("--mutate", help: "mutation analysis (this mode)", hidden: true),
        CommandLineFlag(
            "--json", value: .text(nonEmpty: true), placeholder: "FILE", expected: "a file path",
            help: "also write the report as JSON to FILE"),
        CommandLineFlag(
            "--operators", value: .list(.text(nonEmpty: true)), placeholder: "LIST", expected: "operator names, comma-separated",
            help: "only these operators (comma-separated names, e.g. model.samplesRolled)"),
    ],
    helpText: "this text")

/// The help of `dlcheck --mutate`.
let mutationHelp = """
    usage: dlcheck --mutate [--json FILE] [--operators NAME,…]

    Mutation analysis: plants each operator of TestKit's catalogue (realistic deep-learning faults)
    into DeepTrust's own subjects — the MNIST pipeline on synthetic digits, MLPVAE and CNNVAE, the KL
    term, the VAE trainer (6 samples, batch 4: two steps per epoch, the last one partial) — and runs
    TestKit's suites on each mutant. Prints one row per mutant (killed by which check, survived, not
    applicable, equivalent) and the closing line `mutation score K/N` (N: applicable, non-equivalent
    mutants). Runs on the CPU; device moving uses TestKit's simulated second device.

    \(mutationSpec.flagHelp(column: 21))

    Exit status: 0 when every counted mutant is killed, 1 when one survived, 2 for a bad flag.
    """

/// Runs `dlcheck --mutate` with `arguments` (the program name excluded) and returns the exit status.
func runMutationAnalysis(_ arguments: [String]) -> Int32 {
    let parsed: ParsedCommandLine
    do {
        guard case .arguments(let line) = try mutationSpec.parse(arguments) else {
            print(mutationHelp)
            return 0
        }
        parsed = line
    } catch .unknownFlag(let flag, let suggestion) {
        printError(
            "dlcheck: unknown flag '\(flag)' with --mutate" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
                + "\nRun 'dlcheck --mutate --help' for the flags.")
        return 2
    } catch {
        printError("dlcheck: \(error)\nRun 'dlcheck --mutate --help' for the flags.")
        return 2
    }
    let jsonPath = parsed.value("--json")
    let selected = parsed.list("--operators").map(Set.init)
    let catalogue = MutationCatalogue.operators + VAETrainerMutations.operators
    if let selected {
        let unknown = selected.subtracting(catalogue.map(\.name))
        guard unknown.isEmpty else {
            printError(
                "dlcheck: --operators: unknown operator \(unknown.sorted().joined(separator: ", ")); one of: "
                    + catalogue.map(\.name).joined(separator: ", "))
            return 2
        }
    }
    SimulatedDevice.install()
    let subjects: MutationSubjects
    do {
        subjects = try projectMutationSubjects()
    } catch {
        printError("dlcheck: cannot build the subjects: \(error)")
        return 1
    }
    let operators = catalogue.filter { selected?.contains($0.name) ?? true }
    let clock = ContinuousClock()
    let start = clock.now
    let report = MutationRunner(subjects: subjects, operators: operators).run()
    let elapsed = clock.now - start
    print(report.table)
    if let jsonPath {
        guard let file = fopen(jsonPath, "w") else {
            printError("dlcheck: cannot write --json file '\(jsonPath)': \(systemErrorMessage(errno))")
            return 2
        }
        fputs(report.json + "\n", file)
        fclose(file)
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let survivors = report.survivors.map { "\($0.operatorName) on \($0.subject)" }
    if !survivors.isEmpty { print("survived: " + survivors.joined(separator: "; ")) }
    print("\(report.results.count) mutants in \((seconds * 10).rounded() / 10) s")
    print(report.scoreLine)
    return survivors.isEmpty ? 0 : 1
}

/// This project's subjects for mutation analysis: the MNIST pipeline on synthetic digits, both
/// VAEs (deterministic evaluation, so that train/eval faults show), the KL term, and the VAE trainer
/// on 6 stroke images with batch 4 (two steps per epoch, the second partial).
func projectMutationSubjects() throws -> MutationSubjects {
    MutationSubjects(
        datasets: [try MNISTSubjects.synthetic()],
        models: [
            VAESubjects.subject(
                VAEConfiguration(architecture: .mlp, inputShape: [1, 8, 8], bottleneck: 4), evaluation: .mean),
            VAESubjects.subject(
                VAEConfiguration(architecture: .cnn, inputShape: [1, 16, 16], bottleneck: 10), evaluation: .mean),
        ],
        klDivergences: [VAESubjects.klDivergence],
        trainers: [
            TrainingSubjects.vaeTrainer(
                name: "VAETrainer (CNN VAE, d=10, 6 samples, batch 4)",
                configuration: VAEConfiguration(architecture: .cnn, bottleneck: 10),
                dataset: StrokeImages(count: 6), batchSize: 4,
                overfit: OverfitExpectation(steps: 500, maximumLoss: 30))
        ])
}
