import CLibPQ

/// A failed libpq call or statement, with the server's or library's own message.
///
/// The message never contains the connection string: libpq's messages name the host and port,
/// not the password, and the wrapper never adds the conninfo to them.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// Whether retrying on a new connection can help.
    public enum Kind: Sendable {
        /// The connection is gone or could not be made: reconnect and retry.
        case connection
        /// The server rejected the statement or its data: retrying the same thing fails the same way.
        case statement
    }

    /// Whether the connection or the statement failed: decides between reconnecting and giving the statement up.
    public let kind: Kind
    /// What the wrapper was doing.
    public let operation: String
    /// libpq's or the server's message, trimmed.
    public let message: String
    /// The SQLSTATE code, when the server sent one.
    public let sqlState: String?

    /// `operation: message`, with ` [SQLSTATE code]` when the server sent one.
    public var description: String {
        let state = sqlState.map { " [SQLSTATE \($0)]" } ?? ""
        return "\(operation): \(message)\(state)"
    }

    init(kind: Kind, operation: String, message: String, sqlState: String? = nil) {
        self.kind = kind
        self.operation = operation
        self.message = message.trimmingTrailingWhitespace()
        self.sqlState = sqlState
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var scalars = Substring(self)
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
