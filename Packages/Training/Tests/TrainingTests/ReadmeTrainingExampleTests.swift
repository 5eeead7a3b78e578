// Training's example in README.md, line for line, with exactly the README's imports (plus Testing),
// so that an import the README forgets fails to compile here.
import TensorCore
import Testing
import Training
import VAEModels

@Test func readmeTrainingExample() throws {
    try withReadmeTrainingInputs { directory, train, test in
        let generator = RandomGenerator(seed: 42)
        let model = try VAEConfiguration(architecture: .cnn).makeModel(generator: generator)
        let trainer = try VAETrainer(
            model: model, trainingSet: train, testSet: test,  // any two Datasets
            options: VAETrainerOptions(seed: 42, outputDirectory: directory),
            generator: generator, writer: try EventFileWriter(logDirectory: directory))
        let summaries = try trainer.train(epochs: 2)  // TensorBoard events and checkpoint_00N.safetensors in directory
        #expect(summaries.map(\.epoch) == [0, 1])
        #expect(CheckpointFiles.latest(in: directory) == CheckpointFiles.path(in: directory, epoch: 1))
        #expect(try EventFileReader.eventFiles(in: directory).count == 1)
    }
}
