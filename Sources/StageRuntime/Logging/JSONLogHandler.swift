import CollectorCore
import Foundation
import Logging
import SystemCalls

/// Writes each log event to standard error as one JSON object on one line
/// (`MES_LOG_FORMAT=json`), for log collectors: `time` (UTC, milliseconds), `level`, `label`,
/// `message`, `metadata` and, when there is one, `error`.
package struct JSONLogHandler: LogHandler {
    /// The logger's label, written as `label`.
    package let label: String
    /// The logger's metadata; an event's own metadata wins on the same key.
    package var metadata: Logger.Metadata = [:]
    /// The least severe level logged; default `info`.
    package var logLevel: Logger.Level = .info

    /// A handler for the logger `label`, with no metadata.
    package init(label: String) {
        self.label = label
    }

    /// One value of the logger's metadata.
    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event as one line to standard error, timed now; a line that cannot be written is dropped.
    package func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, event in event }
        let line =
            Self.line(
                time: Date(), level: event.level, label: label, message: event.message.description, metadata: merged,
                error: event.error.map { "\($0)" }) + "\n"
        // One write(2) per line, so that lines from several threads do not interleave.
        var bytes = Array(line.utf8)[...]
        while !bytes.isEmpty {
            let written = retryingInterrupted { bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) } }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// The JSON text of one event, without the newline.
    package static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, error: String? = nil)
        -> String
    {
        var object = JSONObject()
        object.set("time", .string(timestamp(time)))
        object.set("level", .string(level.rawValue))
        object.set("label", .string(label))
        object.set("message", .string(message))
        var fields = JSONObject()
        for key in metadata.keys.sorted() { fields.set(key, value(metadata[key]!)) }
        object.set("metadata", .object(fields))
        if let error { object.set("error", .string(error)) }
        return JSONValue.object(object).serialized()
    }

    private static func value(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let item): .string(item.description)
        case .array(let items): .array(items.map(Self.value))
        case .dictionary(let items):
            .object(items.keys.sorted().reduce(into: JSONObject()) { $0.set($1, Self.value(items[$1]!)) })
        }
    }

    /// RFC 3339 in UTC with milliseconds, e.g. 2025-05-16T07:03:48.123Z.
    package static func timestamp(_ time: Date) -> String {
        let milliseconds = Int64((time.timeIntervalSince1970 * 1_000).rounded(.down))
        var seconds = time_t(milliseconds / 1_000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
            Int(parts.tm_min), Int(parts.tm_sec), Int(milliseconds % 1_000))
    }
}
