import Foundation

/// How the ZeroMQ links between the stages are protected: CURVE keys, and whether cleartext
/// `tcp://` may leave this machine.
///
/// The rule for `tcp://` endpoints: loopback addresses (`127.0.0.1`, `[::1]`, `localhost`) are
/// always allowed. Anything else (a wildcard bind such as `tcp://*:5560` or `tcp://0.0.0.0:5560`,
/// an interface, another host) is allowed only with CURVE on, or with
/// `MES_ALLOW_INSECURE_TCP=1`, which is logged as a warning for every such endpoint.
public struct LinkSecurity: Sendable {
    /// This process's CURVE keys; nil: no CURVE.
    public var curve: CurveKeys?
    /// `MES_ALLOW_INSECURE_TCP=1`: cleartext `tcp://` beyond loopback is allowed.
    public var allowInsecureTCP: Bool

    /// Security as given; `resolve` reads it from the environment. By default no CURVE, and cleartext
    /// `tcp://` on loopback only.
    public init(curve: CurveKeys? = nil, allowInsecureTCP: Bool = false) {
        self.curve = curve
        self.allowInsecureTCP = allowInsecureTCP
    }

    /// Reads `MES_ALLOW_INSECURE_TCP` and the `MES_CURVE_*` settings (see `CurveKeys.resolve`).
    public static func resolve(environment: SettingsEnvironment = .process) throws -> LinkSecurity {
        LinkSecurity(
            curve: try CurveKeys.resolve { environment[$0] },
            allowInsecureTCP: try LinkSettings.allowInsecureTCP.required(nil, environment: environment))
    }

    /// Where a `tcp://` endpoint leads.
    package enum Scope: Equatable {
        case loopback
        /// A wildcard bind, an interface name or another host.
        case beyondLoopback
    }

    /// The scope of a `tcp://` endpoint; nil for other transports (`ipc://` stays on this machine).
    package static func scope(of endpoint: String) -> Scope? {
        guard endpoint.hasPrefix("tcp://") else { return nil }
        // A connect may name a source first: tcp://SOURCE;HOST:PORT.
        var address = Substring(endpoint.dropFirst(6))
        if let semicolon = address.lastIndex(of: ";") { address = address[address.index(after: semicolon)...] }
        let host: Substring
        if address.hasPrefix("["), let close = address.firstIndex(of: "]") {
            host = address[address.index(after: address.startIndex)..<close]
        } else {
            host = address.lastIndex(of: ":").map { address[..<$0] } ?? address
        }
        let name = host.lowercased()
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        let isIPv4Loopback = octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
        return isIPv4Loopback || ["localhost", "::1", "lo", "::ffff:127.0.0.1"].contains(name) ? .loopback : .beyondLoopback
    }

    /// Checks one endpoint against the rule above. Returns a warning to log when it is allowed
    /// only by `MES_ALLOW_INSECURE_TCP=1`; throws when it is not allowed.
    package func review(_ endpoint: String, binding: Bool) throws -> String? {
        guard Self.scope(of: endpoint) == .beyondLoopback, curve == nil else { return nil }
        let action = binding ? "binding \(endpoint)" : "connecting to \(endpoint)"
        guard allowInsecureTCP else {
            throw SettingError(
                reason:
                    "\(action) would carry the data unencrypted and unauthenticated beyond this machine: turn CURVE on "
                    + "(MES_CURVE_SECRET_KEY_FILE, see docs/configuration.md), use 127.0.0.1, "
                    + "or set MES_ALLOW_INSECURE_TCP=1 on a network you trust"
            )
        }
        return
            "\(action) without CURVE: the data travels unencrypted and any host that reaches it can "
            + "\(binding ? "send to this stage" : "pose as the peer") (MES_ALLOW_INSECURE_TCP=1)"
    }
}
