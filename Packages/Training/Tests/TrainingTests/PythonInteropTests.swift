import Foundation
import Testing
import TensorCore
import Training
import TrainingChecks

/// Files written by Swift, opened by the real Python tools (skipped when Python, tensorboard or
/// safetensors is missing; Tools/python-env installs them and prints DEEPTRUST_PYTHON).
@Suite struct PythonInteropTests {
    private typealias Support = TrainingTestSupport

    @Test func tensorBoardReadsOurEventFiles() throws {
        try PythonTool.requireModules(["tensorboard"])
        try Support.withTemporaryDirectory { directory in
            let writer = try EventFileWriter(logDirectory: directory)
            let losses: [Float] = [812.25, 401.5, 0.125, -3.75e-5, 1e30]
            for (step, loss) in losses.enumerated() {
                try writer.scalar(tag: "train/loss", value: loss, step: step + 1)
            }
            try writer.scalar(tag: "test/loss", value: 77.5, step: 1)
            let gray = try PixelImage(width: 5, height: 3, format: .gray, pixels: (0..<15).map { UInt8($0 * 17) })
            try writer.image(tag: "test/0", pixels: gray, step: 1)
            let rgb = try PixelImage(width: 2, height: 2, format: .rgb, pixels: (0..<12).map { UInt8($0 * 20) })
            try writer.image(tag: "test/rgb", pixels: rgb, step: 2)
            try writer.close()

            let json = try PythonTool.runJSON(script: "tb-read.py", [directory])
            #expect(json["file_version"] as? Double == 2)
            let scalars = try #require(json["scalars"] as? [String: [[String: Any]]])
            #expect(Set(scalars.keys) == ["train/loss", "test/loss"])
            let train = try #require(scalars["train/loss"])
            #expect(train.map { $0["step"] as? Int } == (1...losses.count).map { $0 })
            #expect(train.map { ($0["value"] as? Double).map(Float.init) } == losses)
            #expect(scalars["test/loss"]?.first?["value"] as? Double == 77.5)

            let images = try #require(json["images"] as? [String: [[String: Any]]])
            for (tag, image, step) in [("test/0", gray, 1), ("test/rgb", rgb, 2)] {
                let entry = try #require(images[tag]?.first, "TensorBoard found no image \(tag)")
                #expect(entry["step"] as? Int == step)
                #expect(entry["width"] as? Int == image.width)
                #expect(entry["height"] as? Int == image.height)
                let base64 = try #require(entry["png_base64"] as? String)
                #expect(try PNGDecoder.decode([UInt8](try #require(Data(base64Encoded: base64)))) == image)
                // Pillow's view of the same PNG, when Pillow is installed.
                if let decoded = entry["decoded"] as? [String: Any] {
                    #expect(decoded["mode"] as? String == (image.format == .gray ? "L" : "RGB"))
                    #expect(decoded["size"] as? [Int] == [image.width, image.height])
                    #expect((decoded["pixels"] as? [Int])?.map(UInt8.init) == image.pixels)
                }
            }
        }
    }

    @Test func pythonSafetensorsReadsOurFiles() throws {
        try PythonTool.requireModules(["safetensors", "numpy"])
        try Support.withTemporaryDirectory { directory in
            let path = directory + "/checkpoint.safetensors"
            let weight = Tensor(shape: [2, 3], scalars: [1.5, -2.25, 0, 3.4028235e38, -.leastNonzeroMagnitude, 7])
            let metadata = ["epoch": "2", "config": #"{"model":"cnn","bottleneck":16}"#, "note": "café ✓\n"]
            try SafeTensors.write(
                [
                    "encoder.weight": weight, "encoder.bias": Tensor([0.5, -0.5]),
                    "step": Tensor(42), "empty": Tensor.zeros([0, 2]),
                ],
                metadata: metadata, to: path)

            let json = try PythonTool.runJSON(script: "safetensors-read.py", [path, "--max-values", "-1"])
            #expect(json["metadata"] as? [String: String] == metadata)
            let tensors = try #require(json["tensors"] as? [String: [String: Any]])
            #expect(Set(tensors.keys) == ["encoder.weight", "encoder.bias", "step", "empty"])
            func check(_ name: String, shape: [Int], values: [Float]) {
                let entry = tensors[name]
                #expect(entry?["dtype"] as? String == "float32", "\(name)")
                #expect(entry?["shape"] as? [Int] == shape, "\(name)")
                #expect((entry?["values"] as? [Double])?.map(Float.init) == values, "\(name)")
            }
            check("encoder.weight", shape: [2, 3], values: weight.scalars)
            check("encoder.bias", shape: [2], values: [0.5, -0.5])
            check("step", shape: [], values: [42])
            check("empty", shape: [0, 2], values: [])
        }
    }
}
