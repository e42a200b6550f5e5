import CNCPlugins
import CollectorCore
import DescriptionFiles
import Logging
import MachineTypes
import StageRuntime
import SystemCalls
import ZeroMQ

/// The worker thread: owns its input and sink sockets and runs its machine type over each frame.
public final class WorkerLoop {
    private let configuration: Configuration
    private var catalog: MachineTypeCatalog
    private var plugin: any MachineTypeMapper
    private let logger: Logger
    private let stop: StopSignal

    /// Loads the types directory and this worker's type, logging each refused description; opens no socket. Throws
    /// `SettingError` when neither this build nor the directory serves the type, or when the directory itself is refused.
    public init(configuration: Configuration, logger: Logger, stop: StopSignal) throws {
        self.configuration = configuration
        let errors: [DescriptionError]
        (catalog, plugin, errors) = try Self.machineType(configuration)
        for error in errors { logger.error("a machine type description is refused", metadata: ["error": "\(error)"]) }
        self.logger = logger
        self.stop = stop
    }

    /// The catalog of the types directory and the worker's type in it; an error names the
    /// type, what this build and the directory offer, and why a description of it is refused.
    static func machineType(_ configuration: Configuration, keeping previous: MachineTypeCatalog? = nil) throws -> (
        MachineTypeCatalog, any MachineTypeMapper, [DescriptionError]
    ) {
        let (catalog, errors) = MachineTypeCatalog.load(
            directory: configuration.typesDirectory, keeping: previous, strictModes: configuration.strictModes)
        // Whatever its type, a worker does not run with a types directory others can change.
        if let refusal = errors.first(where: { $0.file == configuration.typesDirectory }) { throw SettingError(reason: refusal.description) }
        guard let plugin = catalog.mapper(named: configuration.typeName) else {
            let refused = errors.filter { $0.description.contains(configuration.typeName) }.map(\.description)
            throw SettingError(
                reason:
                    "no machine type named \"\(configuration.typeName)\": this build has "
                    + "\(PluginRegistry.typeNames.sorted().joined(separator: ", ")), "
                    + "\(configuration.typesDirectory) describes \(catalog.defined.keys.sorted().joined(separator: ", "))"
                    + (refused.isEmpty ? "" : "; refused: \(refused.joined(separator: "; "))"))
        }
        return (catalog, plugin, errors)
    }

    /// On SIGHUP: the type's description read again; a broken one leaves the one in force.
    private func reloadMachineType() {
        do {
            let before = catalog.defined[configuration.typeName]
            let (newCatalog, newPlugin, errors) = try Self.machineType(configuration, keeping: catalog)
            for error in errors { logger.error("a machine type description is refused", metadata: ["error": "\(error)"]) }
            catalog = newCatalog
            // An unchanged definition keeps its mapper: an external program is not restarted for nothing.
            if before == nil || newCatalog.defined[configuration.typeName]?.definition != before?.definition { plugin = newPlugin }
            if let file = before?.file, errors.contains(where: { $0.file == file }) {
                logger.error("machine type not reloaded: its description is refused, the one in force stays", metadata: ["file": "\(file)"])
            } else {
                logger.info("machine type reloaded", metadata: ["cnc_type": "\(configuration.typeName)"])
            }
        } catch {
            logger.error("machine type not reloaded: the one in force stays", metadata: ["error": "\(error)"])
        }
    }

    /// How often a worker tells the router it is there.
    static let presenceIntervalMilliseconds = 1_000

    /// Connects to the router and the sink, tells the router every second that it is there, and maps each frame into
    /// rows and rejections for the sink until `stop` is requested and the input has drained (`StageDrain`). A frame its
    /// type cannot map for now is held and tried again, nothing refused, until it can or the worker stops. Throws when the
    /// runtime directory or a socket fails.
    public func run() throws {
        let configuration = configuration, logger = logger, stop = stop
        try configuration.endpoints.prepareRuntimeDirectory()
        let context = try ZMQContext()
        let input = try FrameSocket.worker(context, connectingTo: configuration.input, name: "input", security: configuration.endpoints.security)
        let sink = try FrameSocket.push(
            context, connectingTo: configuration.endpoints.sink, server: .sink, name: "sink", security: configuration.endpoints.security)
        let metrics = WorkerMetrics(type: configuration.typeName)
        var dataQuality = DataQualityReport(type: configuration.typeName, logger: logger)
        var rejectionLog = RejectionLog(logger: logger, stage: .worker)
        StageHealth.process.setReady(true)
        logger.info("worker started", metadata: ["cnc_type": "\(configuration.typeName)", "input": "\(configuration.input.joined(separator: ","))"])
        var stored = 0, rejected = 0, undelivered = 0
        var drain: StageDrain?
        var presenceDue: UInt64 = 0
        while true {
            rejectionLog.reportOmitted()
            if configuration.reloadRequests.take() { reloadMachineType() }
            if monotonicMilliseconds() >= presenceDue {
                // The router learns its workers from what they send, also after it restarts.
                _ = try input.socket.send([], wait: false)
                presenceDue = monotonicMilliseconds() + UInt64(Self.presenceIntervalMilliseconds)
            }
            drain.start(when: stop)
            let received = try input.receive(timeoutMilliseconds: 100)
            // An empty message is the router's probe of its workers: not input.
            let bytes = received?.isEmpty == false ? received : nil
            if drain.isOver(afterWaiting: received == nil ? 100 : 0, gotInput: bytes != nil) && bytes == nil { break }
            guard let bytes else { continue }
            guard let (records, rejections) = mapHoldingFrame(bytes) else {
                logger.warning("stopping with a frame the type could not map: ingest sends its messages again")
                continue
            }
            // The type's refusals; an undecodable frame was logged as an error already.
            for rejection in rejections where rejection.reason.hasPrefix("\(configuration.typeName): ") {
                rejectionLog.rejected(cncID: rejection.cncID, reason: rejection.reason)
            }
            for frame in [WireFrame.records(records), .rejections(rejections)] where frame.count > 0 {
                if try sink.send(frame, stop: stop, logger: logger) {
                    if case .records = frame {
                        stored += frame.count
                        metrics.stored.increment(by: frame.count)
                        for record in records { dataQuality.record(record.state, cncID: record.message.cncID) }
                    } else {
                        rejected += frame.count
                        for rejection in rejections { metrics.rejected.increment(rejection) }
                    }
                } else {
                    undelivered += frame.count
                    metrics.undelivered.increment(by: frame.count)
                    logger.error("the sink took no rows before shutdown", metadata: ["rows": "\(frame.count)"])
                }
            }
        }
        rejectionLog.reportOmitted(force: true)
        logger.info(
            "worker stopped",
            metadata: ["cnc_type": "\(configuration.typeName)", "stored": "\(stored)", "rejected": "\(rejected)", "undelivered": "\(undelivered)"])
    }

    /// The rows and refusals of a frame. A type that cannot map anything now holds the frame:
    /// nothing is refused or handed on until it can, and a SIGHUP with a fixed definition is
    /// taken meanwhile. Nil when the worker is stopped first.
    private func mapHoldingFrame(_ bytes: [UInt8]) -> (records: [StoredRecord], rejections: [Rejection])? {
        var mapped = process(frame: bytes)
        var wait = Backoff(initialMilliseconds: 250, maximumMilliseconds: 10_000)
        while let reason = mapped.unavailable {
            guard !stop.isRequested else { return nil }
            let delay = wait.next()
            logger.error("machine type unavailable: its messages wait", metadata: ["reason": "\(reason)", "retry_ms": "\(delay)"])
            stop.sleep(milliseconds: delay)
            if configuration.reloadRequests.take() { reloadMachineType() }
            mapped = process(frame: bytes)
        }
        return (mapped.records, mapped.rejections)
    }

    /// The rows and the rejections of one frame from the router. A frame that cannot be decoded
    /// is kept as a rejection too, like every refused input: an operator can see and replay it.
    /// `unavailable` is the type's reason when it cannot map a message now; the frame's rows and
    /// rejections are then empty.
    private func process(frame bytes: [UInt8]) -> (records: [StoredRecord], rejections: [Rejection], unavailable: String?) {
        var records: [StoredRecord] = [], rejections: [Rejection] = []
        let messages: [CNCMessage]
        do {
            guard case .messages(let decoded) = try WireFrame.decode(bytes) else { throw WireFrame.DecodingError.invalid("not a messages frame") }
            messages = decoded
        } catch {
            logger.error("undecodable frame on the worker input", metadata: ["error": "\(error)", "bytes": "\(bytes.count)"])
            rejections.append(Rejection(undecodableFrame: bytes, at: .worker, error: error, rejectedAt: WallClock.nowMicroseconds()))
            messages = []
        }
        for message in messages {
            switch plugin.outcome(of: message, typeName: configuration.typeName, maxPayloadDepth: configuration.maxPayloadDepth) {
            case .stored(let record): records.append(record)
            case .rejected(let rejection): rejections.append(rejection)
            case .unavailable(let reason): return ([], [], reason)
            }
        }
        return (records, rejections, nil)
    }
}
