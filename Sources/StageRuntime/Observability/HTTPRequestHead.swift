/// The request line of an HTTP/1.x request, all the metrics server reads of it.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method as sent, e.g. `GET`: uppercase letters only.
    public var method: String
    /// The path, without a query string.
    public var path: String

    /// Why a request cannot be answered as asked, with the status that says so.
    public enum Problem: Error, Sendable, Equatable {
        /// Not an HTTP/1.x request line.
        case malformed
        /// No end of the head within the size limit.
        case tooLarge
    }

    /// Parses the head of a request as far as it has arrived: nil while the head has not ended
    /// and `bytes` is within `limit`.
    public static func parse(_ bytes: [UInt8], limit: Int) -> Result<HTTPRequestHead, Problem>? {
        guard let headEnd = endOfHead(bytes) else {
            return bytes.count >= limit ? .failure(.tooLarge) : nil
        }
        guard headEnd <= limit else { return .failure(.tooLarge) }
        let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n"))!
        var line = bytes[..<lineEnd]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte),
            parts[1].first == UInt8(ascii: "/"), parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
            parts[2].elementsEqual("HTTP/1.1".utf8) || parts[2].elementsEqual("HTTP/1.0".utf8)
        else { return .failure(.malformed) }
        let target = parts[1]
        let path = target.firstIndex(of: UInt8(ascii: "?")).map { target[..<$0] } ?? target
        return .success(HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self), path: String(decoding: path, as: UTF8.self)))
    }

    /// The index just past the blank line that ends the head (CRLF CRLF, or bare LF LF).
    package static func endOfHead(_ bytes: [UInt8]) -> Int? {
        var previousNewline: Int?
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            if let previous = previousNewline {
                let between = index - previous - 1
                if between == 0 || (between == 1 && bytes[index - 1] == UInt8(ascii: "\r")) { return index + 1 }
            }
            previousNewline = index
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
