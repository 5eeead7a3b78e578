import Testing
// Foundation for Process and FileManager: these tests run Tools/gpu-check as a GPU host would.
import Foundation

/// `Tools/gpu-check` without a GPU: staged folders whose binaries are small shell scripts that
/// behave like cuda-check, dlcheck and vae-train in each situation, so that what comes back from a
/// GPU host (at most 8 files, no subfolders, each under 16 MB), the fast failure without a driver,
/// the cuBLAS search and the rerun command are checked here.
@Suite(.serialized) struct GPUCheckScriptTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = repository.appendingPathComponent("Tools/gpu-check").path

    /// A temporary folder removed by the test.
    struct Scratch {
        let path: String
        init() throws {
            path = NSTemporaryDirectory() + "gpu-check-test-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        func remove() { try? FileManager.default.removeItem(atPath: path) }
        func write(_ relative: String, _ text: String, executable: Bool = false) throws {
            let file = path + "/" + relative
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file) }
        }
    }

    /// Runs `arguments` (the first is the program), returning the exit status and the output.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "DEEPTRUST_CUBLAS")
        merged.removeValue(forKey: "GPU_CHECK_OUT")
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A staged folder (as `gpu-check stage` makes) with this script and fake binaries, gzipped.
    static func stage(in scratch: Scratch, binaries: [String: String]) throws -> String {
        let staged = scratch.path + "/staged"
        try FileManager.default.createDirectory(atPath: staged + "/mnist", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: script, toPath: staged + "/gpu-check")
        try scratch.write("staged/manifest.txt", "commit test\nbuilt \(binaries.keys.sorted().joined(separator: " "))\n")
        for (name, body) in binaries {
            try scratch.write("staged/bin/\(name)", "#!/usr/bin/env bash\n" + body + "\n", executable: true)
            #expect(try run(["gzip", staged + "/bin/\(name)"]).status == 0)
        }
        return staged
    }

    /// Files under `folder`, relative, and whether any is in a subfolder.
    static func files(in folder: String) -> [String] {
        (FileManager.default.subpaths(atPath: folder) ?? []).filter { path in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory)
            return exists && !isDirectory.boolValue
        }.sorted()
    }

    static func checkOutputFolder(_ out: String) throws {
        let returned = files(in: out)
        #expect(returned.count <= 8, "\(returned)")
        #expect(returned.allSatisfy { !$0.contains("/") }, "subfolders in the output folder: \(returned)")
        for file in returned {
            let size = try FileManager.default.attributesOfItem(atPath: out + "/" + file)[.size] as? Int ?? 0
            #expect(size < 16 * 1024 * 1024, "\(file): \(size) bytes")
        }
    }

    static let noGPU = """
        echo "== CUDA on this host"
        echo "CUDA unavailable: cannot load libcuda.so.1 or libcuda.so (not found); an NVIDIA driver (libcuda) is needed"
        echo "cuda-check: device cuda:0 unavailable: CUDA unavailable: cannot load libcuda.so.1" >&2
        exit 2
        """

    static func healthyCudaCheck(gemm: String) -> String {
        """
        while [ $# -gt 0 ]; do [ "$1" = --json ] && json=$2; shift; done
        echo "backend: CUDA cuda:0 (Fake GPU); GEMM: \(gemm)"
        echo '{"kind": "host"}' > "$json"
        echo "== GPU timings (median of 20, synchronised)"
        echo "gemm 512³   0.100   2684.4"
        echo
        echo "cuda-check: all checks passed on Fake GPU"
        """
    }

    /// vae-train that writes a 17 MB checkpoint into its log folder and prints its training rate.
    static let vaeTrain = """
        while [ $# -gt 0 ]; do [ "$1" = --log-dir ] && dir=$2; shift; done
        mkdir -p "$dir" && head -c 17000000 /dev/zero > "$dir/checkpoint_1.safetensors" && echo events > "$dir/events.out"
        echo "epoch 1/1 done: train loss 40.00/example, test loss 39.00, 4.9 s (12345 examples/s) + 0.8 s evaluation"
        echo "trained epoch 1: 469 steps, 60000 examples in 0:06 (12345 examples/s while training)"
        """

    @Test func withoutADriverTheRunFailsFastAndSaysWhy() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let staged = try Self.stage(
            in: scratch, binaries: ["cuda-check": Self.noGPU, "dlcheck": "exit 0", "vae-train": "exit 0"])
        let out = scratch.path + "/out"
        let (status, output) = try Self.run([staged + "/gpu-check", "run", "--out", out])
        #expect(status == 2, "\(output)")
        let summary = try String(contentsOfFile: out + "/summary.txt", encoding: .utf8)
        #expect(summary.contains("no usable GPU: CUDA unavailable: cannot load libcuda.so.1"))
        #expect(summary.contains("vae-train mlp 1 epoch              skip"))
        try Self.checkOutputFolder(out)
    }

    @Test func aHealthyRunReturnsASummaryTheJSONAndOneArchiveWithoutCheckpoints() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let staged = try Self.stage(
            in: scratch,
            binaries: [
                "cuda-check": Self.healthyCudaCheck(gemm: "cuBLAS 130000 (libcublas.so.13)"), "dlcheck": "echo dlcheck ok",
                "vae-train": Self.vaeTrain,
            ])
        let out = scratch.path + "/out"
        let (status, output) = try Self.run([staged + "/gpu-check", "run", "--out", out])
        #expect(status == 0, "\(output)")
        try Self.checkOutputFolder(out)
        let returned = Self.files(in: out)
        #expect(["cuda-check.jsonl", "gpu-check.json", "logs.tar.gz", "summary.txt"].allSatisfy(returned.contains))
        let summary = try String(contentsOfFile: out + "/summary.txt", encoding: .utf8)
        #expect(summary.contains("GEMM: cuBLAS 130000 (libcublas.so.13)"))
        #expect(
            summary.contains("vae-train mlp 1 epoch              PASS        4.9  12345 samples/s while training"), "\(summary)")
        #expect(!summary.contains("WARNING"))
        let archived = try Self.run(["tar", "-tzf", out + "/logs.tar.gz"]).output
        #expect(archived.contains("vae-train-cnn/events.out"))
        #expect(archived.contains("dlcheck.log"))
        #expect(!archived.contains("safetensors"), "checkpoints in the archive")
        // The logs themselves stay in the staged folder, outside the output folder.
        #expect(FileManager.default.fileExists(atPath: staged + "/work/vae-train-mlp/checkpoint_1.safetensors"))
    }

    /// The PyTorch rows come from the reference's JSON lines (a python3 that fakes torch here).
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs /usr/bin/python3"))
    func thePyTorchRowsNameTheirPrecision() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let staged = try Self.stage(
            in: scratch, binaries: ["cuda-check": Self.healthyCudaCheck(gemm: "cuBLAS 130000 (libcublas.so.13)")])
        let line = { (model: String, precision: String, rate: String) in
            "{\"torch\": \"2.9.0\", \"model\": \"\(model)\", \"precision\": \"\(precision)\", \"seconds\": 3.5, \"samples_per_s\": \(rate)}"
        }
        try scratch.write(
            "fakebin/python3",
            """
            #!/bin/sh
            case "$*" in
                *"import torch"*) exit 0 ;;
                *gpu-check-torch.py*"--runs mlp:fp32,cnn:fp32,cnn:tf32"*)
                    echo '\(line("mlp", "fp32", "17142.9"))'; echo '\(line("cnn", "fp32", "9000.5"))'
                    echo '\(line("cnn", "tf32", "12000.1"))'; exit 0 ;;
                *) exec /usr/bin/python3 "$@" ;;
            esac
            """, executable: true)
        let path = scratch.path + "/fakebin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let out = scratch.path + "/out"
        let (status, output) = try Self.run([staged + "/gpu-check", "run", "--out", out], environment: ["PATH": path])
        #expect(status == 0, "\(output)")
        let summary = try String(contentsOfFile: out + "/summary.txt", encoding: .utf8)
        #expect(
            summary.contains("pytorch mlp 1 epoch fp32           ref         3.5  17142.9 samples/s while training"), "\(summary)"
        )
        #expect(summary.contains("pytorch cnn 1 epoch tf32"))
        try Self.checkOutputFolder(out)
    }

    @Test func theFallbackGEMMIsWarnedAbout() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let staged = try Self.stage(
            in: scratch,
            binaries: ["cuda-check": Self.healthyCudaCheck(gemm: "built-in SGEMM kernel (cuBLAS not loaded)")])
        let out = scratch.path + "/out"
        _ = try Self.run([staged + "/gpu-check", "run", "--out", out])
        let summary = try String(contentsOfFile: out + "/summary.txt", encoding: .utf8)
        #expect(summary.contains("WARNING: GEMM ran on the built-in SGEMM kernel, not cuBLAS"))
    }

    @Test func aCUDAErrorNamesTheRerunCommand() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let crash = """
            echo "backend: CUDA cuda:0 (Fake GPU); GEMM: cuBLAS 130000 (libcublas.so.13)"
            echo "cuda-check: a CUDA error stopped the check in conformance, case 'unary sqrt': cuLaunchKernel failed"
            echo "cuda-check: rerun it with synchronous launches: gpu-check rerun --out DIR --kernel-gemm 'unary sqrt'"
            exit 3
            """
        let staged = try Self.stage(in: scratch, binaries: ["cuda-check": crash])
        let out = scratch.path + "/out"
        let (status, _) = try Self.run([staged + "/gpu-check", "run", "--out", out])
        #expect(status == 1)
        let summary = try String(contentsOfFile: out + "/summary.txt", encoding: .utf8)
        #expect(summary.contains("a CUDA error stopped the check in conformance, case 'unary sqrt'"))
        #expect(
            summary.contains(
                "WARNING: rerun the failing case: timeout 160 \(staged)/gpu-check rerun --out DIR --kernel-gemm 'unary sqrt'"),
            "\(summary)")
    }

    @Test func rerunRunsOneCaseWithBlockingLaunches() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let recorder = """
            echo "cuda-check saw CUDA_LAUNCH_BLOCKING=${CUDA_LAUNCH_BLOCKING:-unset} GEMM=${DEEPTRUST_CUDA_GEMM:-default} args: $*"
            exit 1
            """
        let staged = try Self.stage(in: scratch, binaries: ["cuda-check": recorder])
        let out = scratch.path + "/out"
        let (status, output) = try Self.run([staged + "/gpu-check", "rerun", "--out", out, "--kernel-gemm", "unary sqrt"])
        #expect(status == 1, "the rerun's status is cuda-check's")
        let log = try String(contentsOfFile: out + "/rerun.log", encoding: .utf8)
        #expect(log.contains("cuda-check saw CUDA_LAUNCH_BLOCKING=1 GEMM=kernel args: --only unary sqrt --json"), "\(output)")
        try Self.checkOutputFolder(out)
    }

    /// A fault reported at a later case's synchronisation passes when that case runs alone; the
    /// rerun then runs every case with synchronous launches, which stops at the faulting one.
    @Test func aCaseThatPassesAloneIsFollowedByEveryCaseWithBlockingLaunches() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let recorder = """
            echo "cuda-check saw CUDA_LAUNCH_BLOCKING=${CUDA_LAUNCH_BLOCKING:-unset} args: $*"
            case "$1" in --only) exit 0 ;; *) exit 3 ;; esac
            """
        let staged = try Self.stage(in: scratch, binaries: ["cuda-check": recorder])
        let out = scratch.path + "/out"
        let (status, output) = try Self.run([staged + "/gpu-check", "rerun", "--out", out, "select"])
        #expect(status == 3, "\(output)")
        let log = try String(contentsOfFile: out + "/rerun.log", encoding: .utf8)
        #expect(log.contains("cuda-check saw CUDA_LAUNCH_BLOCKING=1 args: --no-benchmark"), "\(log)")
    }

    /// CUDA 13's Python wheels keep cuBLAS in site-packages/nvidia/cu13/lib.
    @Test func cuBLASIsFoundInTheWheelsOfPython3() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let site = scratch.path + "/site-packages"
        try scratch.write("site-packages/nvidia/cu13/lib/libcublas.so.13", "")
        try scratch.write("fakebin/python3", "#!/bin/sh\necho '\(site)'\n", executable: true)
        try scratch.write("fakebin/ldconfig", "#!/bin/sh\nexit 0\n", executable: true)
        let path = scratch.path + "/fakebin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let (status, output) = try Self.run([Self.script, "find-cublas"], environment: ["PATH": path])
        #expect(status == 0)
        #expect(output.contains(site + "/nvidia/cu13/lib/libcublas.so.13 (python3 wheel (nvidia/cu13/lib))"), "\(output)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/readelf"), "readelf is not installed"))
    func stagingRefusesBinariesThatLinkSwiftLibraries() throws {
        // This test binary links the Swift runtime dynamically; /bin/sh does not.
        let (status, output) = try Self.run([Self.script, "check-elf", "/proc/self/exe".resolvedExecutable])
        #expect(status == 1)
        #expect(output.contains("libswiftCore.so"), "\(output)")
        #expect(try Self.run([Self.script, "check-elf", "/bin/sh".resolvedExecutable]).status == 0)
    }

    /// A full run and a rerun of it must fit in 15 minutes with the machine's start (4 minutes).
    @Test func theStepLimitsFitTheBudget() throws {
        let text = try String(contentsOfFile: Self.script, encoding: .utf8)
        func value(_ name: String) -> Int {
            let line = text.split(separator: "\n").first { $0.hasPrefix(name + "=") }
            return line.flatMap { Int($0.dropFirst(name.count + 1)) } ?? Int.max / 4
        }
        let steps = ["limit_cuda_check", "limit_dlcheck", "limit_vae_train_mlp", "limit_vae_train_cnn", "limit_torch"]
        let sum = steps.map(value).reduce(0, +)
        let budget = value("default_budget")
        #expect(sum <= budget, "step limits \(sum) s over the budget \(budget) s")
        #expect(2 * (budget + 20) + 240 <= 900, "two runs of \(budget) s and a start do not fit in 15 minutes")
    }
}

extension String {
    /// The file a symbolic link such as /proc/self/exe points to (itself when it is none).
    fileprivate var resolvedExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: self)).map { $0.hasPrefix("/") ? $0 : self } ?? self
    }
}
