import Foundation

/// An address a process listens on: a host (a name, an IPv4 address or an IPv6 address) and a
/// port, written `HOST:PORT`, an IPv6 address in brackets (`[::1]:9101`). Port 0 takes any free
/// port. The metrics server (`MES_METRICS_LISTEN`) and the board (`MES_BOARD_LISTEN`) read theirs
/// with it.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// A host name, an IPv4 address or an IPv6 address (without brackets).
    public var host: String
    /// The TCP port, 0 to 65535 when parsed; 0 takes any free port.
    public var port: Int

    /// An address as given, not checked.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// The address in `text`, blanks around it ignored. The error says what is wrong with the
    /// text; the setting that reads it names itself and the text before it.
    public init(parsing text: String) throws(SettingError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw SettingError(reason: "not HOST:PORT")
        }
        let written = text[..<colon]
        let bracketed = written.hasPrefix("[") && written.hasSuffix("]")
        let host = bracketed ? String(written.dropFirst().dropLast()) : String(written)
        guard !host.isEmpty else { throw SettingError(reason: "no host, e.g. 127.0.0.1:\(port)") }
        // Unbracketed, the colons of an IPv6 address could not be told from the port's.
        guard host.contains(":") == bracketed else {
            throw SettingError(reason: "not HOST:PORT: an IPv6 address goes in brackets ([::1]:\(port))")
        }
        self.init(host: host, port: port)
    }

    /// `HOST:PORT`, an IPv6 host in brackets: the form `init(parsing:)` reads.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
