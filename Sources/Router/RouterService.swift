import CNCPlugins
import CollectorCore
import Foundation
import Logging
import ServiceLifecycle
import StageRuntime
import UnixSignals

/// `router`: sends each accepted message to the workers of its machine's type, as the map file
/// says; a message whose `cnc_id` is not in the map becomes a rejection. SIGHUP reloads the map
/// between two messages, so a reload loses nothing.
public struct RouterService: Service, CustomStringConvertible {
    public typealias Configuration = RouterLoop.Configuration

    let stage: StageService<RouterLoop>

    public init(configuration: Configuration, logger: Logger) {
        stage = StageService(configuration: configuration, logger: logger)
    }

    public var description: String { stage.description }

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

    /// The stage, with a task beside it that turns each SIGHUP into a reload request.
    public func run() async throws {
        let reloadRequests = stage.configuration.reloadRequests
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: [.sighup]) {
                    reloadRequests.set()
                }
            }
            try await stage.run()
            group.cancelAll()
        }
    }
}

extension RouterLoop: StageLoop {
    public static func name(of configuration: Configuration) -> String { "router" }

    public struct Configuration: Sendable {
        public var mapPath: String
        public var endpoints: StageEndpoints
        /// Per-type bind endpoints that replace the default `ipc://RUNTIME/worker-TYPE.ipc`.
        public var workerListen: [String: [String]]
        /// Messages held for one type whose workers are absent or behind, before routing pauses.
        public var heldPerType = 20_000
        /// Set on SIGHUP by `RouterService`, taken by the loop between two messages.
        let reloadRequests = ReloadFlag()

        public init(mapPath: String, endpoints: StageEndpoints, workerListen: [String: [String]]) {
            self.mapPath = mapPath
            self.endpoints = endpoints
            self.workerListen = workerListen
        }
    }
}
