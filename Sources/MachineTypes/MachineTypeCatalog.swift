import CNCPlugins
import Foundation

/// Every machine type a worker can serve: the Swift plugins this build has (`PluginRegistry`)
/// and the descriptions in the types directory.
///
/// Reading the directory again keeps what still works: a file that has become unreadable or
/// invalid is reported, and the description it held before stays in force.
public struct MachineTypeCatalog: Sendable {
    public let directory: String
    /// The described types by name, with the file each came from.
    public private(set) var described: [String: (description: MachineTypeDescription, file: String)] = [:]

    /// The types of `directory`'s descriptions (`*.yaml`, `*.yml`), with the errors of those that
    /// cannot be used. A missing directory holds no type.
    public static func load(directory: String, keeping previous: MachineTypeCatalog? = nil) -> (MachineTypeCatalog, [DescriptionError]) {
        var catalog = MachineTypeCatalog(directory: directory)
        var errors: [DescriptionError] = []
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = "\(directory)/\(name)"
            do throws(DescriptionError) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw DescriptionError(file: path, line: nil, column: nil, path: "", reason: "cannot read the file")
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    throw DescriptionError(file: path, line: nil, column: nil, path: "", reason: "not UTF-8 text")
                }
                let description = try MachineTypeDescription.parse(yaml: text, file: path)
                try catalog.add(description, file: path)
            } catch {
                errors.append(error)
                if let kept = previous?.described.values.first(where: { $0.file == path }), catalog.described[kept.description.name] == nil {
                    catalog.described[kept.description.name] = kept
                }
            }
        }
        return (catalog, errors)
    }

    private mutating func add(_ description: MachineTypeDescription, file: String) throws(DescriptionError) {
        if PluginRegistry.typeNames.contains(description.name) {
            throw DescriptionError(
                file: file, line: nil, column: nil, path: "name", reason: "\(description.name) is a Swift plugin of this build already")
        }
        if let other = described[description.name] {
            throw DescriptionError(
                file: file, line: nil, column: nil, path: "name", reason: "\(description.name) is described in \(other.file) already")
        }
        described[description.name] = (description, file)
    }

    /// Every type name: the Swift plugins' and the described ones.
    public var typeNames: Set<String> { PluginRegistry.typeNames.union(described.keys) }

    /// The type named `name`, or nil.
    public func mapper(named name: String) -> (any MachineTypeMapper)? {
        PluginRegistry.plugin(named: name) ?? described[name].map { DescribedType($0.description) }
    }
}
