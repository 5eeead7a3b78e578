import Foundation  // Process, to run mpirun on the probe executable.
import Testing

/// The MPI binding under a real launcher: `mpirun -np N distributed-probe <mode>` (the probe is an
/// executable of this package, built next to the tests). Skipped, with what to install, when Open
/// MPI is missing.
@Suite("MPI under mpirun", .serialized)
struct MPIProbeTests {
    /// The result of one `mpirun` job: exit status, stdout and stderr together, wall-clock seconds.
    struct Job {
        var status: Int32
        var output: String
        var seconds: Double
    }

    /// Runs the probe in `processes` ranks; `nil` (a printed skip) without `mpirun` or `libmpi`.
    /// A job still running after `limit` seconds is killed and fails the test: a hang is a bug.
    static func probe(_ mode: String, processes: Int, limit: Double = 120) throws -> Job? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard
            let mpirun = path.split(separator: ":").map({ "\($0)/mpirun" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            print("skipped: mpirun not found; install Open MPI (Debian/Ubuntu package openmpi-bin)")
            return nil
        }
        let runner = try #require(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        let binary = URL(fileURLWithPath: runner).deletingLastPathComponent().appendingPathComponent("distributed-probe").path
        try #require(
            FileManager.default.isExecutableFile(atPath: binary), "distributed-probe is not built next to the tests (\(binary))")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments =
            (getuid() == 0 ? ["--allow-run-as-root"] : []) + ["--oversubscribe", "-np", "\(processes)", binary, mode]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let start = Date()
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: watchdog)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < limit, "mpirun -np \(processes) distributed-probe \(mode) hung; killed after \(limit) s:\n\(text)")
        if text.contains("no MPI library could be loaded") {
            print("skipped: libmpi not found; install Open MPI (openmpi-bin)")
            return nil
        }
        return Job(status: process.terminationStatus, output: text, seconds: seconds)
    }

    @Test("every collective gives the right result", arguments: [2, 3])
    func collectives(processes: Int) throws {
        guard let job = try Self.probe("collectives", processes: processes) else { return }
        #expect(job.status == 0, "\(job.output)")
        #expect(job.output.contains("ok \(processes) "), "\(job.output)")
    }

    @Test("a rank that dies ends the job instead of hanging it")
    func deadRankEndsTheJob() throws {
        guard let job = try Self.probe("die", processes: 2) else { return }
        #expect(job.status != 0, "\(job.output)")
        #expect(!job.output.contains("passed the barrier"), "\(job.output)")
    }

    @Test("ProcessGroup.abort ends every rank with the message")
    func abortCarriesItsMessage() throws {
        guard let job = try Self.probe("abort", processes: 3) else { return }
        #expect(job.status != 0, "\(job.output)")
        #expect(job.output.contains("deliberate abort from the probe"), "\(job.output)")
    }
}
