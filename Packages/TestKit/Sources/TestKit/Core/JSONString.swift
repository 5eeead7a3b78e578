/// `text` as a JSON string literal: `"` and `\` escaped, control characters as `\n`, `\r`, `\t`
/// or `\u00XX`, everything else as it is.
///
/// For reports written line by line without Foundation's `JSONEncoder` (the mutation report,
/// `cuda-check`'s JSON lines, which may carry a driver message with any character).
public func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}
