import CollectorCore

/// Values made JSON text for the answers the board writes around PostgreSQL's JSON, by
/// CollectorCore's one JSON writer.
enum JSONText {
    /// The text as a JSON string, quotes included; every control character is escaped, so the
    /// result is one line.
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).serialized()
    }

    /// A number as JSON: null when there is none or it is not finite.
    static func number(_ value: Double?) -> String {
        (value.flatMap { $0.isFinite ? JSONValue.number($0) : nil } ?? .null).serialized()
    }
}
