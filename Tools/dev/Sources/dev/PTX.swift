// `dev gen-ptx` and `dev check-ptx`: the PTX module of the CUDA kernels, and the toolchain that
// compiles it (clang-19, libdevice and ptxas).

import DeepTrustSystem
import Foundation

/// The kernels' sources.
private var kernels: String { repositoryRoot + "/Packages/CUDABackend/Kernels" }
/// The committed generated file.
private var committedPTX: String { repositoryRoot + "/Packages/CUDABackend/Sources/CUDABackend/Generated/KernelsPTX.swift" }

// MARK: - Toolchain

/// The PTX toolchain: clang-19, libdevice.10.bc and ptxas.
private struct PTXToolchain {
    let clang: String
    let libdevice: String
    let ptxas: String
}

/// The PyPI package that provides libdevice and ptxas.
private let nvccPackage = "nvidia-cuda-nvcc-cu12==12.9.86"

/// Finds (and with `install`, installs) the PTX toolchain:
///   clang-19   Debian's package (apt-get install clang-19, as root), or $PTX_CLANG
///   libdevice  libdevice.10.bc from the PyPI package nvidia-cuda-nvcc-cu12, or $PTX_LIBDEVICE
///   ptxas      from the same PyPI package, or $PTX_PTXAS
/// The PyPI package goes into a private virtual environment, .build-ptx/venv at the repository
/// root (git-ignored). Throws a one-line reason when a tool is missing and could not be installed.
private func ptxToolchain(install: Bool) throws(PTXError) -> PTXToolchain {
    let environment = ProcessInfo.processInfo.environment
    let venv = repositoryRoot + "/.build-ptx/venv"
    func pypiFile(_ relative: String) -> String? {
        guard let walker = FileManager.default.enumerator(atPath: venv) else { return nil }
        for case let path as String in walker where path.hasSuffix("/nvidia/cuda_nvcc/" + relative) { return venv + "/" + path }
        return nil
    }
    var clang = environment["PTX_CLANG"] ?? onPath("clang-19")
    if clang == nil && install && onPath("apt-get") != nil && getuid() == 0 {
        printError("ptx-toolchain: installing clang-19 (apt-get)")
        let quiet = FileHandle.nullDevice
        if run(["apt-get", "install", "-y", "clang-19"], output: quiet, errors: quiet) != 0 {
            if run(["apt-get", "update"], output: quiet, errors: quiet) == 0 {
                run(["apt-get", "install", "-y", "clang-19"], output: quiet, errors: quiet)
            }
        }
        clang = onPath("clang-19")
    }
    var libdevice = environment["PTX_LIBDEVICE"] ?? pypiFile("nvvm/libdevice/libdevice.10.bc")
    var ptxas = environment["PTX_PTXAS"] ?? pypiFile("bin/ptxas")
    if (libdevice == nil || ptxas == nil) && install {
        printError("ptx-toolchain: installing \(nvccPackage) into .build-ptx/venv (pip)")
        let quiet = FileHandle.nullDevice
        if FileManager.default.isExecutableFile(atPath: venv + "/bin/pip")
            || run(["python3", "-m", "venv", venv], output: quiet, errors: quiet) == 0
        {
            run([venv + "/bin/pip", "install", "--quiet", nvccPackage], output: quiet, errors: quiet)
        }
        libdevice = environment["PTX_LIBDEVICE"] ?? pypiFile("nvvm/libdevice/libdevice.10.bc")
        ptxas = environment["PTX_PTXAS"] ?? pypiFile("bin/ptxas")
    }
    var missing: [String] = []
    if !(clang.map(FileManager.default.isExecutableFile) ?? false) { missing.append("clang-19 (apt-get install clang-19)") }
    if !(libdevice.map(FileManager.default.fileExists) ?? false) {
        missing.append("libdevice.10.bc (pip install \(nvccPackage))")
    }
    if !(ptxas.map(FileManager.default.isExecutableFile) ?? false) { missing.append("ptxas (pip install \(nvccPackage))") }
    guard missing.isEmpty, let clang, let libdevice, let ptxas else {
        throw PTXError("missing " + missing.joined(separator: "; "))
    }
    return PTXToolchain(clang: clang, libdevice: libdevice, ptxas: ptxas)
}

/// Why the PTX could not be made or checked.
private struct PTXError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - gen-ptx

/// The help of `dev gen-ptx`.
private let genHelp = """
    Compiles the CUDA kernels (Packages/CUDABackend/Kernels/all_kernels.cu) to one PTX module and
    writes it, with the operation codes of Kernels/dt_ops.h, as the generated Swift file
    Packages/CUDABackend/Sources/CUDABackend/Generated/KernelsPTX.swift.

    Toolchain: Debian's clang-19 in CUDA device-only mode without CUDA headers or libraries
    (-nocudainc -nocudalib, our own prelude), math from libdevice.10.bc, target sm_80, PTX ISA 7.0
    (loads on CUDA 11.0+ drivers, so on every CUDA 12 and 13 driver), and -ffp-contract=off so
    elementwise results round like the CPU backend's. Square roots are IEEE-rounded (dt_sqrtf is
    __nv_fsqrt_rn, sqrt.rn.f32); check-ptx rejects .approx forms. clang-19 comes from apt-get (or
    $PTX_CLANG); libdevice and ptxas from the PyPI package nvidia-cuda-nvcc-cu12 in .build-ptx/venv
    (or $PTX_LIBDEVICE, $PTX_PTXAS).

    Usage: Tools/dev/run gen-ptx [--install] [--output FILE]
    \(genSpec.flagHelp(column: 13))
    """

private let genSpec = CommandLineSpec(flags: [
    CommandLineFlag("--install", help: "install clang-19 (apt-get) and nvidia-cuda-nvcc-cu12 (pip, private venv) if missing"),
    CommandLineFlag(
        "--output", value: .text(nonEmpty: true), placeholder: "FILE",
        help: "write there instead of the committed file (check-ptx uses this)"),
])

/// `dev gen-ptx [--install] [--output FILE]`.
func genPTX(_ arguments: [String]) -> Int32 {
    let parsed = parseCommandLine(arguments, genSpec, name: "gen-ptx", help: genHelp)
    let toolchain: PTXToolchain
    do { toolchain = try ptxToolchain(install: parsed.contains("--install")) } catch {
        printError("ptx-toolchain: \(error)")
        return 3
    }
    do {
        let (output, bytes, count) = try generatePTX(toolchain, output: parsed.value("--output") ?? committedPTX)
        print("gen-ptx: wrote \(output) (\(bytes) bytes, \(count) kernels)")
        return 0
    } catch {
        printError("gen-ptx: \(error)")
        return 1
    }
}

/// Compiles the kernels and writes KernelsPTX.swift to `output`; returns the path, its size and
/// the number of kernels.
private func generatePTX(_ toolchain: PTXToolchain, output: String) throws(PTXError) -> (String, Int, Int) {
    let work = temporaryDirectory("gen-ptx")
    defer { try? FileManager.default.removeItem(atPath: work) }
    let status = run([
        toolchain.clang, "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "--cuda-gpu-arch=sm_80",
        "-O3", "-ffp-contract=off", "-S", "-Xclang", "-mlink-builtin-bitcode", "-Xclang", toolchain.libdevice,
        "-o", "\(work)/kernels.ptx", "\(kernels)/all_kernels.cu",
    ])
    guard status == 0 else { throw PTXError("clang could not compile the kernels (exit \(status))") }
    let ptx = contents("\(work)/kernels.ptx")
    guard !ptx.contains("\"##") else {
        throw PTXError("the PTX contains '\"##' and cannot be embedded in a ##-raw string literal")
    }
    let clangVersion = capture([toolchain.clang, "--version"]).output.split(separator: "\n").first.map(String.init) ?? ""
    // DT_UNARY_RECIPROCAL_SCALED 12 -> "    static let unaryReciprocalScaled: UInt32 = 12"
    var constants: [String] = []
    for match in matches(#"^#define DT_([A-Z0-9_]+) ([0-9]+)$"#, in: contents("\(kernels)/dt_ops.h"), options: .anchorsMatchLines)
    {
        let parts = match[1].split(separator: "_", omittingEmptySubsequences: false).map { $0.lowercased() }
        let name = parts[0] + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        constants.append("    static let \(name): UInt32 = \(match[2])")
    }
    let text = """
        // GENERATED FILE, do not edit: written by Tools/dev/run gen-ptx from Packages/CUDABackend/Kernels/
        // with \(clangVersion), libdevice.10.bc, --cuda-gpu-arch=sm_80, PTX ISA 7.0.
        // Regenerate with Tools/dev/run gen-ptx after changing a kernel; Tools/dev/run check-ptx verifies it is current.

        /// Operation codes and limits shared with the kernels (copied from Kernels/dt_ops.h).
        enum KernelConstant {
        \(constants.joined(separator: "\n"))
        }

        /// The PTX module holding every kernel; loaded once per device with cuModuleLoadDataEx.
        let kernelsPTX = ##\"\"\"

        """ + ptx + (ptx.hasSuffix("\n") ? "" : "\n") + "\"\"\"##\n"
    try? FileManager.default.createDirectory(
        atPath: URL(fileURLWithPath: output).deletingLastPathComponent().path, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
        throw PTXError("cannot write \(output)")
    }
    let kernelCount = ptx.split(separator: "\n").filter { $0.hasPrefix(".visible .entry") }.count
    return (output, text.utf8.count, kernelCount)
}

// MARK: - check-ptx

/// The help of `dev check-ptx`.
private let checkHelp = """
    Checks the committed PTX of the CUDA kernels without a GPU:
      1. regenerates it from Packages/CUDABackend/Kernels/ into a temporary file and diffs it
         against the committed Generated/KernelsPTX.swift (fails when a kernel changed without
         running gen-ptx);
      2. rejects approximate instructions (.approx: sqrt.approx, div.approx, rsqrt, sin, cos, lg2 …),
         which the CPU backend and the emulated tests do not share, so a kernel that uses one
         passes here and differs on hardware. Allowed are only the seeds inside libdevice functions
         that refine them and are compared with a tolerance anyway (\(allowedApproximations.joined(separator: " ")));
      3. assembles the committed PTX with ptxas for sm_80 (A100) and sm_90 (H100/H200).
    Installs the toolchain when it is missing (clang-19 with apt-get, nvidia-cuda-nvcc-cu12 with pip
    into .build-ptx/venv). When that is impossible (no root, no network, no python3) it prints
    "check-ptx: skipped: <why>" and exits 0.

    Usage: Tools/dev/run check-ptx [--no-install]
    \(checkSpec.flagHelp(column: 14))
    """

private let checkSpec = CommandLineSpec(flags: [
    CommandLineFlag("--no-install", help: "use only the tools already there (skip when one is missing)")
])

/// ex2.approx.ftz.f32 (libdevice expf, powf, tanhf), rcp.approx.ftz.f32 (tanhf, powf) and
/// rcp.approx.ftz.f64 (log, sin, cos in double for the normal distribution) are refined seeds
/// inside libdevice; every other .approx is a rounding the CPU does not share.
private let allowedApproximations = ["ex2.approx.ftz.f32", "rcp.approx.ftz.f32", "rcp.approx.ftz.f64"]

/// `dev check-ptx [--no-install]`.
func checkPTX(_ arguments: [String]) -> Int32 {
    let parsed = parseCommandLine(arguments, checkSpec, name: "check-ptx", help: checkHelp)
    let start = Date()
    let toolchain: PTXToolchain
    do { toolchain = try ptxToolchain(install: !parsed.contains("--no-install")) } catch {
        print("check-ptx: skipped: \(error)")
        return 0
    }
    let work = temporaryDirectory("check-ptx")
    defer { try? FileManager.default.removeItem(atPath: work) }
    do { _ = try generatePTX(toolchain, output: "\(work)/KernelsPTX.swift") } catch {
        print("check-ptx: FAIL: gen-ptx could not compile the kernels")
        return 1
    }
    let committed = contents(committedPTX)
    guard committed == contents("\(work)/KernelsPTX.swift") else {
        print(
            "check-ptx: FAIL: the committed KernelsPTX.swift is not what the kernels compile to; run Tools/dev/run gen-ptx and commit it"
        )
        let diff = capture(["diff", "-u", committedPTX, "\(work)/KernelsPTX.swift"]).output
        print(diff.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).joined(separator: "\n"))
        return 1
    }
    print("check-ptx: KernelsPTX.swift is up to date with Kernels/")

    // The PTX is the text between the raw-string delimiters.
    var inside = false
    var ptxLines: [Substring] = []
    for line in committed.split(separator: "\n", omittingEmptySubsequences: false) {
        if line == "let kernelsPTX = ##\"\"\"" {
            inside = true
        } else if line == "\"\"\"##" {
            inside = false
        } else if inside {
            ptxLines.append(line)
        }
    }
    let ptx = ptxLines.joined(separator: "\n") + "\n"
    _ = FileManager.default.createFile(atPath: "\(work)/kernels.ptx", contents: Data(ptx.utf8))
    var status: Int32 = 0
    let approximations = Set(matches(#"\b[a-z0-9]+\.approx(\.[a-z0-9]+)*"#, in: ptx).map { $0[0] })
    let rejected = approximations.subtracting(allowedApproximations).sorted()
    if !rejected.isEmpty {
        print(
            "check-ptx: FAIL: approximate instructions in the PTX (the CPU rounds these exactly; use the .rn form, "
                + "e.g. __nv_fsqrt_rn for sqrtf): \(rejected.joined(separator: " ")) ")
        status = 1
    } else {
        print(
            "check-ptx: no approximate instructions besides libdevice's refined seeds (\(allowedApproximations.joined(separator: " ")))"
        )
    }
    let kernelCount = ptxLines.filter { $0.hasPrefix(".visible .entry") }.count
    for arch in ["sm_80", "sm_90"] {
        let (rc, log) = capture([toolchain.ptxas, "-arch=\(arch)", "\(work)/kernels.ptx", "-o", "\(work)/kernels.\(arch).cubin"])
        if rc == 0 {
            print("check-ptx: ptxas \(arch) ok (\(kernelCount) kernels)")
        } else {
            print("check-ptx: FAIL: ptxas \(arch):")
            print(log, terminator: "")
            status = 1
        }
    }
    print("check-ptx: done in \(Int(Date().timeIntervalSince(start))) s")
    return status
}
