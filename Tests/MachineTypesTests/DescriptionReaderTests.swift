import CNCPlugins
import CollectorCore
import Foundation
import TestSupport
import Testing

@testable import MachineTypes

/// A description that cannot be used is refused with its file, line, column and field; any text
/// at all gives a description or such an error, never a crash.
@Suite("Description reader")
struct DescriptionReaderTests {
    static let minimal = """
        name: Mill_2
        status:
          variable: status
          map: {run: running}
        """

    @Test("the shipped descriptions parse")
    func shippedParse() throws {
        #expect(Fixtures.shippedTypes.defined.keys.sorted() == ["CNCTypeA", "CNCTypeC", "MTConnectMill"])
        guard case .described(let mill)? = Fixtures.shippedTypes.defined["MTConnectMill"]?.definition else {
            Issue.record("MTConnectMill is not described")
            return
        }
        #expect(mill.status.variable == "Execution")
        #expect(mill.status.overrides.map(\.variable) == ["Availability", "ControllerMode"])
        #expect(mill.status.overrides[0].values == ["UNAVAILABLE": .offline])
        guard case .described(let description)? = Fixtures.shippedTypes.defined["CNCTypeA"]?.definition else {
            Issue.record("CNCTypeA is not described")
            return
        }
        #expect(description.status.caseSensitive)
        #expect(description.fields.map(\.variable) == ["spin", "X-Axis", "Y-Axis", "Z-Axis", "feed"])
    }

    @Test("a minimal description: a name and a status map; statuses are matched without regard to case by default")
    func minimalDescription() throws {
        let description = try MachineTypeDescription.parse(yaml: Self.minimal, file: "m.yaml")
        #expect(description.name == "Mill_2")
        #expect(description.status == .init(variable: "status", caseSensitive: false, values: ["run": .running], numericCodes: false))
        #expect(description.fields.isEmpty && description.extra.isEmpty && description.checks.isEmpty)
        #expect(description.offlineAfterSeconds == nil)
    }

    @Test(
        "offline_after takes a duration with its unit, or seconds, for described types and external programs alike",
        arguments: [("90s", 90.0), ("5min", 300), ("2h", 7_200), ("1500ms", 1.5), ("45", 45), ("2.5 min", 150)])
    func offlineAfter(_ written: String, _ seconds: Double) throws {
        let described = try TypeDefinition.parse(yaml: "name: M\noffline_after: \(written)\nstatus: {variable: s, map: {a: idle}}", file: "m.yaml")
        let external = try TypeDefinition.parse(yaml: "name: P\noffline_after: \(written)\nprogram: [python3, p.py]", file: "p.yaml")
        #expect(described.offlineAfterSeconds == seconds && external.offlineAfterSeconds == seconds)
    }

    @Test(
        "each mistake names the file, the line, the column and the field",
        arguments: [
            ("", "t.yaml: the file is empty"),
            ("name: [", "t.yaml:2:1: YAML: did not find expected node content"),
            ("- a\n- b", "t.yaml:1:1: must be a mapping of keys to values"),
            ("name: Mill\n", "t.yaml:1:1: status: missing: which variable gives the status, and how it maps"),
            (
                "name: 2Mill\nstatus: {variable: s, map: {a: idle}}",
                #"t.yaml:1:7: name: "2Mill" is not a type name (letters, digits, _; a letter first; at most 64)"#
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}}\ncolour: red",
                "t.yaml:3:1: colour: unknown key; the keys here are name, description, status, fields, extra, checks, offline_after"
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: busy}}",
                #"t.yaml:2:32: status.map.a: "busy" is not one of running, idle, stopped, setup, maintenance, error, offline"#
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle, A: error}}",
                #"t.yaml:2:38: status.map.A: "A" is mapped twice (case does not count unless case_sensitive: true)"#
            ),
            ("name: Mill\nstatus: {variable: s, map: {}}", "t.yaml:2:28: status.map: empty: map at least one status"),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}, overrides: {variable: m}}",
                "t.yaml:2:50: status.overrides: must be a list of {variable, map}, read in order before status.variable"
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}, overrides: [{variable: m, map: {x: busy}}]}",
                #"t.yaml:2:74: status.overrides[0].map.x: "busy" is not one of running, idle, stopped, setup, maintenance, error, offline"#
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}, overrides: [{map: {x: idle}}]}",
                "t.yaml:2:51: status.overrides[0].variable: missing: the payload variable of the status"
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}, overrides: [{variable: m, map: {x: idle}, overrides: []}]}",
                "t.yaml:2:81: status.overrides[0].overrides: unknown key; the keys here are variable, case_sensitive, map"
            ),
            ("name: Mill\nstatus: {variable: s, map: {a: idle}, case_sensitive: maybe}", "t.yaml:2:55: status.case_sensitive: must be true or false"),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}}\nfields:\n  speed: {variable: v}",
                "t.yaml:4:3: fields.speed: not a field of machine_state; the fields are spindle_speed_rpm, feed_rate_mm_min, axis_x_mm, axis_y_mm, "
                    + "axis_z_mm, spindle_load_pct, feed_override_pct, spindle_override_pct, part_count, tool, block, alarm_code, alarm_text"
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}}\nfields:\n  axis_x_mm: {variable: x, unit: furlong}",
                #"t.yaml:4:34: fields.axis_x_mm.unit: "furlong" is not a unit of axis_x_mm: one of cm, in, inch, m, mm, um, µm"#
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}}\nfields:\n  axis_x_mm: {variable: x, plausible: [5, 1]}",
                "t.yaml:4:39: fields.axis_x_mm.plausible: the lowest, 5.0, is above the highest, 1.0"
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}}\nfields:\n  tool: {variable: t, unit: mm}",
                "t.yaml:4:23: fields.tool.unit: unknown key; the keys here are variable, required, max_length"
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}}\nfields:\n  tool: {required: true}",
                "t.yaml:4:9: fields.tool.variable: missing: the payload variable of tool"
            ),
            (
                "name: Mill\nstatus: {variable: s, map: {a: idle}}\nchecks:\n  odd: {feed_rate_mm_min: 0}",
                #"t.yaml:4:9: checks.odd.feed_rate_mm_min: a check compares status or a field this description maps; "feed_rate_mm_min" is neither"#
            ),
            ("name: Mill\nname: Mill\nstatus: {variable: s, map: {a: idle}}", "t.yaml:1:1: a key given twice in one mapping: name"),
            (
                "name: Mill\noffline_after: soon\nstatus: {variable: s, map: {a: idle}}",
                #"t.yaml:2:16: offline_after: "soon" is not a duration such as 90s, 5min, 2h or 500ms"#
            ),
            (
                "name: Mill\noffline_after: 8d\nstatus: {variable: s, map: {a: idle}}",
                #"t.yaml:2:16: offline_after: "8d" is not a duration such as 90s, 5min, 2h or 500ms"#
            ),
            ("name: Mill\noffline_after: 200h\nstatus: {variable: s, map: {a: idle}}", "t.yaml:2:16: offline_after: must be 1s to 7 days, not 200h"),
            ("name: Mill\noffline_after: 0.5s\nstatus: {variable: s, map: {a: idle}}", "t.yaml:2:16: offline_after: must be 1s to 7 days, not 0.5s"),
        ])
    func refused(_ yaml: String, _ expected: String) {
        do {
            _ = try MachineTypeDescription.parse(yaml: yaml, file: "t.yaml")
            Issue.record("accepted:\n\(yaml)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test("20,000 mutations of a description: each gives a description or an error naming the file, never a crash")
    func fuzz() throws {
        let source = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("deploy/types/CNCTypeA.yaml"), encoding: .utf8)
        let pieces = [":", " ", "\n", "{", "}", "[", "]", "-", "\"", "'", "#", "&a", "*a", "!!str ", "1e999", "é", "\t", "? ", "|", ">"]
        var random = TestRandom(seed: 5)
        var parsed = 0, refused = 0
        for _ in 0..<20_000 {
            var characters = Array(source)
            for _ in 0..<(1 + random.below(4)) {
                let at = random.below(characters.count)
                switch random.below(4) {
                case 0: characters.remove(at: at)
                case 1: characters.insert(contentsOf: pieces[random.below(pieces.count)], at: at)
                case 2: characters[at] = Array(pieces[random.below(pieces.count)])[0]
                default:
                    let length = min(characters.count - at, random.below(40))
                    characters.removeSubrange(at..<at + length)
                }
            }
            do {
                let description = try MachineTypeDescription.parse(yaml: String(characters), file: "fuzz.yaml")
                #expect(MachineTypeName.isValid(description.name))
                parsed += 1
            } catch {
                #expect(error.file == "fuzz.yaml" && !error.reason.isEmpty)
                refused += 1
            }
        }
        #expect(parsed > 1_000 && refused > 1_000, "parsed \(parsed), refused \(refused)")
    }

    @Test("the catalog: Swift plugins and described types; a broken or duplicate file is refused, the description it held stays")
    func catalog() throws {
        let directory = try Fixtures.ownDirectory("types")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Fixtures.write(Self.minimal, to: "\(directory)/mill.yaml")
        try Fixtures.write(Self.minimal, to: "\(directory)/copy.yml")
        try Fixtures.write("name: CNCTypeB\nstatus: {variable: s, map: {a: idle}}", to: "\(directory)/b.yaml")
        try Fixtures.write("not: a description", to: "\(directory)/notes.txt")
        let (catalog, errors) = MachineTypeCatalog.load(directory: directory)
        #expect(catalog.typeNames == ["CNCTypeB", "Mill_2"])
        #expect(catalog.mapper(named: "CNCTypeB") is CNCTypeB)
        #expect(catalog.mapper(named: "Mill_2") is DescribedType)
        #expect(
            errors.map(\.description).sorted() == [
                "\(directory)/b.yaml: name: CNCTypeB is a Swift plugin of this build already",
                "\(directory)/mill.yaml: name: Mill_2 is described in \(directory)/copy.yml already",
            ])

        // mill.yaml breaks: the next reading keeps what it held.
        try FileManager.default.removeItem(atPath: "\(directory)/copy.yml")
        let (withMill, _) = MachineTypeCatalog.load(directory: directory)
        try Fixtures.write("name: Mill_2\nstatus: {variable: s}", to: "\(directory)/mill.yaml")
        let (reloaded, reloadErrors) = MachineTypeCatalog.load(directory: directory, keeping: withMill)
        #expect(reloadErrors.map(\.description).contains { $0.hasPrefix("\(directory)/mill.yaml:2:9: status.map: missing") })
        #expect(reloaded.defined["Mill_2"]?.definition == withMill.defined["Mill_2"]?.definition)
        #expect(MachineTypeCatalog.load(directory: "\(directory)/absent").0.typeNames == ["CNCTypeB"])

        // A new file that sorts first cannot take over a type another file defined before.
        try Fixtures.write(Self.minimal, to: "\(directory)/mill.yaml")
        try Fixtures.write(Self.minimal.replacingOccurrences(of: "run: running", with: "go: running"), to: "\(directory)/a-copy.yaml")
        let (kept, keptErrors) = MachineTypeCatalog.load(directory: directory, keeping: withMill)
        #expect(kept.defined["Mill_2"]?.file == "\(directory)/mill.yaml")
        #expect(keptErrors.map(\.description).contains("\(directory)/a-copy.yaml: name: Mill_2 is described in \(directory)/mill.yaml already"))
    }
}

/// The documentation's example and the JSON Schema say what the code does.
@Suite("Machine type documentation")
struct MachineTypeDocumentationTests {
    @Test("the example of docs/machine-types.md is a valid description that maps as it says")
    func documentedExample() throws {
        let document = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("docs/machine-types.md"), encoding: .utf8)
        let start = try #require(document.range(of: "```yaml\n")),
            end = try #require(document.range(of: "```", range: start.upperBound..<document.endIndex))
        let description = try MachineTypeDescription.parse(yaml: String(document[start.upperBound..<end.lowerBound]), file: "docs/machine-types.md")
        #expect(description.name == "LaserCutter")
        let laser = DescribedType(description)
        let message = try Fixtures.cncMessage(payload: #"{"state":1,"x":10,"y":2,"speed":0,"sheets":3,"power":900,"gas":"N2","nozzle":2}"#)
        let state = try laser.machineState(for: message, payload: message.parsePayload())
        #expect(state.status == .running && state.axisXMillimetres == 254 && state.feedRateMMPerMinute == 0 && state.partCount == 3)
        #expect(state.quality == ["cutting_without_feed"] && state.unknownVariables == ["nozzle"])
        #expect(JSONValue.object(state.extra).serialized() == #"{"laser_power_w":900,"gas":"N2"}"#)
    }

    @Test("docs/machine-type.schema.json names the fields, units and statuses the reader takes")
    func schemaAgrees() throws {
        let data = try Data(contentsOf: Fixtures.packageRoot.appendingPathComponent("docs/machine-type.schema.json"))
        guard case .object(let schema) = try JSONParser.parse(Array(data)), case .object(let properties)? = schema["properties"],
            case .object(let fields)? = properties["fields"], case .object(let fieldProperties)? = fields["properties"],
            case .object(let status)? = properties["status"], case .object(let statusProperties)? = status["properties"],
            case .object(let map)? = statusProperties["map"], case .object(let definitions)? = schema["definitions"],
            case .object(let statuses)? = definitions["status"]
        else {
            Issue.record("the schema's layout changed")
            return
        }
        #expect(fieldProperties.keys == StateField.allCases.map(\.rawValue))
        for field in StateField.allCases {
            guard case .object(let fieldSchema)? = fieldProperties[field.rawValue], case .object(let keys)? = fieldSchema["properties"] else {
                continue
            }
            var units: [String] = []
            if case .object(let unit)? = keys["unit"], case .array(let names)? = unit["enum"] {
                units = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
            }
            #expect(units.sorted() == field.quantity.units.keys.sorted(), "\(field)")
        }
        #expect(statuses["enum"] == .array(DescriptionReader.statusNames.map(JSONValue.string)))
        // Every place that takes a status refers to that one list.
        let reference = JSONValue.object(JSONObject(members: [.init(key: "$ref", value: .string("#/definitions/status"))]))
        #expect(map["additionalProperties"] == reference)
        #expect(String(decoding: data, as: UTF8.self).components(separatedBy: "\"#/definitions/status\"").count - 1 == 3)
    }
}
