import CollectorCore
import LibPQ
import Logging
import MachineTypes
import SchemaMigrations
import ServiceLifecycle
import StageRuntime
import SystemCalls
import ZeroMQ

/// The sink thread: owns the input socket and the database connection.
public final class SinkLoop {
    private let configuration: Configuration
    private let logger: Logger
    private let stop: StopSignal
    private var writer: BatchWriter? {
        didSet {
            metrics.databaseConnected.record(writer == nil ? 0 : 1)
            StageHealth.process.setReady(writer != nil && acknowledgements != nil)
        }
    }
    private let metrics = SinkMetrics()
    private var rejectionLog: RejectionLog
    /// When the database was last heard from: an idle sink checks it every second, so that
    /// `/readyz` tells of an outage before a batch fails.
    private var lastContact: UInt64 = 0
    private var backoff: Backoff
    private var records: [StoredRecord] = []
    private var rejections: [Rejection] = []
    private var events: [MachineEvent] = []
    private var clock: BatchClock
    /// The bytes of the frames the pending batch came in.
    private var pendingBytes = 0
    /// A batch is written once its frames reach this many bytes, whatever `MES_BATCH_SIZE`
    /// says: a batch is held three times over while it is written (the rows, then each table's
    /// COPY data): 100,000 messages of 8 KB took the sink to 98 MB, 76 MB with this bound.
    static let maxBatchBytes = 4 << 20
    private var written = (records: 0, rejections: 0, batches: 0)
    /// Tells every ingest which messages are committed, so their journals can let them go.
    private var acknowledgements: FrameSocket?
    /// The types directory as last read, for the offline thresholds; a file that breaks keeps its type.
    private var catalog: MachineTypeCatalog?
    /// When the partitions were last kept (made ahead, retention), and the offline sweep last ran.
    private var partitionsKeptAt: UInt64?
    private var sweptAt: UInt64 = 0
    /// A full batch means input is waiting: the sink is catching up, and the machines' newest
    /// messages may not be written yet, so the offline sweep waits for it to catch up.
    private var catchingUp = false

    /// Connects to nothing: `run` binds the sockets and connects to PostgreSQL, on the stage's thread.
    public init(configuration: Configuration, logger: Logger, stop: StopSignal) {
        self.configuration = configuration
        self.logger = logger
        self.rejectionLog = RejectionLog(logger: logger, stage: .sink)
        self.stop = stop
        self.backoff = configuration.reconnectBackoff
        self.clock = BatchClock(intervalMilliseconds: configuration.flushIntervalMilliseconds)
    }

    private var pending: Int { records.count + rejections.count + events.count }

    /// Whether the pending batch is as large as a batch may be, by rows or by bytes.
    private var batchIsFull: Bool { pending >= configuration.batchSize || pendingBytes >= Self.maxBatchBytes }

    /// Binds the acknowledgements socket, connects to PostgreSQL and applies the migrations (retrying with backoff,
    /// and waiting while only the owner can apply them), then binds the input and writes batches until `stop` is
    /// requested and the input has drained (`StageDrain`); the last batch is retried for up to
    /// `shutdownRetryMilliseconds`. Throws the `SettingError` of a migration that changed or cannot be read, or when
    /// the runtime directory or a socket fails.
    public func run() throws {
        try configuration.endpoints.prepareRuntimeDirectory()
        // PUB drops what it publishes before a subscriber has joined, so the acknowledgements
        // socket binds first: ingests subscribe while the sink migrates, before its first commit.
        let context = try ZMQContext()
        acknowledgements = try FrameSocket.publish(
            context, bindingTo: configuration.endpoints.acknowledgementsListen, name: "acknowledgements", security: configuration.endpoints.security)
        // Connect and migrate before binding the input: stages upstream queue until the sink is ready.
        while writer == nil {
            if let fatalSettingError { throw fatalSettingError }
            if stop.isRequested { return }
            connect(migrate: true)
        }
        let input = try FrameSocket.pull(
            context, bindingTo: configuration.endpoints.sinkListen, name: "input", security: configuration.endpoints.security)
        StageHealth.process.setReady(writer != nil)
        logger.info(
            "sink started",
            metadata: [
                "listen": "\(configuration.endpoints.sinkListen.joined(separator: ","))", "batch_size": "\(configuration.batchSize)",
                "flush_interval_ms": "\(configuration.flushIntervalMilliseconds)",
            ])

        var drain: StageDrain?
        while true {
            rejectionLog.reportOmitted()
            drain.start(when: stop)
            var bytes = try input.socket.receive(wait: false)
            let inputWasEmpty = bytes == nil
            if inputWasEmpty {
                let waitMilliseconds = pending == 0 ? 100 : min(clock.waitMilliseconds(at: monotonicMilliseconds()), 100)
                if try input.socket.waitReadable(timeoutMilliseconds: waitMilliseconds) { bytes = try input.socket.receive(wait: false) }
                // Empty until now, or until the frame that ended the wait came.
                clock.inputFoundEmpty(at: monotonicMilliseconds())
            }
            if let bytes { take(bytes) }
            if batchIsFull || (pending > 0 && clock.isDue(at: monotonicMilliseconds(), inputWasEmpty: inputWasEmpty)) {
                flush()
            } else if pending == 0 && monotonicMilliseconds() - lastContact >= 1_000 && !stop.isRequested {
                checkDatabase()
            }
            if !stop.isRequested { keepUp() }
            metrics.unwritten.record(pending)
            if drain.isOver(afterWaiting: bytes == nil ? 100 : 0, gotInput: bytes != nil) && bytes == nil { break }
        }
        flush()
        rejectionLog.reportOmitted(force: true)
        logger.info(
            "sink stopped",
            metadata: [
                "records": "\(written.records)", "rejections": "\(written.rejections)", "batches": "\(written.batches)", "unwritten": "\(pending)",
            ])
    }

    private func take(_ bytes: [UInt8]) {
        if pending == 0 {
            clock.batchStarted()
            pendingBytes = 0
        }
        pendingBytes += bytes.count
        let rejectionsBefore = rejections.count
        defer { for rejection in rejections[rejectionsBefore...] where rejection.stage == .sink { metrics.rejected.increment(rejection) } }
        do {
            switch try WireFrame.decode(bytes) {
            case .records(let new): records.append(contentsOf: new)
            case .rejections(let new): rejections.append(contentsOf: new)
            case .events(let new): events.append(contentsOf: new)
            case .messages(let messages):
                logger.error("messages sent to the sink instead of a router", metadata: ["count": "\(messages.count)"])
                rejections.append(
                    contentsOf: messages.map {
                        Rejection(
                            rejecting: $0, at: .sink, reason: "reached the sink unprocessed: a stage is misconfigured",
                            rejectedAt: WallClock.nowMicroseconds())
                    }
                )
            case .acknowledgements(let ids):
                logger.error("acknowledgements sent to the sink's input: a stage is misconfigured", metadata: ["count": "\(ids.count)"])
            }
        } catch {
            logger.error("undecodable frame", metadata: ["error": "\(error)"])
            rejections.append(Rejection(undecodableFrame: bytes, at: .sink, error: error, rejectedAt: WallClock.nowMicroseconds()))
        }
    }

    /// Writes the pending batch, retrying until it is stored (or, when stopping, until the
    /// shutdown retry time is used up).
    private func flush() {
        guard pending > 0 else { return }
        var retriedAfterStop = 0
        while true {
            if writer == nil { connect(migrate: false) }
            if let writer {
                do {
                    let start = monotonicNanoseconds()
                    noteMadeForBatch(try writer.preparePartitions(for: records))
                    try write(records, rejections, events, with: writer)
                    metrics.written(records: records.count, rejections: rejections.count, nanoseconds: monotonicNanoseconds() - start)
                    lastContact = monotonicMilliseconds()
                    acknowledge(records.map(\.message.id) + rejections.map(\.id) + events.map(\.id))
                    written.records += records.count
                    written.rejections += rejections.count
                    written.batches += 1
                    catchingUp = batchIsFull
                    records.removeAll(keepingCapacity: true)
                    rejections.removeAll(keepingCapacity: true)
                    events.removeAll(keepingCapacity: true)
                    return
                } catch {
                    logger.warning("batch not written, will retry", metadata: ["error": "\(error)", "rows": "\(pending)"])
                    metrics.writeFailures.increment()
                    self.writer = nil
                }
            }
            let delay = backoff.next()
            stop.sleep(milliseconds: delay)
            if stop.isRequested {
                retriedAfterStop += delay
                if retriedAfterStop >= configuration.shutdownRetryMilliseconds {
                    logger.error("stopping with an unwritten batch: the database stayed unreachable", metadata: ["rows": "\(pending)"])
                    return
                }
            }
        }
    }

    /// Publishes the ids of a committed batch. A frame lost on the way (no ingest listening, or
    /// one too slow) costs only a redelivery, which the tables' unique `message_id` absorbs.
    private func acknowledge(_ ids: [MessageID]) {
        guard let acknowledgements else { return }
        do {
            _ = try acknowledgements.socket.send(WireFrame.acknowledgements(ids).encoded(), wait: false)
        } catch {
            logger.warning("could not publish acknowledgements", metadata: ["error": "\(error)"])
        }
    }

    /// Writes a batch with its machine events; a batch the database refuses is written without
    /// them, by halves, and the events after it on their own.
    private func write(_ records: [StoredRecord], _ rejections: [Rejection], _ events: [MachineEvent], with writer: BatchWriter) throws(PostgresError)
    {
        guard !events.isEmpty else { return try write(records, rejections, with: writer) }
        do {
            noteMadeForBatch(try writer.write(records: records, rejections: rejections, events: events))
        } catch  where error.kind == .statement {
            try write(records, rejections, with: writer)
            do {
                try writer.write(records: [], rejections: [], events: events)
            } catch  where error.kind == .statement {
                // Kept, as any row the database refuses: in rejected_messages, with the detail.
                logger.error("database refused machine events; stored as rejections", metadata: ["error": "\(error)", "events": "\(events.count)"])
                let now = WallClock.nowMicroseconds()
                let reason = "database refused the machine event: \(error.message)"
                metrics.rejected.increment(stage: .sink, reason: reason, by: events.count)
                try writer.write(
                    records: [],
                    rejections: events.map {
                        Rejection(
                            id: $0.id, rejectedAt: now, receivedAt: $0.at, stage: .sink, reason: reason, topic: $0.topic, cncID: $0.cncID,
                            raw: $0.detail)
                    })
            }
        }
    }

    /// Writes a batch; a row the database refuses is found by halving and stored as a rejection.
    private func write(_ records: [StoredRecord], _ rejections: [Rejection], with writer: BatchWriter) throws(PostgresError) {
        do {
            noteMadeForBatch(try writer.write(records: records, rejections: rejections))
        } catch  where error.kind == .statement {
            let count = records.count + rejections.count
            if count == 1, let record = records.first {
                let reason = "database refused the row: \(error.message)"
                metrics.rejected.increment(stage: .sink, reason: reason)
                rejectionLog.rejected(cncID: record.message.cncID, reason: reason)
                try writer.write(
                    records: [],
                    rejections: [Rejection(rejecting: record.message, at: .sink, reason: reason, rejectedAt: WallClock.nowMicroseconds())])
            } else if count == 1 {
                logger.error(
                    "database refused a rejection row, which cannot be stored", metadata: ["error": "\(error)", "message_id": "\(rejections[0].id)"])
            } else {
                let half = count / 2
                let (firstRecords, firstRejections) = (Array(records.prefix(half)), Array(rejections.prefix(max(0, half - records.count))))
                try write(firstRecords, firstRejections, with: writer)
                try write(Array(records.dropFirst(firstRecords.count)), Array(rejections.dropFirst(firstRejections.count)), with: writer)
            }
        }
    }

    /// Partitions a batch needed that were not there: made ahead, they would not have been.
    private func noteMadeForBatch(_ made: [String]) {
        guard !made.isEmpty else { return }
        metrics.partitionsMade.increment(by: made.count)
        logger.notice(
            "day partitions made for rows outside the days made ahead: an outage's messages, a clock that is off, or a day another sink dropped",
            metadata: ["partitions": "\(made.joined(separator: ","))"])
    }

    /// An idle sink asks the database for a trivial answer, or reconnects when it had lost it.
    private func checkDatabase() {
        lastContact = monotonicMilliseconds()
        guard let writer else {
            connect(migrate: false)
            return
        }
        do {
            try writer.ping()
        } catch {
            logger.warning("lost the connection to PostgreSQL", metadata: ["error": "\(error)"])
            self.writer = nil
        }
    }

    private func connect(migrate: Bool) {
        do {
            let connection = try PostgresConnection(conninfo: configuration.conninfo)
            if migrate {
                try MigrationRunner(directory: configuration.migrationsDirectory, logger: logger).apply(on: connection)
            }
            let writer = try BatchWriter(
                connection: connection, timeline: MachineTimeline(defaultOfflineAfterSeconds: configuration.defaultOfflineAfterSeconds))
            try recordMachineTypes(with: writer, reread: false)
            self.writer = writer
            partitionsKeptAt = nil
            backoff.reset()
            logger.info("connected to PostgreSQL", metadata: ["server": "\(connection.serverDescription)"])
        } catch let error as MigrationRunner.MigrationsPending {
            // The owner may be applying them now (a deployment's migration step): wait for it.
            let delay = backoff.next()
            logger.warning("waiting for the database's owner to apply the migrations", metadata: ["error": "\(error)", "retry_ms": "\(delay)"])
            stop.sleep(milliseconds: delay)
        } catch let error as SettingError {
            // A changed or unreadable migration will not fix itself: stop and say why.
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            fatalSettingError = error
            stop.request()
        } catch {
            let delay = backoff.next()
            logger.warning("PostgreSQL unavailable, retrying", metadata: ["error": "\(error)", "retry_ms": "\(delay)"])
            stop.sleep(milliseconds: delay)
        }
    }

    private(set) var fatalSettingError: SettingError?

    /// Between batches: the types directory again after a SIGHUP, the partitions every hour, and
    /// every second the machines gone silent. A failure here is retried on the next round; a lost
    /// connection is found by the next batch or check.
    private func keepUp() {
        guard let writer else { return }
        let now = monotonicMilliseconds()
        do {
            if configuration.reloadRequests.take() { try recordMachineTypes(with: writer, reread: true) }
            if partitionsKeptAt.map({ now - $0 >= 3_600_000 }) ?? true {
                partitionsKeptAt = now
                let (made, dropped) = try writer.keepPartitions(retentionDays: configuration.retentionDays)
                metrics.partitionsMade.increment(by: made.count)
                metrics.partitionsDropped.increment(by: dropped.count)
                if !made.isEmpty { logger.info("day partitions made ahead", metadata: ["partitions": "\(made.joined(separator: ","))"]) }
                if !dropped.isEmpty {
                    logger.notice(
                        "expired day partitions dropped",
                        metadata: ["partitions": "\(dropped.joined(separator: ","))", "retention_days": "\(configuration.retentionDays)"])
                }
            }
            if !catchingUp && now - sweptAt >= 1_000 {
                sweptAt = now
                metrics.machinesOffline.record(try writer.sweepOffline())
                lastContact = now
            }
        } catch {
            logger.warning("could not keep the partitions or the offline intervals, will retry", metadata: ["error": "\(error)"])
        }
    }

    /// Writes each type's offline threshold to `machine_types`: the types directory's, read again
    /// when asked or not read yet, over the default.
    private func recordMachineTypes(with writer: BatchWriter, reread: Bool) throws {
        if reread || catalog == nil {
            let (read, errors) = MachineTypeCatalog.load(
                directory: configuration.typesDirectory, keeping: catalog, strictModes: configuration.strictModes)
            for error in errors { logger.error("a machine type description is refused", metadata: ["error": "\(error)"]) }
            catalog = read
        }
        guard let catalog else { return }
        var thresholds: [String: Double] = [:]
        for name in catalog.typeNames {
            thresholds[name] = catalog.defined[name]?.definition.offlineAfterSeconds ?? Double(configuration.defaultOfflineAfterSeconds)
        }
        try writer.recordMachineTypes(offlineAfterSeconds: thresholds)
        logger.info("offline thresholds recorded", metadata: ["types": "\(thresholds.count)", "types_dir": "\(configuration.typesDirectory)"])
    }
}
