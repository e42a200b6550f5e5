import ArgumentParser
import Foundation
import StageRuntime

/// `mesctl settings`: every setting of every stage as Markdown tables, or written into the
/// documentation between its marker lines.
public struct SettingsCommand: ParsableCommand {
    /// The subcommand's name and help.
    public static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Print every setting as Markdown tables, or with --update rewrite them in a document (docs/configuration.md)."
    )

    @Option(help: "A Markdown file whose settings tables to rewrite in place")
    var update: String?

    /// Empty: ArgumentParser fills in the options as it parses the command line.
    public init() {}

    /// Prints every section's table, or with `--update` rewrites the file's tables in place; throws when the file cannot be read
    /// or written, or lacks a section's marker lines.
    public func run() throws {
        guard let path = update else {
            for section in SettingsCatalog.sections { print("## \(section.title)\n\n\(SettingsTable.markdown(section.settings))\n") }
            return
        }
        let document = try String(contentsOfFile: path, encoding: .utf8)
        try SettingsTable.update(document: document).write(toFile: path, atomically: true, encoding: .utf8)
    }
}
