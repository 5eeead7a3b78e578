/// The names in the directory at `path`, without `.` and `..`, in the order the file system lists
/// them.
///
/// - Throws: ``SystemCallError`` (operation `"open directory"`) when the directory cannot be
///   opened: it does not exist, is no directory, or may not be read.
public func directoryEntries(atPath path: String) throws(SystemCallError) -> [String] {
    guard let stream = opendir(path) else { throw SystemCallError(operation: "open directory", errno: errno) }
    defer { closedir(stream) }
    var names: [String] = []
    while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
