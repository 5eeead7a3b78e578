import Testing
import TensorCore
import Training

/// A checkpoint from a newer DeepTrust, or with an unreadable version, is refused before anything
/// is loaded, with the version found and the one supported.
@Suite struct CheckpointVersionTests {
    /// A real checkpoint rewritten with `format_version` set to `version`.
    private func checkpoint(withVersion version: String, in directory: String) throws -> String {
        let path = directory + "/checkpoint_000.safetensors"
        try TrainerFixture.trainer().saveCheckpoint(to: path)
        let file = try SafeTensors.read(path)
        var metadata = file.metadata
        #expect(metadata["format_version"] == String(TrainingCheckpoint.formatVersion))
        metadata["format_version"] = version
        try SafeTensors.write(file.tensors, metadata: metadata, to: path)
        return path
    }

    @Test func aNewerFormatVersionIsRefusedNamingBothVersions() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let newer = String(TrainingCheckpoint.formatVersion + 1)
            let path = try checkpoint(withVersion: newer, in: directory)
            let expected = CheckpointError.unsupportedVersion(
                file: path, found: newer, supported: TrainingCheckpoint.formatVersion)
            #expect(throws: expected) { try TrainerFixture.trainer().loadCheckpoint(from: path) }
            #expect(expected.description.contains("newer than this program reads (\(TrainingCheckpoint.formatVersion))"))
        }
    }

    @Test func aVersionThatIsNotANumberMeansNotACheckpoint() throws {
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = try checkpoint(withVersion: "one", in: directory)
            #expect(throws: CheckpointError.notACheckpoint(file: path, reason: "format_version 'one' is not a version number")) {
                try TrainerFixture.trainer().loadCheckpoint(from: path)
            }
        }
    }
}
