import Foundation
import SystemCalls

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.0 GET over a fresh connection, blocking, with a deadline for the whole exchange and
/// a bound on the answer's size. HTTP/1.0 because the server then sends the body whole and
/// closes: no chunks, no connection to keep. For the plain HTTP of a plant's network (MTConnect
/// agents, the stages' own metrics); call it from a thread of its own, never the cooperative pool.
public enum HTTPFetcher {
    /// An answer as the server sent it: any status is returned, none is thrown.
    public struct Response: Sendable, Equatable {
        /// The status code, e.g. 200 or 404.
        public var status: Int
        /// Header names in lower case.
        public var headers: [String: String]
        /// The bytes after the headers; as many as `Content-Length` says where the server sent one.
        public var body: [UInt8]

        /// A response from its parts; `headers` should be keyed in lower case, as `get` keys them.
        public init(status: Int, headers: [String: String], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// The media type of `Content-Type`, without its parameters: `text/xml`.
        public var mediaType: String? {
            headers["content-type"].map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased() }
        }
    }

    /// An `http://HOST[:PORT][/PATH]` address, read once.
    public struct Address: Sendable, Equatable, CustomStringConvertible {
        /// A host name or an IP address; an IPv6 address without its brackets.
        public var host: String
        /// The TCP port; 80 where the text names none.
        public var port: Int
        /// The path without its trailing slash: requests append `/` and their own.
        public var path: String

        /// An address from its parts, taken as they are: nothing is checked.
        public init(host: String, port: Int, path: String = "") {
            self.host = host
            self.port = port
            self.path = path
        }

        /// Reads `http://HOST[:PORT][/PATH]`, an IPv6 host in brackets; trailing slashes of the path are dropped.
        /// Throws a `FetchError` saying why for `https://` or any other scheme, a missing host, an IPv6 host without its `]`, or a
        /// port outside 1 to 65535.
        public init(_ text: String) throws(FetchError) {
            guard text.hasPrefix("http://") else {
                throw FetchError(
                    text.hasPrefix("https://")
                        ? "\(text): https is not supported; the agent must be reached by http://" : "\(text): not an http:// address")
            }
            let rest = text.dropFirst("http://".count)
            let authority = rest.prefix { $0 != "/" }
            var path = String(rest.dropFirst(authority.count))
            while path.hasSuffix("/") { path.removeLast() }
            var host = String(authority)
            var port = 80
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { throw FetchError("\(text): an IPv6 address without its ]") }
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let after = authority[authority.index(after: close)...]
                if after.hasPrefix(":") {
                    guard let number = Int(after.dropFirst()), (1...65_535).contains(number) else {
                        throw FetchError("\(text): the port is not 1 to 65535")
                    }
                    port = number
                }
            } else if let colon = authority.lastIndex(of: ":") {
                guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number) else {
                    throw FetchError("\(text): the port is not 1 to 65535")
                }
                host = String(authority[..<colon])
                port = number
            }
            guard !host.isEmpty else { throw FetchError("\(text): no host") }
            self.init(host: host, port: port, path: path)
        }

        /// The host as a URL and a `Host:` header write it: an IPv6 address in brackets.
        var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

        /// The address as `http://HOST[:PORT]PATH`, the port left out when it is 80 and an IPv6 host in brackets.
        public var description: String {
            "http://\(bracketedHost)\(port == 80 ? "" : ":\(port)")\(path)"
        }
    }

    /// Why an address cannot be read or a request got no usable answer.
    public struct FetchError: Error, Sendable, Equatable, CustomStringConvertible {
        /// What went wrong, after the address (and the request's path) or the text that was read.
        public var reason: String
        /// The server answered, with more than the caller would read: asking for less may help.
        public var isTooLarge: Bool

        /// An error with its reason; `isTooLarge` only for an answer over the caller's bound.
        public init(_ reason: String, isTooLarge: Bool = false) {
            self.reason = reason
            self.isTooLarge = isTooLarge
        }

        /// The reason.
        public var description: String { reason }
    }

    /// The bytes of a GET of `path` under `address`: HTTP/1.0, one request a connection.
    static func request(_ address: Address, _ path: String, accept: String) -> [UInt8] {
        Array(
            "GET \(address.path)\(path) HTTP/1.0\r\nHost: \(address.bracketedHost):\(address.port)\r\nAccept: \(accept)\r\nConnection: close\r\n\r\n"
                .utf8)
    }

    /// GETs `path` (which starts with `/`) under `address`. Throws with the reason when the host
    /// cannot be reached, the deadline passes, the answer exceeds `maxBytes` (headers included)
    /// or is not HTTP.
    public static func get(
        _ address: Address, _ path: String, timeoutMilliseconds: Int, maxBytes: Int, accept: String = "*/*"
    ) throws(FetchError) -> Response {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeoutMilliseconds) * 1_000_000
        func remaining() throws(FetchError) -> Int32 {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { throw FetchError("\(address)\(path): no answer within \(timeoutMilliseconds) ms") }
            return Int32(clamping: (deadline - now) / 1_000_000 + 1)
        }
        let descriptor = try openConnection(address, remaining: remaining)
        defer { close(descriptor) }
        let request = Self.request(address, path, accept: accept)
        var sent = 0
        while sent < request.count {
            try wait(descriptor, for: Int16(POLLOUT), remaining(), address, path)
            let count = retryingInterrupted { request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
            guard count > 0 else { throw FetchError("\(address)\(path): cannot send the request: \(String(cString: strerror(errno)))") }
            sent += count
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            try wait(descriptor, for: Int16(POLLIN), remaining(), address, path)
            let count = retryingInterrupted { buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) } }
            guard count >= 0 else { throw FetchError("\(address)\(path): the connection failed: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            answer += buffer[0..<count]
            guard answer.count <= maxBytes else { throw FetchError("\(address)\(path): the answer exceeds \(maxBytes) bytes", isTooLarge: true) }
            // A server that keeps the connection open despite HTTP/1.0 has said all once its
            // Content-Length is there.
            if let expected = completeLength(answer), answer.count >= expected { break }
        }
        return try response(answer, address, path)
    }

    private static func openConnection(_ address: Address, remaining: () throws(FetchError) -> Int32) throws(FetchError) -> Int32 {
        var hints = addrinfo(
            ai_flags: 0, ai_family: AF_UNSPEC, ai_socktype: Int32(SOCK_STREAM.rawValue), ai_protocol: 0, ai_addrlen: 0, ai_addr: nil,
            ai_canonname: nil, ai_next: nil)
        var found: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(address.host, String(address.port), &hints, &found)
        guard resolved == 0, let first = found else {
            throw FetchError("\(address): cannot resolve \(address.host): \(String(cString: gai_strerror(resolved)))")
        }
        defer { freeaddrinfo(found) }
        var failure = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let descriptor = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { continue }
            if connect(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                do throws(FetchError) {
                    try wait(descriptor, for: Int16(POLLOUT), remaining(), address, "")
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
                    if error == 0 { return descriptor }
                    failure = String(cString: strerror(error))
                } catch {
                    close(descriptor)
                    throw error
                }
            } else {
                failure = String(cString: strerror(errno))
            }
            close(descriptor)
        }
        throw FetchError("\(address): cannot connect: \(failure)")
    }

    private static func wait(_ descriptor: Int32, for events: Int16, _ milliseconds: Int32, _ address: Address, _ path: String) throws(FetchError) {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        let ready = retryingInterrupted { poll(&entry, 1, milliseconds) }
        guard ready >= 0 else { throw FetchError("\(address)\(path): poll: \(String(cString: strerror(errno)))") }
        guard ready > 0 else { throw FetchError("\(address)\(path): no answer in time") }
    }

    /// Where the blank line after the headers starts, once it has arrived.
    private static func headEnd(_ answer: [UInt8]) -> Int? {
        let separator: [UInt8] = [13, 10, 13, 10]
        return answer.indices.dropLast(3).first { answer[$0..<($0 + 4)].elementsEqual(separator) }
    }

    /// The whole answer's length, headers included, once its headers give a Content-Length.
    private static func completeLength(_ answer: [UInt8]) -> Int? {
        guard let end = headEnd(answer) else { return nil }
        for line in String(decoding: answer[..<end], as: UTF8.self).split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length", let length = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
                return end + 4 + length
            }
        }
        return nil
    }

    private static func response(_ answer: [UInt8], _ address: Address, _ path: String) throws(FetchError) -> Response {
        guard let end = headEnd(answer) else {
            throw FetchError(
                "\(address)\(path): not an HTTP answer (\(answer.isEmpty ? "nothing" : "no end of headers") before the connection closed)")
        }
        let head = String(decoding: answer[..<end], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = head.first ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw FetchError("\(address)\(path): not an HTTP status line: \"\(statusLine.prefix(64))\"")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = Array(answer[(end + 4)...])
        if let declared = headers["content-length"].flatMap({ Int($0) }), declared != body.count {
            let fault = body.count < declared ? "was cut short" : "is longer than its Content-Length"
            throw FetchError("\(address)\(path): the answer \(fault): \(body.count) of \(declared) bytes")
        }
        return Response(status: status, headers: headers, body: body)
    }
}
