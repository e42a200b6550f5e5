import CNCPlugins
import DescriptionFiles
import Foundation

/// Every machine type a worker can serve: the Swift plugins this build has (`PluginRegistry`),
/// and the types the files of the types directory define: described ones and external programs.
///
/// Reading the directory again keeps what still works: a file that has become unreadable or
/// invalid is reported, and the description it held before stays in force.
public struct MachineTypeCatalog: Sendable {
    /// The types directory the catalog was read from.
    public let directory: String
    /// The types the directory's files define, by name, with the file each came from.
    public private(set) var defined: [String: (definition: TypeDefinition, file: String)] = [:]
    /// What the directory and its files were checked with.
    public private(set) var strictModes = StrictModes()

    /// The types of `directory`'s descriptions (`*.yaml`, `*.yml`), with the errors of those that
    /// cannot be used. A missing directory holds no type. With `strictModes` on, a directory,
    /// description or external program that others could change is refused (`StrictModes`); a
    /// refused directory holds no type, or keeps `previous`'s.
    public static func load(directory: String, keeping previous: MachineTypeCatalog? = nil, strictModes: StrictModes = StrictModes()) -> (
        MachineTypeCatalog, [DescriptionError]
    ) {
        if let problem = strictModes.problem(withDirectory: directory) {
            let refusal = DescriptionError(file: directory, line: nil, column: nil, path: "", reason: "types directory refused: \(problem)")
            return (previous ?? MachineTypeCatalog(directory: directory, strictModes: strictModes), [refusal])
        }
        var catalog = MachineTypeCatalog(directory: directory, strictModes: strictModes)
        var errors: [DescriptionError] = []
        var read: [(file: String, definition: TypeDefinition)] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = "\(directory)/\(name)"
            do throws(DescriptionError) {
                read.append((path, try definition(in: path, strictModes: strictModes)))
            } catch {
                errors.append(error)
                if let kept = previous?.defined.values.first(where: { $0.file == path }) { read.append((path, kept.definition)) }
            }
        }
        // The files that defined a type before come first, so that a new file cannot take a type over.
        let held = Set(previous?.defined.values.map(\.file) ?? [])
        for entry in read.filter({ held.contains($0.file) }) + read.filter({ !held.contains($0.file) }) {
            do throws(DescriptionError) {
                try catalog.add(entry.definition, file: entry.file)
            } catch {
                errors.append(error)
            }
        }
        return (catalog, errors)
    }

    private static func definition(in path: String, strictModes: StrictModes) throws(DescriptionError) -> TypeDefinition {
        var definition = try TypeDefinition.parse(yaml: try DescriptionReader.text(ofFileAt: path), file: path)
        if let problem = strictModes.problem(withFile: path) {
            throw DescriptionError(file: path, line: nil, column: nil, path: "", reason: "\(definition.name): description refused: \(problem)")
        }
        if case .external(var plugin) = definition {
            plugin.strictModes = strictModes
            if let problem = plugin.strictModesProblem {
                throw DescriptionError(file: path, line: nil, column: nil, path: "program", reason: "\(plugin.name): \(problem)")
            }
            definition = .external(plugin)
        }
        return definition
    }

    private mutating func add(_ definition: TypeDefinition, file: String) throws(DescriptionError) {
        let name = definition.name
        if PluginRegistry.typeNames.contains(name) {
            throw DescriptionError(file: file, line: nil, column: nil, path: "name", reason: "\(name) is a Swift plugin of this build already")
        }
        if let other = defined[name] {
            throw DescriptionError(file: file, line: nil, column: nil, path: "name", reason: "\(name) is described in \(other.file) already")
        }
        defined[name] = (definition, file)
    }

    /// Every type name: the Swift plugins' and the described ones.
    public var typeNames: Set<String> { PluginRegistry.typeNames.union(defined.keys) }

    /// The type named `name`, or nil.
    public func mapper(named name: String) -> (any MachineTypeMapper)? {
        PluginRegistry.plugin(named: name) ?? defined[name]?.definition.mapper()
    }
}
