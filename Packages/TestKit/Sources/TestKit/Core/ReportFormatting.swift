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
