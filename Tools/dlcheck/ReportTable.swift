import FoundationEssentials  // JSONEncoder, to quote strings in the JSON report
import TestKit

/// Renders check reports as an aligned text table and as JSON.
enum ReportTable {
    static func render(_ reports: [CheckReport]) -> String {
        let header = ["check", "configuration", "result", "time", "message"]
        let rows = reports.map { report in
            [report.check, report.subject, report.status, formatDuration(report.duration), singleLine(report.message)]
        }
        var widths = header.map(\.count)
        for row in rows {
            for (column, cell) in row.enumerated() where column < 4 { widths[column] = max(widths[column], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                column < 4 ? cell + String(repeating: " ", count: max(0, widths[column] - cell.count)) : cell
            }.joined(separator: "  ")
        }
        return
            ([line(header), line(widths.prefix(4).map { String(repeating: "-", count: $0) } + ["-------"])]
            + rows.map(line)).joined(separator: "\n")
    }

    static func json(_ reports: [CheckReport], device: CustomStringConvertible, singleLine: Bool = false) -> String {
        let items = reports.map(jsonObject)
        if singleLine {
            return "{\"device\": \(quoted(device.description)), \"reports\": [" + items.joined(separator: ", ") + "]}"
        }
        return "{\"device\": \(quoted(device.description)), \"reports\": [\n  " + items.joined(separator: ",\n  ") + "\n]}"
    }

    /// One report as a one-line JSON object (check, configuration, result, seconds, message).
    static func jsonObject(_ report: CheckReport) -> String {
        "{\"check\": \(quoted(report.check)), \"configuration\": \(quoted(report.subject)), "
            + "\"result\": \(quoted(report.status)), \"seconds\": \(seconds(report.duration)), "
            + "\"message\": \(quoted(report.message))}"
    }

    /// One line for a finished check: result, check, configuration, time and the message's first line.
    static func progressLine(_ report: CheckReport) -> String {
        let message = singleLine(report.message)
        return "[\(report.status)] \(report.check) (\(report.subject)), \(formatDuration(report.duration))"
            + (message.isEmpty ? "" : ": \(message)")
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) * 1e-18
    }

    static func formatDuration(_ duration: Duration) -> String {
        let value = seconds(duration)
        return value < 1 ? "\(Int((value * 1000).rounded())) ms" : "\((value * 100).rounded() / 100) s"
    }

    static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " | ")
    }

    /// `text` as a JSON string literal, escaped by JSONEncoder.
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}
