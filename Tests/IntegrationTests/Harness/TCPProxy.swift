import Foundation

/// A TCP relay on a loopback port of its own, between a stage and a server, that a test can
/// turn into a black hole: bytes in both directions vanish while the connections stay open, as
/// when a network link dies without either end being told.
final class TCPProxy: @unchecked Sendable {
    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    // Guarded by `lock`: read by the relay threads, set by the test.
    private let lock = NSLock()
    private var dropping = false
    /// Drops only what the clients send: a server's messages arrive, their acknowledgements never leave.
    private var droppingUpstream = false
    private var descriptors: [Int32] = []

    init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        port = try PrivateBroker.freePort()
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw HarnessError("the proxy cannot listen on \(port)") }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// While on, nothing passes in either direction.
    func setDropping(_ on: Bool) {
        lock.withLock { dropping = on }
    }

    /// While on, what the clients send vanishes and what the server sends passes.
    func setDroppingUpstream(_ on: Bool) {
        lock.withLock { droppingUpstream = on }
    }

    /// Closes every relayed connection, as a link that comes back would find them dead.
    func closeAll() {
        let open = lock.withLock { () -> [Int32] in
            defer { descriptors.removeAll() }
            return descriptors
        }
        for descriptor in open { shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(upstream)
                continue
            }
            lock.withLock { descriptors += [client, upstream] }
            Thread.detachNewThread { [self] in relay(from: client, to: upstream, upstream: true) }
            Thread.detachNewThread { [self] in relay(from: upstream, to: client, upstream: false) }
        }
    }

    private func relay(from source: Int32, to destination: Int32, upstream: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            if lock.withLock({ dropping || (upstream && droppingUpstream) }) { continue }
            let written = buffer.withUnsafeBytes { write(destination, $0.baseAddress, count) }
            if written != count { break }
        }
        shutdown(destination, Int32(SHUT_RDWR))
        shutdown(source, Int32(SHUT_RDWR))
    }
}
