import CollectorCore
import Foundation
import Metrics
import StageRuntime

/// What the sink counts (README, Observability), once per batch.
struct SinkMetrics {
    private let cncData = Counter(label: "cnc.sink.rows.written.total", dimensions: [("table", "cnc_data")])
    private let machineState = Counter(label: "cnc.sink.rows.written.total", dimensions: [("table", "machine_state")])
    private let rejectedMessages = Counter(label: "cnc.sink.rows.written.total", dimensions: [("table", "rejected_messages")])
    let batches = Counter(label: "cnc.sink.batches.total")
    let batchRows = Recorder(label: "cnc.sink.batch.rows")
    let writeDuration = Metrics.Timer(label: "cnc.sink.write.duration.seconds")
    let writeFailures = Counter(label: "cnc.sink.write.failures.total")
    let lastWrite = Gauge(label: "cnc.sink.last.write.timestamp.seconds")
    let databaseConnected = Gauge(label: "cnc.sink.database.connected")
    /// Rows and rejections taken in and not yet committed.
    let unwritten = Gauge(label: "cnc.sink.unwritten")
    let partitionsMade = Counter(label: "cnc.sink.partitions.made.total")
    let partitionsDropped = Counter(label: "cnc.sink.partitions.dropped.total")
    /// Machines in an open offline interval, as of the last sweep.
    let machinesOffline = Gauge(label: "cnc.machines.offline")
    /// What the sink itself refuses: rows the database refused, frames it cannot read.
    let rejected = RejectionCounters(label: "cnc.sink.rejected.total")

    /// A committed batch of `records` (a row in each of cnc_data and machine_state) and `rejections`.
    func written(records: Int, rejections: Int, nanoseconds: UInt64) {
        cncData.increment(by: records)
        machineState.increment(by: records)
        rejectedMessages.increment(by: rejections)
        batches.increment()
        batchRows.record(records + rejections)
        writeDuration.recordNanoseconds(Int64(clamping: nanoseconds))
        lastWrite.record(Date().timeIntervalSince1970)
    }
}
