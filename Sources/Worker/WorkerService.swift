import CNCPlugins
import CollectorCore
import Logging
import MachineTypes
import StageRuntime

/// `worker --type NAME`: runs one plugin over the messages the router sends for that type and
/// sends the resulting rows, or the plugin's rejections, to the sink.
public typealias WorkerService = StageService<WorkerLoop>

extension WorkerLoop: StageLoop {
    public static func name(of configuration: Configuration) -> String { "worker-\(configuration.typeName)" }

    public static func reloadRequests(in configuration: Configuration) -> ReloadRequests? { configuration.reloadRequests }

    public struct Configuration: Sendable {
        public var typeName: String
        public var input: [String]
        public var endpoints: StageEndpoints
        public var maxPayloadDepth: Int
        /// Where described types are read from, at start and on SIGHUP.
        public var typesDirectory: String
        /// `MES_TYPES_STRICT_MODES`: whether the types directory and the programs are checked.
        public var strictModes = StrictModes()
        let reloadRequests = ReloadRequests()

        public init(typeName: String, input: [String], endpoints: StageEndpoints, maxPayloadDepth: Int, typesDirectory: String) {
            self.typeName = typeName
            self.input = input
            self.endpoints = endpoints
            self.maxPayloadDepth = maxPayloadDepth
            self.typesDirectory = typesDirectory
        }
    }
}
