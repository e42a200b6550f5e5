/// A broker address: `mqtt://[user[:password]@]host[:port]` or `mqtts://...` (TLS).
///
/// `description` never shows the password, so the value can be logged.
public struct MQTTURL: Sendable, Equatable, CustomStringConvertible {
    public var useTLS: Bool
    public var host: String
    public var port: Int32
    public var username: String?
    public var password: String?

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { reason }
    }

    public init(useTLS: Bool = false, host: String, port: Int32, username: String? = nil, password: String? = nil) {
        self.useTLS = useTLS
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

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
