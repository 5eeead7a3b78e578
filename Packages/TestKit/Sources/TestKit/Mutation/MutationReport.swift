/// The outcome of a mutation analysis: one ``MutantResult`` per operator and subject, the
/// mutation score, and renderings as a table and as JSON.
public struct MutationReport: Sendable, Equatable {
    /// Every mutant's result, in catalogue order.
    public var results: [MutantResult]

    /// A report of `results`.
    public init(results: [MutantResult]) {
        self.results = results
    }

    /// Mutants killed by a check.
    public var killed: Int { results.filter(\.isKilled).count }
    /// Mutants that count: applicable and not equivalent.
    public var counted: Int { results.filter(\.isCounted).count }
    /// The counted mutants that survived.
    public var survivors: [MutantResult] { results.filter { $0.isCounted && !$0.isKilled } }
    /// `"mutation score K/N"`: N counts applicable, non-equivalent mutants.
    public var scoreLine: String { "mutation score \(killed)/\(counted)" }

    /// An aligned text table: operator, family, subject, result, killing check, time, message.
    public var table: String {
        let header = ["operator", "family", "subject", "result", "killed by", "time", "message"]
        let rows = results.map { result in
            [
                result.operatorName, result.family.rawValue, result.subject, result.status, result.killingCheck ?? "-",
                formattedDuration(result.duration), singleLine(result.message),
            ]
        }
        // The rule has always ended in two runs of dashes under "message"; kept as it was.
        return alignedTable(header: header, rows: rows, lastRule: "-------  -------")
    }

    /// The report as one JSON object: `score` (killed, counted), and `mutants`, one object per
    /// result with operator, family, fault, citation, subject, result, check, message and seconds.
    public var json: String {
        let items = results.map { result in
            "{\"operator\": \(jsonString(result.operatorName)), \"family\": \(jsonString(result.family.rawValue)), "
                + "\"fault\": \(jsonString(result.fault)), "
                + "\"citation\": \(result.citation.map(jsonString) ?? "null"), "
                + "\"subject\": \(jsonString(result.subject)), \"result\": \(jsonString(result.status)), "
                + "\"check\": \(result.killingCheck.map(jsonString) ?? "null"), "
                + "\"message\": \(jsonString(result.message)), \"seconds\": \(seconds(result.duration))}"
        }
        return "{\"score\": {\"killed\": \(killed), \"counted\": \(counted)}, \"mutants\": [\n  "
            + items.joined(separator: ",\n  ") + "\n]}"
    }
}
