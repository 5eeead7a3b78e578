#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Names of the files a trainer writes per epoch into its output directory, and finding the
/// latest checkpoint there.
public enum CheckpointFiles {
    /// `checkpoint_<epoch>.safetensors` with the 0-based epoch in three digits (more when needed).
    public static func name(epoch: Int) -> String {
        "checkpoint_\(padded(epoch)).safetensors"
    }

    /// `directory/checkpoint_<epoch>.safetensors`.
    public static func path(in directory: String, epoch: Int) -> String {
        join(directory, name(epoch: epoch))
    }

    /// `directory/<name>_<epoch>.png`, e.g. `results/samples_004.png`.
    public static func imagePath(in directory: String, name: String, epoch: Int) -> String {
        join(directory, "\(name)_\(padded(epoch)).png")
    }

    /// The checkpoint of the highest epoch in `directory`, or `nil` when there is none (or the
    /// directory cannot be listed).
    public static func latest(in directory: String) -> String? {
        guard let stream = opendir(directory) else { return nil }
        defer { closedir(stream) }
        var epochs: [Int] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let epoch = epoch(ofFileNamed: name) { epochs.append(epoch) }
        }
        return epochs.max().map { path(in: directory, epoch: $0) }
    }

    /// The checkpoint to resume from given a file or a directory: the file itself, or the latest
    /// checkpoint in the directory.
    /// - Throws: ``CheckpointError/noCheckpoint(directory:)`` for a directory without one.
    public static func resolve(_ path: String) throws(CheckpointError) -> String {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return path }
        guard let latest = latest(in: path) else { throw .noCheckpoint(directory: path) }
        return latest
    }

    /// The epoch of a file named `checkpoint_<digits>.safetensors`, else `nil`.
    static func epoch(ofFileNamed name: String) -> Int? {
        let prefix = "checkpoint_", suffix = ".safetensors"
        guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    private static func padded(_ epoch: Int) -> String {
        let digits = String(epoch)
        return digits.count >= 3 ? digits : String(repeating: "0", count: 3 - digits.count) + digits
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
