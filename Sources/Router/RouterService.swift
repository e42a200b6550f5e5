import CNCPlugins
import CollectorCore
import Foundation
import Logging
import MachineTypes
import StageRuntime

/// `router`: sends each accepted message to the workers of its machine's type, as the map file
/// says; a message whose `cnc_id` is not in the map becomes a rejection. SIGHUP reloads the map
/// and the described types between two messages, so a reload loses nothing.
public typealias RouterService = StageService<RouterLoop>

extension RouterLoop: StageLoop {
    /// Always `router`.
    public static func name(of configuration: Configuration) -> String { "router" }

    /// The configuration's requests: on SIGHUP the router reads the type map and the described types again.
    public static func reloadRequests(in configuration: Configuration) -> ReloadRequests? { configuration.reloadRequests }

    /// What the router runs with; `RouterOptions.configuration(stage:)` makes it from the settings.
    public struct Configuration: Sendable {
        /// The cnc_id to type map file (`MES_CNC_TYPES`), read at start and on SIGHUP.
        public var mapPath: String
        /// The endpoints the router binds for its input, the sink's, and their security.
        public var endpoints: StageEndpoints
        /// Per-type bind endpoints that replace the default `ipc://RUNTIME/worker-TYPE.ipc`.
        public var workerListen: [String: [String]]
        /// Messages held for one type whose workers are absent or behind, before routing pauses.
        public var heldPerType = 20_000
        /// Bytes of frames held for all types together, before routing pauses: what bounds the
        /// router's memory when the messages are large (20,000 of the samples' size are a few MB).
        public var heldBytes = 4 << 20
        /// Where the described types' names come from, at start and on SIGHUP.
        public var typesDirectory: String
        /// `MES_TYPES_STRICT_MODES`: whether the types directory and its files are checked.
        public var strictModes = StrictModes()
        let reloadRequests = ReloadRequests()

        /// A configuration of these values; the holding limits and strict modes keep their defaults.
        public init(mapPath: String, endpoints: StageEndpoints, workerListen: [String: [String]], typesDirectory: String) {
            self.mapPath = mapPath
            self.endpoints = endpoints
            self.workerListen = workerListen
            self.typesDirectory = typesDirectory
        }
    }
}
