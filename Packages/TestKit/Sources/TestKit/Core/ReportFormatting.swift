// Small formatting helpers shared by the reports that checks and mutation analysis print (TestKit's
// own and command-line tools such as dlcheck), so every table and JSON line formats alike.

/// `duration` in seconds.
public func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) * 1e-18
}

/// `duration` for a table: `"12 ms"` below a second, else `"1.25 s"` (two decimals).
public func formattedDuration(_ duration: Duration) -> String {
    let value = seconds(duration)
    return value < 1 ? "\(Int((value * 1000).rounded())) ms" : "\((value * 100).rounded() / 100) s"
}

/// `text` on one line: its line breaks replaced by `" | "`.
public func singleLine(_ text: String) -> String {
    text.split(whereSeparator: \.isNewline).joined(separator: " | ")
}

/// An aligned text table: `header`, a rule of dashes, then `rows`, cells joined by two spaces.
///
/// Every column but the last is padded to its widest cell; the last (a free-text message) is
/// neither padded nor measured, and `lastRule` stands under it.
public func alignedTable(header: [String], rows: [[String]], lastRule: String = "-------") -> String {
    let padded = header.count - 1
    var widths = header.prefix(padded).map(\.count)
    for row in rows {
        for (column, cell) in row.enumerated() where column < padded { widths[column] = max(widths[column], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { column, cell in
            column < padded ? cell + String(repeating: " ", count: max(0, widths[column] - cell.count)) : cell
        }.joined(separator: "  ")
    }
    let rule = widths.map { String(repeating: "-", count: $0) } + [lastRule]
    return ([line(header), line(rule)] + rows.map(line)).joined(separator: "\n")
}
