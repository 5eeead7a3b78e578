import Foundation
import TensorCore
import Testing
import Training

/// A trainer checkpoint opened by Python's `safetensors` (skipped when Python, safetensors or
/// numpy is missing; Tools/python-env installs them and prints DEEPTRUST_PYTHON).
@Suite struct CheckpointInteropTests {
    @Test func pythonSafetensorsOpensATrainerCheckpoint() throws {
        try PythonTool.requireModules(["safetensors", "numpy"])
        try TrainingTestSupport.withTemporaryDirectory { directory in
            let path = directory + "/checkpoint_000.safetensors"
            let trainer = try TrainerFixture.trainer()
            try trainer.trainStep(on: try TrainerFixture.batch())
            try trainer.saveCheckpoint(to: path)

            let json = try PythonTool.runJSON(script: "safetensors-read.py", [path, "--max-values", "-1"])
            let metadata = try #require(json["metadata"] as? [String: String])
            var written = trainer.checkpoint().metadata
            written[TrainingCheckpoint.dataChecksumKey] = metadata[TrainingCheckpoint.dataChecksumKey]
            written[TrainingCheckpoint.metadataChecksumKey] = metadata[TrainingCheckpoint.metadataChecksumKey]
            #expect(metadata == written)
            // The metadata checksum as Python's reader sees the metadata.
            #expect(
                metadata[TrainingCheckpoint.metadataChecksumKey]
                    == String(format: "%08x", TrainingCheckpoint.metadataChecksum(metadata)))
            let tensors = try #require(json["tensors"] as? [String: [String: Any]])
            let state = trainer.model.stateDict()
            #expect(Set(tensors.keys) == Set(try SafeTensors.readHeader(path).entries.map(\.name)))
            for (key, tensor) in state {
                let entry = tensors["model." + key]
                #expect(entry?["dtype"] as? String == "float32", "\(key)")
                #expect(entry?["shape"] as? [Int] == tensor.shape, "\(key)")
                #expect((entry?["values"] as? [Double])?.map(Float.init) == tensor.scalars, "\(key)")
            }
            #expect((tensors["optimizer.encoder.1.weight.step"]?["values"] as? [Double]) == [1])
        }
    }
}
