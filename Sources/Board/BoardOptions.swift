import ArgumentParser
import Foundation
import Logging
import MachineTypes
import PipelineSettings
import StageRuntime

/// The board's options besides `StageOptions`, each named and explained by its description.
public struct BoardOptions: StageServiceOptions {
    /// `board`: the label of its logs and the key of its metrics default.
    public static let stageName = "board"

    @Option(name: BoardSettings.listen.name, help: BoardSettings.listen.help) var listen: String?
    @Option(name: BoardSettings.database.name, help: BoardSettings.database.help) var databaseURL: String?
    @Option(name: BoardSettings.shifts.name, help: BoardSettings.shifts.help) var shifts: String?
    @Option(name: BoardSettings.timeZone.name, help: BoardSettings.timeZone.help) var timeZone: String?
    @Option(name: BoardSettings.authentication.name, help: BoardSettings.authentication.help) var auth: String?
    @Option(name: MachineTypeSettings.cncTypes.name, help: MachineTypeSettings.cncTypes.help) var cncTypes: String?
    @Option(name: MachineTypeSettings.defaultOfflineAfter.name, help: MachineTypeSettings.defaultOfflineAfter.help) var offlineAfterS: String?

    /// Options as ArgumentParser makes them: every value unset until parsed.
    public init() {}

    /// The board's service, configured by `configuration(environment:)`, whose errors it throws.
    public func service(stage: StageOptions, logger: Logger) throws -> BoardService {
        BoardService(configuration: try configuration(), logger: logger)
    }

    /// The configuration from these options, else `environment`, else the defaults: the database of
    /// `MES_BOARD_DATABASE_URL`, else `DATABASE_URL`, and this host's time zone where `MES_PLANT_TIME_ZONE` is unset. The
    /// passwords it reads are hidden from the logs from then on. Throws when a setting cannot be used.
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
