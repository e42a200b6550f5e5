import Testing

@testable import Sink

@Suite("When a partial batch is due")
struct BatchClockTests {
    /// A clock of a batch whose first frame was read after the input was last found empty at `emptyAt`.
    private func batch(interval: Int = 20, inputEmptyAt emptyAt: UInt64?) -> BatchClock {
        var clock = BatchClock(intervalMilliseconds: interval)
        if let emptyAt { clock.inputFoundEmpty(at: emptyAt) }
        clock.batchStarted()
        return clock
    }

    @Test("a batch whose first frame came while the sink waited is due an interval after it came")
    func frameThatEndedTheWait() {
        let clock = batch(inputEmptyAt: 1_000)
        #expect(clock.waitMilliseconds(at: 1_005) == 15)
        #expect(!clock.isDue(at: 1_019, inputWasEmpty: true))
        #expect(clock.isDue(at: 1_020, inputWasEmpty: true))
    }

    @Test("rows that queued while the last batch was written (1,000 to 1,030) are due when it ends")
    func frameFoundWaiting() {
        let clock = batch(inputEmptyAt: 1_000)
        #expect(clock.waitMilliseconds(at: 1_030) == 0)
        #expect(clock.isDue(at: 1_030, inputWasEmpty: true))
    }

    @Test("frames waiting join the batch before it is written, however long it waited")
    func waitingFramesJoinFirst() {
        let clock = batch(inputEmptyAt: 1_000)
        #expect(!clock.isDue(at: 5_000, inputWasEmpty: false))
        #expect(clock.isDue(at: 5_000, inputWasEmpty: true))
    }

    @Test("frames waiting when the sink starts are written at once")
    func framesWaitingAtStart() {
        #expect(batch(interval: 600_000, inputEmptyAt: nil).isDue(at: 700_000, inputWasEmpty: true))
    }
}
