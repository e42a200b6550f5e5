import CNCPlugins
import CollectorCore
import Foundation
import Logging
import ServiceLifecycle
import StageRuntime
import Synchronization
import UnixSignals
import ZeroMQ

/// `router`: sends each accepted message to the workers of its machine's type, as the map file
/// says; a message whose `cnc_id` is not in the map becomes a rejection. SIGHUP reloads the map
/// between two messages, so a reload loses nothing.
public struct RouterService: Service, CustomStringConvertible {
    /// Keeps service-group logs and errors short: the configuration is logged at start-up.
    public var description: String { "router" }

    public struct Configuration: Sendable {
        public var mapPath: String
        public var endpoints: StageEndpoints
        /// Per-type bind endpoints that replace the default `ipc://RUNTIME/worker-TYPE.ipc`.
        public var workerListen: [String: [String]]
        /// Messages held for one type whose workers are absent or behind, before routing pauses.
        public var heldPerType = 20_000

        public init(mapPath: String, endpoints: StageEndpoints, workerListen: [String: [String]]) {
            self.mapPath = mapPath
            self.endpoints = endpoints
            self.workerListen = workerListen
        }
    }

    let configuration: Configuration
    let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Reads and checks a map file against the plugins this build has.
    public static func loadMap(path: String) throws -> CNCTypeMap {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingError(reason: "cannot read the type map \(path) (MES_CNC_TYPES)")
        }
        do {
            return try CNCTypeMap(json: Array(data), knownTypes: PluginRegistry.typeNames)
        } catch {
            throw SettingError(reason: "type map \(path): \(error)")
        }
    }

    public func run() async throws {
        let configuration = configuration
        let logger = logger
        let initialMap = try Self.loadMap(path: configuration.mapPath)
        let reloadRequested = ReloadFlag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: [.sighup]) {
                    reloadRequested.set()
                }
            }
            try await BlockingThread.run(name: "router") { stop in
                try RouterLoop(configuration: configuration, map: initialMap, reload: reloadRequested, logger: logger, stop: stop).run()
            }
            group.cancelAll()
        }
    }
}
