/// A complete HTTP/1.1 response, closed after it is sent.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code; `reason` names 200, 400, 404, 405, 431 and 503.
    public var status: Int
    /// The `Content-Type` header's value.
    public var contentType: String
    /// The body; `Content-Length` gives its size even when `headOnly` leaves it out.
    public var body: [UInt8]
    /// The answer to HEAD: the headers of the GET answer, no body.
    public var headOnly: Bool

    /// A response with a body of bytes, plain UTF-8 text unless `contentType` says otherwise.
    public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8], headOnly: Bool = false) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headOnly = headOnly
    }

    /// A plain-text response, its body UTF-8.
    public init(status: Int, body: String, headOnly: Bool = false) {
        self.init(status: status, body: Array(body.utf8), headOnly: headOnly)
    }

    /// The reason phrase of the status line.
    public var reason: String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    /// Status line, headers and body, as sent.
    public func encoded() -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        if status == 405 { head += "Allow: GET, HEAD\r\n" }
        return Array((head + "\r\n").utf8) + (headOnly ? [] : body)
    }
}
