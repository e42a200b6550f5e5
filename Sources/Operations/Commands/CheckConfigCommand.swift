import ArgumentParser
import Foundation
import MachineTypes
import StageRuntime

/// `mesctl check-config`: `ConfigurationCheck` from the command line, to gate a deploy.
public struct CheckConfigCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check every setting in the environment, the type map and the links before a deploy; exit 1 on any error.")

    @Option(name: MachineTypeSettings.cncTypes.name, help: MachineTypeSettings.cncTypes.help)
    var cncTypes: String?
    @Option(name: MachineTypeSettings.directory.name, help: MachineTypeSettings.directory.help)
    var typesDir: String?
    @Flag(help: "Also connect to the database (DATABASE_URL)")
    var connect = false

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Prints one line per finding; exits 1 when any is an error. Throws when the type map's or the types directory's setting is invalid.
    public func run() throws {
        let findings = ConfigurationCheck.run(
            mapPath: try MachineTypeSettings.cncTypes.required(cncTypes), typesDirectory: try MachineTypeSettings.directory.required(typesDir),
            connect: connect)
        for finding in findings { print(finding) }
        if findings.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}
