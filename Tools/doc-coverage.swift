// Run through Tools/doc-coverage (see there): lists the public declarations of a package that
// have no doc comment, from the symbol graphs `swift package dump-symbol-graph` wrote.
//
// Usage: swift Tools/doc-coverage.swift PACKAGE_DIR SYMBOLGRAPH_DIR [--all-kinds]
// A declaration counts as documented when it has its own doc comment or inherits one from the
// protocol requirement it implements (as DocC shows it). Only declarations in PACKAGE_DIR/Sources
// are considered (not tests, not other packages). Without --all-kinds, properties and enum cases
// are counted but not listed.
// Output: one line per gap, "  path:line  kind  Type.member(_:)", then a summary line
// "PACKAGE: N undocumented (types and functions: A, properties and cases: B)".
// Exit status: 1 when a type or function is undocumented (or any declaration with --all-kinds).

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let positional = arguments.filter { !$0.hasPrefix("--") }
guard positional.count == 2 else {
    print("usage: swift Tools/doc-coverage.swift PACKAGE_DIR SYMBOLGRAPH_DIR [--all-kinds]")
    exit(2)
}
let listsAllKinds = arguments.contains("--all-kinds")
let packageDirectory = URL(fileURLWithPath: positional[0]).standardizedFileURL.resolvingSymlinksInPath().path
let sourcesPrefix = packageDirectory + "/Sources/"
let graphDirectory = positional[1]

/// Kinds that are members rather than types or functions.
let memberKinds: Set<String> = ["swift.property", "swift.type.property", "swift.enum.case"]
/// Short names of the kinds for the listing.
func shortKind(_ identifier: String) -> String {
    identifier.hasPrefix("swift.") ? String(identifier.dropFirst(6)) : identifier
}

struct Gap: Hashable {
    let file: String
    let line: Int
    let kind: String
    let path: String
    var isMember: Bool { memberKinds.contains(kind) }
}

var gaps = Set<Gap>()
let files = (try? FileManager.default.contentsOfDirectory(atPath: graphDirectory)) ?? []
for file in files.sorted() where file.hasSuffix(".symbols.json") {
    guard let data = FileManager.default.contents(atPath: graphDirectory + "/" + file),
        let graph = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let symbols = graph["symbols"] as? [[String: Any]]
    else {
        print("doc-coverage: cannot read \(graphDirectory)/\(file)")
        exit(2)
    }
    for symbol in symbols {
        guard let access = symbol["accessLevel"] as? String, access == "public" || access == "open",
            let kind = (symbol["kind"] as? [String: Any])?["identifier"] as? String, kind != "swift.extension",
            let location = symbol["location"] as? [String: Any], let uri = location["uri"] as? String,
            symbol["docComment"] == nil
        else { continue }
        let path = URL(string: uri)?.standardizedFileURL.resolvingSymlinksInPath().path ?? uri
        guard path.hasPrefix(sourcesPrefix) else { continue }
        let line = ((location["position"] as? [String: Any])?["line"] as? Int ?? 0) + 1
        let components = (symbol["pathComponents"] as? [String] ?? []).joined(separator: ".")
        gaps.insert(Gap(file: "Sources/" + path.dropFirst(sourcesPrefix.count), line: line, kind: kind, path: components))
    }
}

let sorted = gaps.sorted { ($0.file, $0.line, $0.path) < ($1.file, $1.line, $1.path) }
let functionsAndTypes = sorted.filter { !$0.isMember }
let members = sorted.filter(\.isMember)
for gap in listsAllKinds ? sorted : functionsAndTypes {
    print("  \(gap.file):\(gap.line)  \(shortKind(gap.kind))  \(gap.path)")
}
let name = URL(fileURLWithPath: packageDirectory).lastPathComponent
print(
    "\(name): \(sorted.count) undocumented (types and functions: \(functionsAndTypes.count), "
        + "properties and cases: \(members.count))")
exit((listsAllKinds ? sorted : functionsAndTypes).isEmpty ? 0 : 1)
