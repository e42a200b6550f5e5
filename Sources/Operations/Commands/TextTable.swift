import Foundation

/// Plain text columns, for a terminal.
enum TextTable {
    /// The header, a rule of dashes, then the rows, columns two spaces apart; a cell is cut to `widest` characters (ending in
    /// `…`), a newline in it becomes a space, and nil is empty.
    static func render(header: [String], rows: [[String?]], widest: Int = 60) -> String {
        let cells = [header] + rows.map { $0.map { ($0 ?? "").replacingOccurrences(of: "\n", with: " ") } }
        let widths = header.indices.map { column in min(widest, cells.map { $0[column].count }.max() ?? 0) }
        return cells.enumerated().map { index, row in
            let line = row.enumerated().map { column, text in
                let cut = text.count > widths[column] ? String(text.prefix(widths[column] - 1)) + "…" : text
                return cut.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
            return index == 0 ? line + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") : line
        }.joined(separator: "\n")
    }
}
