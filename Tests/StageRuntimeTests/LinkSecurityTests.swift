import Testing

@testable import StageRuntime

@Suite("Link security")
struct LinkSecurityTests {
    static let keys = CurveKeys(secretKey: "", publicKey: "")

    @Test(
        "tcp:// endpoints by scope; other transports have none",
        arguments: [
            ("tcp://127.0.0.1:5560", LinkSecurity.Scope.loopback),
            ("tcp://127.8.9.10:5560", .loopback),
            ("tcp://localhost:5560", .loopback),
            ("tcp://LOCALHOST:5560", .loopback),
            ("tcp://[::1]:5560", .loopback),
            ("tcp://lo:5560", .loopback),
            ("tcp://10.0.0.5;127.0.0.1:5560", .loopback),
            ("tcp://*:5560", .beyondLoopback),
            ("tcp://0.0.0.0:5560", .beyondLoopback),
            ("tcp://[::]:5560", .beyondLoopback),
            ("tcp://192.168.1.20:5560", .beyondLoopback),
            ("tcp://router:5560", .beyondLoopback),
            ("tcp://eth0:5560", .beyondLoopback),
            ("tcp://127.0.0.1.example.com:5560", .beyondLoopback),
            ("tcp://1270.0.0.1:5560", .beyondLoopback),
            ("tcp://127.0.0.1;10.0.0.5:5560", .beyondLoopback),
        ] as [(String, LinkSecurity.Scope)])
    func scope(_ endpoint: String, _ expected: LinkSecurity.Scope) {
        #expect(LinkSecurity.scope(of: endpoint) == expected)
    }

    @Test("ipc:// and inproc:// have no scope")
    func otherTransports() {
        #expect(LinkSecurity.scope(of: "ipc:///tmp/x.ipc") == nil)
        #expect(LinkSecurity.scope(of: "inproc://x") == nil)
    }

    @Test("loopback and ipc are always allowed, without a warning")
    func loopbackAllowed() throws {
        for binding in [true, false] {
            #expect(try LinkSecurity().review("tcp://127.0.0.1:5560", binding: binding) == nil)
            #expect(try LinkSecurity().review("ipc:///tmp/x.ipc", binding: binding) == nil)
        }
    }

    @Test("beyond loopback without CURVE is refused, naming the endpoint and the ways out", arguments: [true, false])
    func wildcardRefused(binding: Bool) {
        let endpoint = binding ? "tcp://0.0.0.0:5580" : "tcp://sink:5580"
        do {
            _ = try LinkSecurity().review(endpoint, binding: binding)
            Issue.record("accepted \(endpoint)")
        } catch let error as SettingError {
            #expect(
                error.reason
                    == "\(binding ? "binding" : "connecting to") \(endpoint) would carry the data unencrypted and unauthenticated beyond this "
                    + "machine: turn CURVE on (MES_CURVE_SECRET_KEY_FILE, see docs/configuration.md), use 127.0.0.1, "
                    + "or set MES_ALLOW_INSECURE_TCP=1 on a network you trust"
            )
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("MES_ALLOW_INSECURE_TCP=1 allows it with a warning; CURVE allows it silently")
    func allowed() throws {
        let warning = try LinkSecurity(allowInsecureTCP: true).review("tcp://*:5560", binding: true)
        #expect(
            warning
                == "binding tcp://*:5560 without CURVE: the data travels unencrypted and any host that reaches it can send to this stage "
                + "(MES_ALLOW_INSECURE_TCP=1)"
        )
        #expect(
            try LinkSecurity(allowInsecureTCP: true).review("tcp://router:5560", binding: false)?.hasPrefix(
                "connecting to tcp://router:5560 without CURVE") == true)
        #expect(try LinkSecurity(curve: Self.keys).review("tcp://*:5560", binding: true) == nil)
        #expect(try LinkSecurity(curve: Self.keys).review("tcp://router:5560", binding: false) == nil)
    }
}
