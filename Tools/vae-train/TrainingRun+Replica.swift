import Distributed
import TensorCore
import Training

extension TrainingRun {
    /// A rank other than 0 of a data-parallel run: the same data, model and trainer as rank 0,
    /// joined to `group`, but no run directory, event file, checkpoint, image or progress line —
    /// rank 0 writes and reports for the whole job. Resuming reads the same checkpoint file (on
    /// shared storage, or copied to every host); rank 0's state is broadcast in any case.
    func runReplica(in group: ProcessGroup, device: Device) async throws {
        let (train, test, _) = try await loadData()
        let model = try arguments.configuration.makeModel(generator: .default, device: device)
        let options = VAETrainerOptions(
            learningRate: arguments.learningRate, batchSize: arguments.batchSize, seed: arguments.seed,
            workers: arguments.workers, evaluationSampling: arguments.deterministicEvaluation ? .mean : .reparameterized,
            comparisonImages: 10, logsImageGrids: true, priorSamples: 64, outputDirectory: nil,
            detectsAnomalies: arguments.detectAnomalies)
        let trainer = try VAETrainer(
            model: model, trainingSet: train, testSet: test, options: options, generator: .default,
            writer: DiscardingWriter(), progress: nil)
        // --resume names a checkpoint file or a run directory (its latest checkpoint), as on rank 0.
        if let resume = arguments.resume { try trainer.loadCheckpoint(from: try CheckpointFiles.resolve(resume)) }
        try trainer.join(group)
        let remaining = arguments.epochs - trainer.completedEpochs
        guard remaining > 0 else { return }
        try trainer.train(epochs: remaining)
    }
}
