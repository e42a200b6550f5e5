import Testing

@testable import StageRuntime

@Suite("HTTP request head")
struct HTTPRequestHeadTests {
    private func parse(_ text: String, limit: Int = MetricsServer.requestLimit) -> Result<HTTPRequestHead, HTTPRequestHead.Problem>? {
        HTTPRequestHead.parse(Array(text.utf8), limit: limit)
    }

    @Test("a GET with headers gives its method and path, the query string dropped")
    func get() {
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n") == .success(HTTPRequestHead(method: "GET", path: "/metrics")))
        #expect(parse("GET /readyz?verbose=1 HTTP/1.0\r\n\r\n") == .success(HTTPRequestHead(method: "GET", path: "/readyz")))
        #expect(parse("HEAD /healthz HTTP/1.1\n\n") == .success(HTTPRequestHead(method: "HEAD", path: "/healthz")))
    }

    @Test("an unfinished head waits for more bytes")
    func unfinished() {
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n") == nil)
        #expect(parse("GET /met") == nil)
    }

    @Test(
        "a head that does not end within the limit is too large",
        arguments: [
            "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: 200),
            "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: 200) + "\r\n\r\n",
        ])
    func tooLarge(_ text: String) {
        #expect(parse(text, limit: 100) == .failure(.tooLarge))
    }

    @Test(
        "request lines that are not HTTP/1.x are malformed",
        arguments: [
            "GET /metrics\r\n\r\n",
            "GET metrics HTTP/1.1\r\n\r\n",
            "get /metrics HTTP/1.1\r\n\r\n",
            "GET /metrics HTTP/2\r\n\r\n",
            "GET  /metrics HTTP/1.1\r\n\r\n",
            "GET /a\u{7F}b HTTP/1.1\r\n\r\n",
            "\r\n\r\n",
        ])
    func malformed(_ text: String) {
        #expect(parse(text) == .failure(.malformed))
    }
}
