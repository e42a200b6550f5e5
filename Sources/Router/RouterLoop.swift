import CNCPlugins
import CollectorCore
import Foundation
import Logging
import MachineTypes
import ServiceLifecycle
import StageRuntime
import Synchronization
import SystemCalls
import UnixSignals
import ZeroMQ

/// The router thread: owns the input socket, one output socket per type, and the sink socket.
public final class RouterLoop {
    private let configuration: Configuration
    private var map: CNCTypeMap
    private let reload: ReloadRequests
    private var catalog: MachineTypeCatalog
    private let logger: Logger
    private let stop: StopSignal
    private let context: ZMQContext
    private var outlets: [String: WorkerOutlet] = [:]
    /// The outlets' sockets, for the waits: they change only when a type gets its outlet.
    private var workerSockets: [ZMQSocket] = []
    private var routed = 0
    private var metrics = RouterMetrics()
    private var rejectionLog: RejectionLog
    private var rejected = 0

    /// Reads the described types, logging each refused description, and the type map, and makes the ZeroMQ context;
    /// binds nothing yet. Throws when the type map cannot be loaded or the context cannot be made.
    public init(configuration: Configuration, logger: Logger, stop: StopSignal) throws {
        self.configuration = configuration
        let (catalog, errors) = MachineTypeCatalog.load(directory: configuration.typesDirectory, strictModes: configuration.strictModes)
        for error in errors { logger.error("a machine type description is refused", metadata: ["error": "\(error)"]) }
        self.catalog = catalog
        self.map = try CNCTypeMap.load(path: configuration.mapPath, catalog: catalog)
        self.reload = configuration.reloadRequests
        self.logger = logger
        self.rejectionLog = RejectionLog(logger: logger, stage: .router)
        self.stop = stop
        self.context = try ZMQContext()
    }

    /// Binds the input and each mapped type's worker endpoints, connects to the sink, and routes until `stop` is
    /// requested and the input has drained (`StageDrain`); then gives the workers up to 10 s for what is still held and
    /// logs what none took. Throws when the runtime directory or a socket fails.
    public func run() throws {
        try configuration.endpoints.prepareRuntimeDirectory()
        let input = try FrameSocket.pull(
            context, bindingTo: configuration.endpoints.routerListen, name: "input", security: configuration.endpoints.security)
        let sink = try FrameSocket.push(
            context, connectingTo: configuration.endpoints.sink, server: .sink, name: "sink", security: configuration.endpoints.security)
        try openWorkerSockets()
        metrics.loaded(map)
        StageHealth.process.setReady(true)
        logger.info(
            "router started",
            metadata: [
                "listen": "\(configuration.endpoints.routerListen.joined(separator: ","))", "machines": "\(map.typeByCNCID.count)",
                "types": "\(map.types.joined(separator: ","))",
            ])

        var drain: StageDrain?
        var probeDue: UInt64 = 0
        while true {
            rejectionLog.reportOmitted()
            if reload.take() { reloadMap() }
            drain.start(when: stop)
            if monotonicMilliseconds() >= probeDue {
                for outlet in outlets.values { try outlet.probe() }
                probeDue = monotonicMilliseconds() + 1_000
            }
            for outlet in outlets.values {
                try outlet.flush()
                metrics.held(outlet.heldCount, workers: outlet.workerCount, type: outlet.type)
            }
            if outlets.values.contains(where: \.isFull) || outlets.values.reduce(0, { $0 + $1.heldBytes }) >= configuration.heldBytes {
                // A type's queue, or all of them in bytes, is full: stop taking input until the
                // workers catch up. A ROUTER socket says it is writable while any one worker can
                // take more, so this waits for a short time, or for a worker that makes itself
                // known, and tries again.
                _ = try ZMQPoller.wait(for: workerSockets, events: .readable, timeoutMilliseconds: 10)
                if drain.isOver(afterWaiting: 10, gotInput: false) { break }
                continue
            }
            let holding = outlets.values.contains { $0.heldCount > 0 }
            var waited = 0
            var bytes = try input.socket.receive(wait: false)
            if bytes == nil {
                waited = holding ? 10 : 100
                let ready = try ZMQPoller.wait(for: [input.socket] + workerSockets, events: .readable, timeoutMilliseconds: waited)
                if ready.contains(true) { waited = 0 }
                if ready[0] { bytes = try input.socket.receive(wait: false) }
            }
            if drain.isOver(afterWaiting: waited, gotInput: bytes != nil || holding) && bytes == nil { break }
            guard let bytes else { continue }
            try route(bytes, sink: sink)
        }
        // Give the workers a last chance at what is still held, then say what was not delivered.
        let deadline = monotonicMilliseconds() + 10_000
        while outlets.values.contains(where: { $0.heldCount > 0 }) && monotonicMilliseconds() < deadline {
            for outlet in outlets.values { try outlet.flush() }
            usleepMilliseconds(10)
        }
        let undelivered = outlets.values.reduce(0) { $0 + $1.heldCount }
        if undelivered > 0 {
            logger.error(
                "stopping with messages no worker took",
                metadata: [
                    "messages": "\(undelivered)",
                    "types": "\(outlets.values.filter { $0.heldCount > 0 }.map(\.type).sorted().joined(separator: ","))",
                ])
        }
        rejectionLog.reportOmitted(force: true)
        logger.info("router stopped", metadata: ["routed": "\(routed)", "rejected": "\(rejected)", "undelivered": "\(undelivered)"])
    }

    private func route(_ bytes: [UInt8], sink: FrameSocket) throws {
        let index: MessageFrameIndex
        do {
            index = try MessageFrameIndex(bytes)
        } catch {
            rejected += 1
            metrics.rejected.increment(stage: .router, reason: Rejection.undecodableFrame)
            logger.error("undecodable frame", metadata: ["error": "\(error)"])
            try reject(Rejection(undecodableFrame: bytes, at: .router, error: error, rejectedAt: WallClock.nowMicroseconds()), sink: sink)
            return
        }
        // One frame in, at most one frame out per type: order is kept within each machine. The
        // records travel as they came; only their cnc_id is read.
        var byType: [String: [MessageFrameIndex.Record]] = [:]
        var rejections: [Rejection] = []
        for record in index.records {
            if let type = map.type(of: record.cncID), outlets[type] != nil {
                byType[type, default: []].append(record)
            } else {
                let reason = "unknown cnc_id \"\(record.cncID)\": not in the type map"
                rejectionLog.rejected(cncID: record.cncID, reason: reason)
                rejections.append(
                    Rejection(rejecting: try index.message(record), at: .router, reason: reason, rejectedAt: WallClock.nowMicroseconds()))
            }
        }
        for (type, group) in byType {
            try outlets[type]!.offer(index, records: group)
            routed += group.count
            metrics.routed(group.count, type: type)
        }
        if !rejections.isEmpty {
            rejected += rejections.count
            metrics.rejected.increment(stage: .router, reason: rejections[0].reason, by: rejections.count)
            if try !sink.send(.rejections(rejections), stop: stop, logger: logger) {
                logger.error("the sink took no rejections before shutdown", metadata: ["rejections": "\(rejections.count)"])
            }
        }
    }

    private func reject(_ rejection: Rejection, sink: FrameSocket) throws {
        if try !sink.send(.rejections([rejection]), stop: stop, logger: logger) {
            logger.error("the sink took no rejection before shutdown", metadata: ["message_id": "\(rejection.id)"])
        }
    }

    private func openWorkerSockets() throws {
        for type in map.types where outlets[type] == nil {
            let endpoints = configuration.workerListen[type] ?? [configuration.endpoints.workerEndpoint(type: type)]
            let socket = try FrameSocket.workers(context, bindingTo: endpoints, name: "worker-\(type)", security: configuration.endpoints.security)
            outlets[type] = WorkerOutlet(type: type, socket: socket, capacity: configuration.heldPerType, logger: logger)
            workerSockets.append(socket.socket)
            metrics.add(type: type)
            logger.info("serving workers", metadata: ["cnc_type": "\(type)", "endpoint": "\(endpoints.joined(separator: ","))"])
        }
    }

    private func reloadMap() {
        do {
            let (newCatalog, errors) = MachineTypeCatalog.load(
                directory: configuration.typesDirectory, keeping: catalog, strictModes: configuration.strictModes)
            for error in errors { logger.error("a machine type description is refused", metadata: ["error": "\(error)"]) }
            let newMap = try CNCTypeMap.load(path: configuration.mapPath, catalog: newCatalog)
            catalog = newCatalog
            map = newMap
            try openWorkerSockets()
            metrics.mapReloads.increment()
            metrics.loaded(map)
            logger.info("type map reloaded", metadata: ["machines": "\(map.typeByCNCID.count)", "types": "\(map.types.joined(separator: ","))"])
        } catch {
            metrics.failedMapReloads.increment()
            logger.error("type map reload failed, keeping the previous map", metadata: ["error": "\(error)"])
        }
    }
}
