import CNCPlugins
import DescriptionFiles
import Foundation

/// What a file of the types directory defines: a type described as data, or an external
/// program that maps the messages itself.
public enum TypeDefinition: Sendable, Equatable {
    case described(MachineTypeDescription)
    case external(ExternalPluginDescription)

    /// The type's name, as the map file's `class_name` gives it.
    public var name: String {
        switch self {
        case .described(let description): description.name
        case .external(let plugin): plugin.name
        }
    }

    /// How long its machines may stay silent before they count as offline; nil: the default.
    public var offlineAfterSeconds: Double? {
        switch self {
        case .described(let description): description.offlineAfterSeconds
        case .external(let plugin): plugin.offlineAfterSeconds
        }
    }

    /// What maps this type's messages; an external program is started on first use.
    public func mapper() -> any MachineTypeMapper {
        switch self {
        case .described(let description): DescribedType(description)
        case .external(let plugin): ExternalPlugin(plugin)
        }
    }

    /// Reads a definition from its YAML text: a `program` key makes it an external plugin.
    public static func parse(yaml text: String, file: String) throws(DescriptionError) -> TypeDefinition {
        let reader = DescriptionReader(file: file)
        return try reader.definition(try reader.root(yaml: text))
    }
}

/// A machine type mapped by a separate program that speaks the external plugin protocol
/// (docs/external-plugins.md) on its standard input and output.
public struct ExternalPluginDescription: Sendable, Equatable {
    /// The type's name, as the map file's `class_name` gives it.
    public var name: String
    /// The definition's `description`; empty when it gives none.
    public var summary: String
    /// The program and its arguments; a relative program path is taken from `directory`.
    public var command: [String]
    /// The directory of the definition's file: the program's working directory.
    public var directory: String
    /// As `MachineTypeDescription.offlineAfterSeconds`.
    public var offlineAfterSeconds: Double? = nil
    /// Checked before each start of the program (`MES_TYPES_STRICT_MODES`).
    public var strictModes = StrictModes()

    /// The files that make up the program: its executable, as `/usr/bin/env` finds it, and each
    /// argument that names a file (the script an interpreter runs), relative to `directory`.
    public var files: [String] {
        guard let program = command.first else { return [] }
        let executable =
            program.contains("/")
            ? resolved(program)
            : (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(program)" }.first {
                access($0, X_OK) == 0
            }
        let arguments = command.dropFirst().map(resolved).filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        return (executable.map { [$0] } ?? []) + arguments
    }

    /// Why the program cannot be trusted (`StrictModes`), or nil.
    public var strictModesProblem: String? {
        files.lazy.compactMap(strictModes.problem(withFile:)).first.map { "refused to run it: \($0)" }
    }

    private func resolved(_ path: String) -> String {
        path.hasPrefix("/") ? path : "\(directory)/\(path)"
    }
}
