import Foundation
import NIOSSL
import PipelineSettings
import PostgresNIO
import StageRuntime

/// A libpq connection string (`postgresql://user:password@host:port/db?sslmode=…` or
/// `host=… port=… dbname=…`) made a postgres-nio configuration, so that the board takes the same
/// `DATABASE_URL` as every other stage. Unset keys come from libpq's variables (`PGHOST`,
/// `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`), then libpq's defaults.
public struct DatabaseAddress: Sendable, Equatable {
    /// The server's host name or IP address, or the directory of its Unix socket (a path that starts with `/`); default
    /// `/var/run/postgresql`.
    public var host = "/var/run/postgresql"
    /// The server's TCP port, or the number in its socket's name; default 5432.
    public var port = 5432
    /// The role to log in as; default `PGUSER`, else `USER`, else `postgres`.
    public var user = "postgres"
    /// The password; nil where neither the string nor `PGPASSWORD` gives one.
    public var password: String?
    /// The database's name; nil where none is given (PostgreSQL then takes the role's name).
    public var database: String?
    /// libpq's `sslmode`, default `prefer`, used over TCP only. `disable`: no TLS; `allow` and `prefer`: TLS where the
    /// server offers it; `require`: TLS. None of these checks a certificate; `verify-ca` checks the chain but not the host
    /// name, and `verify-full` both.
    public var sslMode = "prefer"

    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// Reads a URI (`postgresql://` or `postgres://`) or `key=value` pairs over the `PG*` variables of `environment`. It
    /// takes `host`, `hostaddr` (which wins over `host`), `port`, `user`, `password`, `dbname` and `sslmode`, and accepts
    /// and ignores `application_name` and `connect_timeout`. Throws `BoardSettingError` for any other key, a port outside
    /// 1 to 65535, an unknown sslmode, or text it cannot read.
    public init(parsing conninfo: String, environment: SettingsEnvironment) throws(BoardSettingError) {
        var values: [String: String] = [:]
        for (variable, key) in [
            ("PGHOST", "host"), ("PGPORT", "port"), ("PGUSER", "user"), ("PGPASSWORD", "password"), ("PGDATABASE", "dbname"),
            ("PGSSLMODE", "sslmode"),
        ] {
            if let value = environment[variable] { values[key] = value }
        }
        if environment["PGUSER"] == nil, let user = environment["USER"] { values["user"] = user }
        let given = conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://") ? try Self.uri(conninfo) : try Self.keywords(conninfo)
        values.merge(given) { $1 }
        for key in values.keys
        where !["host", "hostaddr", "port", "user", "password", "dbname", "sslmode", "application_name", "connect_timeout"].contains(key) {
            throw BoardSettingError("the board's database connection does not take \"\(key)\"")
        }
        if let host = values["hostaddr"] ?? values["host"], !host.isEmpty { self.host = host }
        if let port = values["port"] {
            guard let number = Int(port), (1...65_535).contains(number) else { throw BoardSettingError("database port \"\(port)\" is not a port") }
            self.port = number
        }
        if let user = values["user"] { self.user = user }
        password = values["password"]
        database = values["dbname"]
        if let mode = values["sslmode"] {
            guard Self.sslModes.contains(mode) else {
                throw BoardSettingError("sslmode \"\(mode)\" is not one of \(Self.sslModes.joined(separator: ", "))")
            }
            sslMode = mode
        }
    }

    /// The postgres-nio configuration: a Unix socket when the host is a directory.
    public var configuration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if host.hasPrefix("/") {
            configuration = .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
        return configuration
    }

    private var tls: PostgresClient.Configuration.TLS {
        switch sslMode {
        case "disable": return .disable
        case "allow", "prefer":
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .prefer(configuration)
        case "require":
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return .require(configuration)
        case "verify-ca":
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .noHostnameVerification
            return .require(configuration)
        default: return .require(.makeClientConfiguration())
        }
    }

    /// `postgresql://[user[:password]@][host][:port][/dbname][?key=value&…]`, percent-decoded.
    private static func uri(_ text: String) throws(BoardSettingError) -> [String: String] {
        var rest = Substring(text[text.range(of: "://")!.upperBound...])
        var values: [String: String] = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw BoardSettingError("database URL parameter \"\(pair)\" is not key=value") }
                values[try decoded(parts[0])] = try decoded(parts[1])
            }
            rest = rest[..<question]
        }
        if let slash = rest.firstIndex(of: "/") {
            let name = rest[rest.index(after: slash)...]
            if !name.isEmpty { values["dbname"] = try decoded(name) }
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            if let colon = credentials.firstIndex(of: ":") {
                values["user"] = try decoded(credentials[..<colon])
                values["password"] = try decoded(credentials[credentials.index(after: colon)...])
            } else if !credentials.isEmpty {
                values["user"] = try decoded(credentials)
            }
            rest = rest[rest.index(after: at)...]
        }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            values["host"] = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(":") { values["port"] = String(rest.dropFirst()) }
        } else if let colon = rest.lastIndex(of: ":") {
            if colon != rest.startIndex { values["host"] = try decoded(rest[..<colon]) }
            values["port"] = String(rest[rest.index(after: colon)...])
        } else if !rest.isEmpty {
            values["host"] = try decoded(rest)
        }
        return values
    }

    /// `key=value key='quoted value'`, with `\'` and `\\` in quoted values.
    private static func keywords(_ text: String) throws(BoardSettingError) -> [String: String] {
        var values: [String: String] = [:]
        var characters = Substring(text)
        while true {
            characters = characters.drop(while: \.isWhitespace)
            guard !characters.isEmpty else { return values }
            guard let equals = characters.firstIndex(of: "=") else { throw BoardSettingError("\"\(characters)\" is not key=value") }
            let key = characters[..<equals].trimmingCharacters(in: .whitespaces)
            characters = characters[characters.index(after: equals)...].drop(while: \.isWhitespace)
            var value = ""
            if characters.first == "'" {
                characters = characters.dropFirst()
                var closed = false
                while let character = characters.popFirst() {
                    if character == "\\", let next = characters.popFirst() {
                        value.append(next)
                    } else if character == "'" {
                        closed = true
                        break
                    } else {
                        value.append(character)
                    }
                }
                guard closed else { throw BoardSettingError("the value of \"\(key)\" has no closing quote") }
            } else {
                let end = characters.firstIndex(where: \.isWhitespace) ?? characters.endIndex
                value = String(characters[..<end])
                characters = characters[end...]
            }
            values[key] = value
        }
    }

    private static func decoded(_ text: Substring) throws(BoardSettingError) -> String {
        guard let value = text.removingPercentEncoding else { throw BoardSettingError("\"\(text)\" has a broken %-escape") }
        return value
    }
}
