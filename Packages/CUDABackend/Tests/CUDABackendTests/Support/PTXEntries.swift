/// The `.entry` declarations of a PTX module: kernel names and parameter declarations.
struct PTXEntry: Equatable {
    /// One `.param` line: `.u64`, `.u32`, `.f32` (size 8/4/4) or `.align A .b8 name[size]`.
    struct Parameter: Equatable {
        var type: String
        var size: Int
        var alignment: Int
    }
    var name: String
    var parameters: [Parameter]
}

enum PTXEntries {
    /// Parses every `.visible .entry name( .param …, … )` of `ptx`.
    static func parse(_ ptx: String) -> [PTXEntry] {
        var entries: [PTXEntry] = []
        var current: PTXEntry? = nil
        for rawLine in ptx.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: " \t")
            if line.hasPrefix(".visible .entry ") || line.hasPrefix(".entry ") {
                let afterEntry = line.split(separator: " ").drop { $0 != ".entry" }.dropFirst().joined(separator: " ")
                let name = afterEntry.prefix { $0 != "(" && $0 != " " }
                current = PTXEntry(name: String(name), parameters: [])
                if line.hasSuffix("()") { entries.append(current!); current = nil }
                continue
            }
            guard current != nil else { continue }
            if line.hasPrefix(".param ") {
                let fields = line.split(separator: " ")
                if fields.count >= 3, fields[1] == ".align", let alignment = Int(fields[2]),
                    let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"),
                    let size = Int(line[line.index(after: open)..<close])
                {
                    current!.parameters.append(.init(type: "b8", size: size, alignment: alignment))
                } else if fields.count >= 2 {
                    let type = String(fields[1].dropFirst())
                    let size = type.hasSuffix("64") ? 8 : type.hasSuffix("32") ? 4 : type.hasSuffix("16") ? 2 : 1
                    current!.parameters.append(.init(type: type, size: size, alignment: size))
                }
            } else if line.hasPrefix(")") {
                entries.append(current!)
                current = nil
            }
        }
        return entries
    }
}

extension StringProtocol {
    /// The text without leading and trailing characters from `characters`.
    func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        let start = firstIndex { !set.contains($0) } ?? endIndex
        let end = lastIndex { !set.contains($0) }.map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }
}
