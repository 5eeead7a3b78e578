import TestKit

/// Renders check reports as an aligned text table and as JSON.
enum ReportTable {
    static func render(_ reports: [CheckReport]) -> String {
        let header = ["check", "configuration", "result", "time", "message"]
        let rows = reports.map { report in
            [report.check, report.subject, report.status, formattedDuration(report.duration), singleLine(report.message)]
        }
        return alignedTable(header: header, rows: rows)
    }

    static func json(_ reports: [CheckReport], device: CustomStringConvertible, singleLine: Bool = false) -> String {
        let items = reports.map(jsonObject)
        if singleLine {
            return "{\"device\": \(jsonString(device.description)), \"reports\": [" + items.joined(separator: ", ") + "]}"
        }
        return "{\"device\": \(jsonString(device.description)), \"reports\": [\n  " + items.joined(separator: ",\n  ") + "\n]}"
    }

    /// One report as a one-line JSON object (check, configuration, result, seconds, message).
    static func jsonObject(_ report: CheckReport) -> String {
        "{\"check\": \(jsonString(report.check)), \"configuration\": \(jsonString(report.subject)), "
            + "\"result\": \(jsonString(report.status)), \"seconds\": \(seconds(report.duration)), "
            + "\"message\": \(jsonString(report.message))}"
    }

    /// One line for a finished check: result, check, configuration, time and the message's first line.
    static func progressLine(_ report: CheckReport) -> String {
        let message = singleLine(report.message)
        return "[\(report.status)] \(report.check) (\(report.subject)), \(formattedDuration(report.duration))"
            + (message.isEmpty ? "" : ": \(message)")
    }
}
