import Foundation
import Testing

@testable import HTTPFetch

#if canImport(Glibc)
    import Glibc
#endif

/// A one-connection server on loopback that answers with canned bytes (or not at all): the peer
/// these unit tests need, in the test process.
final class CannedServer: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32
    private let thread: Thread
    private let received: Received
    /// What the server read of the request.
    var request: String { received.lock.withLock { received.text } }

    private final class Received: @unchecked Sendable {
        let lock = NSLock()
        var text = ""
    }

    init(answer: [UInt8]?, holdMilliseconds: UInt32 = 0) {
        let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) } }
        listen(listening, 1)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listening, $0, &length) } }
        let received = Received()
        thread = Thread {
            let connection = accept(listening, nil, nil)
            guard connection >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(connection, &buffer, buffer.count, 0)
            received.lock.withLock { received.text = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) }
            if let answer { _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
            if holdMilliseconds > 0 { usleep(holdMilliseconds * 1000) }
            close(connection)
        }
        descriptor = listening
        port = Int(UInt16(bigEndian: address.sin_port))
        self.received = received
        thread.start()
    }

    deinit { close(descriptor) }

    var address: HTTPFetcher.Address { HTTPFetcher.Address(host: "127.0.0.1", port: port, path: "/agent") }
}

@Suite("HTTP fetcher")
struct HTTPFetcherTests {
    static func answer(_ head: String, _ body: String) -> [UInt8] { Array((head + "\r\n\r\n" + body).utf8) }

    @Test("a GET: the request names the path under the address; the answer's status, headers and body")
    func get() throws {
        let server = CannedServer(answer: Self.answer("HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 5", "<a/>\n"))
        let response = try HTTPFetcher.get(server.address, "/current", timeoutMilliseconds: 2_000, maxBytes: 1_000, accept: "application/xml")
        #expect(response.status == 200)
        #expect(response.mediaType == "text/xml")
        #expect(response.body == Array("<a/>\n".utf8))
        #expect(server.request.hasPrefix("GET /agent/current HTTP/1.0\r\nHost: 127.0.0.1:\(server.port)\r\nAccept: application/xml\r\n"))
        let ipv6 = HTTPFetcher.request(HTTPFetcher.Address(host: "::1", port: 5000, path: "/agent"), "/probe", accept: "application/xml")
        #expect(String(decoding: ipv6, as: UTF8.self).hasPrefix("GET /agent/probe HTTP/1.0\r\nHost: [::1]:5000\r\n"))
        // A server that keeps the connection open: the answer is whole once its Content-Length is there.
        let open = CannedServer(answer: Self.answer("HTTP/1.1 200 OK\r\nContent-Length: 2", "ok"), holdMilliseconds: 3_000)
        #expect(try HTTPFetcher.get(open.address, "/", timeoutMilliseconds: 1_000, maxBytes: 1_000).body == Array("ok".utf8))
    }

    @Test("failures say why: cut short, too large, not HTTP, no answer in time, nobody listening")
    func failures() throws {
        let short = CannedServer(answer: Self.answer("HTTP/1.1 200 OK\r\nContent-Length: 50", "<a/>"))
        #expect(throws: HTTPFetcher.FetchError("\(short.address)/x: the answer was cut short: 4 of 50 bytes")) {
            try HTTPFetcher.get(short.address, "/x", timeoutMilliseconds: 2_000, maxBytes: 1_000)
        }
        let large = CannedServer(answer: Self.answer("HTTP/1.1 200 OK", String(repeating: "x", count: 2_000)))
        #expect(throws: HTTPFetcher.FetchError("\(large.address)/x: the answer exceeds 1000 bytes", isTooLarge: true)) {
            try HTTPFetcher.get(large.address, "/x", timeoutMilliseconds: 2_000, maxBytes: 1_000)
        }
        let garbage = CannedServer(answer: Array("SSH-2.0-OpenSSH\r\n\r\n".utf8))
        #expect(throws: HTTPFetcher.FetchError("\(garbage.address)/x: not an HTTP status line: \"SSH-2.0-OpenSSH\"")) {
            try HTTPFetcher.get(garbage.address, "/x", timeoutMilliseconds: 2_000, maxBytes: 1_000)
        }
        let silent = CannedServer(answer: nil, holdMilliseconds: 1_500)
        #expect(throws: HTTPFetcher.FetchError("\(silent.address)/x: no answer in time")) {
            try HTTPFetcher.get(silent.address, "/x", timeoutMilliseconds: 300, maxBytes: 1_000)
        }
        // A port bound and let go again: nobody listens there.
        let unbound = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(unbound, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(unbound, $0, &length) } }
        close(unbound)
        let port = Int(UInt16(bigEndian: address.sin_port))
        #expect {
            try HTTPFetcher.get(HTTPFetcher.Address(host: "127.0.0.1", port: port), "/", timeoutMilliseconds: 1_000, maxBytes: 10)
        } throws: { error in
            (error as? HTTPFetcher.FetchError)?.reason.contains("cannot connect: Connection refused") == true
        }
    }

    @Test("addresses: host, port and path; https and other schemes refused with the reason")
    func addresses() throws {
        #expect(try HTTPFetcher.Address("http://10.1.2.3:5000/") == HTTPFetcher.Address(host: "10.1.2.3", port: 5000, path: ""))
        #expect(try HTTPFetcher.Address("http://agent.plant/mill1") == HTTPFetcher.Address(host: "agent.plant", port: 80, path: "/mill1"))
        #expect(try HTTPFetcher.Address("http://[::1]:5000/a/") == HTTPFetcher.Address(host: "::1", port: 5000, path: "/a"))
        #expect(try HTTPFetcher.Address("http://[::1]:5000/a/").description == "http://[::1]:5000/a")
        #expect(throws: HTTPFetcher.FetchError("https://x: https is not supported; the agent must be reached by http://")) {
            try HTTPFetcher.Address("https://x")
        }
        #expect(throws: HTTPFetcher.FetchError("http://x:99999: the port is not 1 to 65535")) { try HTTPFetcher.Address("http://x:99999") }
        #expect(throws: HTTPFetcher.FetchError("ftp://x: not an http:// address")) { try HTTPFetcher.Address("ftp://x") }
    }
}
