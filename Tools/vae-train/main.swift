// `vae-train`: trains the reference VAEs on MNIST (the reference's run.py) — see `vae-train --help`.
//
//   swift run -c release vae-train mlp --epochs 10 --log-dir results
//
// Exit status: 0 after training (or --help), 1 when the run fails (data, device, checkpoint, I/O),
// 2 for a bad command line or a log directory that holds another run, 128 + N after signal N
// (SIGINT 130, SIGTERM 143).
import DeepTrustSystem
import Distributed
import VAETrainCLI

lineBufferStandardOutput()

let command: VAETrainCommand
do {
    command = try VAETrainCLI.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    printToStandardError("vae-train: \(error)")
    exitProcess(2)
}

switch command {
case .help:
    print(VAETrainCLI.help, terminator: "")
case .train(let arguments):
    StopSignal.install()
    do {
        try await TrainingRun(arguments: arguments).run()
    } catch {
        let message = "vae-train: \(TrainingRun.explain(error, arguments: arguments))"
        // One failing rank of a data-parallel job ends all of them, with its message, instead of
        // leaving the others waiting in a collective.
        if let group = try? ProcessGroup.world(), group.isDistributed {
            group.abort(message, exitCode: TrainingRun.exitStatus(for: error))
        }
        printToStandardError(message)
        exitProcess(TrainingRun.exitStatus(for: error))
    }
}
