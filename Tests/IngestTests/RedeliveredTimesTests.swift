import CollectorCore
import Testing

@testable import Ingest

@Suite("Redelivered times")
struct RedeliveredTimesTests {
    static func id(_ n: UInt64) -> MessageID { MessageID(high: 1, low: n) }

    @Test("after a reconnection, messages that repeat the connection before's take their first times, until one does not")
    func redeliveries() {
        var times = RedeliveredTimes()
        for n in 1...5 as ClosedRange<UInt64> { #expect(times.time(of: Self.id(n), receivedAt: Int64(n) * 100) == Int64(n) * 100) }
        times.connected()
        // The broker sends again the last two, whose acknowledgements it never saw.
        #expect(times.time(of: Self.id(4), receivedAt: 1_000) == 400)
        #expect(times.time(of: Self.id(5), receivedAt: 1_001) == 500)
        #expect(times.takeRedelivered() == 2)
        // A new message ends the redeliveries: the same bytes again later are a new publication.
        #expect(times.time(of: Self.id(6), receivedAt: 1_002) == 1_002)
        #expect(times.time(of: Self.id(3), receivedAt: 1_003) == 1_003)
        #expect(times.takeRedelivered() == 0)
    }

    @Test("identical publications take the first times in order, each once")
    func identicalPublications() {
        var times = RedeliveredTimes()
        for time in [10, 20, 30] as [Int64] { _ = times.time(of: Self.id(7), receivedAt: time) }
        times.connected()
        #expect(times.time(of: Self.id(7), receivedAt: 100) == 10)
        #expect(times.time(of: Self.id(7), receivedAt: 101) == 20)
        #expect(times.time(of: Self.id(7), receivedAt: 102) == 30)
        #expect(times.time(of: Self.id(7), receivedAt: 103) == 103)
    }

    @Test("after a restart the journal tells what the connection before received; only the last are remembered")
    func journal() {
        var times = RedeliveredTimes()
        for n in 1...UInt64(RedeliveredTimes.remembered + 10) { times.remember(Self.id(n), time: Int64(n)) }
        times.connected()
        #expect(times.time(of: Self.id(3), receivedAt: 99_999) == 99_999)
        times.connected()
        let last = UInt64(RedeliveredTimes.remembered + 10)
        #expect(times.time(of: Self.id(last), receivedAt: 99_999) == Int64(last))
    }

    @Test("a message delivered at QoS 0 is never a redelivery: it ends them, and is not remembered")
    func qosZero() {
        var times = RedeliveredTimes()
        _ = times.time(of: Self.id(1), receivedAt: 10)
        _ = times.time(of: Self.id(2), receivedAt: 20, acknowledged: false)
        times.connected()
        #expect(times.time(of: Self.id(2), receivedAt: 30, acknowledged: false) == 30)
        #expect(times.time(of: Self.id(1), receivedAt: 40) == 40)
    }

    @Test("a connection with nothing before it finds no redelivery")
    func fresh() {
        var times = RedeliveredTimes()
        times.connected()
        #expect(times.time(of: Self.id(1), receivedAt: 5) == 5)
        #expect(times.takeRedelivered() == 0)
    }
}
