import CollectorCore
import Foundation
import Metrics
import StageRuntime

/// What the sink counts (docs/observability.md), once per batch.
struct SinkMetrics {
    private let cncData = Self.rowsWritten(to: "cnc_data")
    private let machineState = Self.rowsWritten(to: "machine_state")
    private let rejectedMessages = Self.rowsWritten(to: "rejected_messages")
    let batches = Counter(label: MetricHelp.label("cnc.sink.batches.total", help: "Committed batches"))
    let batchRows = Recorder(label: MetricHelp.label("cnc.sink.batch.rows", help: "Rows per committed batch"))
    let writeDuration = Metrics.Timer(
        label: MetricHelp.label("cnc.sink.write.duration.seconds", help: "Time of one batch's transaction: COPY, the MES tables' upkeep, COMMIT"))
    let writeFailures = Counter(label: MetricHelp.label("cnc.sink.write.failures.total", help: "Batch writes that failed and were retried"))
    let lastWrite = Gauge(label: MetricHelp.label("cnc.sink.last.write.timestamp.seconds", help: "When the last batch was committed, in Unix time"))
    let databaseConnected = Gauge(label: MetricHelp.label("cnc.sink.database.connected", help: "1 while the sink holds a PostgreSQL connection"))
    let unwritten = Gauge(label: MetricHelp.label("cnc.sink.unwritten", help: "Rows and rejections taken in and not yet committed"))
    let partitionsMade = Counter(label: MetricHelp.label("cnc.sink.partitions.made.total", help: "Day partitions made, ahead of need or for a batch"))
    let partitionsDropped = Counter(label: MetricHelp.label("cnc.sink.partitions.dropped.total", help: "Day partitions retention dropped"))
    let machinesOffline = Gauge(
        label: MetricHelp.label("cnc.machines.offline", help: "Machines in an open offline interval, as of the sink's last sweep"))
    /// What the sink itself refuses: rows the database refused, frames it cannot read.
    let rejected = RejectionCounters(label: "cnc.sink.rejected.total", help: "Rows the sink itself refused, by class of reason")

    /// One table's count of `cnc.sink.rows.written.total`.
    private static func rowsWritten(to table: String) -> Counter {
        let help = "Rows in committed batches, per table; a redelivered duplicate is counted, not stored twice"
        return Counter(label: MetricHelp.label("cnc.sink.rows.written.total", help: help), dimensions: [("table", table)])
    }

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
