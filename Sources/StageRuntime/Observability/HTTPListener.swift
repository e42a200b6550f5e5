import Foundation
import SystemCalls

#if canImport(Glibc)
    import Glibc
    private let streamSocket = Int32(SOCK_STREAM.rawValue)
    private let sendFlags = Int32(MSG_NOSIGNAL)
#else
    import Darwin
    private let streamSocket = SOCK_STREAM
    private let sendFlags: Int32 = 0
#endif

/// A listening TCP socket for the metrics server, and its accepted connections, over POSIX
/// calls: one connection at a time, each with read and write timeouts of two seconds, so a
/// silent client holds the server for two seconds at most (one that keeps sending, longer).
package final class HTTPListener {
    private let descriptor: Int32
    /// The bound port (the chosen one when asked for port 0).
    package let port: Int

    /// Resolves, binds and listens on `setting` at once. Throws a `SettingError` naming
    /// `MES_METRICS_LISTEN` when the host does not resolve or the address cannot be bound.
    package init(_ setting: ListenAddress) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamSocket
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(setting.host, String(setting.port), &hints, &found)
        guard status == 0, let address = found else {
            throw SettingError(reason: "MES_METRICS_LISTEN=\(setting): cannot resolve \(setting.host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        let descriptor = socket(address.pointee.ai_family, streamSocket, 0)
        guard descriptor >= 0 else { throw Self.error("socket", setting) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0, listen(descriptor, 16) == 0 else {
            let error = Self.error("bind", setting)
            close(descriptor)
            throw error
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        let networkPort =
            bound.ss_family == sa_family_t(AF_INET6)
            ? withUnsafePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port } }
            : withUnsafePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port } }
        self.descriptor = descriptor
        self.port = Int(UInt16(bigEndian: networkPort))
    }

    private static func error(_ call: String, _ listen: ListenAddress) -> SettingError {
        SettingError(reason: "MES_METRICS_LISTEN=\(listen): \(call): \(String(cString: strerror(errno)))")
    }

    /// The next connection, or nil when none came within `timeoutMilliseconds`.
    package func waitForConnection(timeoutMilliseconds: Int32) -> Connection? {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, timeoutMilliseconds) > 0 else { return nil }
        let connection = accept(descriptor, nil, nil)
        guard connection >= 0 else { return nil }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return Connection(descriptor: connection)
    }

    deinit {
        close(descriptor)
    }

    /// One accepted connection, closed when released.
    package final class Connection {
        private let descriptor: Int32

        fileprivate init(descriptor: Int32) {
            self.descriptor = descriptor
        }

        /// Reads until `complete` says the bytes so far are enough, the peer stops sending, or
        /// the read timeout passes.
        func read<Outcome>(_ complete: ([UInt8]) -> Outcome?) -> Outcome? {
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 2048)
            while true {
                let count = retryingInterrupted { chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) } }
                guard count > 0 else { return nil }
                received += chunk[..<count]
                if let outcome = complete(received) { return outcome }
            }
        }

        /// Writes all of `bytes`, or as much as the peer takes before the write timeout.
        func write(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let count = retryingInterrupted { bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, sendFlags) } }
                guard count > 0 else { return }
                offset += count
            }
        }

        /// Ends the response, then reads and drops what the client still sends (a head past the
        /// limit), so that closing with unread bytes does not reset the connection before the
        /// client has read the answer.
        func finish() {
            shutdown(descriptor, Int32(SHUT_WR))
            var discarded = 0
            var chunk = [UInt8](repeating: 0, count: 2048)
            while discarded < 65_536 {
                let count = retryingInterrupted { chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) } }
                guard count > 0 else { return }
                discarded += count
            }
        }

        deinit {
            close(descriptor)
        }
    }
}
