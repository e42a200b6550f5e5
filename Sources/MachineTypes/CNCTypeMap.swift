import CNCPlugins
import CollectorCore
import Foundation
import StageRuntime

/// Which plugin type handles which machine: the seed's `cnc_classes.json` format,
/// `[{"cnc_id": "CNC001", "class_name": "CNCTypeA"}, ...]`, where an entry may also name the
/// machine's production line (`"line": "line2"`) for the board to group machines by.
public struct CNCTypeMap: Sendable, Equatable {
    /// The type name of each machine, by `cnc_id`.
    public private(set) var typeByCNCID: [String: String]
    /// The lines the entries name; a machine's source may tag it with another (`{line}` in its topic).
    public private(set) var lineByCNCID: [String: String] = [:]

    /// Why a map cannot be used: the first problem found, naming its entry by 0-based index where there is one.
    public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The problem, in words for whoever edits the file.
        public var reason: String
        /// The reason.
        public var description: String { reason }
    }

    /// A map of the given machines, with no lines, taken as it is without any check.
    public init(typeByCNCID: [String: String]) {
        self.typeByCNCID = typeByCNCID
    }

    /// Parses and checks a map file. Every entry must name a valid `cnc_id` once and a type
    /// name; `knownTypes`, when given, must contain every type the map names.
    public init(json: [UInt8], knownTypes: Set<String>? = nil) throws(LoadError) {
        let document: JSONValue
        do throws(JSONParseError) {
            document = try JSONParser.parse(json)
        } catch {
            throw LoadError(reason: "not valid JSON: \(error)")
        }
        guard case .array(let entries) = document else {
            throw LoadError(reason: "expected a JSON array of {\"cnc_id\", \"class_name\"} objects")
        }
        var map: [String: String] = [:], lines: [String: String] = [:]
        for (index, entry) in entries.enumerated() {
            guard case .object(let object) = entry else {
                throw LoadError(reason: "entry \(index): expected an object")
            }
            guard case .string(let cncID) = object["cnc_id"] else {
                throw LoadError(reason: "entry \(index): \"cnc_id\" must be a string")
            }
            guard case .string(let typeName) = object["class_name"] else {
                throw LoadError(reason: "entry \(index): \"class_name\" must be a string")
            }
            if let problem = CNCIdentifier.problem(cncID) {
                throw LoadError(reason: "entry \(index): cnc_id \"\(cncID.prefix(64))\" \(problem)")
            }
            guard MachineTypeName.isValid(typeName) else {
                throw LoadError(
                    reason: "entry \(index): class_name \"\(typeName.prefix(64))\" is not a type name (letters, digits, _; a letter first)")
            }
            if let knownTypes, !knownTypes.contains(typeName) {
                throw LoadError(
                    reason: "entry \(index): no machine type named \"\(typeName)\" (known: \(knownTypes.sorted().joined(separator: ", ")))")
            }
            if map[cncID] != nil {
                throw LoadError(reason: "entry \(index): cnc_id \"\(cncID)\" is listed twice")
            }
            switch object["line"] {
            case nil, .null?: break
            case .string(let line)? where !line.isEmpty && line.utf8.count <= 64: lines[cncID] = line
            default: throw LoadError(reason: "entry \(index): \"line\" must be a text of 1 to 64 bytes")
            }
            map[cncID] = typeName
        }
        self.typeByCNCID = map
        self.lineByCNCID = lines
    }

    /// The type name of the machine `cncID`, or nil when the map does not list it.
    public func type(of cncID: String) -> String? {
        typeByCNCID[cncID]
    }

    /// Every type the map names, sorted.
    public var types: [String] { Array(Set(typeByCNCID.values)).sorted() }
}

extension CNCTypeMap {
    /// Reads a map file (`MES_CNC_TYPES`) and checks every type it names against `catalog`.
    public static func load(path: String, catalog: MachineTypeCatalog) throws -> CNCTypeMap {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingError(reason: "cannot read the type map \(path) (MES_CNC_TYPES)")
        }
        do {
            return try CNCTypeMap(json: Array(data), knownTypes: catalog.typeNames)
        } catch {
            throw SettingError(reason: "type map \(path): \(error)")
        }
    }
}
