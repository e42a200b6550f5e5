import ArgumentParser
import Foundation
import Logging
import MachineTypes
import PipelineSettings
import StageRuntime

/// The board's options besides `StageOptions`, each named and explained by its description.
public struct BoardOptions: StageServiceOptions {
    public static let stageName = "board"

    @Option(name: BoardSettings.listen.name, help: BoardSettings.listen.help) var listen: String?
    @Option(name: BoardSettings.database.name, help: BoardSettings.database.help) var databaseURL: String?
    @Option(name: BoardSettings.shifts.name, help: BoardSettings.shifts.help) var shifts: String?
    @Option(name: BoardSettings.timeZone.name, help: BoardSettings.timeZone.help) var timeZone: String?
    @Option(name: BoardSettings.authentication.name, help: BoardSettings.authentication.help) var auth: String?
    @Option(name: MachineTypeSettings.cncTypes.name, help: MachineTypeSettings.cncTypes.help) var cncTypes: String?
    @Option(name: MachineTypeSettings.defaultOfflineAfter.name, help: MachineTypeSettings.defaultOfflineAfter.help) var offlineAfterS: String?

    public init() {}

    public func service(stage: StageOptions, logger: Logger) throws -> BoardService {
        BoardService(configuration: try configuration(), logger: logger)
    }

    public func configuration(environment: SettingsEnvironment = .process) throws -> BoardService.Configuration {
        let conninfo =
            try BoardSettings.database.value(databaseURL, environment: environment) ?? DatabaseSettings.conninfo(nil, environment: environment)
        StageRunner.hideSecrets(in: conninfo)
        let authentication = try BoardSettings.authentication.value(auth, environment: environment)
        if let authentication { StageRunner.hideSecrets(in: authentication.secret) }
        return BoardService.Configuration(
            listen: try BoardSettings.listen.required(listen, environment: environment),
            database: try DatabaseAddress(parsing: conninfo, environment: environment),
            timeZone: try BoardSettings.timeZone.value(timeZone, environment: environment) ?? TimeZone.current.identifier,
            shifts: try BoardSettings.shifts.value(shifts, environment: environment),
            authentication: authentication,
            defaultOfflineAfterSeconds: try MachineTypeSettings.defaultOfflineAfter.required(offlineAfterS, environment: environment),
            mapPath: try MachineTypeSettings.cncTypes.required(cncTypes, environment: environment)
        )
    }
}
