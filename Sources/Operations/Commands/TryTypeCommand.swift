import ArgumentParser
import MachineTypes
import MessagePublishing
import StageRuntime

/// `mesctl try-type TYPE FILE`: a machine type tried on sample messages before it is deployed.
public struct TryTypeCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "try-type",
        abstract: "Run sample messages through a machine type and print the rows it would store, with no broker and no database.",
        discussion: "TYPE is a type this build or MES_TYPES_DIR has, or the path of a description (*.yaml) not deployed yet."
    )

    @Argument(help: "The type's name, or a description file")
    var type: String
    @Argument(help: "Newline-delimited JSON messages, as sample_data/*.json holds them")
    var file: String
    @Option(name: MachineTypeSettings.directory.name, help: MachineTypeSettings.directory.help)
    var typesDir: String?
    @Option(help: "Instead of the rows: map the accepted messages this many times over and print the cost per message")
    var rounds: Int?

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Prints each sample's outcome, then the counts; with `--rounds`, the time and CPU per message instead. Throws when the type
    /// or the file cannot be read.
    public func run() throws {
        let (catalog, _) = MachineTypeCatalog.load(
            directory: try MachineTypeSettings.directory.required(typesDir), strictModes: try MachineTypeSettings.configuredStrictModes())
        let trial = try TypeTrial(type: type, catalog: catalog)
        let lines = try SampleFile.lines(paths: [file])
        if let rounds {
            _ = trial.measure(lines, rounds: 1) // starts an external program, warms caches
            let cost = trial.measure(lines, rounds: max(1, rounds))
            let perMessage = { (seconds: Double) in String(format: "%.2f", seconds / Double(max(1, cost.messages)) * 1e6) }
            print(
                "\(trial.typeName): \(cost.messages) messages in \(String(format: "%.3f", cost.seconds)) s: "
                    + "\(Int(Double(cost.messages) / max(cost.seconds, 1e-9))) msg/s, \(perMessage(cost.seconds)) µs per message, "
                    + "this process's CPU \(perMessage(cost.cpuSeconds)) µs per message")
            return
        }
        var stored = 0, refused = 0
        for (index, line) in lines.enumerated() {
            let outcome = trial.outcome(of: line)
            print("\(index + 1)  \(outcome.text)")
            if outcome.stored { stored += 1 } else { refused += 1 }
        }
        print("\(trial.typeName): \(stored) stored, \(refused) refused")
    }
}
