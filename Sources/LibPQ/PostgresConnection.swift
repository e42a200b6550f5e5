import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection.
///
/// All calls block, so a connection lives on one dedicated thread for its whole life (the sink's
/// writer thread), never on the Swift concurrency pool; it is not `Sendable` for that reason.
public final class PostgresConnection {
    private let handle: OpaquePointer

    /// Connects with a libpq connection string or URI; an empty string uses libpq's `PG*`
    /// environment variables and defaults.
    public init(conninfo: String) throws(PostgresError) {
        guard let handle = PQconnectdb(conninfo) else {
            throw PostgresError(kind: .connection, operation: "connect", message: "out of memory")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            PQfinish(handle)
            throw PostgresError(kind: .connection, operation: "connect", message: message)
        }
        self.handle = handle
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether libpq still believes the connection is up.
    public var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Host (or socket directory), port and database, for logs: never the password.
    public var serverDescription: String {
        let host = PQhost(handle).map { String(cString: $0) } ?? "?"
        let port = PQport(handle).map { String(cString: $0) } ?? "?"
        let database = PQdb(handle).map { String(cString: $0) } ?? "?"
        return "\(host):\(port)/\(database)"
    }

    /// Runs one or more statements with no parameters; returns the rows of the last one, as text.
    @discardableResult
    public func execute(_ sql: String) throws(PostgresError) -> [[String?]] {
        let result = PQexec(handle, sql)
        return try consume(result, operation: "execute")
    }

    /// Runs one statement with text parameters (never spliced into the SQL); returns its rows as text.
    @discardableResult
    public func execute(_ sql: String, parameters: [String?]) throws(PostgresError) -> [[String?]] {
        let result = withCStringArray(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try consume(result, operation: "execute")
    }

    /// Prepares `sql`, one statement without parameters, as `name` for the connection's life.
    /// Running it then skips parsing and planning: the server plans it once and plans it again
    /// only when a table it reads changes (a new partition, say).
    public func prepare(_ name: String, _ sql: String) throws(PostgresError) {
        let result = PQprepare(handle, name, sql, 0, nil)
        _ = try consume(result, operation: "prepare")
    }

    /// Runs the statement `prepare` made as `name`; returns its rows as text.
    @discardableResult
    public func executePrepared(_ name: String) throws(PostgresError) -> [[String?]] {
        let result = PQexecPrepared(handle, name, 0, nil, nil, nil, 0)
        return try consume(result, operation: "execute")
    }

    /// Runs `body` in a transaction, first setting `localSettings` for it alone (`SET LOCAL`):
    /// commits when `body` returns, rolls back when it throws while the connection still stands. The settings' names and
    /// values are written into the SQL as they are, unescaped: pass constants only.
    public func transaction<Result>(
        settingLocally localSettings: KeyValuePairs<String, String> = [:], _ body: () throws(PostgresError) -> Result
    ) throws(PostgresError) -> Result {
        do throws(PostgresError) {
            try execute("BEGIN" + localSettings.map { "; SET LOCAL \($0.key) = '\($0.value)'" }.joined())
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if error.kind == .statement { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `COPY ... FROM STDIN` and sends `data` as its whole input. Returns the rows copied.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8]) throws(PostgresError) -> Int {
        let start = PQexec(handle, sql)
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try consume(start, operation: "copy")
            throw PostgresError(kind: .statement, operation: "copy", message: "server did not enter COPY IN")
        }
        PQclear(start)
        // Large chunks cut the per-call overhead; libpq buffers and flushes as needed.
        let chunk = 1 << 20
        var offset = 0
        var failed = false
        while offset < data.count && !failed {
            let count = min(chunk, data.count - offset)
            let sent = data.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: count) {
                    PQputCopyData(handle, $0, Int32(count))
                }
            }
            failed = sent != 1
            offset += count
        }
        if failed || PQputCopyEnd(handle, nil) != 1 {
            // The result loop below reports the server's reason; make sure one is drained.
            _ = PQputCopyEnd(handle, "client failed to send COPY data")
        }
        var copied = 0
        var firstError: PostgresError?
        while let result = PQgetResult(handle) {
            do throws(PostgresError) {
                _ = try consume(result, operation: "copy")
                if let tuples = Int(String(cString: PQcmdTuples(result))) { copied += tuples }
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        if !isConnected {
            throw PostgresError(kind: .connection, operation: "copy", message: String(cString: PQerrorMessage(handle)))
        }
        return copied
    }

    /// The one place where a libpq result becomes rows or a Swift error. Frees the result.
    private func consume(_ result: OpaquePointer?, operation: String) throws(PostgresError) -> [[String?]] {
        guard let result else {
            throw PostgresError(kind: .connection, operation: operation, message: String(cString: PQerrorMessage(handle)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_COPY_IN, PGRES_EMPTY_QUERY:
            return []
        case PGRES_TUPLES_OK:
            let rows = PQntuples(result), columns = PQnfields(result)
            return (0..<rows).map { row in
                (0..<columns).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                }
            }
        default:
            let message = String(cString: PQresultErrorMessage(result))
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            // Class 08 is "connection exception"; a dead socket also shows as a bad status.
            let kind: PostgresError.Kind = (!isConnected || sqlState?.hasPrefix("08") == true) ? .connection : .statement
            throw PostgresError(
                kind: kind, operation: operation, message: message.isEmpty ? String(cString: PQerrorMessage(handle)) : message, sqlState: sqlState)
        }
    }
}

private func withCStringArray<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}
