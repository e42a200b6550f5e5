import Foundation

/// `GET /api/availability`'s answer: as JSON, or as CSV for a spreadsheet.
enum AvailabilityTable {
    static let statuses = BoardQueries.statuses

    static func json(_ rows: [BoardQueries.AvailabilityRow], from: String, to: String) -> String {
        let periods = rows.map { row in
            let seconds = statuses.map { JSONText.quoted($0) + ":" + JSONText.number(row.seconds[$0]) }.joined(separator: ",")
            let members = [
                ("cnc_id", JSONText.quoted(row.cncID)), ("shift", row.shift.map(JSONText.quoted) ?? "null"), ("from", JSONText.quoted(row.from)),
                ("to", JSONText.quoted(row.to)), ("seconds", "{" + seconds + "}"), ("known_s", JSONText.number(row.knownSeconds)),
                ("availability", JSONText.number(row.availability)), ("parts", row.parts.map { "\($0)" } ?? "null"),
                ("performance", JSONText.number(row.performance)),
            ]
            return "{" + members.map { JSONText.quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
        }
        return "{" + #""from":"# + JSONText.quoted(from) + #","to":"# + JSONText.quoted(to) + #","periods":["# + periods.joined(separator: ",") + "]}"
    }

    /// RFC 4180: a header line, then a line a period; a field with a comma, a quote or a line
    /// break is quoted, and one that a spreadsheet would take for a formula starts with '.
    static func csv(_ rows: [BoardQueries.AvailabilityRow]) -> String {
        var lines = [
            (["cnc_id", "shift", "from", "to"] + statuses.map { "\($0)_s" } + ["known_s", "availability", "parts", "performance"]).joined(
                separator: ",")
        ]
        for row in rows {
            var fields = [field(row.cncID), field(row.shift ?? ""), row.from, row.to]
            fields += statuses.map { number(row.seconds[$0]) }
            fields += [number(row.knownSeconds), number(row.availability), row.parts.map { "\($0)" } ?? "", number(row.performance)]
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return "\(value)"
    }

    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@\t\r".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
