import DeepTrustSystem
import FoundationEssentials  // Data(contentsOf:), to read a finished download
import MNISTData

/// Downloads by running `curl` (or, when that fails, `wget`) from `PATH`.
///
/// vae-train does not link `URLSession`: FoundationNetworking brings full Foundation (ICU) and
/// libcurl into the program and keeps it from linking with `--static-swift-stdlib`, which is how it
/// is built for GPU hosts without a Swift toolchain. MNISTData still checks every downloaded file
/// (IDX structure and SHA-256) and writes it atomically; this type only fetches bytes.
struct CommandFetcher: DatasetFetcher {
    /// Seconds one download may take.
    var timeoutSeconds = 300

    func fetch(_ url: String) async throws -> [UInt8] {
        let path = try temporaryFile()
        defer { unlink(path) }
        var failures: [String] = []
        let commands = [
            [
                "curl", "--fail", "--silent", "--show-error", "--location", "--max-time", String(timeoutSeconds), "--output",
                path, url,
            ],
            ["wget", "--quiet", "--timeout=\(timeoutSeconds)", "--output-document=\(path)", url],
        ]
        for command in commands {
            if let failure = run(command) {
                failures.append("\(command[0]): \(failure)")
                continue
            }
            return try readFile(path)
        }
        throw DownloadCommandError(url: url, failures: failures)
    }

    /// Runs `arguments` with standard output discarded; nil when it exits with status 0, else why not.
    private func run(_ arguments: [String]) -> String? {
        let errorPath: String
        do { errorPath = try temporaryFile() } catch { return "\(error)" }
        defer { unlink(errorPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_TRUNC, 0o600)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        guard spawned == 0 else { return "cannot start (\(systemErrorMessage(spawned)))" }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return "waiting for it failed (\(systemErrorMessage(errno)))" }
        }
        let signal = status & 0x7f, code = (status >> 8) & 0xff
        if signal == 0 && code == 0 { return nil }
        let message = ((try? readFile(errorPath)) ?? []).split(separator: UInt8(ascii: "\n")).last.map {
            String(decoding: $0, as: UTF8.self)
        }
        let outcome = signal == 0 ? "exit status \(code)" : "killed by signal \(signal)"
        return message.map { "\(outcome): \($0)" } ?? outcome
    }

    private func temporaryFile() throws(DownloadCommandError) -> String {
        let directory = environmentVariable("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(directory)/vae-train-download-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw DownloadCommandError(
                url: directory, failures: ["cannot create a temporary file: \(systemErrorMessage(errno))"])
        }
        close(descriptor)
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func readFile(_ path: String) throws(DownloadCommandError) -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(filePath: path)))
        } catch {
            throw DownloadCommandError(url: path, failures: ["cannot read the download: \(error)"])
        }
    }
}

/// Neither `curl` nor `wget` could fetch a URL; `failures` says why, per command.
struct DownloadCommandError: Error, CustomStringConvertible {
    let url: String
    let failures: [String]

    var description: String { failures.joined(separator: "; ") }
}
