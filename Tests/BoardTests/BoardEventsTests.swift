import Board
import NIOCore
import Testing

@Suite struct BoardEventsTests {
    static func snapshot(_ id: EventID) -> String { "{\"event_id\":\"\(id)\"}" }

    /// An event as a stream sends it: its id, its kind and its data.
    struct Sent: Equatable {
        var id: String
        var kind: String
        var data: String
    }

    /// The events of the stream's first `count` buffers, read back from their text.
    static func drain(_ stream: AsyncStream<ByteBuffer>, buffers count: Int) async -> [Sent] {
        var text = "", buffers = 0
        for await buffer in stream {
            text += String(buffer: buffer)
            buffers += 1
            if buffers == count { break }
        }
        return text.split(separator: "\n\n").map { block in
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                fields[String(parts[0])] = parts.count > 1 ? String(parts[1].dropFirst()) : ""
            }
            return Sent(id: fields["id"] ?? "", kind: fields["event"] ?? "", data: fields["data"] ?? "")
        }
    }

    @Test("only machines whose entry changed, and a changed header, become events")
    func changesOnly() async {
        let events = BoardEvents(epoch: 7)
        await events.publish(machines: [("A", "{1}"), ("B", "{2}")], plant: "{p}", makeSnapshot: Self.snapshot)
        let stream = await events.subscribe(after: await events.lastID)
        await events.publish(machines: [("A", "{1}"), ("B", "{3}")], plant: "{p}", makeSnapshot: Self.snapshot)
        await events.publish(machines: [("A", "{1}"), ("B", "{3}")], plant: "{q}", makeSnapshot: Self.snapshot)
        let sent = await Self.drain(stream, buffers: 2)
        #expect(sent.map(\.kind) == ["machine", "plant"])
        #expect(sent.map(\.data) == ["{3}", "{q}"])
        #expect(sent.map(\.id) == ["7-4", "7-5"])
        #expect(await events.snapshot == "{\"event_id\":\"7-5\"}")
    }

    @Test("a reconnect gets the events it missed; an id of another process gets the whole board")
    func resume() async {
        let events = BoardEvents(epoch: 7)
        await events.publish(machines: [("A", "{1}")], plant: "{p}", makeSnapshot: Self.snapshot)
        let missedFrom = await events.lastID
        await events.publish(machines: [("A", "{2}")], plant: "{p}", makeSnapshot: Self.snapshot)
        await events.publish(machines: [("A", "{3}")], plant: "{p}", makeSnapshot: Self.snapshot)
        let resumed = await Self.drain(await events.subscribe(after: missedFrom), buffers: 1)
        #expect(resumed.map(\.data) == ["{2}", "{3}"])
        let stranger = await Self.drain(await events.subscribe(after: EventID(epoch: 6, sequence: 3)), buffers: 1)
        #expect(stranger.map(\.kind) == ["snapshot"])
        let fresh = await Self.drain(await events.subscribe(after: nil), buffers: 1)
        #expect(fresh.map(\.kind) == ["snapshot"])
    }

    @Test("event ids are read back, and nothing else is one", arguments: ["1-2", "x-1", "1", "1-2-3", "1--2"])
    func eventIDs(text: String) {
        #expect((EventID(text)?.description == text) == (text == "1-2"))
    }

    @Test("finishing ends every stream, and those opened after")
    func finish() async {
        let events = BoardEvents(epoch: 1)
        let open = await events.subscribe(after: nil)
        await events.finishAll()
        #expect(await Self.drain(open, buffers: 1).isEmpty)
        #expect(await Self.drain(await events.subscribe(after: nil), buffers: 1).isEmpty)
    }
}
