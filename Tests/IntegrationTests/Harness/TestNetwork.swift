import Foundation

/// Two network namespaces, "a" and "b", made for one test and deleted after it: hosts of their
/// own, with addresses that only this machine can reach.
///
///     this host 10.77.N.1 ── veth ── 10.77.N.2 namespace a
///     this host 10.77.N.5 ── veth ── 10.77.N.6 namespace b
///     namespace a 10.77.N.9 ── veth ── 10.77.N.10 namespace b
///
/// N is random per test. Needs root and iproute2 (scripts/test.sh installs it).
final class TestNetwork {
    let tag: String
    let subnet: Int
    var namespaceA: String { "cnc-\(tag)-a" }
    var namespaceB: String { "cnc-\(tag)-b" }
    /// This host's address towards a, a's address, and so on.
    var hostToA: String { "10.77.\(subnet).1" }
    var a: String { "10.77.\(subnet).2" }
    var hostToB: String { "10.77.\(subnet).5" }
    var b: String { "10.77.\(subnet).6" }
    var aToB: String { "10.77.\(subnet).9" }
    var bToA: String { "10.77.\(subnet).10" }

    static let ip = "/usr/sbin/ip"

    static var isAvailable: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: ip) }

    init() throws {
        tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        subnet = Int.random(in: 1...250)
        let links: [(String, String?, String, String?, String, String)] = [
            ("h\(tag)a", nil, "a\(tag)h", namespaceA, hostToA, a),
            ("h\(tag)b", nil, "b\(tag)h", namespaceB, hostToB, b),
            ("a\(tag)b", namespaceA, "b\(tag)a", namespaceB, aToB, bToA),
        ]
        try run(nil, ["netns", "add", namespaceA])
        try run(nil, ["netns", "add", namespaceB])
        for namespace in [namespaceA, namespaceB] { try run(namespace, ["link", "set", "lo", "up"]) }
        for (left, leftNamespace, right, rightNamespace, leftAddress, rightAddress) in links {
            try run(nil, ["link", "add", left, "type", "veth", "peer", "name", right])
            for (name, namespace, address) in [(left, leftNamespace, leftAddress), (right, rightNamespace, rightAddress)] {
                if let namespace { try run(nil, ["link", "set", name, "netns", namespace]) }
                try run(namespace, ["addr", "add", "\(address)/30", "dev", name])
                try run(namespace, ["link", "set", name, "up"])
            }
        }
    }

    private func run(_ namespace: String?, _ arguments: [String]) throws {
        try ChildProcess.run(Self.ip, (namespace.map { ["-n", $0] } ?? []) + arguments)
    }

    /// The command prefix that runs a program inside a namespace.
    func launcher(_ namespace: String) -> [String] {
        [Self.ip, "netns", "exec", namespace]
    }

    deinit {
        // Deleting a namespace deletes the veth ends in it, and so their peers.
        for namespace in [namespaceA, namespaceB] { try? ChildProcess.run(Self.ip, ["netns", "del", namespace]) }
        try? ChildProcess.run(Self.ip, ["link", "del", "h\(tag)a"])
        try? ChildProcess.run(Self.ip, ["link", "del", "h\(tag)b"])
    }
}
