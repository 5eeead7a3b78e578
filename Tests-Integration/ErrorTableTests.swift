import Foundation  // reading the errors article and the test sources
import Testing

/// The table of the Training package's DocC article "Errors and what they mean" cannot drift from
/// the tests: every test it names exists, and every end-to-end test of a user error
/// (UserErrorTests) has a row.
@Suite struct ErrorTableTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// The article holding the table.
    static let article = "Packages/Training/Sources/Training/Training.docc/ErrorsAndWhatTheyMean.md"

    /// The table's "Covered by" cells.
    private func coverage() throws -> [String] {
        let text = try String(contentsOf: Self.root.appendingPathComponent(Self.article), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "## The errors").dropFirst().first)
        let rows = section.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Input") }
        try #require(rows.count > 10, "the table has \(rows.count) rows")
        return rows.map { row in String(row.split(separator: "|", omittingEmptySubsequences: false).dropLast().last ?? "") }
    }

    /// Every Swift test source of the repository (package tests and these integration tests).
    private func testSources() throws -> String {
        var text = ""
        let folders =
            try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Packages").path)
            .map { Self.root.appendingPathComponent("Packages/\($0)/Tests") } + [
                Self.root.appendingPathComponent("Tests-Integration")
            ]
        for folder in folders {
            guard let files = FileManager.default.enumerator(atPath: folder.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") && !file.contains("/Consumers/") {
                text += try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            }
        }
        return text
    }

    /// The names in backticks (`Suite.test`, `Suite`, `test` after a suite) and italics
    /// (*UserErrorTests.test*) of a cell.
    private func references(_ cell: String) -> [String] {
        var names: [String] = []
        for (index, part) in cell.split(separator: "`", omittingEmptySubsequences: false).enumerated() where index % 2 == 1 {
            names += part.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        for (index, part) in cell.split(separator: "*", omittingEmptySubsequences: false).enumerated() where index % 2 == 1 {
            names.append(String(part))
        }
        return names.filter { !$0.isEmpty && $0.first!.isLetter && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." } }
    }

    @Test func everyTestTheTableNamesExists() throws {
        let sources = try testSources()
        for cell in try coverage() {
            for name in references(cell) {
                let parts = name.split(separator: ".").map(String.init)
                let suite = parts[0].first!.isUppercase ? parts[0] : nil
                let test = parts.count > 1 ? parts[1] : (suite == nil ? parts[0] : nil)
                // Booleans first, so that a failure prints the name rather than every source file.
                if let suite {
                    let exists = ["struct \(suite) ", "struct \(suite):", "class \(suite) ", "class \(suite):"].contains {
                        sources.contains($0)
                    }
                    #expect(exists, "the errors article names the suite \(suite), which does not exist")
                }
                if let test {
                    let exists = sources.contains("func \(test)(")
                    #expect(exists, "the errors article names the test \(name), which does not exist")
                }
            }
        }
    }

    @Test func everyEndToEndUserErrorTestHasARow() throws {
        let source = try String(
            contentsOf: Self.root.appendingPathComponent("Tests-Integration/UserErrorTests.swift"), encoding: .utf8)
        let table = try coverage().joined(separator: "\n")
        let tests = source.components(separatedBy: "@Test").dropFirst().compactMap { chunk -> String? in
            guard let range = chunk.range(of: "func ") else { return nil }
            return String(chunk[range.upperBound...].prefix { $0.isLetter || $0.isNumber })
        }
        try #require(tests.count >= 10)
        for test in tests {
            let named = table.contains("UserErrorTests.\(test)")
            #expect(named, "UserErrorTests.\(test) has no row in the errors article's table")
        }
    }
}
