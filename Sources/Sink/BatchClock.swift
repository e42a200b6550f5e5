/// When the pending batch is due by time: once its oldest row has waited the flush interval
/// and no frame is waiting to join it.
///
/// A row's wait counts from when it could first have been read: a frame found waiting came
/// after the input was last found empty, not when the sink got round to it. Rows that queued
/// while the last batch was written have waited already, so under load the batches go out one
/// after another instead of each waiting the interval again. At half the benchmark's rate this
/// took p99 publish-to-stored from 202 to 83 ms with the samples, which keep PostgreSQL busiest.
/// Frames waiting still join the batch first, however long its rows have waited: reading them
/// costs microseconds, and a larger batch costs PostgreSQL less a row.
struct BatchClock {
    let intervalMilliseconds: Int
    private var inputFoundEmptyAt: UInt64 = 0
    private var batchStartedAt: UInt64 = 0

    init(intervalMilliseconds: Int) {
        self.intervalMilliseconds = intervalMilliseconds
    }

    /// The input held no frame until `now`, apart from one that came just then.
    mutating func inputFoundEmpty(at now: UInt64) {
        inputFoundEmptyAt = now
    }

    /// The first frame of a batch was read.
    mutating func batchStarted() {
        batchStartedAt = inputFoundEmptyAt
    }

    /// How long the sink may wait for more input before the batch is due.
    func waitMilliseconds(at now: UInt64) -> Int {
        max(0, intervalMilliseconds - Int(now - min(now, batchStartedAt)))
    }

    /// Whether a batch is due by time, given whether the last receive found the input empty.
    func isDue(at now: UInt64, inputWasEmpty: Bool) -> Bool {
        inputWasEmpty && waitMilliseconds(at: now) == 0
    }
}
