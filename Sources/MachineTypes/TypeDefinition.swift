import CNCPlugins
import DescriptionFiles

/// What a file of the types directory defines: a type described as data, or an external
/// program that maps the messages itself.
public enum TypeDefinition: Sendable, Equatable {
    case described(MachineTypeDescription)
    case external(ExternalPluginDescription)

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
    public var name: String
    public var summary: String
    /// The program and its arguments; a relative program path is taken from `directory`.
    public var command: [String]
    /// The directory of the definition's file: the program's working directory.
    public var directory: String
    /// As `MachineTypeDescription.offlineAfterSeconds`.
    public var offlineAfterSeconds: Double? = nil
}
