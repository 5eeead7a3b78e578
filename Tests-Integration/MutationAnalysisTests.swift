import Foundation
import Testing

/// `dlcheck --mutate` in release, as CI runs it: the whole catalogue on this project's own
/// datasets, models, KL term and trainer, with no survivor.
@Suite("Mutation analysis of the project's own suites")
struct MutationAnalysisTests {
    @Test("dlcheck --mutate kills every applicable mutant and writes the report as JSON")
    func everyMutantIsKilled() throws {
        let bundle = try #require(try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        let binary = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("dlcheck").path
        try #require(
            FileManager.default.isExecutableFile(atPath: binary),
            "dlcheck is not built next to the tests (\(binary)); build the umbrella with --build-tests")
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("mutation-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: json) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--mutate", "--json", json.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        #expect(process.terminationStatus == 0, "\(text.suffix(2000))")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any])
        let score = try #require(report["score"] as? [String: Int])
        let mutants = try #require(report["mutants"] as? [[String: Any]])
        let counted = try #require(score["counted"])
        #expect(score["killed"] == counted)
        #expect(text.split(separator: "\n").last.map(String.init) == "mutation score \(counted)/\(counted)")
        #expect(!mutants.contains { $0["result"] as? String == "survived" })
        let operators = Set(mutants.compactMap { $0["operator"] as? String })
        #expect(operators.count >= 30)
        #expect(Set(mutants.compactMap { $0["family"] as? String }) == ["data", "model", "optimization", "trainer"])
        for mutant in mutants where mutant["result"] as? String == "killed" {
            #expect(mutant["check"] is String, "\(mutant)")
        }
    }
}
