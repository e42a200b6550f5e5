/// Where the board listens: a host (a name, an IPv4 address or a bracketed IPv6 address) and a port.
public struct BoardListen: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(BoardSettingError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw BoardSettingError("\"\(text)\" is not HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, host.contains(":") == text[..<colon].hasPrefix("[") else {
            throw BoardSettingError("\"\(text)\" is not HOST:PORT (an IPv6 address goes in brackets)")
        }
        self.init(host: host, port: port)
    }
}

/// A board setting whose text cannot be used, and why.
public struct BoardSettingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
