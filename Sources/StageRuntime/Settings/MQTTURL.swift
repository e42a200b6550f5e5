/// A broker address: `mqtt://[user[:password]@]host[:port]` or `mqtts://...` (TLS).
///
/// `description` never shows the password, so the value can be logged.
public struct MQTTURL: Sendable, Equatable, CustomStringConvertible {
    /// Connect over TLS: `mqtts://` (also read as `ssl://` or `tls://`).
    public var useTLS: Bool
    /// The broker's host name or address; an IPv6 address without brackets.
    public var host: String
    /// 1 to 65535 when parsed; without one in the URL, 1883, or 8883 with TLS.
    public var port: Int32
    /// The user, percent-decoded; nil when the URL names none.
    public var username: String?
    /// The password, percent-decoded; nil when the URL gives none. `description` never shows it.
    public var password: String?

    /// Why a text is not a broker URL.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, in words; it never quotes the URL, so it shows no password.
        public var reason: String
        /// The reason.
        public var description: String { reason }
    }

    /// An address as given, not checked.
    public init(useTLS: Bool = false, host: String, port: Int32, username: String? = nil, password: String? = nil) {
        self.useTLS = useTLS
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// Parses `mqtt://` or `mqtts://` (also `tcp://`, `ssl://`, `tls://`); a path after the host is ignored.
    /// Throws `ParseError` for another scheme, no host, a port outside 1 to 65535 or a bad %-escape in the user information.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw ParseError(reason: "MQTT URL must start with mqtt:// or mqtts://")
        }
        switch parts[0].lowercased() {
        case "mqtt", "tcp": useTLS = false
        case "mqtts", "ssl", "tls": useTLS = true
        default: throw ParseError(reason: "MQTT URL scheme must be mqtt or mqtts")
        }
        var rest = parts[1]
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.percentDecoded(userInfo[..<colon])
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                username = try Self.percentDecoded(userInfo)
            }
        }
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ParseError(reason: "MQTT URL has an unclosed [ in its host") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw ParseError(reason: "MQTT URL has text after its host")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw ParseError(reason: "MQTT URL has no host") }
        if let portText {
            guard let port = Int32(portText), (1...65_535).contains(port) else {
                throw ParseError(reason: "MQTT URL port must be 1 to 65535")
            }
            self.port = port
        } else {
            port = useTLS ? 8883 : 1883
        }
    }

    /// `mqtt[s]://[user[:***]@]host:port`, the password masked, an IPv6 host in brackets.
    public var description: String {
        let user = username.map { "\($0)\(password == nil ? "" : ":***")@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(useTLS ? "mqtts" : "mqtt")://\(user)\(shownHost):\(port)"
    }

    private static func percentDecoded(_ text: Substring) throws(ParseError) -> String {
        guard let decoded = PercentEncoding.decode(text) else {
            throw ParseError(reason: "MQTT URL has a bad %-escape in its user information")
        }
        return decoded
    }
}
