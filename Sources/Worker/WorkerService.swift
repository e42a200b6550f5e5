import CNCPlugins
import CollectorCore
import Logging
import MachineTypes
import StageRuntime

/// `worker --type NAME`: runs one plugin over the messages the router sends for that type and
/// sends the resulting rows, or the plugin's rejections, to the sink.
public typealias WorkerService = StageService<WorkerLoop>

extension WorkerLoop: StageLoop {
    /// `worker-` and the type's name, e.g. `worker-CNCTypeA`.
    public static func name(of configuration: Configuration) -> String { "worker-\(configuration.typeName)" }

    /// The configuration's requests: on SIGHUP the worker reads its type's description again.
    public static func reloadRequests(in configuration: Configuration) -> ReloadRequests? { configuration.reloadRequests }

    /// What a worker runs with; `WorkerOptions.configuration(stage:)` makes it from the settings.
    public struct Configuration: Sendable {
        /// The machine type this worker serves (`MES_WORKER_TYPE`).
        public var typeName: String
        /// The router's endpoints the worker connects to for its type's messages (`MES_WORKER_ENDPOINT`).
        public var input: [String]
        /// The sink's endpoints and the links' security.
        public var endpoints: StageEndpoints
        /// The deepest JSON nesting a message's payload may have (`MES_MAX_JSON_DEPTH`).
        public var maxPayloadDepth: Int
        /// Where described types are read from, at start and on SIGHUP.
        public var typesDirectory: String
        /// `MES_TYPES_STRICT_MODES`: whether the types directory and the programs are checked.
        public var strictModes = StrictModes()
        let reloadRequests = ReloadRequests()

        /// A configuration of these values; strict modes keep their default.
        public init(typeName: String, input: [String], endpoints: StageEndpoints, maxPayloadDepth: Int, typesDirectory: String) {
            self.typeName = typeName
            self.input = input
            self.endpoints = endpoints
            self.maxPayloadDepth = maxPayloadDepth
            self.typesDirectory = typesDirectory
        }
    }
}
