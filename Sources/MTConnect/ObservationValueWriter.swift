import CollectorCore

/// Writes an observation's value as JSON, typed as a machine type reads it: a sample's number as
/// a number (a 3D one as an array of three), a count-like event's number as a number,
/// other events as text, UNAVAILABLE as null (as the text UNAVAILABLE for an event that is not a
/// number), a data set as an object, a time series as an array.
/// A sample that is not a number stays text: the type marks it, nothing is lost.
enum ObservationValueWriter {
    /// Events whose values are counts or numbers by the standard.
    static let numericEvents: Set<String> = ["PART_COUNT", "TOOL_NUMBER", "LINE", "LINE_NUMBER", "BLOCK_COUNT", "PALLET_ID"]

    /// Writes `observation`'s value to `writer` as above; `definition`, the probe's (nil if it has
    /// none), says which events are numbers.
    static func write(_ observation: Observation, definition: DataItemDefinition?, to writer: inout JSONTextWriter) {
        switch observation.value {
        case .unavailable:
            // A state (Execution, ControllerMode, Availability) says it is unknown in words that a
            // machine type can map; a number has no value.
            if observation.category == .event && !(definition.map { numericEvents.contains($0.type) } ?? false) {
                writer.string("UNAVAILABLE")
            } else {
                writer.raw("null")
            }
        case .series(let values):
            writer.byte("[")
            for (index, value) in values.enumerated() {
                if index > 0 { writer.byte(",") }
                scalar(value, numeric: true, to: &writer)
            }
            writer.byte("]")
        case .entries(let entries):
            writer.byte("{")
            var first = true
            for entry in entries where !entry.removed {
                if !first { writer.byte(",") }
                first = false
                writer.key(entry.key)
                scalar(entry.value, numeric: true, to: &writer)
            }
            writer.byte("}")
        case .text(let text):
            let numeric = observation.category == .sample || definition.map { numericEvents.contains($0.type) } ?? false
            let parts = numeric ? text.split(separator: " ") : []
            if observation.category == .sample, parts.count == 3, parts.allSatisfy({ DecimalNumber.isJSONNumber($0.utf8) }) {
                writer.byte("[")
                for (index, part) in parts.enumerated() {
                    if index > 0 { writer.byte(",") }
                    writer.json(Array(part.utf8))
                }
                writer.byte("]")
            } else {
                scalar(text, numeric: numeric, to: &writer)
            }
        }
    }

    private static func scalar(_ text: String, numeric: Bool, to writer: inout JSONTextWriter) {
        if numeric && DecimalNumber.isJSONNumber(text.utf8) { writer.json(Array(text.utf8)) } else { writer.string(text) }
    }
}
