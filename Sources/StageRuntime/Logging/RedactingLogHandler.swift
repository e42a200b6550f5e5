import CollectorCore
import Logging
import Synchronization

/// Writes through another handler, with the credentials of this process's settings hidden in
/// every message and metadata value (`Redaction`), so that no log line shows a password, even
/// one a library quoted in its error message.
package struct RedactingLogHandler: LogHandler {
    /// The passwords of this process's settings, registered by `StageRunner.hideSecrets(in:)`.
    private static let secrets = Mutex<[String]>([])

    /// The handler that writes the redacted events.
    package var upstream: any LogHandler

    /// Adds secrets to hide from every later line and `redact(_:)`, for the whole process; thread-safe.
    /// Empty ones are ignored, and those shorter than `Redaction.minimumLiteralLength` are hidden only where a pattern finds them.
    package static func register(_ new: [String]) {
        secrets.withLock { $0.append(contentsOf: new.filter { !$0.isEmpty }) }
    }

    /// `text` with the registered secrets and anything that looks like a password hidden.
    package static func redact(_ text: String) -> String {
        Redaction.redact(text, secrets: secrets.withLock { $0 })
    }

    /// Passes the event on with its message, metadata and error redacted.
    package func log(event: LogEvent) {
        var event = event
        event.message = "\(Self.redact(event.message.description))"
        event.metadata = event.metadata?.mapValues(Self.redact)
        event.error = event.error.map { StageRunner.Failure(description: Self.redact("\($0)")) }
        upstream.log(event: event)
    }

    private static func redact(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(redact(text))
        case .stringConvertible(let item): .string(redact(item.description))
        case .array(let items): .array(items.map(redact))
        case .dictionary(let items): .dictionary(items.mapValues(redact))
        }
    }

    /// One value of the upstream handler's metadata; a value set is redacted first.
    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { upstream[metadataKey: key] }
        set { upstream[metadataKey: key] = newValue.map(Self.redact) }
    }

    /// The upstream handler's metadata; values set are redacted first.
    package var metadata: Logger.Metadata {
        get { upstream.metadata }
        set { upstream.metadata = newValue.mapValues(Self.redact) }
    }

    /// The upstream handler's level.
    package var logLevel: Logger.Level {
        get { upstream.logLevel }
        set { upstream.logLevel = newValue }
    }
}
