import Foundation
import Optim
import TensorCore
import Testing
import Training

/// A checkpoint corrupted after it was written (one flipped bit in the tensor data or in the
/// training metadata, impossible values, a special file in place of the file) is refused with the
/// file and the part at fault; a checkpoint written before checksums were stored still loads, and
/// says so.
@Suite struct CheckpointIntegrityTests {
    /// A checkpoint after one epoch (3 steps) of the fixture trainer, at `directory/checkpoint_000.safetensors`.
    private func checkpoint(in directory: String) throws -> String {
        let path = CheckpointFiles.path(in: directory, epoch: 0)
        let trainer = try TrainerFixture.trainer()
        try trainer.train(epochs: 1)
        try trainer.saveCheckpoint(to: path)
        return path
    }

    /// The file's bytes with bit `bit` of byte `offset` flipped.
    private func flipBit(in path: String, at offset: Int, bit: UInt8 = 0) throws {
        var bytes = try TrainingTestSupport.bytes(path)
        bytes[offset] ^= 1 << bit
        try TrainingTestSupport.write(bytes, to: path)
    }

    @Test func checksumsAreStoredInTheHeader() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let metadata = try SafeTensors.readHeader(try checkpoint(in: directory)).metadata
            #expect(metadata["format_version"] == "2")
            #expect(metadata[TrainingCheckpoint.dataChecksumKey]?.count == 8)
            #expect(metadata[TrainingCheckpoint.metadataChecksumKey]?.count == 8)
            #expect(metadata["steps_per_epoch"] == "3")
        }
    }

    @Test func oneFlippedBitInTheTensorDataIsRefused() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = try checkpoint(in: directory)
            let size = try TrainingTestSupport.bytes(path).count
            try flipBit(in: path, at: size - 3, bit: 4)
            for load in [
                { _ = try TrainingCheckpoint.read(from: path) }, { try TrainerFixture.trainer().loadCheckpoint(from: path) },
            ] {
                let error = try #require(throws: CheckpointError.self) { try load() }
                guard case .checksumMismatch(let file, .tensorData, _, _) = error else {
                    Issue.record("expected a tensor-data checksum mismatch, got \(error)")
                    return
                }
                #expect(file == path)
                #expect(error.description.contains("tensor data does not match"))
            }
        }
    }

    @Test(arguments: ["epoch", "global_step", "seed", "optimizer_hyperparameters"])
    func oneFlippedBitInTheTrainingMetadataIsRefused(key: String) throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = try checkpoint(in: directory)
            let header = try SafeTensors.readHeader(path)
            let value = try #require(header.metadata[key])
            // Flip the lowest bit of the value's last digit where the JSON header holds it.
            let bytes = try TrainingTestSupport.bytes(path)
            let json = Array(bytes[8..<(8 + header.headerLength)])
            let needle = Array("\"\(key)\":\"".utf8)
            let start = try #require(
                (0...(json.count - needle.count)).first { Array(json[$0..<($0 + needle.count)]) == needle })
            let digit = try #require(
                (start + needle.count..<json.count).last { index in
                    index < start + needle.count + value.utf8.count && (48...57).contains(json[index])
                })
            try flipBit(in: path, at: 8 + digit)
            let errors: [CheckpointError] = [
                try #require(throws: CheckpointError.self) { _ = try TrainingCheckpoint.readInfo(from: path) },
                try #require(throws: CheckpointError.self) { try TrainerFixture.trainer().loadCheckpoint(from: path) },
            ]
            for error in errors {
                guard case .checksumMismatch(path, .trainingMetadata, _, _) = error else {
                    Issue.record("\(key): expected a metadata checksum mismatch, got \(error)")
                    continue
                }
                #expect(error.description.contains("training metadata"))
            }
        }
    }

    /// Metadata re-signed with a correct checksum but contradicting itself.
    @Test func metadataThatContradictsItselfIsRefused() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = try checkpoint(in: directory)
            let file = try SafeTensors.read(path)
            for (key, value, words) in [
                ("epoch", "4", "does not fit global_step 3"), ("optimizer_step_count", "7", "differs from global_step"),
                ("steps_per_epoch", "0", "steps per epoch"),
            ] {
                var metadata = file.metadata
                metadata[key] = value
                metadata[TrainingCheckpoint.metadataChecksumKey] = String(
                    format: "%08x", TrainingCheckpoint.metadataChecksum(metadata))
                try SafeTensors.write(file.tensors, metadata: metadata, to: path)
                let error = try #require(throws: CheckpointError.self) { try TrainerFixture.trainer().loadCheckpoint(from: path) }
                guard case .inconsistent(path, _) = error else {
                    Issue.record("\(key) = \(value): expected an inconsistency, got \(error)")
                    continue
                }
                #expect(error.description.contains(words), "\(error)")
            }
        }
    }

    /// Tensors re-signed with correct checksums but holding values no training produces.
    @Test func impossibleOptimizerStateIsRefused() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = try checkpoint(in: directory)
            let key = "encoder.1.weight.exp_avg_sq"
            for (value, words) in [(Float(-1), "negative value -1.0"), (.nan, "non-finite value nan"), (.infinity, "non-finite")]
            {
                var saved = try TrainingCheckpoint.read(from: path)
                let moment = try #require(saved.optimizerState.tensors[key])
                var scalars = moment.scalars
                scalars[0] = value
                saved.optimizerState.tensors[key] = Tensor(shape: moment.shape, scalars: scalars)
                let corrupted = directory + "/corrupted.safetensors"
                try saved.write(to: corrupted)
                let error = try #require(throws: CheckpointError.self) {
                    try TrainerFixture.trainer().loadCheckpoint(from: corrupted)
                }
                guard case .inconsistent(corrupted, _) = error else {
                    Issue.record("\(value): expected an inconsistency, got \(error)")
                    continue
                }
                #expect(error.description.contains(words) && error.description.contains(key), "\(error)")
            }
        }
    }

    @Test func aCheckpointWithoutChecksumsStillLoadsAndSaysSo() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = try checkpoint(in: directory)
            let file = try SafeTensors.read(path)
            var metadata = file.metadata
            for key in [TrainingCheckpoint.dataChecksumKey, TrainingCheckpoint.metadataChecksumKey, "steps_per_epoch"] {
                metadata[key] = nil
            }
            metadata["format_version"] = "1"
            try SafeTensors.write(file.tensors, metadata: metadata, to: path)
            let trainer = try TrainerFixture.trainer()
            let verification = try trainer.loadCheckpoint(from: path)
            #expect(verification == .noChecksums(formatVersion: 1))
            #expect(verification.description.contains("could not be verified"))
            #expect(trainer.completedEpochs == 1 && trainer.globalStep == 3)
            try FileManager.default.createDirectory(atPath: directory + "/new", withIntermediateDirectories: false)
            #expect(try TrainerFixture.trainer().loadCheckpoint(from: try checkpoint(in: directory + "/new")) == .checksumsMatch)
        }
    }

    @Test func aCheckpointOfARunWithOtherStepsPerEpochIsRefused() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = try checkpoint(in: directory)
            let other = try TrainerFixture.trainer(options: TrainerFixture.options(batchSize: 2))
            #expect(
                throws: CheckpointError.runMismatch(
                    file: path, checkpointStepsPerEpoch: 3, trainerStepsPerEpoch: 5, checkpointBatchSize: 4)
            ) { try other.loadCheckpoint(from: path) }
        }
    }

    /// A FIFO named like a checkpoint (or given directly) is refused without being opened; opening
    /// it would wait forever for a writer.
    @Test func aSpecialFileInPlaceOfACheckpointIsRefused() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let fifo = CheckpointFiles.path(in: directory, epoch: 2)
            try #require(mkfifo(fifo, 0o644) == 0)
            for path in [directory, fifo] {
                #expect(throws: CheckpointError.notARegularFile(file: fifo, kind: "a FIFO (named pipe)")) {
                    try TrainerFixture.trainer().loadCheckpoint(from: path)
                }
            }
            #expect(throws: CheckpointError.notARegularFile(file: fifo, kind: "a FIFO (named pipe)")) {
                _ = try TrainingCheckpoint.readInfo(from: fifo)
            }
            #expect(throws: CheckpointError.notARegularFile(file: "/dev/zero", kind: "a character device")) {
                _ = try TrainingCheckpoint.read(from: "/dev/zero")
            }
        }
    }
}
