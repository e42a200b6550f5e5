import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import Ingest

@Suite("UnacknowledgedMessages")
struct UnacknowledgedMessagesTests {
    private static func id(_ number: UInt64) -> MessageID { MessageID(high: 1, low: number) }
    private static func at(_ segment: UInt64, _ offset: Int) -> UnacknowledgedMessages.Location {
        UnacknowledgedMessages.Location(segment: segment, offset: offset, length: 10)
    }

    @Test("an acknowledged message is forgotten; an unknown or repeated acknowledgement is not counted")
    func acknowledge() {
        var waiting = UnacknowledgedMessages(redeliverAfterMilliseconds: 1_000)
        waiting.add(Self.id(1), at: Self.at(1, 0), now: 0)
        waiting.add(Self.id(2), at: Self.at(1, 10), now: 0)
        #expect(waiting.count == 2)
        let first = waiting.acknowledge(Self.id(1)), again = waiting.acknowledge(Self.id(1)), unknown = waiting.acknowledge(Self.id(9))
        #expect(first)
        #expect(!again)
        #expect(!unknown)
        #expect(waiting.count == 1)
    }

    @Test("overdue messages come back in journal order, then with a doubling interval up to the cap")
    func redelivery() {
        var waiting = UnacknowledgedMessages(redeliverAfterMilliseconds: 1_000, maximumRedeliveryIntervalMilliseconds: 4_000)
        waiting.add(Self.id(2), at: Self.at(2, 0), now: 0)
        waiting.add(Self.id(1), at: Self.at(1, 50), now: 0)
        waiting.add(Self.id(3), at: Self.at(1, 0), now: 500)
        let taken1 = waiting.takeOverdue(now: 999)
        #expect(taken1.isEmpty)
        let taken2 = waiting.takeOverdue(now: 1_000)
        #expect(taken2.map(\.id) == [Self.id(1), Self.id(2)])
        let taken3 = waiting.takeOverdue(now: 1_500)
        #expect(taken3.map(\.id) == [Self.id(3)])
        // Sent again at 1 000: next due 1 000 later, then 2 000, then 4 000, and 4 000 from then on.
        // Message 3, sent again at 1 500, follows the same steps: 2 500, then 3 999 + 2 000, ...
        let taken4 = waiting.takeOverdue(now: 1_999)
        #expect(taken4.isEmpty)
        let taken5 = waiting.takeOverdue(now: 2_000)
        #expect(taken5.map(\.id) == [Self.id(1), Self.id(2)])
        let taken6 = waiting.takeOverdue(now: 3_999)
        #expect(taken6.map(\.id) == [Self.id(3)])
        let taken7 = waiting.takeOverdue(now: 4_000)
        #expect(taken7.map(\.id) == [Self.id(1), Self.id(2)])
        let taken8 = waiting.takeOverdue(now: 7_999)
        #expect(taken8.map(\.id) == [Self.id(3)])
        let taken9 = waiting.takeOverdue(now: 8_000)
        #expect(taken9.map(\.id) == [Self.id(1), Self.id(2)])
        let taken10 = waiting.takeOverdue(now: 11_999)
        #expect(taken10.map(\.id) == [Self.id(3)])
        let taken11 = waiting.takeOverdue(now: 12_000)
        #expect(taken11.map(\.id) == [Self.id(1), Self.id(2)])
        waiting.acknowledge(Self.id(1))
        let taken12 = waiting.takeOverdue(now: 100_000)
        // Journal order: message 3's record lies in segment 1, message 2's in segment 2.
        #expect(taken12.map(\.id) == [Self.id(3), Self.id(2)])
    }

    @Test("the limit takes the oldest overdue messages and leaves the rest due")
    func limit() {
        var waiting = UnacknowledgedMessages(redeliverAfterMilliseconds: 10)
        for number in 0..<5 { waiting.add(Self.id(UInt64(number)), at: Self.at(1, number * 10), now: 0) }
        let taken13 = waiting.takeOverdue(now: 10, limit: 2)
        #expect(taken13.map(\.location.offset) == [0, 10])
        let taken14 = waiting.takeOverdue(now: 10)
        #expect(taken14.map(\.location.offset) == [20, 30, 40])
    }

    @Test("a segment is removable once every record in it is acknowledged, never the active one")
    func segments() {
        var waiting = UnacknowledgedMessages(redeliverAfterMilliseconds: 1_000)
        waiting.track(segment: 1)
        waiting.add(Self.id(1), at: Self.at(2, 0), now: 0)
        waiting.add(Self.id(2), at: Self.at(3, 0), now: 0)
        // The same message delivered twice: both records must be acknowledged by its one ack.
        waiting.add(Self.id(1), at: Self.at(3, 10), now: 0)
        let taken15 = waiting.takeRemovableSegments(active: 3)
        #expect(taken15 == [1])
        let taken16 = waiting.takeRemovableSegments(active: 3)
        #expect(taken16.isEmpty)
        waiting.acknowledge(Self.id(1))
        let taken17 = waiting.takeRemovableSegments(active: 3)
        #expect(taken17 == [2])
        waiting.acknowledge(Self.id(2))
        let taken18 = waiting.takeRemovableSegments(active: 3)
        #expect(taken18.isEmpty)
        let taken19 = waiting.takeRemovableSegments(active: 4)
        #expect(taken19 == [3])
        #expect(waiting.isEmpty)
    }
}
