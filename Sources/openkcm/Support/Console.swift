import Foundation

/// Unbuffered writes to stdout and stderr.
enum Console {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Aligned columns; the first row is the header.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Key/value pairs as a two-column table.
    static func pairs(_ pairs: [(String, Any?)]) -> [[String]] {
        [["FIELD", "VALUE"]] + pairs.map { [$0.0, text($0.1)] }
    }

    /// A JSON value as a cell: booleans as true/false, absent as "-".
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "-"
        case let number as NSNumber where String(cString: number.objCType) == "c": return number.boolValue ? "true" : "false"
        case let value?: return "\(value)"
        }
    }
}
