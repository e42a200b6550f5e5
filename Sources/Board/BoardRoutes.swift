import CollectorCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import StageRuntime

/// The board's pages, its assets and its API (docs/board.md, the OpenAPI document at
/// `/api/openapi.json`). Every parameter is checked here and bound by `BoardQueries`.
struct BoardRoutes: Sendable {
    let queries: BoardQueries
    let events: BoardEvents
    let metrics: BoardMetrics

    /// The longest range of a timeline, and the most periods one availability answer has.
    static let longestTimeline: Int64 = 31 * 86_400 * 1_000_000
    static let mostPeriods: Int64 = 10_000
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func add(to router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in
            await events.snapshot == nil ? Self.text("starting\n", status: .serviceUnavailable) : Self.text("ok\n", status: .ok)
        }
        router.get("/") { _, _ in Self.asset("board.html") }
        router.get("/shifts") { _, _ in Self.asset("shifts.html") }
        router.get("/machines/:cnc_id") { _, _ in Self.asset("machine.html") }
        router.get("/assets/:name") { _, context in Self.asset(context.parameters.get("name") ?? "") }
        router.get("/api/openapi.json") { _, _ in Self.asset("openapi.json") }

        router.get("/api/machines") { _, _ in
            guard let snapshot = await events.snapshot else {
                return Self.problem("the board has not read the database yet", status: .serviceUnavailable)
            }
            return Self.json(snapshot)
        }
        router.get("/api/machines/:cnc_id") { _, context in
            let cncID = try Self.machine(context)
            guard let machine = await events.machines[cncID] else { return Self.problem("no machine \(JSONText.quoted(cncID))", status: .notFound) }
            let recent = try await queries.recentMessages(of: cncID)
            return Self.json(#"{"machine":"# + machine + "," + recent.dropFirst())
        }
        router.get("/api/machines/:cnc_id/intervals") { request, context in
            let cncID = try Self.machine(context)
            let (from, to) = try await range(request, longest: Self.longestTimeline)
            let intervals = try await queries.intervals(of: cncID, from: from, to: to)
            return Self.json(
                #"{"cnc_id":"# + JSONText.quoted(cncID) + #","from":"# + JSONText.quoted(from) + #","to":"# + JSONText.quoted(to)
                    + #","intervals":"# + intervals + "}")
        }
        router.get("/api/availability") { request, _ in try await availability(request) }
        router.get("/api/events") { request, _ in await eventStream(request) }
    }

    // MARK: Answers

    private func availability(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let byShift = parameters.get("by") == "shift"
        if let by = parameters.get("by"), by != "shift" { throw BoardRequestError("by is \"shift\", not \(JSONText.quoted(by))") }
        if byShift, queries.shifts == nil { throw BoardRequestError("by=shift needs a shift calendar, and the board has none (MES_SHIFTS)") }
        var step: Int?
        if !byShift {
            let text = parameters.get("step") ?? "3600"
            guard let seconds = Int(text), seconds >= 60 else {
                throw BoardRequestError("step is a whole number of seconds, 60 or more, not \(JSONText.quoted(text))")
            }
            step = seconds
        }
        let (from, to, microseconds) = try await rangeWithLength(request, defaultDays: byShift ? 7 : 1)
        if let step, microseconds / (Int64(step) * 1_000_000) > Self.mostPeriods {
            throw BoardRequestError("from to to in steps of \(step) s makes more than \(Self.mostPeriods) periods")
        }
        let cncID = try parameters.get("cnc_id").map(Self.checkedMachine)
        let rows = try await queries.availability(from: from, to: to, stepSeconds: step, cncID: cncID)
        if parameters.get("format") == "csv" {
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = #"attachment; filename="availability.csv""#
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: AvailabilityTable.csv(rows))))
        }
        return Self.json(AvailabilityTable.json(rows, from: from, to: to))
    }

    private func eventStream(_ request: Request) async -> Response {
        let after = (request.headers[Self.lastEventID] ?? request.uri.queryParameters.get("after")).flatMap(EventID.init)
        let stream = await events.subscribe(after: after)
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { [metrics] writer in
                metrics.streams.increment()
                defer { metrics.streams.decrement() }
                // An advice to the browser: reconnect after a second.
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                for await buffer in stream { try await writer.write(buffer) }
                try await writer.finish(nil)
            })
    }

    // MARK: Parameters

    /// `from` and `to`: RFC 3339, from before to, at most `longest` µs apart; by default the current period.
    private func range(_ request: Request, longest: Int64) async throws -> (String, String) {
        let (from, to, length) = try await rangeWithLength(request, defaultDays: nil)
        guard length <= longest else { throw BoardRequestError("from and to are at most \(longest / 86_400_000_000) days apart") }
        return (from, to)
    }

    private func rangeWithLength(_ request: Request, defaultDays: Int?) async throws -> (String, String, Int64) {
        let parameters = request.uri.queryParameters
        let to = parameters.get("to") ?? MachineFeed.rfc3339(Date())
        let from: String
        if let given = parameters.get("from") {
            from = given
        } else if let defaultDays {
            // A default `from` counts back from `to`, as the API document says, so that a past `to` alone is a past period.
            let seconds = Double(try Self.instant(to, named: "to")) / 1_000_000 - Double(defaultDays) * 86_400
            from = MachineFeed.rfc3339(Date(timeIntervalSince1970: seconds))
        } else {
            from = try await queries.currentPeriod().from
        }
        let start: Int64 = try Self.instant(from, named: "from"), end: Int64 = try Self.instant(to, named: "to")
        guard start < end else { throw BoardRequestError("from is before to") }
        return (from, to, end - start)
    }

    private static func instant(_ text: String, named name: String) throws -> Int64 {
        switch MessageTime.microseconds(text, quoted: true, format: .rfc3339) {
        case .success(let microseconds): return microseconds
        case .failure(let error): throw BoardRequestError("\(name): \(error)")
        }
    }

    private static func machine(_ context: BasicRequestContext) throws -> String {
        try checkedMachine(context.parameters.get("cnc_id")?.removingPercentEncoding ?? "")
    }

    private static func checkedMachine(_ text: String) throws -> String {
        guard !text.isEmpty, text.utf8.count <= 256 else { throw BoardRequestError("a cnc_id has 1 to 256 bytes") }
        return text
    }

    // MARK: Responses

    static func asset(_ name: String) -> Response {
        guard let asset = BoardAssets.files[name] else { return problem("no asset \(JSONText.quoted(name))", status: .notFound) }
        var headers = HTTPFields()
        headers[.contentType] = asset.contentType
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func problem(_ message: String, status: HTTPResponse.Status) -> Response {
        json(#"{"error":"# + JSONText.quoted(message) + "}", status: status)
    }

    static func text(_ body: String, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// A request whose parameters cannot be used: answered 400 with the reason.
struct BoardRequestError: HTTPResponseError, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }

    var status: HTTPResponse.Status { .badRequest }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        BoardRoutes.problem(description, status: status)
    }
}
